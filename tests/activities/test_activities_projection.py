"""The projection of registry and pairing events: order-tolerant, idempotent, and what it
means for flagging care records."""
from datetime import date, timedelta

from carekit.testing.plugin import wait_for
from tests.activities.support import (child_data, child_registered, envelope, hours_ago,
                                      pairing_ended, pairing_started, short, staff_left)


def test_child_events_out_of_order_keep_the_newest_and_the_registration_date(world, school):
    child_id = "chd-late-" + short()
    newer = envelope("registry", "ChildTransferred", dict(
        child_data(child_id, school.school_id, school.class_ids[1], school.township_id,
                   version=3),
        from_school_id="sch-old", from_class_id="cls-old", from_township_id="tw-old",
        effective_date=date.today().isoformat()), subject=child_id)
    older = envelope("registry", "ChildUpdated", dict(
        child_data(child_id, "sch-stale", "cls-stale", school.township_id, version=2),
        changed_fields=["class_id"]), subject=child_id)
    registered = child_registered(child_id, "sch-old", "cls-old", "tw-old",
                                  date.today() - timedelta(days=30))
    world.publish("registry", [newer, older, registered, newer])
    doc = wait_for(lambda: world.db.children.find_one(
        {"_id": child_id, "registered_on": {"$exists": True}}), message="registration")
    wait_for(lambda: world.db.processed_events.count_documents(
        {"event_id": {"$in": [newer["id"], older["id"], registered["id"]]},
         "status": "done"}) == 3, message="all three handled")
    doc = world.db.children.find_one({"_id": child_id})
    assert (doc["version"], doc["school_id"], doc["class_id"]) == (3, school.school_id,
                                                                   school.class_ids[1])
    assert doc["registered_on"] == (date.today() - timedelta(days=30)).isoformat()
    assert "name" not in doc and "birth_date" not in doc  # only what activities needs


def test_a_pairing_ended_before_its_start_arrived_stays_ended(world, school):
    child_id, teacher_id = school.child_ids[2], school.teacher_ids[2]
    started_on = date.today() - timedelta(days=20)
    ended_on = date.today() - timedelta(days=5)
    pairing = dict(kind="mentor", pairing_id="pr-" + short(), child_id=child_id,
                   person_id=teacher_id, school_id=school.school_id, started_on=started_on)
    ended = pairing_ended(ended_on=ended_on, **pairing)
    world.publish("pairing", [ended])
    wait_for(lambda: world.db.pairings.find_one({"_id": pairing["pairing_id"]}),
             message="end projected")
    start = pairing_started(**pairing)
    world.publish("pairing", [start])
    wait_for(lambda: world.db.processed_events.find_one(
        {"event_id": start["id"], "status": "done"}), message="start handled")
    stored = world.db.pairings.find_one({"_id": pairing["pairing_id"]})
    assert stored["ended_on"] == ended_on.isoformat() and stored["kind"] == "mentor"
    # while paired the teacher is the mentor; after the end their records are flagged
    during = world.call("log_care_record", {"child_id": child_id, "by_id": teacher_id,
                                            "kind": "talk", "occurred_at": hours_ago(24 * 10)})
    after = world.call("log_care_record", {"child_id": child_id, "by_id": teacher_id,
                                           "kind": "talk", "occurred_at": hours_ago(24 * 2)})
    assert (during["by_role"], during["flagged"]) == ("mentor", False)
    assert (after["by_role"], after["flagged"]) == ("other", True)


def test_records_by_a_teacher_who_left_are_flagged(world, school):
    world.publish("registry", [staff_left(school.teacher_ids[0], school.school_id,
                                          school.township_id)])
    wait_for(lambda: world.db.staff.find_one({"_id": school.teacher_ids[0], "version": 2}),
             message="staff left")
    record = world.call("log_care_record", {"child_id": school.child_ids[0],
                                            "by_id": school.teacher_ids[0], "kind": "talk",
                                            "occurred_at": hours_ago(1)})
    assert record["by_role"] == "mentor" and record["flag_reasons"] == ["author_inactive"]
