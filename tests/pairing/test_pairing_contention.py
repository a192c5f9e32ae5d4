"""Contention (issue 8): a burst of registry events touching one school, handled by THREE
pairing replicas (three containers on one database and one vhost, competing for every
queue), ends in the right state, with nothing dead-lettered, no handler failure (a `busy`
refusal would be one), every ended pairing announced exactly once in the event log.

Figures (events/s, command rounds retried, handler retries) are printed: run with -s."""
import time
from collections import Counter

from kombu import Connection

from carekit import metrics
from carekit.events.records import EVENT_LOG, PENDING_FLAG
from carekit.testing.plugin import wait_for
from pairing.desk import WRITE_RETRIES
from pairing.service import PairingService
from pairing.storage import CARRIERS
from tests.pairing import factory
from tests.pairing.conftest import registry_envelope

REPLICAS = 3
CLASSES = ["c{}".format(i) for i in range(10)]


def counter_total(counter, **labels):
    return sum(s.value for m in counter.collect() for s in m.samples
               if s.name.endswith("_total") and all(s.labels.get(k) == v
                                                     for k, v in labels.items()))


class Figures:
    """What the kit and the desk counted while the burst ran (process-wide counters: the
    three containers run in this process)."""

    def __init__(self):
        self.start = self._now()

    @staticmethod
    def _now():
        return {"retried": counter_total(metrics.EVENTS_HANDLED, service="pairing",
                                         outcome="retried"),
                "dead_lettered": counter_total(metrics.EVENTS_HANDLED, service="pairing",
                                               outcome="dead_lettered"),
                "write_retries": counter_total(WRITE_RETRIES), "at": time.monotonic()}

    def since(self):
        now = self._now()
        return {k: now[k] - self.start[k] for k in now}


def school_with(count, staff, volunteers=0):
    """Registry envelopes for school s1: classes, staff (each teaching one class, heads of
    the first ten), volunteers, `count` children."""
    out = [registry_envelope("SchoolRegistered", factory.school("s1"))]
    for i in range(staff):
        out.append(registry_envelope("StaffRegistered", factory.staff(
            "t{:02d}".format(i), class_ids=[CLASSES[i % len(CLASSES)]])))
    for i, class_id in enumerate(CLASSES):
        out.append(registry_envelope("ClassCreated", factory.klass(
            class_id, head_teacher_id="t{:02d}".format(i), number=i + 1)))
    for i in range(volunteers):
        out.append(registry_envelope("VolunteerRegistered", factory.volunteer("v{:02d}".format(i))))
    out += [registry_envelope("ChildRegistered", factory.registered(
        "k{:03d}".format(i), class_id=CLASSES[i % len(CLASSES)])) for i in range(count)]
    return out


def handled(db, envelopes):
    ids = [e["id"] for e in envelopes]
    return db.processed_events.count_documents({"event_id": {"$in": ids}, "status": "done"})


def queue_depth(config, queue):
    with Connection(config["AMQP_URI"]) as conn:
        return conn.default_channel.queue_declare(queue=queue, passive=True).message_count


def settle(db, config, envelopes, timeout=300):
    """Wait until every envelope is handled, or something reached the DLQ."""
    return wait_for(lambda: handled(db, envelopes) == len(envelopes)
                    or queue_depth(config, "dlq.pairing") > 0, timeout=timeout, interval=0.5,
                    message="{} registry events handled".format(len(envelopes)))


def relayed(db):
    """Every recorded event moved to the event log and sent."""
    return (all(db[c].count_documents({PENDING_FLAG: True}) == 0 for c in CARRIERS)
            and db[EVENT_LOG].count_documents({"status": "pending"}) == 0)


def logged(db, name):
    return [d["envelope"]["data"] for d in db[EVENT_LOG].find({"name": name})]


def set_up(run_service, rpc, config, db, registry, children, staff, volunteers=0):
    replicas = [run_service(PairingService, config) for _ in range(REPLICAS)]
    setup = registry.many(school_with(children, staff, volunteers))
    settle(db, config, setup)
    with rpc(config) as proxy:
        proxy.pairing.set_policy({"county_id": factory.COUNTY, "mentor_scope": "all"})
        for class_id in CLASSES:
            in_class = sorted(d["_id"] for d in db.children.find({"class_id": class_id}))
            proxy.pairing.recommend_priority({"class_id": class_id, "child_ids": in_class[:5]})
        plan = proxy.pairing.propose_plan({"school_id": "s1", "by": "principal"})
        assert proxy.pairing.apply_plan({"plan_id": plan["plan_id"]})["status"] == "applied"
        for i in range(volunteers):
            proxy.pairing.assign_proxy_parent({"child_id": "k{:03d}".format(i * 7),
                                               "volunteer_id": "v{:02d}".format(i)})
    wait_for(lambda: relayed(db), timeout=120, message="set-up events relayed")
    return replicas, plan


def report(what, figures, events, seconds_key="at"):
    print("\n{}: {} registry events by {} replicas in {:.1f} s ({:.0f}/s); command rounds "
          "retried: {:.0f}; handler retries: {:.0f}; dead-lettered: {:.0f}".format(
              what, events, REPLICAS, figures[seconds_key], events / figures[seconds_key],
              figures["write_retries"], figures["retried"], figures["dead_lettered"]))


def test_500_status_changes_in_one_school_with_three_replicas(run_service, rpc, service_config,
                                                              service_db, registry):
    config, db = service_config, service_db
    _, plan = set_up(run_service, rpc, config, db, registry, children=500, staff=40,
                     volunteers=20)
    before = {kind: {d["_id"] for d in db.pairings.find({"state": "active", "kind": kind})}
              for kind in ("mentor", "buddy", "proxy_parent")}
    assert [len(before[k]) for k in ("mentor", "buddy", "proxy_parent")] == [120, 500, 20]
    assert sum(len(r["children"]) for r in db.recommendations.find({})) == 50
    with Connection(config["AMQP_URI"]) as conn:  # three competing consumers on the queue
        queue = "evt-registry-ChildStatusChanged--pairing.on_child_status_changed"
        assert conn.default_channel.queue_declare(queue=queue, passive=True).consumer_count \
            == REPLICAS

    figures = Figures()
    burst = registry.many([registry_envelope("ChildStatusChanged", factory.status_changed(
        "k{:03d}".format(i), "not_left_behind", version=2, class_id=CLASSES[i % len(CLASSES)]))
        for i in range(500)])
    settle(db, config, burst)
    spent = figures.since()
    report("status changes", spent, len(burst))

    assert queue_depth(config, "dlq.pairing") == 0
    assert (spent["retried"], spent["dead_lettered"]) == (0, 0)  # no handler failed, none busy
    assert db.pairings.count_documents({"state": {"$ne": "ended"}}) == 0
    assert {d["load"] for d in db.places.find({})} == {0}
    assert sum(len(r.get("children") or {}) for r in db.recommendations.find({})) == 0
    wait_for(lambda: relayed(db), timeout=120, message="burst events relayed")
    ends = {"MentorReleased": "mentor", "BuddyUnpaired": "buddy",
            "ProxyParentReleased": "proxy_parent"}
    for name, kind in ends.items():
        announced = Counter(d["pairing_id"] for d in logged(db, name))
        assert set(announced) == before[kind] and set(announced.values()) == {1}, name
    alarms = logged(db, "PairingEnded")
    assert Counter(d["pairing_id"] for d in alarms) == Counter(set().union(*before.values()))
    assert {(d["reason"], d["needs_repairing"]) for d in alarms} == {
        ("child_not_left_behind", False)}
    withdrawn = [c for d in logged(db, "PriorityWithdrawn") for c in d["child_ids"]]
    assert len(withdrawn) == len(set(withdrawn)) == 50
    assert [d["plan_id"] for d in logged(db, "MentorAssigned")] == [plan["plan_id"]] * 120


def test_a_mentor_leaving_while_a_roster_import_runs_with_three_replicas(
        run_service, rpc, service_config, service_db, registry):
    config, db = service_config, service_db
    set_up(run_service, rpc, config, db, registry, children=200, staff=20)
    leaving = sorted(d["_id"] for d in db.pairings.find({"state": "active", "kind": "mentor",
                                                         "partner_id": "t00"}))
    assert len(leaving) == 3
    others = {d["_id"] for d in db.pairings.find({"state": "active"})} - set(leaving)

    figures = Figures()
    imported = [registry_envelope("ChildUpdated", factory.updated(
        "k{:03d}".format(i), version=2, class_id=CLASSES[i % len(CLASSES)],
        name="导入{}".format(i), changed_fields=["name"])) for i in range(200)]
    imported += [registry_envelope("ChildRegistered", factory.registered(
        "n{:03d}".format(i), class_id=CLASSES[i % len(CLASSES)], registered_on="2026-10-28"))
        for i in range(300)]
    staff_left = registry_envelope("StaffLeft", factory.staff_left("t00", class_ids=["c0"]))
    burst = imported[:250] + [staff_left] + imported[250:]
    registry.many(burst)
    settle(db, config, burst)
    spent = figures.since()
    report("roster import + a mentor leaving", spent, len(burst))

    assert queue_depth(config, "dlq.pairing") == 0
    assert (spent["retried"], spent["dead_lettered"]) == (0, 0)
    ended = list(db.pairings.find({"state": "ended"}))
    assert sorted(d["_id"] for d in ended) == leaving
    assert {(d["end_reason"], d["ended_on"]) for d in ended} == {
        ("teacher_left", max("2026-10-30", d["started_on"])) for d in ended}
    assert {d["_id"] for d in db.pairings.find({"state": "active"})} == others
    assert db.places.find_one({"_id": "mentor:t00"})["load"] == 0
    assert db.children.count_documents({}) == 500
    assert sum(1 for d in db.children.find({"version": 2}) if d["name"].startswith("导入")) == 200
    wait_for(lambda: relayed(db), timeout=120, message="burst events relayed")
    alarms = logged(db, "PairingEnded")
    assert sorted(d["pairing_id"] for d in alarms) == leaving
    assert {(d["reason"], d["needs_repairing"]) for d in alarms} == {("teacher_left", True)}
