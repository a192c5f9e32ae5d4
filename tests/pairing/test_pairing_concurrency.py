"""Commands racing on the same child or the same staff member (green threads on the real
MongoDB stand-in, as replicas' workers would): the rules hold exactly, every refusal names
the rule, and the events tell the same story as the stored state."""
import eventlet
import pytest

from carekit.errors import CareError
from tests.pairing import factory
from tests.pairing.conftest import World


def race(calls):
    """Run every call at once; [(result or None, error code or None)]."""
    def run(call):
        try:
            return call(), None
        except CareError as exc:
            return None, (exc.errors[0]["code"] if exc.errors else exc.code)
    pool = eventlet.GreenPool(len(calls))
    return list(pool.imap(run, calls))


def fresh(db):
    """A desk of its own per caller, as each replica's worker builds one."""
    return World(db)


def test_a_staff_member_never_gets_more_mentees_than_the_cap(world):
    teachers, kids = world.school(teachers=1, children=12)
    outcomes = race([lambda kid=kid: fresh(world.db).desk.assign_mentor(
        {"child_id": kid, "teacher_id": teachers[0], "replace": False}) for kid in kids])
    assert sorted(code or "ok" for _, code in outcomes) == ["ok"] * 3 + ["teacher_full"] * 9
    assert len(world.active(kind="mentor")) == 3
    assert world.db.places.find_one({"_id": "mentor:" + teachers[0]})["load"] == 3
    assert len(world.events("MentorAssigned")) == 3


def test_a_child_never_gets_two_mentors(world):
    teachers, kids = world.school(teachers=8, children=1)
    outcomes = race([lambda t=t: fresh(world.db).desk.assign_mentor(
        {"child_id": kids[0], "teacher_id": t, "replace": False}) for t in teachers])
    assert sorted(code or "ok" for _, code in outcomes) == ["already_has_mentor"] * 7 + ["ok"]
    [(_, _, winner)] = world.active(kind="mentor")
    loads = {d["_id"]: d["load"] for d in world.db.places.find({})}
    assert {k: v for k, v in loads.items() if v} == {"mentor:" + winner: 1}
    assert [d["teacher_id"] for _, d in world.events("MentorAssigned")] == [winner]


def test_replacing_at_once_leaves_one_mentor_and_a_true_story(world):
    teachers, kids = world.school(teachers=6, children=1)
    world.desk.assign_mentor({"child_id": kids[0], "teacher_id": teachers[0], "replace": False})
    outcomes = race([lambda t=t: fresh(world.db).desk.assign_mentor(
        {"child_id": kids[0], "teacher_id": t, "replace": True}) for t in teachers[1:]])
    assert [code for _, code in outcomes] == [None] * 5  # each asked for "make it this one"
    [(_, _, current)] = world.active(kind="mentor")
    story = [(n, d["teacher_id"]) for n, d in world.events() if n.startswith("Mentor")]
    assigned = [t for n, t in story if n == "MentorAssigned"]
    released = [t for n, t in story if n == "MentorReleased"]
    assert len(assigned) - len(released) == 1
    assert sorted(released + [current]) == sorted(assigned)
    loads = {d["_id"]: d["load"] for d in world.db.places.find({})}
    assert {k: v for k, v in loads.items() if v} == {"mentor:" + current: 1}


def test_twelve_clients_assigning_and_releasing_proxy_parents_get_no_busy(world):
    """The ops team's run: twelve clients assigning and releasing proxy parents for the
    children of one school at once. No refusal is `busy`; the stored state and the events
    agree for every child."""
    _, kids = world.school(children=24)
    for v in range(6):
        world.feed("VolunteerRegistered", factory.volunteer("v{}".format(v)))

    def client(n):
        desk = fresh(world.db).desk
        codes = []
        for round_ in range(8):
            kid = kids[(n * 5 + round_) % len(kids)]
            try:
                desk.assign_proxy_parent({"child_id": kid, "volunteer_id": "v{}".format(
                    (n + round_) % 6), "replace": bool(round_ % 2)})
                codes.append("ok")
            except CareError as exc:
                codes.append(exc.errors[0]["code"] if exc.errors else exc.code)
            current = desk.pairings.active(child_id=kid, kind="proxy_parent")
            if current and round_ % 3 == 2:
                try:
                    desk.release("proxy_parent", {"pairing_id": current[0].pairing_id,
                                                  "reason": "other"})
                    codes.append("released")
                except CareError as exc:
                    codes.append(exc.code)
        return codes
    outcomes = race([lambda n=n: client(n) for n in range(12)])
    codes = [c for result, _ in outcomes for c in result]
    assert "busy" not in codes
    assert set(codes) <= {"ok", "released", "already_has_proxy_parent", "already_paired",
                          "not_found"}
    active = {(c, v) for _, c, v in world.active(kind="proxy_parent")}
    assert len({c for c, _ in active}) == len(active)  # one proxy parent per child
    net = {}
    for name, data in world.events():
        if name in ("ProxyParentAssigned", "ProxyParentReleased"):
            key = (data["child_id"], data["volunteer_id"], data["pairing_id"])
            net[key] = net.get(key, 0) + (1 if name == "ProxyParentAssigned" else -1)
    assert all(v in (0, 1) for v in net.values())
    assert {(c, v) for (c, v, _), n in net.items() if n == 1} == active


@pytest.mark.parametrize("kind", ["mentor", "buddy"])
def test_places_repair_frees_what_a_crash_left_and_keeps_what_is_held(world, monkeypatch, kind):
    """A place taken for a pairing that was never written (the process died in between)
    is freed once older than the lease; a place held by a live pairing is kept."""
    from pairing import storage
    teachers, kids = world.school(teachers=1, children=4)
    if kind == "mentor":
        world.desk.assign_mentor({"child_id": kids[0], "teacher_id": teachers[0],
                                  "replace": False})
        place = "mentor:" + teachers[0]
    else:
        world.desk.pair_buddy({"child_id": kids[0], "buddy_child_id": kids[3]})
        place = "buddy:" + kids[3]
    assert world.store.places.take(place, ["orphan-1", "orphan-2"], 3)
    assert not world.store.places.repair(place)  # young: maybe still being written
    monkeypatch.setattr(storage, "now", lambda: 10 ** 10)
    assert world.store.places.repair(place)
    doc = world.db.places.find_one({"_id": place})
    assert doc["load"] == 1 and list(doc["holds"]) == [
        p.pairing_id for p in world.store.pairings.active(child_id=kids[0])]


def test_one_plan_applied_by_three_callers_at_once_is_applied_once(world):
    teachers, kids = world.school(teachers=3, children=9)
    world.policy(mentor_scope="all")
    plan = world.planning.propose("s1")
    outcomes = race([lambda: fresh(world.db).planning.apply(plan["plan_id"], by="principal")
                     for _ in range(3)])
    assert [(result["status"], code) for result, code in outcomes] == [("applied", None)] * 3
    assert len(world.events("MentorAssigned")) == 9 == len(world.active(kind="mentor"))
    assert len(world.events("BuddyPaired")) == len(plan["buddy_pairs"])
    assert world.db.pairings.count_documents({"state": "claimed"}) == 0
