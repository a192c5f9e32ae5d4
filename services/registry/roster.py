"""Roster files (花名册): the documented template, and reading .xlsx / .csv rows into
ChildInput payloads, with every problem named by row number and column.

The roster is authoritative for the columns of the template: importing it again changes
nothing; a row whose national ID already has a file at this school updates that file.
"""
import csv
import io
import re
from datetime import date, datetime

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.worksheet.datavalidation import DataValidation

from registry import vocabulary as words

MAX_ROWS = 5000
GRADE = "年级"
CLASS = "班级"
SIBLING = "同户兄弟姐妹身份证号"
PARENT_FIELDS = [("姓名", "name"), ("务工省份", "work_province"), ("务工城市", "work_city"),
                 ("职业", "occupation"), ("电话", "phone"), ("回家频率", "home_frequency")]


def _choices(vocabulary):
    return "、".join(vocabulary.values())


# (header, payload path, required, how to fill it in)
COLUMNS = [
    ("姓名", "name", True, "儿童姓名"),
    ("身份证号", "national_id", True, "18位，最后一位可为X；请把此列设为文本格式"),
    ("性别", "gender", False, "男 或 女；不填则按身份证号"),
    ("出生日期", "birth_date", False, "如 2015-03-02；不填则按身份证号"),
    (GRADE, None, True, "1至12 或 一年级、三年级……"),
    (CLASS, None, True, "班号，如 2 或 2班；班级须已在系统中建立"),
    ("留守类型", "left_behind_type", True, _choices(words.LEFT_BEHIND_TYPE)),
    ("流动留守", "migrant_left_behind", False, "是 或 否：随父母外出后又被留在异地亲属处"),
    ("住校", "boards_at_school", False, "是 或 否；不清楚可不填"),
    ("在校就餐", "lunch_at_school", False, "是 或 否；不清楚可不填"),
] + [
    (words.PARENT_RELATION[rel] + label, "parents.{}.{}".format(rel, key), False,
     ("手机11位或座机 区号-号码" if key == "phone" else "外出务工的{}填写".format(
         words.PARENT_RELATION[rel])))
    for rel in ("father", "mother") for label, key in PARENT_FIELDS
] + [
    ("监护人姓名", "guardian.name", True, "监护人或委托人"),
    ("监护人关系", "guardian.relation", True, _choices(words.GUARDIAN_RELATION)),
    ("监护人年龄", "guardian.age", False, "周岁，至少16"),
    ("监护人身体状况", "guardian.situation", False, _choices(words.GUARDIAN_SITUATION) +
     "，可填多项，用、分隔；都不是填 " + words.HEALTHY_LABEL),
    ("监护人文化程度", "guardian.literacy", False, _choices(words.GUARDIAN_LITERACY)),
    ("监护人电话", "guardian.phone", False, "手机11位或座机 区号-号码"),
    ("家庭住址", "guardian.address", False, ""),
    ("家庭困难", "family_hardship", False, "是 或 否"),
    ("低保户", "low_income_registered", False, "是 或 否"),
    ("困难情况说明", "hardship_note", False, ""),
    ("特殊需要", "special_needs", False, _choices(words.SPECIAL_NEEDS) + "，多项用、分隔"),
    (SIBLING, "sibling_national_id", False, "已在本县建档或在本表中的兄弟姐妹"),
    ("备注", "notes", False, ""),
]
HEADERS = [c[0] for c in COLUMNS]
# headers of earlier templates -> today's
HEADER_ALIASES = {"监护人健康状况": "监护人身体状况"}
REQUIRED = [c[0] for c in COLUMNS if c[2]]
_BY_PATH = {c[1]: c[0] for c in COLUMNS if c[1]}


class RosterFileError(ValueError):
    def __init__(self, code, message):
        super().__init__(message)
        self.code = code
        self.message = message


# -- the template ---------------------------------------------------------------------------------
def template_xlsx():
    book = Workbook()
    sheet = book.active
    sheet.title = "留守儿童花名册"
    sheet.append(HEADERS)
    for index, (header, path, required, _) in enumerate(COLUMNS, start=1):
        cell = sheet.cell(row=1, column=index)
        cell.font = Font(bold=True, color="C00000" if required else "000000")
        cell.fill = PatternFill("solid", fgColor="FFF2CC")
        cell.alignment = Alignment(horizontal="center")
        letter = cell.column_letter
        sheet.column_dimensions[letter].width = max(10, len(header) * 2 + 2)
        if path in ("national_id", "sibling_national_id") or (path or "").endswith("phone"):
            for row in range(2, 1002):
                sheet.cell(row=row, column=index).number_format = "@"
    yes_no = {"y": "是", "n": "否"}
    # the situation takes several values in one cell: its list offers, and refuses nothing
    situations = dict(words.GUARDIAN_SITUATION, healthy=words.HEALTHY_LABEL)
    for path, vocabulary in (("gender", words.GENDER), ("left_behind_type", words.LEFT_BEHIND_TYPE),
                             ("migrant_left_behind", yes_no), ("boards_at_school", yes_no),
                             ("lunch_at_school", yes_no),
                             ("guardian.relation", words.GUARDIAN_RELATION),
                             ("guardian.situation", situations),
                             ("guardian.literacy", words.GUARDIAN_LITERACY),
                             ("family_hardship", yes_no), ("low_income_registered", yes_no)):
        letter = sheet.cell(row=1, column=HEADERS.index(_BY_PATH[path]) + 1).column_letter
        rule = DataValidation(type="list", formula1='"{}"'.format(",".join(vocabulary.values())),
                              allow_blank=True, showErrorMessage=path != "guardian.situation")
        rule.add("{0}2:{0}1001".format(letter))
        sheet.add_data_validation(rule)
    sheet.freeze_panes = "A2"
    notes = book.create_sheet("填写说明")
    notes.append(["列名", "是否必填", "填写说明"])
    for header, _, required, hint in COLUMNS:
        notes.append([header, "必填" if required else "选填", hint])
    notes.append([])
    notes.append(["说明", "", "每行一名儿童；红色列名为必填。按身份证号识别：本校已有档案的更新，"
                            "新的建档；同一文件重复导入不会改变任何内容。"])
    notes.column_dimensions["A"].width = 22
    notes.column_dimensions["C"].width = 70
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def template_csv():
    # UTF-8 with BOM: Excel on Chinese Windows then opens it with the right characters
    return ("\ufeff" + ",".join(HEADERS) + "\r\n").encode("utf-8")


# -- reading ---------------------------------------------------------------------------------------
def read_rows(filename, content):
    """-> (headers, [(row_number, {header: text})]) with blank rows skipped."""
    if filename.lower().endswith(".csv"):
        table = _csv_table(content)
    else:
        table = _xlsx_table(content)
    if not table:
        raise RosterFileError("empty_file", "文件是空的")
    headers = [HEADER_ALIASES.get(_text(h), _text(h)) for h in table[0][1]]
    missing = [h for h in REQUIRED if h not in headers]
    if missing:
        raise RosterFileError("missing_columns", "缺少必填列：" + "、".join(missing) +
                              "（请使用下载的模板）")
    rows = []
    for number, values in table[1:]:
        record = {h: _text(v) for h, v in zip(headers, values) if h in HEADERS}
        if any(record.values()):
            rows.append((number, record))
    if len(rows) > MAX_ROWS:
        raise RosterFileError("too_many_rows", "一次最多导入{}行".format(MAX_ROWS))
    return headers, rows


def _csv_table(content):
    for encoding in ("utf-8-sig", "gb18030"):  # Excel in China saves CSV as GBK
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise RosterFileError("bad_encoding", "CSV 文件编码无法识别，请另存为 UTF-8")
    return [(number, row) for number, row in enumerate(csv.reader(io.StringIO(text)), start=1)]


def _xlsx_table(content):
    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception:
        raise RosterFileError("bad_xlsx", "无法读取该 Excel 文件，请使用 .xlsx 格式")
    sheet = book.worksheets[0]
    table = [(number, list(row)) for number, row in enumerate(
        sheet.iter_rows(values_only=True), start=1)]
    book.close()
    return table


def _text(value):
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


# -- row -> payload --------------------------------------------------------------------------------
_CN_NUMBERS = {name: index + 1 for index, name in enumerate(words.GRADE_NAMES)}


def grade_of(text):
    text = text.replace("年级", "").strip()
    if text.isdigit():
        return int(text)
    return _CN_NUMBERS.get(text)


def class_number_of(text):
    text = re.sub(r"[()（）班\s]", "", text)
    return int(text) if text.isdigit() else None


def payload_of(record):
    """A row's cells -> the ChildInput-shaped dict (without school and class)."""
    payload, parents, guardian = {}, {}, {}
    for header, path, _, _ in COLUMNS:
        value = record.get(header, "")
        if not path or value == "":
            continue
        if path.startswith("parents."):
            _, relation, key = path.split(".")
            parents.setdefault(relation, {"relation": relation})[key] = value
        elif path.startswith("guardian."):
            guardian[path.split(".", 1)[1]] = value
        elif path == "special_needs":
            payload[path] = [{"kind": k} for k in re.split(words.LIST_SEPARATORS, value) if k]
        else:
            payload[path] = value
    payload["parents"] = [parents[r] for r in ("father", "mother") if r in parents]
    payload["guardian"] = guardian
    return payload


def absent_fields(headers):
    """Top-level file fields whose column the file does not have (an earlier template): a
    re-import leaves them as they are."""
    return {path for header, path, _, _ in COLUMNS
            if path and "." not in path and header not in headers}


def column_of(field, payload):
    """An error's field path -> the template column a person should look at."""
    parts = field.split(".")
    if parts[0] == "parents" and len(parts) > 1 and parts[1].isdigit():
        relation = payload["parents"][int(parts[1])]["relation"]
        if len(parts) == 2 or parts[2] == "relation":
            return "留守类型"
        return _BY_PATH.get("parents.{}.{}".format(relation, parts[2]), field)
    if parts[0] == "special_needs":
        return _BY_PATH["special_needs"]
    if parts[0] in ("class_id", "grade", "class_number"):
        return "{}/{}".format(GRADE, CLASS)
    return _BY_PATH.get(".".join(parts[:2]), _BY_PATH.get(parts[0], field))
