"""Registry events arriving twice or out of order leave the same state as in order."""
import uuid

from hypothesis import HealthCheck, given, settings, strategies as st

from tests.pairing import factory
from tests.pairing.conftest import World

SETUP = [
    ("SchoolRegistered", factory.school("s1")),
    ("SchoolRegistered", factory.school("s2")),
    ("StaffRegistered", factory.staff("t1", class_ids=["c1"])),
    ("StaffRegistered", factory.staff("t2", class_ids=["c1"])),
    ("ClassCreated", factory.klass("c1", head_teacher_id="t1")),
    ("ClassCreated", factory.klass("c9", school_id="s2")),
    ("VolunteerRegistered", factory.volunteer("v1")),
] + [("ChildRegistered", factory.registered(k)) for k in ("k1", "k2", "k3", "k5")]

# each pairing below is ended by at most one of these changes, so the outcome is one state
CHANGES = [
    ("ChildUpdated", factory.updated("k1", version=2, name="新名字")),
    ("ChildUpdated", factory.updated("k2", version=2, name="旧校名字")),
    ("ChildTransferred", factory.transferred("k2", version=3, school_id="s2", class_id="c9")),
    ("ChildStatusChanged", factory.status_changed("k3", "not_left_behind", version=2)),
    ("StaffLeft", factory.staff_left("t2", class_ids=["c1"])),
    ("VolunteerLeft", factory.volunteer_left("v1")),
    ("ChildRegistered", factory.registered("k4", registered_on="2026-10-08")),
    ("ChildUpdated", factory.updated("k4", version=2, name="后来改名", changed_fields=["name"])),
    ("ClassUpdated", dict(factory.klass("c1", head_teacher_id="t1", version=2),
                          changed_fields=["name"])),
]


def pair_up(world):
    for kid in ("k1", "k2", "k3"):
        world.desk.assign_mentor({"child_id": kid, "teacher_id": "t1", "replace": False,
                                  "started_on": "2026-09-05"})
    world.desk.assign_mentor({"child_id": "k5", "teacher_id": "t2", "replace": False,
                              "started_on": "2026-09-05"})
    world.desk.pair_buddy({"child_id": "k1", "buddy_child_id": "k2", "started_on": "2026-09-05"})
    world.desk.pair_buddy({"child_id": "k5", "buddy_name": "李明", "started_on": "2026-09-05"})
    world.desk.assign_proxy_parent({"child_id": "k5", "volunteer_id": "v1", "replace": False,
                                    "started_on": "2026-09-05"})


def state(world):
    """Everything that matters, without generated ids and bookkeeping."""
    def docs(collection):
        return sorted(({k: v for k, v in d.items() if k not in ("_outbox", "_outbox_pending")}
                       for d in world.db[collection].find({})), key=lambda d: d["_id"])

    def pairing(p):
        return (p["kind"], p["child_id"], p["partner_id"], p["partner_name"], p["started_on"],
                p.get("ended_on"), p.get("end_reason"))
    active = sorted(pairing(p) for s in ("s1", "s2") for p in world.queries.pairings(
        {"school_id": s, "include_ended": True})["items"])
    events = sorted((name, d["child_id"], d.get("reason") or "", d.get("ended_on") or "")
                    for name, d in world.events())
    return {"children": docs("children"), "staff": docs("staff"),
            "volunteers": docs("volunteers"), "classes": docs("classes"),
            "pairings": active, "events": events}


def fresh_world(mongo_client):
    name = "tpair_{}".format(uuid.uuid4().hex[:10])
    mongo_client.test_databases.append(name)
    world = World(mongo_client[name])
    for event in SETUP:
        world.feed(*event)
    pair_up(world)
    return world


def test_changes_in_order_end_exactly_the_affected_pairings(mongo_client):
    world = fresh_world(mongo_client)
    for event in CHANGES:
        world.feed(*event)
    ended = sorted((d["kind"], d["child_id"], d["reason"]) for _, d in world.events("PairingEnded"))
    assert ended == [("buddy", "k1", "buddy_left"), ("mentor", "k2", "child_transferred"),
                     ("mentor", "k3", "child_not_left_behind"), ("mentor", "k5", "teacher_left"),
                     ("proxy_parent", "k5", "volunteer_left")]
    children = {d["_id"]: d for d in world.db.children.find({})}
    assert children["k4"]["name"] == "后来改名" and children["k4"]["eligible_since"] == "2026-10-08"
    assert children["k2"]["school_id"] == "s2" and children["k2"]["version"] == 3


IN_ORDER = {}


@settings(max_examples=15, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(order=st.permutations(range(len(CHANGES))),
       again=st.lists(st.integers(0, len(CHANGES) - 1), max_size=4))
def test_any_order_with_duplicates_gives_the_same_state(mongo_client, order, again):
    if "state" not in IN_ORDER:
        expected = fresh_world(mongo_client)
        for event in CHANGES:
            expected.feed(*event)
        IN_ORDER["state"] = state(expected)
    shuffled = fresh_world(mongo_client)
    sequence = list(order)
    for position, index in enumerate(again):  # redeliveries, anywhere after the original
        sequence.insert(sequence.index(index) + 1 + position % 2, index)
    for index in sequence:
        shuffled.feed(*CHANGES[index])
    assert state(shuffled) == IN_ORDER["state"]


def test_rebuilding_the_projection_from_old_events_ends_nothing_current(mongo_client):
    """A rebuild drops `children` and replays the registry's events from the first: while
    it runs, the projection holds old states (the child still at its old school). Pairings
    made against newer states must survive them."""
    world = fresh_world(mongo_client)
    history = [("ChildUpdated", factory.updated("k2", version=2, name="旧校名字")),
               ("ChildTransferred", factory.transferred("k2", version=3, school_id="s2",
                                                        class_id="c9"))]
    for event in history:
        world.feed(*event)
    world.feed("StaffRegistered", factory.staff("t9", school_id="s2", class_ids=["c9"]))
    world.desk.assign_mentor({"child_id": "k2", "teacher_id": "t9", "replace": False})
    before = state(world)
    world.db.children.drop()
    for event in [e for e in SETUP if e[0] == "ChildRegistered"] + history:
        world.feed(*event)
    assert state(world) == before
    assert world.active(child_id="k2") == [("mentor", "k2", "t9")]


def test_registry_events_of_both_versions_are_read_alike(world):
    """The registry publishes v2 of child and school events (guardian situation as a list,
    enrolment…); an event log replayed from before carries v1. Both feed the projection."""
    world.feed("SchoolRegistered", dict(factory.school("s1"), enrolment=480), version=2)
    world.feed("ChildRegistered", factory.registered("old", guardian_health="sick"))
    world.feed("ChildRegistered", dict(factory.registered(
        "new", guardian_situation=["elderly", "disabled"], migrant_left_behind=True),
        guardian_health="disabled", guardian_literacy="illiterate"), version=2)
    world.feed("ChildRegistered", dict(factory.registered("fine", guardian_situation=[]),
                                       guardian_health="healthy"), version=2)
    need = {d["_id"]: d["need"] for d in world.db.children.find({})}
    assert need == {"old": 3, "new": 4, "fine": 2}  # both parents away: 2; frail +1; 文盲 +1
    assert world.store.settings.policy_of_school("s1").county_id == factory.COUNTY
    world.feed("ChildStatusChanged", dict(factory.status_changed(
        "new", "not_left_behind", version=2), guardian_situation=["elderly"]), version=2)
    assert world.store.registry.child("new").status == "not_left_behind"
