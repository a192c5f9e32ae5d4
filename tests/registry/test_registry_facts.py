"""Issue 10's facts through the RPCs, on the real broker and MongoDB stand-in: the guardian's
situation (several at once) and literacy, 流动留守, boarding and lunch at school, class and school
enrolment, county and township events. Every event is parsed against its contract."""
import base64
import io

import pytest
from nameko.exceptions import RemoteError
from openpyxl import Workbook, load_workbook

from registry import demo, roster
from registry.sample_roster import RosterMaker, to_xlsx
from registry.tests.helpers import (  # noqa: F401  (fixtures too)
    child_payload, county, db, error_of, logged_events, pdf_text, registry, registry_config)


def test_child_facts_are_kept_shown_and_published_as_v2(registry, county, db):
    child = registry.register_child(child_payload(
        county, guardian={"name": "张桂英", "relation": "祖母", "age": 72,
                          "situation": ["患病", "elderly"], "literacy": "文盲"},
        migrant_left_behind="是", boards_at_school=True))
    assert child["guardian"]["situation"] == ["elderly", "sick"]
    assert (child["migrant_left_behind"], child["boards_at_school"], child["lunch_at_school"]) == (
        True, True, None)
    [registered] = logged_events(db, 1, "ChildRegistered")
    assert registered.version == 2
    data = registered.data
    assert (data["guardian_situation"], data["guardian_health"], data["guardian_literacy"]) == (
        ["elderly", "sick"], "sick", "illiterate")
    assert (data["migrant_left_behind"], data["boards_at_school"], data["lunch_at_school"]) == (
        True, True, None)
    assert data["left_behind_type"] == "father_away"  # 流动留守 is a fact beside the type

    registry.update_child(child["id"], {"guardian": {"situation": "年老、体弱、残疾"},
                                        "lunch_at_school": "是"})
    healthy = registry.update_child(child["id"], {"guardian": {"situation": "健康"},
                                                  "boards_at_school": None})
    assert healthy["guardian"]["situation"] == [] and healthy["guardian"]["name"] == "张桂英"
    first, second = logged_events(db, 2, "ChildUpdated")
    assert (first.version, sorted(first.data["changed_fields"])) == (
        2, ["guardian.situation", "lunch_at_school"])
    assert (first.data["guardian_health"], first.data["lunch_at_school"]) == ("disabled", True)
    assert (second.data["guardian_situation"], second.data["guardian_health"],
            second.data["boards_at_school"]) == ([], "healthy", None)
    change = [c for c in registry.child_history(child["id"])[1]["changes"]
              if c["field"] == "guardian.situation"][0]
    assert (change["label"], change["old"], change["new"]) == (
        "监护人身体状况", ["elderly", "sick"], ["elderly", "weak", "disabled"])

    for bad, field, code in (
            ({"guardian": {"situation": "健康、年老"}}, "guardian.situation", "healthy_and_not"),
            ({"guardian": {"situation": ["瘸腿"]}}, "guardian.situation", "not_allowed"),
            ({"guardian": {"situation": {"$in": ["sick"]}}}, "guardian.situation", "not_list"),
            ({"boards_at_school": "也许"}, "boards_at_school", "not_boolean")):
        with pytest.raises(RemoteError) as info:
            registry.update_child(child["id"], bad)
        assert [(e["field"], e["code"]) for e in error_of(info)["errors"]] == [(field, code)]
    assert registry.get_child(child["id"])["version"] == 3  # nothing changed


def test_enrolment_of_classes_and_schools_for_the_left_behind_share(registry, county, db):
    school, klass = county["schools"][0], county["classes"][0]
    extra = registry.create_class({"school_id": school["id"], "grade": 5, "number": 1,
                                   "enrolment": 43})
    assert extra["enrolment"] == 43
    created = {e.data["class_id"]: e for e in logged_events(db, 4, "ClassCreated")}
    assert created[extra["id"]].version == 2 and created[extra["id"]].data["enrolment"] == 43
    assert created[klass["id"]].data["enrolment"] is None

    for seq in (1, 2):
        registry.register_child(child_payload(county, seq=seq))
    with pytest.raises(RemoteError) as info:
        registry.update_class(klass["id"], {"enrolment": 1})
    assert error_of(info)["errors"][0]["code"] == "enrolment_below_children"
    with pytest.raises(RemoteError) as info:
        registry.update_class(klass["id"], {"enrolment": -3})
    assert error_of(info)["errors"][0]["code"] == "bad_enrolment"
    with pytest.raises(RemoteError) as info:
        registry.update_school(school["id"], {"enrolment": 1})
    assert error_of(info)["errors"][0]["code"] == "enrolment_below_children"
    assert registry.list_classes({"school_id": school["id"]})["items"][0]["version"] == 1  # nothing changed

    registry.update_class(klass["id"], {"enrolment": 24})
    registry.update_school(school["id"], {"enrolment": 612})
    [class_update] = logged_events(db, 1, "ClassUpdated")
    assert (class_update.version, class_update.data["enrolment"],
            class_update.data["changed_fields"]) == (2, 24, ["enrolment"])
    [school_update] = logged_events(db, 1, "SchoolUpdated")
    assert (school_update.version, school_update.data["enrolment"]) == (2, 612)
    registered = registry.register_school({"township_id": county["townships"][1]["id"],
                                           "code": "DL-02", "name": "道林镇二小",
                                           "enrolment": 230})
    assert {e.data["school_id"]: e.data["enrolment"] for e in logged_events(
        db, 3, "SchoolRegistered")}[registered["id"]] == 230


def test_county_and_township_events_and_a_township_rename(registry, county, db):
    [registered] = logged_events(db, 1, "CountyRegistered")
    assert (registered.data["county_id"], registered.data["code"], registered.data["name"],
            registered.data["version"]) == (county["county"]["id"], "430124", "宁乡县", 1)
    townships = {e.data["township_id"]: e.data for e in logged_events(db, 2, "TownshipRegistered")}
    first = county["townships"][0]
    assert townships[first["id"]]["name"] == "花明楼镇"
    assert townships[first["id"]]["county_id"] == county["county"]["id"]

    renamed = registry.update_township(first["id"], {"name": "花明楼镇（新）"})
    assert (renamed["name"], renamed["version"]) == ("花明楼镇（新）", 2)
    assert registry.update_township(first["id"], {"name": "花明楼镇（新）"})["version"] == 2
    [rename] = logged_events(db, 1, "TownshipUpdated")
    assert (rename.data["name"], rename.data["changed_fields"], rename.data["version"]) == (
        "花明楼镇（新）", ["name"], 2)
    with pytest.raises(RemoteError) as info:
        registry.update_township(first["id"], {"code": "02"})
    assert error_of(info)["code"] == "duplicate_code"
    registry.update_school(county["schools"][0]["id"], {"address": "花明楼镇1号"})
    [school_update] = logged_events(db, 1, "SchoolUpdated")
    assert school_update.data["township_name"] == "花明楼镇（新）"

    county_now = registry.update_county(county["county"]["id"], {"name": "宁乡市"})
    assert county_now["version"] == 2
    [county_update] = logged_events(db, 1, "CountyUpdated")
    assert (county_update.data["name"], county_update.data["changed_fields"]) == (
        "宁乡市", ["name"])
    other = registry.create_county({"code": "430181", "name": "浏阳市"})
    with pytest.raises(RemoteError) as info:
        registry.update_county(other["id"], {"code": "430124"})
    assert error_of(info)["code"] == "duplicate_code"


def test_township_created_before_versions_can_still_be_renamed(registry, county, db):
    legacy = county["townships"][1]
    db.townships.update_one({"_id": legacy["id"]}, {"$unset": {"version": ""}})
    assert registry.update_township(legacy["id"], {"name": "道林镇（改）"})["version"] == 2
    [rename] = logged_events(db, 1, "TownshipUpdated")
    assert rename.data["township_id"] == legacy["id"]


def _import(registry, county, content, filename="花名册.xlsx"):
    return registry.import_roster({"school_id": county["schools"][0]["id"], "filename": filename,
                                   "content_base64": base64.b64encode(content).decode(),
                                   "mode": "all_or_nothing"})


def test_roster_columns_for_the_new_facts_and_an_earlier_template(registry, county, db):
    sheet = load_workbook(io.BytesIO(base64.b64decode(
        registry.roster_template("xlsx")["content_base64"]))).active
    headers = [c.value for c in sheet[1]]
    for column in ("监护人身体状况", "监护人文化程度", "流动留守", "住校", "在校就餐"):
        assert column in headers, column
    assert "监护人健康状况" not in headers
    lists = {str(v.sqref).split(":")[0][:-1]: v for v in sheet.data_validations.dataValidation}
    letter = sheet.cell(row=1, column=headers.index("监护人身体状况") + 1).column_letter
    assert lists[letter].showErrorMessage is False  # several values may be typed in one cell

    rows = RosterMaker(seed=11).rows(4, [(3, 2)])
    rows[0].update({"监护人身体状况": "年老、残疾", "监护人文化程度": "半文盲", "流动留守": "是",
                    "住校": "否", "在校就餐": "是"})
    assert _import(registry, county, to_xlsx(rows))["created"] == 4
    [first] = [c for c in registry.list_children({"class_id": county["classes"][0]["id"]})["items"]
               if c["name"] == rows[0]["姓名"]]
    assert (first["guardian"]["situation"], first["guardian"]["literacy"]) == (
        ["elderly", "disabled"], "semi_literate")
    assert (first["migrant_left_behind"], first["boards_at_school"],
            first["lunch_at_school"]) == (True, False, True)

    # a roster on the earlier template: 监护人健康状况 (one value) and none of the new columns
    earlier = [h for h in roster.HEADERS if h not in ("流动留守", "住校", "在校就餐")]
    earlier[earlier.index("监护人身体状况")] = "监护人健康状况"
    rows[0]["监护人健康状况"] = "患病"
    content = _earlier_template(earlier, rows)
    result = _import(registry, county, content)
    assert (result["updated"], result["unchanged"], result["rejected"]) == (1, 3, [])
    again = registry.get_child(first["id"])
    assert again["guardian"]["situation"] == ["sick"]
    # columns the file does not have leave those facts as they were
    assert (again["migrant_left_behind"], again["boards_at_school"],
            again["lunch_at_school"]) == (True, False, True)


def _earlier_template(headers, rows):
    book = Workbook()
    sheet = book.active
    sheet.append(headers)
    for row in rows:
        sheet.append([row.get(h, row.get(roster.HEADER_ALIASES.get(h), "")) for h in headers])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_demo_county_uses_the_new_facts(registry, db):
    assert "children" in demo.load(registry, rows=60)
    assert demo.load(registry, rows=60) == "demo county exists: nothing to do"
    [county] = registry.list_counties()
    [school, _] = registry.list_schools({"county_id": county["id"]})["items"]
    classes = registry.list_classes({"school_id": school["id"]})["items"]
    assert all(c["enrolment"] for c in classes)
    assert school["enrolment"] == sum(c["enrolment"] for c in classes)
    files = registry.list_children({"school_id": school["id"], "limit": 500})["items"]
    situations = [f["guardian"]["situation"] for f in files]
    assert len(files) == 60 and any(len(s) > 1 for s in situations) and [] in situations
    assert {f["guardian"]["literacy"] for f in files} == {"literate", "semi_literate",
                                                          "illiterate"}
    assert any(f["migrant_left_behind"] for f in files)
    assert {f["lunch_at_school"] for f in files} == {True, False, None}
    text = pdf_text(registry.buddy_card(classes[3]["id"]), "demo_buddy_card.pdf")
    assert "班级人数 {} 人".format(classes[3]["enrolment"]) in text
    pdf_text(registry.class_contact_cards(classes[3]["id"], "演示"), "demo_contact_cards.pdf")
