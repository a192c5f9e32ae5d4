"""Automatic plans on the real MongoDB stand-in: mentors by the county's scope, friends,
proxy parents still needed; applied whole (claims, then commit) or not at all, and a plan
whose applier stopped midway is finished by someone else."""
import time
import uuid

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from carekit.errors import Conflict
from pairing import planning, storage
from tests.pairing import factory
from tests.pairing.conftest import World


def pairings_of(world):
    """Every pairing document, without the events it carries: what a plan may change."""
    return sorted(({k: v for k, v in d.items() if k not in ("_outbox", "_outbox_pending")}
                   for d in world.db.pairings.find({})), key=lambda d: d["_id"])


def places_of(world):
    return {d["_id"]: d["load"] for d in world.db.places.find({})}


def later(monkeypatch, seconds):
    """Move the service's clock for leases `seconds` ahead."""
    moved = lambda: time.time() + seconds  # noqa: E731
    monkeypatch.setattr(storage, "now", moved)
    monkeypatch.setattr(planning, "now", moved)


def test_plan_explains_itself_and_applies_every_pairing_with_its_event(world):
    teachers, kids = world.school(classes=("c1", "c2"), teachers=2, children=8)
    world.policy(mentor_scope="all")
    plan = world.planning.propose("s1", by="principal")
    assert plan["status"] == "proposed" and plan["summary"]["paired"] == 6
    assert {p["reason"] for p in plan["pairs"]} <= {"head_teacher", "class_teacher",
                                                    "school_teacher"}
    assert all(p["why"] and p["child_name"] and p["teacher_name"] for p in plan["pairs"])
    assert [u["reason"] for u in plan["unpaired"]] == ["no_capacity", "no_capacity"]
    assert all(u["days_waiting"] == 61 for u in plan["unpaired"])
    assert len(plan["buddy_pairs"]) == 8 and plan["summary"]["buddy_pairs"] == 8
    applied = world.planning.apply(plan["plan_id"], by="principal")
    assert (applied["status"], applied["applied_by"]) == ("applied", "principal")
    assert world.active(kind="mentor") == sorted(
        ("mentor", p["child_id"], p["teacher_id"]) for p in plan["pairs"])
    assert len(world.active(kind="buddy")) == 8
    assigned = world.events("MentorAssigned")
    assert len(assigned) == 6 and {d["plan_id"] for _, d in assigned} == {plan["plan_id"]}
    assert {d["source"] for _, d in assigned} == {"plan"}
    assert len(world.events("BuddyPaired")) == 8
    assert places_of(world)["mentor:" + teachers[0]] == 3
    assert world.db.pairings.count_documents({"state": "claimed"}) == 0
    # applying again changes nothing
    assert world.planning.apply(plan["plan_id"])["status"] == "applied"
    assert len(world.events("MentorAssigned")) == 6


def test_recommended_scope_pairs_only_recommended_children(world):
    teachers, kids = world.school(classes=("c1", "c2"), teachers=4, children=12)
    in_c1 = kids[0::2]
    world.recommend("c1", in_c1[:4])
    plan = world.planning.propose("s1")
    assert sorted(p["child_id"] for p in plan["pairs"]) == sorted(in_c1[:4])
    assert all(p["priority"] for p in plan["pairs"]) and plan["unpaired"] == []
    assert plan["summary"]["mentor_scope"] == "recommended"
    assert plan["summary"]["not_in_mentor_scope"] == 8
    assert [c["class_id"] for c in plan["classes_without_recommendation"]] == ["c2"]


def test_friends_prefer_classmates_who_are_not_left_behind_and_respect_the_cap(world):
    world.school(children=0, teachers=1)
    for kid in ("a", "b", "c", "d", "e"):
        world.feed("ChildRegistered", factory.registered(kid))
    world.feed("ChildRegistered", factory.registered("home", status="not_left_behind"))
    world.feed("ChildRegistered", factory.registered("other-class", class_id="c9"))
    world.policy(buddy_max_children=2)
    plan = world.planning.propose("s1")
    friend_of = {b["child_id"]: (b["buddy_child_id"], b["reason"]) for b in plan["buddy_pairs"]}
    took_home = [c for c, (friend, _) in friend_of.items() if friend == "home"]
    assert len(took_home) == 2  # the pupil whose parents came home first, up to the cap
    assert {friend_of[c][1] for c in took_home} == {"not_left_behind_classmate"}
    assert set(friend_of) == {"a", "b", "c", "d", "e"}
    loads = {}
    for friend, _ in friend_of.values():
        loads[friend] = loads.get(friend, 0) + 1
    assert max(loads.values()) <= 2 and "other-class" not in loads
    assert plan["buddies_missing"] == [dict(
        plan["buddies_missing"][0], child_id="other-class", missing=1, reason="no_classmate")]
    world.planning.apply(plan["plan_id"])
    assert places_of(world)["buddy:home"] == 2


def test_children_still_needing_a_proxy_parent_are_listed_when_the_policy_requires_one(world):
    _, kids = world.school(children=3)
    world.feed("VolunteerRegistered", factory.volunteer("v1"))
    world.desk.assign_proxy_parent({"child_id": kids[0], "volunteer_id": "v1", "replace": False})
    assert world.planning.propose("s1")["proxy_parent_needed"] == []
    world.policy(proxy_parent_required=True)
    plan = world.planning.propose("s1")
    assert sorted(c["child_id"] for c in plan["proxy_parent_needed"]) == kids[1:]
    assert plan["summary"]["proxy_parent_needed"] == 2 and plan["summary"]["volunteers"] == 1


def test_plan_is_refused_when_data_changed_and_nothing_is_written(world):
    teachers, kids = world.school(children=4)
    world.policy(mentor_scope="all")
    plan = world.planning.propose("s1")
    world.feed("ChildRegistered", factory.registered("late-child"))
    before, places = pairings_of(world), places_of(world)
    with pytest.raises(Conflict) as info:
        world.planning.apply(plan["plan_id"])
    assert info.value.code == "plan_stale" and "重新生成" in info.value.message
    assert pairings_of(world) == before and places_of(world) == places
    assert world.events("MentorAssigned") == [] and world.events("BuddyPaired") == []
    assert world.planning.get(plan["plan_id"])["status"] == "stale"
    with pytest.raises(Conflict):
        world.planning.apply(plan["plan_id"])
    fresh = world.planning.propose("s1")
    world.planning.apply(fresh["plan_id"])
    assert len(world.events("MentorAssigned")) == 5  # the late child too


def test_two_plans_from_the_same_state_only_one_applies(world):
    world.school(children=3)
    world.policy(mentor_scope="all")
    first, second = world.planning.propose("s1"), world.planning.propose("s1")
    world.planning.apply(second["plan_id"])
    with pytest.raises(Conflict):
        world.planning.apply(first["plan_id"])
    assert len(world.active(kind="mentor")) == 3


def test_plan_keeps_siblings_with_the_mentor_one_already_has(world):
    teachers, kids = world.school(children=0, teachers=3)
    world.policy(mentor_scope="all")
    world.feed("ChildRegistered", factory.registered("older", household_id="family"))
    world.desk.assign_mentor({"child_id": "older", "teacher_id": teachers[2], "replace": False})
    world.feed("ChildRegistered", factory.registered("younger", household_id="family"))
    plan = world.planning.propose("s1")
    assert [(p["child_id"], p["teacher_id"], p["reason"]) for p in plan["pairs"]] == [
        ("younger", teachers[2], "sibling_mentor")]


def test_a_claim_refused_midway_undoes_the_attempts_claims_and_announces_nothing(world):
    """A manual assignment lands between the plan's fingerprint check and its claims (forced
    by running it inside the plan's first place-taking): the later claim for that child is
    refused, every earlier claim is dropped, every place given back, no event recorded."""
    teachers, kids = world.school(classes=("c1",), teachers=4, children=6)
    world.policy(mentor_scope="all")
    plan = world.planning.propose("s1")
    target = plan["pairs"][-1]["child_id"]
    take = world.store.places.take

    def take_then_assign(place, ids, cap):
        world.store.places.take = take
        world.desk.assign_mentor({"child_id": target, "teacher_id": teachers[3],
                                  "replace": False})
        return take(place, ids, cap)
    world.store.places.take = take_then_assign
    before = {d["_id"] for d in world.db.pairings.find({})}
    with pytest.raises(Conflict) as info:
        world.planning.apply(plan["plan_id"])
    assert info.value.code == "plan_stale"
    assert world.active(kind="mentor") == [("mentor", target, teachers[3])]
    assert world.db.pairings.count_documents({"state": "claimed"}) == 0
    assert {d["_id"] for d in world.db.pairings.find({})} - before == {
        p.pairing_id for p in world.store.pairings.active(child_id=target)}
    taken = {k: v for k, v in places_of(world).items() if v}
    assert taken == {"mentor:" + teachers[3]: 1}  # every place the plan took was given back
    assert len(places_of(world)) > 1
    assert [d["child_id"] for _, d in world.events("MentorAssigned")] == [target]
    assert world.events("BuddyPaired") == []


class Stop(Exception):
    """The applier's process dies here."""


def test_an_applier_stopping_after_its_claims_is_undone_by_the_sweep(world, monkeypatch):
    teachers, kids = world.school(teachers=2, children=5)
    world.policy(mentor_scope="all")
    plan = world.planning.propose("s1")
    move = world.store.plans.move

    def die_before_committing(plan_id, token, from_status, to_status, **fields):
        if to_status == "committing":
            raise Stop()
        return move(plan_id, token, from_status, to_status, **fields)
    world.store.plans.move = die_before_committing
    undo = world.planning._undo
    world.planning._undo = lambda held, token: None  # the dying process cleans up nothing
    with pytest.raises(Stop):
        world.planning.apply(plan["plan_id"])
    world.store.plans.move, world.planning._undo = move, undo
    assert world.db.pairings.count_documents({"state": "claimed"}) == 5 + 5  # mentors, friends
    assert world.items(world.queries.pairings({"school_id": "s1"})) == []  # claims never show
    assert world.planning.get(plan["plan_id"])["status"] == "applying"
    world.planning.sweep()  # within the lease: the applier may still be alive
    assert world.db.pairings.count_documents({"state": "claimed"}) == 10
    later(monkeypatch, 3600)
    world.planning.sweep()
    assert world.db.pairings.count_documents({}) == 0
    assert set(places_of(world).values()) == {0}
    assert world.planning.get(plan["plan_id"])["status"] == "proposed"
    assert world.events() == [e for e in world.events() if e[0] == "PairingPolicyChanged"]
    world.planning.apply(plan["plan_id"])
    assert len(world.events("MentorAssigned")) == 5


def test_an_applier_stopping_while_committing_is_rolled_forward(world, monkeypatch):
    teachers, kids = world.school(teachers=2, children=5)
    world.policy(mentor_scope="all")
    plan = world.planning.propose("s1")
    activate = world.store.pairings.activate
    done = []

    def die_after_two(recorder, pairing, token, envelopes):
        if len(done) == 2:
            raise Stop()
        done.append(pairing.pairing_id)
        return activate(recorder, pairing, token, envelopes)
    world.store.pairings.activate = die_after_two
    with pytest.raises(Stop):
        world.planning.apply(plan["plan_id"])
    world.store.pairings.activate = activate
    assert world.planning.get(plan["plan_id"])["status"] == "committing"
    assert len(world.events("MentorAssigned")) == 2
    later(monkeypatch, 3600)
    assert world.planning.apply(plan["plan_id"])["status"] == "applied"  # finishes it first
    assert len(world.events("MentorAssigned")) == 5 and len(world.events("BuddyPaired")) == 5
    assert world.db.pairings.count_documents({"state": "claimed"}) == 0
    loads = {}
    for _, _, teacher in world.active(kind="mentor"):
        loads["mentor:" + teacher] = loads.get("mentor:" + teacher, 0) + 1
    assert {k: v for k, v in places_of(world).items() if k.startswith("mentor:")} == loads


INTERFERENCES = ["none", "teacher_left", "child_transferred", "manual_assignment",
                 "policy_changed", "new_teacher", "child_updated", "recommendation"]


@settings(max_examples=16, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(children=st.integers(1, 12), teachers=st.integers(1, 4),
       interference=st.sampled_from(INTERFERENCES))
def test_apply_is_all_or_nothing(mongo_client, children, teachers, interference):
    name = "tpair_{}".format(uuid.uuid4().hex[:10])
    mongo_client.test_databases.append(name)
    world = World(mongo_client[name])
    tids, kids = world.school(classes=("c1", "c2"), teachers=teachers, children=children)
    world.policy(mentor_scope="all")
    plan = world.planning.propose("s1")
    if interference == "teacher_left":
        world.feed("StaffLeft", factory.staff_left(tids[-1], class_ids=["c1", "c2"]))
    elif interference == "child_transferred":
        world.feed("SchoolRegistered", factory.school("s2"))
        world.feed("ChildTransferred", factory.transferred(kids[-1], version=2, school_id="s2"))
    elif interference == "manual_assignment":
        world.desk.assign_mentor({"child_id": kids[0], "teacher_id": tids[0], "replace": False})
    elif interference == "policy_changed":
        world.policy(max_mentees=2, min_mentees=1)
    elif interference == "new_teacher":
        world.feed("StaffRegistered", factory.staff("t-new", class_ids=["c1"]))
    elif interference == "child_updated":
        world.feed("ChildUpdated", factory.updated(kids[0], version=2, name="改名"))
    elif interference == "recommendation":
        world.recommend("c1", kids[0::2][:4])
    before, before_events = pairings_of(world), world.events()
    if interference == "none":
        world.planning.apply(plan["plan_id"])
        assert len(world.active(kind="mentor")) == plan["summary"]["paired"]
        assert len(world.events("MentorAssigned")) == plan["summary"]["paired"]
        assert len(world.events("BuddyPaired")) == plan["summary"]["buddy_pairs"]
    else:
        with pytest.raises(Conflict):
            world.planning.apply(plan["plan_id"])
        assert pairings_of(world) == before
        assert world.events() == before_events
    assert world.db.pairings.count_documents({"state": "claimed"}) == 0
