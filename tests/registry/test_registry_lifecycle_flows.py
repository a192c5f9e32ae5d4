"""A file's life on the real broker and MongoDB stand-in: status changes, transfer,
graduation and reactivation, each with its event and history."""
import pytest
from nameko.exceptions import RemoteError

from registry.tests.helpers import (  # noqa: F401  (fixtures too)
    child_payload, county, db, error_of, logged_events, registry, registry_config)


def test_parents_come_home_then_leave_again(registry, county, db):
    child = registry.register_child(child_payload(county))
    home = registry.change_child_status(child["id"], {
        "status": "not_left_behind", "reason": "父亲返乡创业", "effective_date": "2026-03-01"})
    assert (home["status"], home["version"], home["status_reason_code"]) == (
        "not_left_behind", 2, "parents_returned")
    with pytest.raises(RemoteError) as info:  # no transfer for a file not in care
        registry.transfer_child(child["id"], {"to_school_id": county["schools"][1]["id"],
                                              "to_class_id": county["classes"][2]["id"]})
    assert error_of(info)["code"] == "not_transferable"
    again = registry.change_child_status(child["id"], {"status": "active",
                                                       "reason_code": "parents_left_again"})
    assert (again["status"], again["version"]) == ("active", 3)

    events = sorted(logged_events(db, 2, "ChildStatusChanged"), key=lambda e: e.data["version"])
    assert [(e.data["previous_status"], e.data["status"], e.data["reason_code"])
            for e in events] == [("active", "not_left_behind", "parents_returned"),
                                 ("not_left_behind", "active", "parents_left_again")]
    assert str(events[0].data["effective_date"]) == "2026-03-01"
    assert events[0].data["reason"] == "父亲返乡创业"
    history = registry.child_history(child["id"])
    assert [h["action"] for h in history] == ["registered", "status_changed", "status_changed"]
    assert history[1]["changes"] == [{"field": "status", "label": "状态", "old": "active",
                                      "new": "not_left_behind"}]


def test_transfer_moves_the_file_and_the_old_school_keeps_a_read_only_trace(
        registry, county, db):
    old_school, new_school = county["schools"]
    child = registry.register_child(child_payload(county))
    with pytest.raises(RemoteError) as info:
        registry.transfer_child(child["id"], {"to_school_id": new_school["id"],
                                              "to_class_id": county["classes"][0]["id"]})
    assert error_of(info)["errors"][0]["field"] == "to_class_id"
    moved = registry.transfer_child(child["id"], {
        "to_school_id": new_school["id"], "to_class_id": county["classes"][2]["id"],
        "effective_date": "2026-09-01", "reason": "随祖母迁居道林镇"})
    assert (moved["school_id"], moved["township_id"], moved["grade"], moved["class_number"]) == (
        new_school["id"], county["townships"][1]["id"], 3, 1)
    assert moved["status"] == "active" and moved["version"] == 2

    [event] = logged_events(db, 1, "ChildTransferred")
    assert (event.data["from_school_id"], event.data["school_id"]) == (old_school["id"],
                                                                      new_school["id"])
    assert event.data["from_class_id"] == county["classes"][0]["id"]
    assert event.data["from_township_id"] == county["townships"][0]["id"]
    assert event.data["version"] == 2

    assert registry.list_children({"school_id": old_school["id"]})["items"] == []
    assert [c["id"] for c in registry.list_children({"school_id": new_school["id"]})["items"]] == [
        child["id"]]
    [trace] = registry.transferred_out({"school_id": old_school["id"]})["items"]
    assert (trace["child_id"], trace["name"], trace["to_school_id"], trace["effective_date"],
            trace["read_only"]) == (child["id"], "李小明", new_school["id"], "2026-09-01", True)
    assert "national_id" not in trace and "guardian" not in trace
    assert registry.transferred_out({"school_id": new_school["id"]})["items"] == []
    with pytest.raises(RemoteError) as info:
        registry.transfer_child(child["id"], {"to_school_id": new_school["id"],
                                              "to_class_id": county["classes"][2]["id"]})
    assert error_of(info)["code"] == "same_school"


def test_graduated_file_is_archived_until_reactivated(registry, county, db):
    child = registry.register_child(child_payload(county))
    registry.change_child_status(child["id"], {"status": "graduated"})
    with pytest.raises(RemoteError) as info:
        registry.update_child(child["id"], {"notes": "改一下"})
    assert error_of(info)["code"] == "file_archived"
    with pytest.raises(RemoteError) as info:
        registry.change_child_status(child["id"], {"status": "not_left_behind"})
    assert error_of(info)["code"] == "transition_not_allowed"
    with pytest.raises(RemoteError) as info:
        registry.change_child_status(child["id"], {"status": "active",
                                                   "reason_code": "parents_returned"})
    assert error_of(info)["errors"][0]["code"] == "reason_not_allowed"
    back = registry.change_child_status(child["id"], {"status": "active",
                                                      "reason": "升入本县初中，仍为留守"})
    assert (back["status"], back["version"], back["status_reason_code"]) == (
        "active", 3, "reactivated")
    events = sorted(logged_events(db, 2, "ChildStatusChanged"), key=lambda e: e.data["version"])
    assert [e.data["status"] for e in events] == ["graduated", "active"]
    assert registry.update_child(child["id"], {"notes": "改一下"})["version"] == 4
