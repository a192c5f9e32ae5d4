"""Roster import of a realistic generated roster (faker zh_CN) with deliberately bad rows:
exactly the expected rows are accepted and rejected, in both modes, and a second import of
the same file changes nothing."""
import base64
import io
import json
from datetime import date

import pytest
from nameko.exceptions import RemoteError
from openpyxl import load_workbook

from carekit.events.records import EVENT_LOG
from carekit.testing.plugin import wait_for
from registry import roster
from registry.identity import compose_national_id
from registry.sample_roster import RosterMaker, to_csv, to_xlsx
from registry.tests.helpers import (  # noqa: F401  (fixtures too)
    child_payload, county, db, error_of, logged_events, registry, registry_config)

ROWS = 300
CLASSES = [(3, 2), (4, 1)]


def spoil(rows, county):
    """Spoil chosen rows; returns {row number: {(column, code), ...}} expected rejections.
    Row numbers are spreadsheet rows: the header is row 1."""
    expected = {}

    def bad(index, errors, **cells):
        rows[index].update(cells)
        expected[index + 2] = set(errors)

    idx = iter(range(5, ROWS, 13))
    good_id = rows[3]["身份证号"]
    i = next(idx)
    wrong = "0" if rows[i]["身份证号"][-1] != "0" else "1"
    bad(i, {("身份证号", "bad_id_check_digit")}, 身份证号=rows[i]["身份证号"][:17] + wrong)
    bad(next(idx), {("身份证号", "bad_id_length")}, 身份证号=good_id[:17])
    bad(next(idx), {("姓名", "required")}, 姓名="")
    i = next(idx)
    bad(i, {("性别", "gender_mismatch")}, 性别="女" if rows[i]["性别"] == "男" else "男")
    i = next(idx)
    bad(i, {("出生日期", "birth_date_mismatch")}, 出生日期="2010-01-01")
    bad(next(idx), {("年级/班级", "unknown_class")}, 年级="九年级", 班级="9")
    bad(next(idx), {("监护人电话", "bad_phone")}, 监护人电话="0731-123")
    bad(next(idx), {("监护人年龄", "guardian_too_young")}, 监护人年龄="14")
    bad(next(idx), {("留守类型", "not_allowed")}, 留守类型="爷爷外出")
    i = next(idx)
    bad(i, {("留守类型", "parent_not_away")}, 留守类型="父亲外出", 母亲姓名="某某",
        父亲姓名="某父", 父亲电话="13800001111")
    bad(next(idx), {("身份证号", "duplicate_in_file")}, 身份证号=good_id, 性别=rows[3]["性别"],
        出生日期=rows[3]["出生日期"])
    bad(next(idx), {("身份证号", "duplicate_national_id")},
        身份证号=county["other_school_id_number"], 性别="男", 出生日期="2016-05-17")
    bad(next(idx), {("监护人身体状况", "not_allowed")}, 监护人身体状况="还行")
    bad(next(idx), {("监护人身体状况", "healthy_and_not")}, 监护人身体状况="健康、年老")
    bad(next(idx), {("流动留守", "not_boolean")}, 流动留守="不知道")
    bad(next(idx), {("家庭困难", "not_boolean")}, 家庭困难="也许")
    bad(next(idx), {("监护人姓名", "required")}, 监护人姓名="")
    bad(next(idx), {("同户兄弟姐妹身份证号", "unknown_sibling")},
        同户兄弟姐妹身份证号=compose_national_id("430124", date(2012, 1, 1), 99, "male"))
    i = next(idx)
    bad(i, {("父亲电话", "bad_phone"), ("监护人年龄", "guardian_too_young")}, 留守类型="父母均外出",
        父亲电话="1234", 监护人年龄="10")
    adult = compose_national_id("430124", date(2001, 3, 3), 5, "female")
    bad(next(idx), {("身份证号", "not_a_child")}, 身份证号=adult, 性别="女", 出生日期="2001-03-03")
    bad(next(idx), {("出生日期", "future_date")}, 出生日期="2099-01-01")
    bad(next(idx), {("特殊需要", "not_allowed")}, 特殊需要="近视")
    return expected


@pytest.fixture
def roster_case(registry, county):
    maker = RosterMaker(seed=20261101)
    rows = maker.rows(ROWS, CLASSES)
    # a child already at the other school, and one already at this school (to be updated)
    elsewhere = registry.register_child(child_payload(
        county, seq=77, school_id=county["schools"][1]["id"], class_id=county["classes"][2]["id"]))
    county = dict(county, other_school_id_number=compose_national_id(
        "430124", date(2016, 5, 17), 77, "male"))
    expected = spoil(rows, county)
    here = rows[10]
    existing = registry.register_child(child_payload(
        county, name=here["姓名"], national_id=here["身份证号"], gender=None, birth_date=None,
        class_id=county["classes"][0]["id"]))
    rows[20]["同户兄弟姐妹身份证号"] = rows[21]["身份证号"]  # siblings, both new, in this file
    return {"rows": rows, "expected": expected, "elsewhere": elsewhere, "existing": existing,
            "content": to_xlsx(rows)}


def _import(registry, county, content, mode, filename="花名册.xlsx"):
    return registry.import_roster({"school_id": county["schools"][0]["id"], "filename": filename,
                                   "content_base64": base64.b64encode(content).decode(),
                                   "mode": mode})


def _rejections(result):
    return {r["row"]: {(e["column"], e["code"]) for e in r["errors"]} for r in result["rejected"]}


def test_all_or_nothing_then_valid_rows_only_then_again(registry, county, db, roster_case):
    expected = roster_case["expected"]
    valid_new = ROWS - len(expected) - 1  # one valid row updates the existing file

    refused = _import(registry, county, roster_case["content"], "all_or_nothing")
    assert _rejections(refused) == expected
    assert (refused["written"], refused["created"], refused["updated"]) == (False, 0, 0)
    assert all(e["message"] for r in refused["rejected"] for e in r["errors"])
    assert db.children.count_documents({}) == 2

    done = _import(registry, county, roster_case["content"], "valid_rows_only")
    assert _rejections(done) == expected
    assert (done["created"], done["updated"], done["unchanged"]) == (valid_new, 1, 0)
    school_id = county["schools"][0]["id"]
    assert db.children.count_documents({"school_id": school_id}) == valid_new + 1
    rows = roster_case["rows"]
    accepted_ids = {rows[i]["身份证号"] for i in range(ROWS) if i + 2 not in expected}
    listed = registry.list_children({"school_id": school_id, "limit": 500})["items"]
    assert {c["national_id"] for c in listed} == {"4301" + "*" * 14}  # masked alike
    found = {registry.get_child(c["id"], {"reveal": True, "reason": "核对导入"})["national_id"]
             for c in listed}
    assert found == accepted_ids
    updated = registry.get_child(roster_case["existing"]["id"])
    assert updated["guardian"]["name"] == rows[10]["监护人姓名"]
    assert registry.child_history(updated["id"])[-1]["action"] == "imported"
    first, second = (db.children.find_one({"national_id_hash": {"$exists": True},
                                           "name": rows[i]["姓名"],
                                           "birth_date": rows[i]["出生日期"]})
                     for i in (20, 21))
    assert first["household_id"] == second["household_id"]

    raw = json.dumps(list(db.children.find({})), ensure_ascii=False, default=str)
    secrets = [rows[i][column] for i in range(ROWS) if i + 2 not in expected
               for column in ("身份证号", "监护人电话", "父亲电话", "母亲电话") if rows[i].get(column)]
    assert len(secrets) > 3 * ROWS and not [s for s in secrets if s in raw]

    logged_events(db, valid_new + 2, "ChildRegistered")
    logged_events(db, 1, "ChildUpdated")

    again = _import(registry, county, roster_case["content"], "valid_rows_only")
    assert _rejections(again) == expected
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, valid_new + 1)
    assert db.children.count_documents({}) == valid_new + 2
    wait_for(lambda: db[EVENT_LOG].count_documents({"status": "pending"}) == 0,
             message="relay idle")
    assert db[EVENT_LOG].count_documents({"name": {"$in": ["ChildRegistered",
                                                           "ChildUpdated"]}}) == valid_new + 3
    assert db.roster_imports.count_documents({}) == 3


def test_csv_in_gbk_and_the_templates(registry, county, db):
    template = registry.roster_template("xlsx")
    sheet = load_workbook(io.BytesIO(base64.b64decode(template["content_base64"]))).active
    assert [c.value for c in sheet[1]] == roster.HEADERS
    csv_template = base64.b64decode(registry.roster_template("csv")["content_base64"])
    assert csv_template.decode("utf-8-sig").strip() == ",".join(roster.HEADERS)

    rows = RosterMaker(seed=3).rows(3, CLASSES)
    result = _import(registry, county, to_csv(rows, encoding="gb18030"), "all_or_nothing",
                     filename="roster.csv")
    assert (result["created"], result["rejected"]) == (3, [])
    names = {c["name"] for c in registry.list_children({"school_id": county["schools"][0]["id"]})["items"]}
    assert names == {r["姓名"] for r in rows}

    with pytest.raises(RemoteError) as info:
        _import(registry, county, "姓名,身份证号\r\n张三,1\r\n".encode(), "all_or_nothing",
                filename="bad.csv")
    assert error_of(info)["errors"][0]["code"] == "missing_columns"
    with pytest.raises(RemoteError) as info:
        _import(registry, county, b"not a workbook", "all_or_nothing")
    assert error_of(info)["errors"][0]["code"] == "bad_xlsx"
