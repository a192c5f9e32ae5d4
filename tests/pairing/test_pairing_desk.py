"""Pairing by hand, reactions and policy, on the real MongoDB stand-in (no broker): the
domain as the service drives it, one conditional write per change."""
import pytest

from carekit.errors import Conflict, NotFound, ValidationFailed
from tests.pairing import factory
from tests.pairing.conftest import TODAY


def codes(exc_info):
    return sorted((e["field"], e["code"]) for e in exc_info.value.errors)


def mentor(world, child_id, teacher_id, **kw):
    return world.desk.assign_mentor(dict(dict(child_id=child_id, teacher_id=teacher_id,
                                              replace=False, started_on="2026-09-10"), **kw))


def test_assign_and_release_a_mentor_records_events(world):
    teachers, kids = world.school(children=2)
    pairing = mentor(world, kids[0], teachers[0], by="admin-1")
    assert pairing["partner_id"] == teachers[0] and pairing["kind_label"] == "帮扶教师"
    assigned = world.events("MentorAssigned")
    assert [d["child_id"] for _, d in assigned] == [kids[0]]
    assert assigned[0][1]["teacher_name"] == "老师" + teachers[0]
    assert assigned[0][1]["by"] == "admin-1"
    released = world.desk.release("mentor", {"pairing_id": pairing["pairing_id"],
                                             "reason": "teacher_request", "note": "工作调整"})
    assert released["end_reason"] == "teacher_request" and released["active"] is False
    assert [d["reason"] for _, d in world.events("MentorReleased")] == ["teacher_request"]
    assert world.events("PairingEnded") == []  # a person's decision: no "re-pair" alarm
    history = world.queries.pairings({"child_id": kids[0], "include_ended": True})
    assert [(p["active"], p["end_reason"]) for p in history] == [(False, "teacher_request")]


def test_rules_are_enforced_and_nothing_is_written_on_refusal(world):
    teachers, kids = world.school(children=5)
    world.feed("SchoolRegistered", factory.school("s2"))
    world.feed("StaffRegistered", factory.staff("t-other", school_id="s2"))
    for kid in kids[:3]:
        mentor(world, kid, teachers[0])
    before = world.db.pairing_books.find_one({"_id": "s1"})["rev"]
    with pytest.raises(ValidationFailed) as full:
        mentor(world, kids[3], teachers[0])
    assert codes(full) == [("teacher_id", "teacher_full")]
    with pytest.raises(ValidationFailed) as other_school:
        mentor(world, kids[3], "t-other")
    assert codes(other_school) == [("teacher_id", "different_school")]
    with pytest.raises(ValidationFailed) as twice:
        mentor(world, kids[0], teachers[1])
    assert codes(twice) == [("child_id", "already_has_mentor")]
    with pytest.raises(ValidationFailed) as unknown:
        mentor(world, "nobody", teachers[1])
    assert codes(unknown) == [("child_id", "unknown_child")]
    with pytest.raises(ValidationFailed) as both:
        mentor(world, "nobody", "no-teacher")
    assert codes(both) == [("child_id", "unknown_child"), ("teacher_id", "unknown_teacher")]
    assert all(e["message"] for e in full.value.errors + twice.value.errors)
    assert world.db.pairing_books.find_one({"_id": "s1"})["rev"] == before
    assert len(world.events("MentorAssigned")) == 3


def test_replacing_a_mentor_releases_the_old_one_in_the_same_write(world):
    teachers, kids = world.school(children=1)
    mentor(world, kids[0], teachers[0])
    rev = world.db.pairing_books.find_one({"_id": "s1"})["rev"]
    mentor(world, kids[0], teachers[1], replace=True)
    assert world.db.pairing_books.find_one({"_id": "s1"})["rev"] == rev + 1
    active = world.queries.pairings({"child_id": kids[0]})
    assert [p["partner_id"] for p in active] == [teachers[1]]
    assert [d["reason"] for _, d in world.events("MentorReleased")] == ["reassigned"]


def test_inactive_child_or_teacher_cannot_be_paired(world):
    teachers, kids = world.school(children=2)
    world.feed("ChildStatusChanged", factory.status_changed(kids[0], "not_left_behind",
                                                            version=2))
    world.feed("StaffLeft", factory.staff_left(teachers[0], class_ids=["c1"]))
    with pytest.raises(ValidationFailed) as info:
        mentor(world, kids[0], teachers[0])
    assert codes(info) == [("child_id", "child_not_in_programme"),
                           ("teacher_id", "teacher_inactive")]


def test_buddies_registered_or_by_name_and_proxy_parents(world):
    teachers, kids = world.school(children=3)
    world.feed("VolunteerRegistered", factory.volunteer("v1"))
    buddy = world.desk.pair_buddy({"child_id": kids[0], "buddy_child_id": kids[1]})
    named = world.desk.pair_buddy({"child_id": kids[0], "buddy_name": "李明"})
    assert (buddy["partner_id"], named["partner_name"]) == (kids[1], "李明")
    with pytest.raises(ValidationFailed) as twice:
        world.desk.pair_buddy({"child_id": kids[0], "buddy_name": "李明"})
    assert codes(twice) == [("buddy_name", "already_paired")]
    proxy = world.desk.assign_proxy_parent({"child_id": kids[0], "volunteer_id": "v1",
                                            "replace": False})
    assert proxy["partner_name"] == "志愿者v1"
    with pytest.raises(ValidationFailed) as unknown:
        world.desk.assign_proxy_parent({"child_id": kids[1], "volunteer_id": "v9",
                                        "replace": False})
    assert codes(unknown) == [("volunteer_id", "unknown_volunteer")]
    assert sorted(n for n, _ in world.events()) == ["BuddyPaired", "BuddyPaired",
                                                    "ProxyParentAssigned"]
    world.desk.release("buddy", {"pairing_id": named["pairing_id"], "reason": "other"})
    with pytest.raises(NotFound):
        world.desk.release("buddy", {"pairing_id": named["pairing_id"], "reason": "other"})
    with pytest.raises(ValidationFailed) as wrong_kind:
        world.desk.release("mentor", {"pairing_id": buddy["pairing_id"], "reason": "other"})
    assert codes(wrong_kind) == [("pairing_id", "not_active")]
    unpaired = world.queries.unpaired({"school_id": "s1", "kind": "buddy"})
    assert [c["child_id"] for c in unpaired] == sorted(kids[1:])


def test_staff_left_ends_mentor_pairings_and_announces_pairing_ended(world):
    teachers, kids = world.school(children=3)
    for kid in kids[:2]:
        mentor(world, kid, teachers[0])
    mentor(world, kids[2], teachers[1])
    world.feed("StaffLeft", factory.staff_left(teachers[0], left_on="2026-10-30"))
    ended = world.events("PairingEnded")
    assert sorted(d["child_id"] for _, d in ended) == sorted(kids[:2])
    assert {(d["reason"], d["kind"], d["ended_on"], d["needs_repairing"]) for _, d in ended} == {
        ("teacher_left", "mentor", "2026-10-30", True)}
    assert len(world.events("MentorReleased")) == 2
    unpaired = world.queries.unpaired({"school_id": "s1"})
    assert sorted(c["child_id"] for c in unpaired) == sorted(kids[:2])
    assert {c["waiting_since"] for c in unpaired} == {"2026-10-30"}
    world.feed("StaffLeft", factory.staff_left(teachers[0], left_on="2026-10-30"))  # again
    assert len(world.events("PairingEnded")) == 2


def test_child_transferred_ends_pairings_at_the_old_school(world):
    teachers, kids = world.school(children=2)
    world.feed("SchoolRegistered", factory.school("s2"))
    world.feed("VolunteerRegistered", factory.volunteer("v1"))
    mentor(world, kids[0], teachers[0])
    world.desk.pair_buddy({"child_id": kids[1], "buddy_child_id": kids[0]})
    world.desk.assign_proxy_parent({"child_id": kids[0], "volunteer_id": "v1", "replace": False})
    world.feed("ChildTransferred", factory.transferred(kids[0], version=2, school_id="s2",
                                                       class_id="c9"))
    ended = sorted((d["kind"], d["reason"], d["child_id"]) for _, d in world.events("PairingEnded"))
    assert ended == sorted([("mentor", "child_transferred", kids[0]),
                            ("proxy_parent", "child_transferred", kids[0]),
                            ("buddy", "buddy_left", kids[1])])
    assert world.queries.pairings({"school_id": "s1"}) == []
    # back in the pool, at the new school, waiting since the transfer
    waiting = world.queries.unpaired({"school_id": "s2"})
    assert [(c["child_id"], c["waiting_since"]) for c in waiting] == [(kids[0], "2026-10-20")]


def test_no_longer_left_behind_ends_pairings_without_asking_to_re_pair(world):
    teachers, kids = world.school(children=1)
    mentor(world, kids[0], teachers[0])
    world.feed("ChildStatusChanged", factory.status_changed(kids[0], "not_left_behind",
                                                            version=2))
    [(_, ended)] = world.events("PairingEnded")
    assert (ended["reason"], ended["needs_repairing"]) == ("child_not_left_behind", False)
    assert world.queries.unpaired({"school_id": "s1"}) == []


def test_policy_change_keeps_pairings_and_reports_teachers_over_the_cap(world):
    teachers, kids = world.school(children=4)
    for kid in kids[:3]:
        mentor(world, kid, teachers[0])
    result = world.desk.set_policy({"max_mentees": 2, "min_mentees": 1, "by": "county"},
                                   world.queries)
    assert result["policy"]["max_mentees"] == 2 and result["policy"]["version"] == 1
    assert [(t["teacher_id"], t["load"], t["over_by"]) for t in result["over_capacity"]] == [
        (teachers[0], 3, 1)]
    assert len(world.queries.pairings({"teacher_id": teachers[0]})) == 3  # nothing ended
    [(_, changed)] = world.events("PairingPolicyChanged")
    assert changed["over_capacity_teachers"] == 1
    with pytest.raises(ValidationFailed) as full:
        mentor(world, kids[3], teachers[0])
    assert codes(full) == [("teacher_id", "teacher_full")]
    loads = {t["teacher_id"]: t["status"] for t in world.queries.teacher_load("s1")}
    assert loads == {teachers[0]: "over", teachers[1]: "under"}
    with pytest.raises(Conflict):
        world.desk.set_policy({"max_mentees": 4, "expected_version": 0}, world.queries)
    with pytest.raises(ValidationFailed) as bad:
        world.desk.set_policy({"min_mentees": 3}, world.queries)
    assert codes(bad) == [("min_mentees", "min_above_max")]


def test_unpaired_children_with_days_waiting(world):
    teachers, kids = world.school(children=3)
    mentor(world, kids[0], teachers[0])
    waiting = world.queries.unpaired({"school_id": "s1"})
    assert [(c["child_id"], c["days_waiting"]) for c in waiting] == [(k, 61) for k in kids[1:]]
    assert TODAY == "2026-11-01"


def test_priority_recommendation_follows_the_policy(world):
    _, kids = world.school(children=6)
    with pytest.raises(ValidationFailed) as few:
        world.desk.recommend_priority({"class_id": "c1", "child_ids": kids[:2]})
    assert codes(few) == [("child_ids", "too_few")]
    done = world.desk.recommend_priority({"class_id": "c1", "child_ids": kids[2:6]})
    assert done["school_id"] == "s1"
    plan = world.planning.propose("s1")
    assert {p["child_id"] for p in plan["pairs"] if p["priority"]} == set(kids[2:6])


def test_a_transfer_landing_between_read_and_write_still_ends_the_new_pairing(world):
    """The registry handler runs while an assignment is between its read and its write (the
    interleaving is forced by running the handler inside the assignment's teacher look-up)."""
    teachers, kids = world.school(children=1)
    world.feed("SchoolRegistered", factory.school("s2"))
    look_up = world.store.registry.teacher

    def teacher_then_transfer(staff_id):
        world.store.registry.teacher = look_up
        world.feed("ChildTransferred", factory.transferred(kids[0], version=2, school_id="s2"))
        return look_up(staff_id)
    world.store.registry.teacher = teacher_then_transfer
    mentor(world, kids[0], teachers[0])
    assert world.queries.pairings({"school_id": "s1"}) == []
    [(_, ended)] = world.events("PairingEnded")
    assert (ended["child_id"], ended["reason"]) == (kids[0], "child_transferred")


def test_teacher_moving_school_and_child_changing_class(world):
    teachers, kids = world.school(classes=("c1", "c2"), children=2)
    world.feed("SchoolRegistered", factory.school("s2"))
    mentor(world, kids[0], teachers[0])
    world.desk.pair_buddy({"child_id": kids[0], "buddy_name": "李明"})
    moved = dict(factory.staff(teachers[0], version=2, school_id="s2"),
                 changed_fields=["school_id"])
    world.feed("StaffUpdated", moved)
    world.feed("ChildUpdated", factory.updated(kids[0], version=2, class_id="c2",
                                               changed_fields=["class_id"]))
    ended = sorted((d["kind"], d["reason"]) for _, d in world.events("PairingEnded"))
    assert ended == [("buddy", "child_changed_class"), ("mentor", "teacher_left")]
