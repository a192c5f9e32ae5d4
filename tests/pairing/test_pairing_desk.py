"""Pairing by hand, reactions, policy and recommendations, on the real MongoDB stand-in (no
broker): the domain as the service drives it, each change one single-document write."""
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
    history = world.items(world.queries.pairings({"child_id": kids[0], "include_ended": True}))
    assert [(p["active"], p["end_reason"]) for p in history] == [(False, "teacher_request")]
    assert world.db.places.find_one({"_id": "mentor:" + teachers[0]})["load"] == 0


def test_rules_are_enforced_and_nothing_is_written_on_refusal(world):
    teachers, kids = world.school(children=5)
    world.feed("SchoolRegistered", factory.school("s2"))
    world.feed("StaffRegistered", factory.staff("t-other", school_id="s2"))
    for kid in kids[:3]:
        mentor(world, kid, teachers[0])
    before = sorted(world.db.pairings.find({}, {"_outbox": 0}), key=lambda d: d["_id"])
    places = list(world.db.places.find({}))
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
    assert sorted(world.db.pairings.find({}, {"_outbox": 0}), key=lambda d: d["_id"]) == before
    assert list(world.db.places.find({})) == places
    assert len(world.events("MentorAssigned")) == 3


def test_replacing_a_mentor_releases_the_old_one_and_moves_the_place(world):
    teachers, kids = world.school(children=1)
    mentor(world, kids[0], teachers[0])
    mentor(world, kids[0], teachers[1], replace=True)
    active = world.items(world.queries.pairings({"child_id": kids[0]}))
    assert [p["partner_id"] for p in active] == [teachers[1]]
    assert [d["reason"] for _, d in world.events("MentorReleased")] == ["reassigned"]
    assert [n for n, _ in world.events()] == ["MentorAssigned", "MentorReleased",
                                              "MentorAssigned"]
    loads = {d["_id"]: d["load"] for d in world.db.places.find({})}
    assert loads == {"mentor:" + teachers[0]: 0, "mentor:" + teachers[1]: 1}


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
    unpaired = world.items(world.queries.unpaired({"school_id": "s1", "kind": "buddy"}))
    assert [c["child_id"] for c in unpaired] == sorted(kids[1:])


def test_staff_left_ends_mentor_pairings_and_announces_pairing_ended(world):
    teachers, kids = world.school(children=3)
    world.policy(mentor_scope="all")
    for kid in kids[:2]:
        mentor(world, kid, teachers[0])
    mentor(world, kids[2], teachers[1])
    world.feed("StaffLeft", factory.staff_left(teachers[0], left_on="2026-10-30"))
    ended = world.events("PairingEnded")
    assert sorted(d["child_id"] for _, d in ended) == sorted(kids[:2])
    assert {(d["reason"], d["kind"], d["ended_on"], d["needs_repairing"]) for _, d in ended} == {
        ("teacher_left", "mentor", "2026-10-30", True)}
    assert len(world.events("MentorReleased")) == 2
    unpaired = world.items(world.queries.unpaired({"school_id": "s1"}))
    assert sorted(c["child_id"] for c in unpaired) == sorted(kids[:2])
    assert {c["waiting_since"] for c in unpaired} == {"2026-10-30"}
    assert world.db.places.find_one({"_id": "mentor:" + teachers[0]})["load"] == 0
    world.feed("StaffLeft", factory.staff_left(teachers[0], left_on="2026-10-30"))  # again
    assert len(world.events("PairingEnded")) == 2


def test_child_transferred_ends_pairings_at_the_old_school(world):
    teachers, kids = world.school(children=2)
    world.policy(mentor_scope="all")
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
    assert world.items(world.queries.pairings({"school_id": "s1"})) == []
    # back in the pool, at the new school, waiting since the transfer
    waiting = world.items(world.queries.unpaired({"school_id": "s2"}))
    assert [(c["child_id"], c["waiting_since"]) for c in waiting] == [(kids[0], "2026-10-20")]


def test_no_longer_left_behind_ends_pairings_without_asking_to_re_pair(world):
    teachers, kids = world.school(children=1)
    mentor(world, kids[0], teachers[0])
    world.feed("ChildStatusChanged", factory.status_changed(kids[0], "not_left_behind",
                                                            version=2))
    [(_, ended)] = world.events("PairingEnded")
    assert (ended["reason"], ended["needs_repairing"]) == ("child_not_left_behind", False)
    assert world.items(world.queries.unpaired({"school_id": "s1"})) == []


def test_policy_change_keeps_pairings_and_reports_teachers_over_the_cap(world):
    teachers, kids = world.school(children=4)
    for kid in kids[:3]:
        mentor(world, kid, teachers[0])
    result = world.policy(max_mentees=2, min_mentees=1, by="county")
    assert result["policy"]["max_mentees"] == 2 and result["policy"]["version"] == 1
    assert result["over_capacity_teachers"] == 1
    assert result["over_capacity_schools"] == [{"school_id": "s1", "teachers": 1}]
    over = world.items(world.queries.over_capacity({"school_id": "s1"}))
    assert [(t["teacher_id"], t["load"], t["over_by"]) for t in over] == [(teachers[0], 3, 1)]
    assert len(world.items(world.queries.pairings({"teacher_id": teachers[0]}))) == 3
    [(_, changed)] = world.events("PairingPolicyChanged")
    assert changed["over_capacity_teachers"] == 1 and changed["county_id"] == "county-1"
    with pytest.raises(ValidationFailed) as full:
        mentor(world, kids[3], teachers[0])
    assert codes(full) == [("teacher_id", "teacher_full")]
    loads = {t["teacher_id"]: t["status"] for t in world.items(world.queries.teacher_load(
        {"school_id": "s1"}))}
    assert loads == {teachers[0]: "over", teachers[1]: "under"}
    with pytest.raises(Conflict):
        world.policy(max_mentees=4, expected_version=0)
    with pytest.raises(ValidationFailed) as bad:
        world.policy(min_mentees=3)
    assert codes(bad) == [("min_mentees", "min_above_max")]
    with pytest.raises(ValidationFailed) as unknown:
        world.desk.set_policy({"county_id": "nowhere", "max_mentees": 4}, world.queries)
    assert codes(unknown) == [("county_id", "unknown_county")]


def test_unpaired_children_with_days_waiting(world):
    teachers, kids = world.school(children=3)
    world.policy(mentor_scope="all")
    mentor(world, kids[0], teachers[0])
    waiting = world.items(world.queries.unpaired({"school_id": "s1"}))
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
    assert world.items(world.queries.pairings({"school_id": "s1"})) == []
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


def test_recommending_and_withdrawing_priority_children_is_announced(world):
    _, kids = world.school(children=7)
    done = world.recommend("c1", kids[:4], by="head-1")
    assert done == {"class_id": "c1", "school_id": "s1", "child_ids": kids[:4]}
    [(_, first)] = world.events("PriorityRecommended")
    assert (first["child_ids"], first["added"], first["by"], first["recommended_on"]) == (
        kids[:4], kids[:4], "head-1", TODAY)
    world.recommend("c1", kids[:4])  # the same list again: nothing new to say
    assert len(world.events("PriorityRecommended")) == 1
    world.recommend("c1", kids[1:5], by="head-2")  # one out, one in
    second = world.events("PriorityRecommended")[-1][1]
    assert (second["child_ids"], second["added"]) == (kids[1:5], [kids[4]])
    [(_, replaced)] = world.events("PriorityWithdrawn")
    assert (replaced["child_ids"], replaced["reason"], replaced["by"]) == (
        [kids[0]], "replaced", "head-2")
    with pytest.raises(ValidationFailed) as off_list:
        world.desk.withdraw_priority({"class_id": "c1", "child_ids": [kids[0]]})
    assert codes(off_list) == [("child_ids.0", "not_recommended")]
    left = world.desk.withdraw_priority({"class_id": "c1", "child_ids": [kids[2]], "by": "head-2"})
    assert left["child_ids"] == [kids[1], kids[3], kids[4]]
    withdrawn = world.events("PriorityWithdrawn")[-1][1]
    assert (withdrawn["child_ids"], withdrawn["reason"]) == ([kids[2]], "withdrawn")
    listed = world.items(world.queries.recommended({"school_id": "s1"}))
    assert [r["child_ids"] for r in listed] == [[kids[1], kids[3], kids[4]]]


def test_a_child_leaving_the_programme_or_class_is_withdrawn_from_the_list(world):
    _, kids = world.school(classes=("c1", "c2"), children=12)
    in_c1 = kids[0::2][:4]
    world.recommend("c1", in_c1)
    world.feed("ChildStatusChanged", factory.status_changed(in_c1[0], "not_left_behind",
                                                            version=2))
    world.feed("ChildUpdated", factory.updated(in_c1[1], version=2, class_id="c2",
                                               changed_fields=["class_id"]))
    world.feed("ChildUpdated", factory.updated(in_c1[2], version=2, name="改名"))
    world.feed("ChildStatusChanged", factory.status_changed(in_c1[0], "not_left_behind",
                                                            version=2))  # again
    withdrawn = sorted((d["child_ids"][0], d["reason"], d["withdrawn_on"])
                       for _, d in world.events("PriorityWithdrawn"))
    assert withdrawn == sorted([(in_c1[0], "child_not_left_behind", "2026-10-15"),
                                (in_c1[1], "child_changed_class", TODAY)])
    assert world.store.settings.recommendation("c1").child_ids == in_c1[2:]


def test_with_recommended_scope_only_recommended_children_are_waiting_for_a_mentor(world):
    teachers, kids = world.school(children=6)
    world.recommend("c1", kids[:4])
    waiting = world.items(world.queries.unpaired({"school_id": "s1"}))
    assert sorted(c["child_id"] for c in waiting) == sorted(kids[:4])
    assert all(c["priority"] for c in waiting)
    world.policy(mentor_scope="all")
    answer = world.queries.unpaired({"school_id": "s1"})
    assert len(answer["items"]) == 6 and answer["mentor_scope"] == "all"


def test_coverage_follows_the_scope_and_lists_staff_who_mentor_nobody(world):
    teachers, kids = world.school(classes=("c1", "c2"), teachers=2, children=8)
    world.feed("StaffRegistered", factory.staff("principal", roles=["school_admin"]))
    world.recommend("c1", kids[0::2])
    mentor(world, kids[0], "principal")  # a school leader mentors too (教职工结对)
    mentor(world, kids[1], teachers[0])  # c2 recommends nobody: outside the scope
    cover = world.queries.coverage("s1")
    assert (cover["mentor_scope"], cover["in_mentor_scope"], cover["with_mentor"],
            cover["without_mentor"], cover["mentored_outside_scope"]) == (
        "recommended", 4, 1, 3, 1)
    assert cover["classes_without_recommendation"] == ["c2"]
    assert [s["teacher_id"] for s in cover["idle_staff"]] == [teachers[1]]
    world.policy(mentor_scope="all")
    cover = world.queries.coverage("s1")
    assert (cover["in_mentor_scope"], cover["with_mentor"], cover["without_mentor"],
            cover["classes_without_recommendation"]) == (8, 2, 6, [])


def test_a_classmate_is_the_friend_of_no_more_children_than_the_policy_allows(world):
    _, kids = world.school(children=4)
    world.desk.pair_buddy({"child_id": kids[0], "buddy_child_id": kids[3]})
    world.desk.pair_buddy({"child_id": kids[1], "buddy_child_id": kids[3]})
    with pytest.raises(ValidationFailed) as full:
        world.desk.pair_buddy({"child_id": kids[2], "buddy_child_id": kids[3]})
    assert codes(full) == [("buddy_child_id", "buddy_full")]
    world.policy(buddy_max_children=3)
    world.desk.pair_buddy({"child_id": kids[2], "buddy_child_id": kids[3]})
    assert world.db.places.find_one({"_id": "buddy:" + kids[3]})["load"] == 3


def test_policies_are_per_county(world):
    world.school()
    world.feed("SchoolRegistered", dict(factory.school("s9"), county_id="county-2"))
    world.policy(max_mentees=2, min_mentees=1, mentor_scope="all")
    assert world.store.settings.policy_of_school("s1").max_mentees == 2
    other = world.store.settings.policy_of_school("s9")
    assert (other.county_id, other.max_mentees, other.mentor_scope, other.version) == (
        "county-2", 3, "recommended", 0)
