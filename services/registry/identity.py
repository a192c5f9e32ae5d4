"""National ID numbers (GB 11643-1999) and mainland phone numbers: format rules, no storage.

Each check returns a normalised value or raises `IdentityError(code, message)`; the schemas
turn that into a field error. Kept free of marshmallow so the rules are plain to test.
"""
import re
from datetime import date

from carekit.clock import china_today

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"
PROVINCE_CODES = {11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44,
                  45, 46, 50, 51, 52, 53, 54, 61, 62, 63, 64, 65, 71, 81, 82}
_ID_SHAPE = re.compile(r"^\d{17}[\dX]$")
_MOBILE = re.compile(r"^1[3-9]\d{9}$")
# area code 0XX or 0XXX, subscriber number of 7-8 digits not starting with 0 or 1, extension
_LANDLINE = re.compile(r"^(0\d{2,3})-?([2-9]\d{6,7})(?:-(\d{1,6}))?$")


class IdentityError(ValueError):
    def __init__(self, code, message):
        super().__init__(message)
        self.code = code
        self.message = message


def check_digit(first17):
    return CHECK_CHARS[sum(int(d) * w for d, w in zip(first17, WEIGHTS)) % 11]


def normalise_national_id(value, today=None):
    """'43010220150302123x ' -> '43010220150302123X', or IdentityError."""
    text = str(value or "").strip().upper().replace(" ", "")
    if len(text) != 18:
        raise IdentityError("bad_id_length", "身份证号应为18位")
    if not _ID_SHAPE.match(text):
        raise IdentityError("bad_id_format", "身份证号前17位应为数字，最后一位为数字或X")
    if int(text[:2]) not in PROVINCE_CODES:
        raise IdentityError("bad_id_region", "身份证号的地区码不对")
    born = birth_date_of(text)
    if born is None:
        raise IdentityError("bad_id_birth_date", "身份证号中的出生日期不存在")
    if born > (today or china_today()) or born.year < 1900:
        raise IdentityError("bad_id_birth_date", "身份证号中的出生日期不合理")
    if check_digit(text[:17]) != text[17]:
        raise IdentityError("bad_id_check_digit", "身份证号校验位不对，请核对")
    return text


def birth_date_of(national_id):
    try:
        return date(int(national_id[6:10]), int(national_id[10:12]), int(national_id[12:14]))
    except ValueError:
        return None


def gender_of(national_id):
    """The 17th digit: odd for male, even for female."""
    return "male" if int(national_id[16]) % 2 else "female"


def normalise_phone(value):
    """A mainland mobile ('13812345678') or landline ('0731-84123456[-12]'), normalised;
    accepts spaces, dashes and a +86/86 prefix on mobiles."""
    text = re.sub(r"[\s()（）]", "", str(value or ""))
    if not text:
        raise IdentityError("bad_phone", "电话号码不能为空")
    mobile = re.sub(r"^(\+?86)(?=1)", "", text).replace("-", "")
    if _MOBILE.match(mobile):
        return mobile
    match = _LANDLINE.match(text)
    if match:
        area, number, extension = match.groups()
        return "{}-{}".format(area, number) + ("-" + extension if extension else "")
    if mobile.isdigit() and mobile.startswith("1"):
        raise IdentityError("bad_phone", "手机号码应为1开头的11位数字")
    raise IdentityError("bad_phone", "电话号码格式不对：手机为11位，座机为区号-号码，如0731-84123456")


def age_on(born, day):
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def compose_national_id(region, born, sequence, gender):
    """A well-formed ID for demo and test data: 6-digit region, birth date, a 2-digit
    sequence and a gender digit, then the check digit."""
    gender_digit = (sequence % 5) * 2 + (1 if gender == "male" else 0)
    first17 = "{}{:%Y%m%d}{:02d}{}".format(region, born, sequence % 100, gender_digit)
    return first17 + check_digit(first17)
