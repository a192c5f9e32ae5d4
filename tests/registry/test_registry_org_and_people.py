"""Schools, classes, staff and volunteers on the real broker and MongoDB stand-in."""
import json

import pytest
from nameko.exceptions import RemoteError

from registry.tests.helpers import (  # noqa: F401  (fixtures too)
    county, db, error_of, logged_events, registry, registry_config)


def test_organisation_commands_emit_their_events_and_codes_are_unique_in_parent(
        registry, county, db):
    school, other_school = county["schools"]
    [registered, _] = sorted(logged_events(db, 2, "SchoolRegistered"),
                             key=lambda e: e.data["code"])
    assert registered.data["school_id"] == other_school["id"]  # DL-01 sorts first
    assert registered.data["township_name"] == "道林镇"
    assert registered.data["county_id"] == county["county"]["id"]
    created = {e.data["class_id"]: e.data for e in logged_events(db, 3, "ClassCreated")}
    first = created[county["classes"][0]["id"]]
    assert (first["grade"], first["class_number"], first["name"], first["head_teacher_id"]) == (
        3, 2, "三年级2班", county["teacher"]["id"])

    with pytest.raises(RemoteError) as info:
        registry.create_class({"school_id": school["id"], "grade": 3, "number": 2})
    assert error_of(info)["code"] == "duplicate_class"
    # the same grade and number at another school is another class
    registry.create_class({"school_id": other_school["id"], "grade": 3, "number": 2})
    with pytest.raises(RemoteError) as info:
        registry.register_school({"township_id": county["townships"][0]["id"],
                                  "code": "HML-01", "name": "重名学校"})
    assert error_of(info)["code"] == "duplicate_code"
    registry.register_school({"township_id": county["townships"][1]["id"], "code": "HML-01",
                              "name": "另一乡镇的同编码学校"})
    with pytest.raises(RemoteError) as info:
        registry.create_township({"county_id": county["county"]["id"], "code": "01",
                                  "name": "重复"})
    assert error_of(info)["code"] == "duplicate_code"
    with pytest.raises(RemoteError) as info:
        registry.create_class({"school_id": school["id"], "grade": 13, "number": 0})
    assert {e["code"] for e in error_of(info)["errors"]} == {"bad_grade", "bad_class_number"}

    renamed = registry.update_school(school["id"], {"name": "花明楼镇第一小学"})
    assert renamed["version"] == 2
    [update] = logged_events(db, 1, "SchoolUpdated")
    assert (update.data["name"], update.data["changed_fields"]) == ("花明楼镇第一小学", ["name"])
    assert [s["code"] for s in registry.list_schools({"township_id": county["townships"][0]["id"]})["items"]] == ["HML-01"]
    assert [c["name"] for c in registry.list_classes({"school_id": school["id"]})["items"]] == ["三年级2班", "四年级1班"]


def test_staff_lifecycle_events_and_head_teacher_release(registry, county, db):
    school = county["schools"][0]
    teacher = county["teacher"]
    [registered] = logged_events(db, 1, "StaffRegistered")
    assert registered.data["roles"] == ["teacher", "head_teacher"]
    assert registered.data["active"] is True
    assert "13907310001" not in json.dumps(registered.envelope)
    assert teacher["phone"] == "139****0001"

    with pytest.raises(RemoteError) as info:
        registry.register_staff({"school_id": school["id"], "name": "赵老师",
                                 "phone": "1390731", "class_ids": ["nope"]})
    assert {e["field"] for e in error_of(info)["errors"]} == {"phone"}
    with pytest.raises(RemoteError) as info:
        registry.register_staff({"school_id": school["id"], "name": "赵老师",
                                 "class_ids": ["nope"]})
    assert error_of(info)["errors"][0]["code"] == "unknown_class"

    updated = registry.update_staff(teacher["id"], {"class_ids": [county["classes"][1]["id"]],
                                                    "subject": "语文"})
    assert updated["version"] == 2
    [staff_update] = logged_events(db, 1, "StaffUpdated")
    assert staff_update.data["changed_fields"] == ["class_ids", "subject"]
    assert staff_update.data["head_teacher_class_ids"] == [county["classes"][0]["id"]]

    left = registry.staff_left(teacher["id"], {"left_on": "2026-07-01", "reason": "调往县城"})
    assert left["active"] is False
    [gone] = logged_events(db, 1, "StaffLeft")
    assert (gone.data["active"], str(gone.data["left_on"]), gone.data["version"]) == (
        False, "2026-07-01", 3)
    [class_update] = logged_events(db, 1, "ClassUpdated")
    assert class_update.data["class_id"] == county["classes"][0]["id"]
    assert class_update.data["head_teacher_id"] is None
    assert class_update.data["changed_fields"] == ["head_teacher_id"]
    with pytest.raises(RemoteError) as info:
        registry.staff_left(teacher["id"])
    assert error_of(info)["code"] == "already_left"
    with pytest.raises(RemoteError) as info:
        registry.update_class(county["classes"][1]["id"], {"head_teacher_id": teacher["id"]})
    assert error_of(info)["errors"][0]["code"] == "staff_inactive"
    assert [s["active"] for s in registry.list_staff({"school_id": school["id"]})["items"]] == [False]
    full = registry.get_staff(teacher["id"], {"reveal": True, "reason": "核对联系方式"})
    assert full["phone"] == "13907310001"
    assert db.staff.find_one({"_id": teacher["id"]})["phone"]["enc"] != "13907310001"


def test_volunteer_registered_and_left(registry, county, db):
    school = county["schools"][0]
    volunteer = registry.register_volunteer({
        "school_id": school["id"], "name": "刘爷爷", "kind": "退休教师", "village": "炭子冲村",
        "phone": "13707310002"})
    assert volunteer["kind"] == "retired_teacher" and volunteer["phone"] == "137****0002"
    [event] = logged_events(db, 1, "VolunteerRegistered")
    assert (event.data["kind"], event.data["village"], event.data["township_id"]) == (
        "retired_teacher", "炭子冲村", county["townships"][0]["id"])
    with pytest.raises(RemoteError) as info:
        registry.register_volunteer({"school_id": school["id"], "name": "某人", "kind": "村长"})
    assert error_of(info)["errors"][0]["message"] == "应为以下之一：村委会成员、退休教师、其他"
    registry.volunteer_left(volunteer["id"], {"reason": "身体原因"})
    [left] = logged_events(db, 1, "VolunteerLeft")
    assert left.data["active"] is False and left.data["version"] == 2
    assert registry.list_volunteers({"school_id": school["id"], "active": True})["items"] == []
