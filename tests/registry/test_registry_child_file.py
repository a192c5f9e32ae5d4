"""The child file on the real broker and MongoDB stand-in: register, read, change, history."""
import json

import pytest
from nameko.exceptions import RemoteError

from registry.tests.helpers import (  # noqa: F401  (fixtures too)
    ADMIN, child_payload, county, db, error_of, logged_events, national_id, registry,
    registry_config)


def test_register_emits_child_registered_and_stores_no_clear_pii(registry, county, db):
    payload = child_payload(county)
    child = registry.register_child(payload)
    number = payload["national_id"]
    assert child["national_id"] == number[:4] + "*" * 14
    assert child["guardian"]["phone"] == "0731-****4321"
    assert child["parents"][0]["phone"] == "138****5678"
    assert (child["gender"], child["birth_date"]) == ("male", "2016-05-17")  # from the ID
    assert child["version"] == 1 and child["status"] == "active"

    [event] = logged_events(db, 1, "ChildRegistered")
    assert event.subject == child["id"]
    assert event.data["child_id"] == child["id"] and event.data["version"] == 1
    assert event.data["school_id"] == county["schools"][0]["id"]
    assert event.data["township_id"] == county["townships"][0]["id"]
    assert (event.data["grade"], event.data["class_number"]) == (3, 2)
    assert event.data["left_behind_type"] == "father_away"
    assert event.data["special_needs"] == ["psychological"]
    wire = json.dumps(event.envelope, ensure_ascii=False)
    raw = json.dumps(db.children.find_one({"_id": child["id"]}), ensure_ascii=False, default=str)
    for secret in (payload["national_id"], "13812345678", "87654321"):
        assert secret not in wire
        assert secret not in raw
    assert "李小明" in raw  # the name is stored in clear; only ID and phones are sealed


def test_reveal_needs_a_reason_and_is_audited(registry, county, db):
    child = registry.register_child(child_payload(county))
    with pytest.raises(RemoteError) as info:
        registry.get_child(child["id"], {"reveal": True})
    assert error_of(info)["errors"][0]["code"] == "reason_required"
    assert db.pii_audit.count_documents({}) == 0
    full = registry.get_child(child["id"], {"reveal": True, "reason": "家访前联系监护人"})
    assert full["national_id"] == national_id(1)
    assert full["guardian"]["phone"] == "0731-87654321"
    audit = db.pii_audit.find_one({"subject_id": child["id"]})
    assert (audit["by"], audit["reason"], audit["purpose"]) == (ADMIN, "家访前联系监护人", "view")
    assert registry.get_child(child["id"])["guardian"]["phone"] == "0731-****4321"


INVALID = [
    ({"national_id": "430124201605170011"}, "national_id", "bad_id_check_digit"),
    ({"national_id": "43012420160517001"}, "national_id", "bad_id_length"),
    ({"birth_date": "2016-05-18"}, "birth_date", "birth_date_mismatch"),
    ({"gender": "女"}, "gender", "gender_mismatch"),
    ({"birth_date": "2099-01-01"}, "birth_date", "future_date"),
    ({"guardian": {"name": "李小红", "relation": "兄姐", "age": 15}}, "guardian.age",
     "guardian_too_young"),
    ({"guardian": {"name": "张", "relation": "grandmother", "phone": "12345"}}, "guardian.phone",
     "bad_phone"),
    ({"left_behind_type": "mother_away"}, "parents.0.relation", "parent_not_away"),
    ({"left_behind_type": "爷爷外出"}, "left_behind_type", "not_allowed"),
    ({"class_id": "no-such-class"}, "class_id", "unknown_class"),
    ({"school_id": "no-such-school"}, "school_id", "unknown_school"),
    ({"class_id": "__class_of_other_school__"}, "class_id", "unknown_class"),
]


def test_invalid_file_is_refused_naming_the_field_and_nothing_is_stored(registry, county, db):
    for change, field, code in INVALID:
        if change.get("class_id") == "__class_of_other_school__":
            change = {"class_id": county["classes"][2]["id"]}
        with pytest.raises(RemoteError) as info:
            registry.register_child(child_payload(county, **change))
        body = error_of(info)
        assert body["code"] == "validation_failed", change
        assert (field, code) in [(e["field"], e["code"]) for e in body["errors"]], body
        assert all(e["message"] for e in body["errors"])
    assert db.children.count_documents({}) == 0


def test_same_national_id_anywhere_in_the_county_names_the_school(registry, county, db):
    """The school holding the ID is named only to a caller whose scope covers it."""
    registry.register_child(child_payload(county))
    other = child_payload(county, name="李小明二", school_id=county["schools"][1]["id"],
                          class_id=county["classes"][2]["id"])
    for scope in (None, {"school_ids": [county["schools"][1]["id"]]}):
        with pytest.raises(RemoteError) as info:
            registry.register_child(other, scope)
        body = error_of(info)
        assert body["code"] == "duplicate_national_id"
        assert "本县" in body["message"] and "花明楼镇中心小学" not in body["message"]
        assert county["schools"][0]["id"] not in json.dumps(body)
    with pytest.raises(RemoteError) as info:
        registry.register_child(other, {"whole_county": True})
    body = error_of(info)
    assert "花明楼镇中心小学" in body["message"]
    assert body["detail"]["school_id"] == county["schools"][0]["id"]
    assert db.children.count_documents({}) == 1


def test_update_keeps_history_and_emits_changed_fields(registry, county, db):
    child = registry.register_child(child_payload(county))
    updated = registry.update_child(child["id"], {
        "guardian": {"phone": "13973100000", "health": "sick"},
        "notes": "父亲春节回家", "class_id": county["classes"][1]["id"]})
    assert updated["version"] == 2
    assert updated["guardian"]["name"] == "张桂英"  # merged, not replaced
    assert (updated["grade"], updated["class_number"]) == (4, 1)
    again = registry.update_child(child["id"], {"notes": "父亲春节回家"})
    assert again["changed"] == [] and again["version"] == 2  # nothing changed: no write

    [update] = logged_events(db, 1, "ChildUpdated")
    assert update.data["version"] == 2
    # the single `health` of before is still accepted: a situation of one
    assert sorted(update.data["changed_fields"]) == [
        "class_id", "class_number", "grade", "guardian.phone", "guardian.situation", "notes"]
    assert (update.data["guardian_situation"], update.data["guardian_health"]) == (["sick"], "sick")
    assert update.data["class_id"] == county["classes"][1]["id"]
    assert "13973100000" not in json.dumps(update.envelope)

    history = registry.child_history(child["id"])
    assert [h["action"] for h in history] == ["registered", "updated"]
    assert all(h["by"] == ADMIN for h in history)
    phone = [c for c in history[1]["changes"] if c["field"] == "guardian.phone"][0]
    assert (phone["old"], phone["new"], phone["label"]) == ("0731-****4321", "139****0000",
                                                            "监护人电话")
    assert "13973100000" not in json.dumps(db.children.find_one({"_id": child["id"]}), default=str)


def test_stale_expected_version_is_a_conflict(registry, county):
    child = registry.register_child(child_payload(county))
    registry.update_child(child["id"], {"notes": "一"})
    with pytest.raises(RemoteError) as info:
        registry.update_child(child["id"], {"notes": "二", "expected_version": 1})
    assert error_of(info)["code"] == "stale_version"
    assert registry.get_child(child["id"])["notes"] == "一"


def test_siblings_share_a_household(registry, county, db):
    older = registry.register_child(child_payload(county))
    younger = registry.register_child(child_payload(county, seq=2, name="李小华",
                                                    sibling_ids=[older["id"]]))
    assert younger["household_id"] == older["household_id"]
    cousin = registry.register_child(child_payload(county, seq=3, name="李小军"))
    household = registry.link_siblings([older["id"], cousin["id"]])
    assert household == older["household_id"]
    assert registry.get_child(cousin["id"])["household_id"] == household
    linked = logged_events(db, 1, "ChildUpdated")
    assert linked[0].data["changed_fields"] == ["household_id"]
    assert linked[0].data["household_id"] == household


def test_clearing_gender_or_birth_date_reads_them_from_the_id_again(registry, county):
    """A null gender or birth date in a change is not a blank file (an event without them
    would be invalid): like at registration, they come from the national ID."""
    child = registry.register_child(child_payload(county))
    updated = registry.update_child(child["id"], {"gender": None, "birth_date": None,
                                                  "notes": "清空后按身份证"})
    assert (updated["gender"], updated["birth_date"]) == (child["gender"], child["birth_date"])
    assert updated["version"] == 2
