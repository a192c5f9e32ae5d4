"""Events leaving the activities service: a redelivered VisitLogged changes nothing
downstream; events validate against their contract and carry no names, phones or notes."""
import json

import pytest
from nameko.containers import ServiceContainer

from carekit import metrics
from carekit.events.bus import Outgoing
from carekit.events.envelope import CONTENT_TYPE, encode, parse
from carekit.testing.plugin import wait_for
from tests.activities.subscriber import VisitCounter
from tests.activities.support import days_ago, hours_ago, service_config


@pytest.fixture
def counter(world, mongo_uri):
    """A downstream subscriber on the world's broker, with its own database."""
    config = service_config(world.config["AMQP_URI"], mongo_uri, service="reporting")
    container = ServiceContainer(VisitCounter, config)
    container.start()
    db = world.client[config["MONGO_DATABASE"]]
    yield db
    container.stop()
    world.client.drop_database(config["MONGO_DATABASE"])


def duplicates_skipped():
    return metrics.EVENTS_HANDLED.labels("visit_counter", "VisitLogged", "duplicate")._value.get()


def test_a_redelivered_visit_logged_changes_nothing_downstream(world, school, counter):
    record = world.call("log_care_record", {
        "child_id": school.child_ids[0], "by_id": school.teacher_ids[0], "kind": "home_visit",
        "occurred_at": hours_ago(3), "notes": "家访"})
    wait_for(lambda: counter.visits.find_one({"_id": school.child_ids[0], "n": 1}),
             message="first delivery counted")
    logged = world.db.event_log.find_one({"name": "VisitLogged",
                                          "envelope.data.record_id": record["id"]})
    envelope = logged["envelope"]
    before = duplicates_skipped()
    copy = Outgoing(envelope["id"], "activities.events", "VisitLogged", encode(envelope),
                    CONTENT_TYPE)
    # the relay publishing again after a crash, and the broker redelivering: same envelope
    for _ in range(2):
        assert world.publisher.publish([copy]).confirmed == [envelope["id"]]
    wait_for(lambda: duplicates_skipped() - before == 2, message="both copies skipped")
    assert counter.visits.find_one({"_id": school.child_ids[0]})["n"] == 1
    assert counter.runs.count_documents({"record_id": record["id"]}) == 1
    assert counter.processed_events.count_documents({"event_id": envelope["id"]}) == 1
    # a different visit to the same child still counts
    world.call("log_care_record", {
        "child_id": school.child_ids[0], "by_id": school.teacher_ids[0], "kind": "talk",
        "occurred_at": hours_ago(1)})
    wait_for(lambda: counter.visits.find_one({"_id": school.child_ids[0], "n": 2}),
             message="second visit counted")


FORBIDDEN_KEYS = {"name", "notes", "note", "place", "phone", "id_number", "donor_name",
                  "items", "comment", "study", "mood", "behaviour", "health", "action",
                  "address", "delete_reason", "cancel_reason", "awarded_by"}


def keys_of(value):
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in keys_of(v)}
    if isinstance(value, list):
        return {k for v in value for k in keys_of(v)}
    return set()


def test_every_published_event_fits_its_contract_and_carries_no_personal_text(world, school):
    t, c = school.teacher_ids, school.child_ids
    secret = "秘密备注"
    world.call("log_care_record", {
        "child_id": c[0], "by_id": t[0], "kind": "aid", "occurred_at": hours_ago(2),
        "notes": secret, "place": secret, "aid": {"form": "goods", "items": secret,
                                                  "donor_type": "individual",
                                                  "donor_name": secret},
        "follow_ups": [{"action": secret, "owner_id": t[0], "due_on": days_ago(-2)}]})
    world.call("add_diary_entry", {"child_id": c[0], "by_id": t[0], "entry_date": days_ago(0),
                                   "health": secret, "behaviour": secret})
    activity = world.call("schedule_activity", {
        "school_id": school.school_id, "kind": "after_school", "title": "课后阅读",
        "organiser_id": t[0], "place": secret, "notes": secret,
        "starts_at": hours_ago(2), "scheduled_by": t[0]})
    world.call("record_attendance", {"activity_id": activity["id"], "taken_by": t[0],
                                     "notes": secret,
                                     "attendance": [{"child_id": c[0], "status": "present"}]})
    world.call("grant_award", {"recipient_type": "child", "child_id": c[0], "title": "进步之星",
                               "level": "school", "granted_on": days_ago(1),
                               "awarded_by": secret, "notes": secret, "recorded_by": t[0]})
    world.call("record_assessment", {"child_id": c[0], "term": "2025-2026-1",
                                     "behaviour_rating": "good", "comment": secret,
                                     "recorded_by": t[0]})
    names = {"VisitLogged", "AidDistributed", "DiaryEntryAdded", "ActivityScheduled",
             "ActivityHeld", "AwardGranted", "AssessmentRecorded"}
    envelopes = wait_for(lambda: (lambda found: found if {e["type"].split(".")[-2]
                                                          for e in found} == names else None)(
        [doc["envelope"] for doc in world.db.event_log.find({"status": "sent"})
         if doc["envelope"]["data"].get("school_id") == school.school_id]),
        message="all seven kinds of event sent")
    for envelope in envelopes:
        event = parse(encode(envelope))  # validates envelope and data against the contract
        assert event.source == "/care-network/activities"
        assert not keys_of(envelope["data"]) & FORBIDDEN_KEYS, (event.name, envelope["data"])
        assert secret not in json.dumps(envelope, ensure_ascii=False), event.name


def test_the_events_of_issue_10_fit_their_contracts_and_carry_no_personal_text(world, school):
    from tests.activities.support import monday_before
    t, c = school.teacher_ids, school.child_ids
    secret = "秘密备注"
    monday = monday_before(14)
    world.call("set_duty_rota", {"school_id": school.school_id, "set_by": t[0],
                                 "effective_from": monday.isoformat(), "slots": [
                                     {"weekday": 1, "period": "noon", "staff_ids": [t[0]],
                                      "place": secret}]})
    world.call("swap_duty", {"school_id": school.school_id, "duty_date": monday.isoformat(),
                             "period": "noon", "staff_id": t[0], "substitute_id": t[1],
                             "reason": secret, "by": t[0]})
    world.call("record_duty_session", {"school_id": school.school_id,
                                       "held_on": monday.isoformat(), "period": "noon",
                                       "staff_ids": [t[1]], "child_ids": c[:2], "notes": secret,
                                       "place": secret, "recorded_by": t[1]})
    show = world.call("set_radio_programme", {
        "programme_id": "radio-" + school.school_id[-10:], "school_id": school.school_id,
        "title": "午间书场", "station": secret, "work": secret, "notes": secret,
        "weekdays": [1], "starts_at_time": "11:40", "ends_at_time": "12:00",
        "announcers": [{"type": "child", "id": c[0]}], "effective_from": monday.isoformat(),
        "set_by": t[0]})
    world.call("record_radio_episode", {"programme_id": show["id"],
                                        "aired_on": monday.isoformat(), "episode": 1,
                                        "reading": secret, "notes": secret,
                                        "recorded_by": t[0]})
    forum = world.call("schedule_activity", {
        "school_id": school.school_id, "kind": "staff_seminar", "title": "经验交流会",
        "organiser_id": t[0], "starts_at": hours_ago(2), "scheduled_by": t[0],
        "guests": [{"role": "expert", "name": secret, "organisation": secret}]})
    world.call("record_attendance", {"activity_id": forum["id"], "taken_by": t[0],
                                     "attendance": [{"child_id": c[0], "status": "present"}]})
    world.call("distribute_supplies", {"activity_id": forum["id"], "donor_type": "individual",
                                       "donor_name": secret, "distributed_by": t[0],
                                       "items": [{"item": secret, "quantity_per_child": 1}]})
    award = world.call("grant_award", {"recipient_type": "child", "child_id": c[0],
                                       "title": "自强少年", "level": "city",
                                       "granted_on": days_ago(1), "awarded_by": secret,
                                       "awarding_body": "education_bureau",
                                       "recorded_by": t[0]})
    world.call("revoke_award", {"award_id": award["id"], "revoked_by": t[0],
                                "reason_code": "other", "reason": secret})
    world.call("record_assessment", {"child_id": c[0], "term": "2025-2026-1",
                                     "dimensions": {"manners": "good"}, "comment": secret,
                                     "recorded_by": t[0]})
    names = {"DutyRotaSet", "DutySwapped", "DutySessionHeld", "RadioProgrammeSet",
             "RadioEpisodeAired", "ActivityScheduled", "ActivityHeld", "SuppliesDistributed",
             "AwardGranted", "AwardRevoked", "AssessmentRecorded"}
    envelopes = wait_for(lambda: (lambda found: found if {e["type"].split(".")[-2]
                                                          for e in found} >= names else None)(
        [doc["envelope"] for doc in world.db.event_log.find({"status": "sent"})
         if doc["envelope"]["data"].get("school_id") == school.school_id]),
        message="every kind of event sent")
    for envelope in envelopes:
        event = parse(encode(envelope))
        assert not keys_of(envelope["data"]) & FORBIDDEN_KEYS, (event.name, envelope["data"])
        assert secret not in json.dumps(envelope, ensure_ascii=False), event.name
