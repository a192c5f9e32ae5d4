"""National ID and phone numbers at rest: encrypted (Fernet), findable by a keyed hash, masked.

A sealed value is stored as {"enc": <Fernet token>, "hash": <HMAC-SHA256 hex>}. The hash key is
derived from the configured key (HKDF) so the encryption key itself never keys a hash: equal
numbers have equal hashes (duplicates are found without decrypting), yet the hash alone cannot
be reversed without the key (an unkeyed hash of an 18-digit ID is brute-forceable).
"""
import base64
import hashlib
import hmac

from cryptography.fernet import Fernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF


class Vault:
    def __init__(self, key):
        self._fernet = Fernet(key)
        raw = base64.urlsafe_b64decode(key.encode() if isinstance(key, str) else key)
        self._hash_key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
                              info=b"care-network registry lookup hash v1").derive(raw)

    def hash(self, value):
        return hmac.new(self._hash_key, value.encode("utf-8"), hashlib.sha256).hexdigest()

    def seal(self, value):
        if value is None:
            return None
        return {"enc": self._fernet.encrypt(value.encode("utf-8")).decode("ascii"),
                "hash": self.hash(value)}

    def open(self, sealed):
        if not sealed:
            return None
        return self._fernet.decrypt(sealed["enc"].encode("ascii")).decode("utf-8")


# -- masking: what a masked value may still show --------------------------------------------
#
# A GB 11643 ID is region (1-6), birth date (7-14), sequence (15-16), a gender digit (17: odd
# male, even female) and a check digit (18) computed from the first 17. Every masked view shows
# the birth date and gender beside the ID, events carry them, and the school's county gives the
# region: so the masked ID must hide the sequence, and the check digit as well. With 15-17
# hidden, (birth date, gender, county) leave 100 x 5 = 500 sequences, every one of them a valid
# ID (its check digit is computed, not checked); a visible check digit would cut that to ~45,
# and with the old form (the last four shown) exactly one remained. So only the first four
# digits (province and prefecture, the same for the whole county) are shown.
#
# A mainland mobile number is 11 digits: a 3-digit carrier prefix, a 4-digit area/HLR block
# and a 4-digit subscriber number. Showing the prefix and the last four (7 of 11, the practice
# of GB/T 35273 examples) hides the 4-digit block: 10,000 numbers fit a masked mobile, and no
# masked view carries anything that narrows the block (no city of the phone is stored). Fewer
# than 4 hidden digits would leave a list short enough to dial through, so a masked mobile keeps
# at most 7 digits. A landline keeps its area code (public, the county's own) and hides at
# least 4 digits of the subscriber number too; an extension is never shown.
SHOWN_ID_DIGITS = 4
MOBILE_SHOWN = (3, 4)  # prefix, suffix
HIDDEN_PHONE_DIGITS = 4


def mask_national_id(value):
    """430124201605170131 -> 4301**************"""
    if not value:
        return value
    return value[:SHOWN_ID_DIGITS] + "*" * (len(value) - SHOWN_ID_DIGITS)


def mask_phone(value):
    """138****5678; 0731-****4321 (8-digit number), 0731-****321 (7 digits)"""
    if not value:
        return value
    if "-" in value:
        area, rest = value.split("-", 1)
        number = rest.split("-", 1)[0]  # the extension is dropped
        shown = max(len(number) - HIDDEN_PHONE_DIGITS, 0)
        return area + "-" + "*" * (len(number) - shown) + (number[-shown:] if shown else "")
    head, tail = MOBILE_SHOWN
    if len(value) < head + tail + HIDDEN_PHONE_DIGITS:
        return "*" * len(value)
    return value[:head] + "*" * (len(value) - head - tail) + value[-tail:]
