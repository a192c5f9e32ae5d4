"""Automatic plans on the real MongoDB stand-in: applied whole in one write, or refused
without a trace when the data changed after the plan was made."""
import uuid

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from carekit.errors import Conflict
from tests.pairing import factory
from tests.pairing.conftest import World


def book_of(world, school="s1"):
    return world.db.pairing_books.find_one({"_id": school}) or {"rev": 0, "pairings": []}


def test_plan_explains_itself_and_applies_in_one_write(world):
    teachers, kids = world.school(classes=("c1", "c2"), teachers=2, children=8)
    plan = world.planning.propose("s1", by="principal")
    assert plan["status"] == "proposed" and plan["summary"]["paired"] == 6
    assert {p["reason"] for p in plan["pairs"]} <= {"head_teacher", "class_teacher",
                                                    "school_teacher"}
    assert all(p["why"] and p["child_name"] and p["teacher_name"] for p in plan["pairs"])
    assert [u["reason"] for u in plan["unpaired"]] == ["no_capacity", "no_capacity"]
    assert all(u["days_waiting"] == 61 for u in plan["unpaired"])
    rev = book_of(world)["rev"]
    applied = world.planning.apply(plan["plan_id"], by="principal")
    assert applied["status"] == "applied"
    book = book_of(world)
    assert book["rev"] == rev + 1  # one conditional write carried every pairing...
    assert len(book["pairings"]) == 6
    assigned = world.events("MentorAssigned")  # ...and every event
    assert len(assigned) == 6 and {d["plan_id"] for _, d in assigned} == {plan["plan_id"]}
    assert {d["source"] for _, d in assigned} == {"plan"}
    # applying again changes nothing
    assert world.planning.apply(plan["plan_id"])["status"] == "applied"
    assert book_of(world)["rev"] == rev + 1 and len(world.events("MentorAssigned")) == 6


def test_plan_is_refused_when_data_changed_and_nothing_is_written(world):
    teachers, kids = world.school(children=4)
    plan = world.planning.propose("s1")
    world.feed("ChildRegistered", factory.registered("late-child"))
    before = book_of(world)
    with pytest.raises(Conflict) as info:
        world.planning.apply(plan["plan_id"])
    assert info.value.code == "plan_stale" and "重新生成" in info.value.message
    assert book_of(world) == before
    assert world.events("MentorAssigned") == []
    assert world.planning.get(plan["plan_id"])["status"] == "stale"
    with pytest.raises(Conflict):
        world.planning.apply(plan["plan_id"])
    fresh = world.planning.propose("s1")
    world.planning.apply(fresh["plan_id"])
    assert len(world.events("MentorAssigned")) == 5  # the late child too


def test_two_plans_from_the_same_state_only_one_applies(world):
    world.school(children=3)
    first, second = world.planning.propose("s1"), world.planning.propose("s1")
    world.planning.apply(second["plan_id"])
    with pytest.raises(Conflict):
        world.planning.apply(first["plan_id"])
    assert len(book_of(world)["pairings"]) == 3


def test_plan_keeps_siblings_with_the_mentor_one_already_has(world):
    teachers, kids = world.school(children=0, teachers=3)
    world.feed("ChildRegistered", factory.registered("older", household_id="family"))
    world.desk.assign_mentor({"child_id": "older", "teacher_id": teachers[2], "replace": False})
    world.feed("ChildRegistered", factory.registered("younger", household_id="family"))
    plan = world.planning.propose("s1")
    assert [(p["child_id"], p["teacher_id"], p["reason"]) for p in plan["pairs"]] == [
        ("younger", teachers[2], "sibling_mentor")]


INTERFERENCES = ["none", "teacher_left", "child_transferred", "manual_assignment",
                 "policy_changed", "new_teacher", "child_updated"]


@settings(max_examples=14, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(children=st.integers(1, 12), teachers=st.integers(1, 4),
       interference=st.sampled_from(INTERFERENCES))
def test_apply_is_all_or_nothing(mongo_client, children, teachers, interference):
    name = "tpair_{}".format(uuid.uuid4().hex[:10])
    mongo_client.test_databases.append(name)
    world = World(mongo_client[name])
    tids, kids = world.school(classes=("c1", "c2"), teachers=teachers, children=children)
    plan = world.planning.propose("s1")
    if interference == "teacher_left":
        world.feed("StaffLeft", factory.staff_left(tids[-1], class_ids=["c1", "c2"]))
    elif interference == "child_transferred":
        world.feed("SchoolRegistered", factory.school("s2"))
        world.feed("ChildTransferred", factory.transferred(kids[-1], version=2, school_id="s2"))
    elif interference == "manual_assignment":
        world.desk.assign_mentor({"child_id": kids[0], "teacher_id": tids[0], "replace": False})
    elif interference == "policy_changed":
        world.desk.set_policy({"max_mentees": 2, "min_mentees": 1}, world.queries)
    elif interference == "new_teacher":
        world.feed("StaffRegistered", factory.staff("t-new", class_ids=["c1"]))
    elif interference == "child_updated":
        world.feed("ChildUpdated", factory.updated(kids[0], version=2, name="改名"))
    before_book, before_events = book_of(world), world.events("MentorAssigned")
    if interference == "none":
        world.planning.apply(plan["plan_id"])
        assert len(book_of(world)["pairings"]) == plan["summary"]["paired"]
        assert len(world.events("MentorAssigned")) == plan["summary"]["paired"]
    else:
        with pytest.raises(Conflict):
            world.planning.apply(plan["plan_id"])
        assert book_of(world) == before_book
        assert world.events("MentorAssigned") == before_events
