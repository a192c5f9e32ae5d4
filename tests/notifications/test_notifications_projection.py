"""Projections from events: redelivered, out of order, garbage — nothing counted twice,
the newest state wins, bad events are dead-lettered and change nothing."""
from datetime import timedelta

from carekit.events.bus import Outgoing
from carekit.events.dlq import DeadLetters
from carekit.events.envelope import CONTENT_TYPE, encode, new_envelope
from carekit.testing.plugin import wait_for
from tests.notifications.conftest import china, china_today

CHILD = {"child_id": "k1", "school_id": "s1", "class_id": "c1"}


def _visit(record_id, revision, kind, when, **extra):
    return dict(dict(CHILD, record_id=record_id, revision=revision, kind=kind,
                     occurred_at=when.isoformat(), by_id="t1", by_role="mentor", flagged=False),
                **extra)


def test_last_contact_per_kind_is_order_tolerant_and_withdrawals_recompute_it(network):
    net = network()
    day = china_today() - timedelta(days=20)
    t1, t2, t3 = (china(day.year, day.month, day.day, 10) + timedelta(days=n) for n in (0, 3, 6))
    first = net.publish("activities", "VisitLogged", _visit("r1", 1, "talk", t1))
    # the same event delivered twice, and a later record's correction arriving first
    net.publisher.publish([Outgoing(first["id"], "activities.events", "VisitLogged",
                                    encode(first), CONTENT_TYPE)])
    revised = net.publish("activities", "VisitRevised", dict(
        _visit("r2", 2, "talk", t3), changed_fields=["occurred_at"]))
    logged = net.publish("activities", "VisitLogged", _visit("r2", 1, "talk", t2))
    for envelope, handler in ((first, "on_visit_logged"), (revised, "on_visit_revised"),
                              (logged, "on_visit_logged")):
        net.wait_handled(envelope, handler)
    child = net.db.children.find_one({"_id": "k1"})
    assert child["last"]["talk"] == {"at": t3.timestamp(), "record_id": "r2"}
    assert net.db.care_records.find_one({"_id": "r2"})["revision"] == 2

    # withdrawing the newest talk puts the one before it back
    deleted = net.publish("activities", "VisitDeleted", dict(
        CHILD, record_id="r2", revision=3, kind="talk", occurred_at=t3.isoformat(),
        deleted_by="t1", reason_code="duplicate"))
    net.wait_handled(deleted, "on_visit_deleted")
    assert net.db.children.find_one({"_id": "k1"})["last"]["talk"]["record_id"] == "r1"
    # a correction changing the kind moves it out of "talk" entirely
    moved = net.publish("activities", "VisitRevised", dict(
        _visit("r1", 2, "parent_call", t1), changed_fields=["kind"]))
    net.wait_handled(moved, "on_visit_revised")
    last = net.db.children.find_one({"_id": "k1"})["last"]
    assert "talk" not in last and last["parent_call"]["record_id"] == "r1"


def test_follow_ups_and_flags_follow_their_record(network):
    net = network()
    when = china(2026, 3, 9, 10)
    logged = net.publish("activities", "VisitLogged", _visit(
        "r5", 1, "talk", when, flagged=True,
        follow_ups=[{"action_id": "a1", "owner_id": "t1", "due_on": "2026-03-20"},
                    {"action_id": "a2", "owner_id": "v1", "due_on": "2026-03-25"}]))
    net.wait_handled(logged, "on_visit_logged")
    assert "care-r5" in net.db.children.find_one({"_id": "k1"})["flags"]
    revised = net.publish("activities", "VisitRevised", dict(_visit(
        "r5", 2, "talk", when, flagged=True,
        follow_ups=[{"action_id": "a1", "owner_id": "t1", "due_on": "2026-03-20",
                     "done": True}]), changed_fields=["follow_ups"]))
    net.wait_handled(revised, "on_visit_revised")
    states = {d["_id"]: (bool(d["done"]), bool(d["withdrawn"]))
              for d in net.db.follow_ups.find()}
    assert states == {"a1": (True, False), "a2": (False, True)}
    deleted = net.publish("activities", "VisitDeleted", dict(
        CHILD, record_id="r5", revision=3, kind="talk", occurred_at=when.isoformat(),
        deleted_by="t1", reason_code="wrong_child"))
    net.wait_handled(deleted, "on_visit_deleted")
    assert "care-r5" not in (net.db.children.find_one({"_id": "k1"}).get("flags") or {})
    assert all(bool(d["withdrawn"]) for d in net.db.follow_ups.find())


def test_an_end_arriving_before_its_start_stays_an_end(network):
    net = network()
    pairing = {"pairing_id": "p1", "child_id": "k1", "school_id": "s1", "class_id": "c1",
               "started_on": "2026-03-01", "teacher_id": "t1", "teacher_name": "刘老师"}
    ended = net.publish("pairing", "PairingEnded", dict(
        {k: v for k, v in pairing.items() if not k.startswith("teacher")}, kind="mentor",
        partner_id="t1", ended_on="2026-03-10", reason="teacher_left", needs_repairing=True))
    started = net.publish("pairing", "MentorAssigned", dict(pairing, reason="manual"))
    net.wait_handled(ended, "on_pairing_ended")
    net.wait_handled(started, "on_mentor_assigned")
    doc = net.db.pairings.find_one({"_id": "p1"})
    assert doc["status"] == "ended" and bool(doc["needs_repairing"])


def test_a_malformed_event_is_dead_lettered_and_changes_nothing(network):
    net = network()
    good = new_envelope("activities", "VisitLogged", _visit("r9", 1, "talk", china(2026, 3, 9)))
    bad = dict(good, id="bad-" + good["id"], data=dict(good["data"], kind="séance"))
    net.publisher.publish([Outgoing(bad["id"], "activities.events", "VisitLogged", encode(bad),
                                    CONTENT_TYPE)])
    dead = wait_for(lambda: DeadLetters(net.config["AMQP_URI"], "notifications").list(),
                    timeout=20, message="dead letter")
    assert dead[0]["error"]["code"] == "invalid_data"
    assert net.db.care_records.count_documents({}) == 0
    assert net.db.agenda.count_documents({}) == 0
