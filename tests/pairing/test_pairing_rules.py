"""Pairing rules by hand: each broken rule is named with its field, code and a Chinese
message; all are reported at once."""
from pairing import reactions, rules
from pairing.model import (BUDDY, MENTOR, PROXY, Child, ClassRecommendation, Pairing, Teacher,
                           Volunteer, events_of)
from pairing.policy import PairingPolicy, over_capacity

POLICY = PairingPolicy()


def kid(cid="k1", school="s1", klass="c1", status="active"):
    return Child(cid, "小{}".format(cid), school, klass, status=status)


def teacher(tid="t1", school="s1", active=True, roles=("teacher",)):
    return Teacher(tid, "王{}".format(tid), school, active=active, roles=roles)


def mentor(child_id, teacher_id, pid=None):
    return Pairing(pid or "p-{}".format(child_id), MENTOR, child_id, "s1", "c1", "2026-09-01",
                   partner_id=teacher_id, partner_name="王{}".format(teacher_id))


def codes(errors):
    return sorted((e["field"], e["code"]) for e in errors)


def test_a_free_teacher_of_the_same_school_may_mentor():
    assert rules.mentor_assignment(kid(), teacher(), POLICY) == []


def test_unknown_child_and_teacher_are_named():
    assert codes(rules.mentor_assignment(None, None, POLICY)) == [
        ("child_id", "unknown_child"), ("teacher_id", "unknown_teacher")]


def test_child_out_of_programme_and_teacher_gone_are_both_reported():
    errors = rules.mentor_assignment(kid(status="not_left_behind"), teacher(active=False), POLICY)
    assert codes(errors) == [("child_id", "child_not_in_programme"),
                             ("teacher_id", "teacher_inactive")]
    assert all(e["message"] for e in errors)
    assert "不在关爱范围" in errors[0]["message"]


def test_any_active_staff_member_may_mentor_school_leaders_and_admins_included():
    for roles in (("school_admin",), ("teacher",), ("head_teacher", "school_admin"), ()):
        assert rules.mentor_assignment(kid(), teacher(roles=roles), POLICY) == []


def test_teacher_must_be_of_the_childs_school():
    errors = rules.mentor_assignment(kid(), teacher(school="s2"), POLICY)
    assert codes(errors) == [("teacher_id", "different_school")]
    assert "同校" in errors[0]["message"]


def test_one_active_mentor_per_child_unless_replacing():
    current = mentor("k1", "t9")
    errors = rules.mentor_assignment(kid(), teacher(), POLICY, current=current)
    assert codes(errors) == [("child_id", "already_has_mentor")]
    assert "王t9" in errors[0]["message"]
    assert rules.mentor_assignment(kid(), teacher(), POLICY, current=current, replace=True) == []


def test_same_teacher_twice_is_named_as_such():
    assert codes(rules.mentor_assignment(kid(), teacher(), POLICY, current=mentor("k1", "t1"),
                                         replace=True)) == [("teacher_id", "already_paired")]


def test_teacher_at_capacity_is_refused_with_the_numbers():
    errors = rules.mentor_assignment(kid(), teacher(), POLICY, load=3)
    assert codes(errors) == [("teacher_id", "teacher_full")]
    assert "3" in errors[0]["message"]
    assert rules.mentor_assignment(kid(), teacher(), POLICY.changed(max_mentees=4), load=3) == []


def test_all_broken_rules_at_once():
    assert codes(rules.mentor_assignment(kid(), teacher(), POLICY, current=mentor("k1", "t9"),
                                         load=3)) == [
        ("child_id", "already_has_mentor"), ("teacher_id", "teacher_full")]


def test_buddy_must_be_a_classmate():
    other_class = kid("k2", klass="c2")
    assert codes(rules.buddy_pairing(kid(), [], POLICY, other_class)) == [
        ("buddy_child_id", "not_classmate")]
    assert rules.buddy_pairing(kid(), [], POLICY, kid("k2")) == []
    assert codes(rules.buddy_pairing(kid(), [], POLICY, kid("k1"))) == [
        ("buddy_child_id", "self_buddy")]


def test_buddy_not_left_behind_is_recorded_by_name_and_class():
    assert rules.buddy_pairing(kid(), [], POLICY, None, "李明", None) == []
    assert rules.buddy_pairing(kid(), [], POLICY, None, "李明", "c1") == []
    assert codes(rules.buddy_pairing(kid(), [], POLICY, None, "李明", "c2")) == [
        ("buddy_class_id", "not_classmate")]


def test_same_buddy_twice_is_refused():
    named = Pairing("b1", BUDDY, "k1", "s1", "c1", "2026-09-01", partner_name="李明",
                    buddy_class_id="c1")
    assert codes(rules.buddy_pairing(kid(), [named], POLICY, None, "李明", None)) == [
        ("buddy_name", "already_paired")]
    registered = Pairing("b2", BUDDY, "k1", "s1", "c1", "2026-09-01", partner_id="k2")
    assert codes(rules.buddy_pairing(kid(), [registered], POLICY, kid("k2"))) == [
        ("buddy_child_id", "already_paired")]


def test_one_classmate_befriends_no_more_children_than_the_policy_allows():
    errors = rules.buddy_pairing(kid(), [], POLICY, kid("k2"), friend_load=2)
    assert codes(errors) == [("buddy_child_id", "buddy_full")]
    assert "上限" in errors[0]["message"]
    assert rules.buddy_pairing(kid(), [], POLICY.changed(buddy_max_children=3), kid("k2"),
                               friend_load=2) == []
    assert codes(rules.buddy_pairing(kid(), [], POLICY, None, "李明", None, friend_load=2)) == [
        ("buddy_name", "buddy_full")]


def test_proxy_parent_rules():
    vol = Volunteer("v1", "赵大爷", "s1")
    assert rules.proxy_assignment(kid(), vol) == []
    assert codes(rules.proxy_assignment(kid(), None)) == [("volunteer_id", "unknown_volunteer")]
    assert codes(rules.proxy_assignment(kid(), Volunteer("v1", "赵", "s1", False))) == [
        ("volunteer_id", "volunteer_inactive")]
    assert codes(rules.proxy_assignment(kid(), Volunteer("v1", "赵", "s2"))) == [
        ("volunteer_id", "different_school")]
    current = Pairing("x", PROXY, "k1", "s1", "c1", "2026-09-01", partner_id="v9")
    assert codes(rules.proxy_assignment(kid(), vol, current)) == [
        ("child_id", "already_has_proxy_parent")]
    assert rules.proxy_assignment(kid(), vol, current, replace=True) == []


def test_release_needs_an_active_pairing_of_that_kind():
    active = mentor("k1", "t1", pid="p1")
    assert rules.release(active, MENTOR) == []
    assert codes(rules.release(active, BUDDY)) == [("pairing_id", "not_active")]
    assert codes(rules.release(active.end("2026-10-01", "released"), MENTOR)) == [
        ("pairing_id", "not_active")]
    assert codes(rules.release(None, MENTOR)) == [("pairing_id", "not_active")]


def test_priority_children_per_class_follow_the_policy():
    klass = [kid("k{}".format(i)) for i in range(8)]
    ids = [c.child_id for c in klass]
    assert rules.priority_recommendation(POLICY, klass, ids[:4]) == []
    assert rules.priority_recommendation(POLICY, klass, ids[:5]) == []
    assert codes(rules.priority_recommendation(POLICY, klass, ids[:6])) == [
        ("child_ids", "too_many")]
    assert codes(rules.priority_recommendation(POLICY, klass, ids[:3])) == [
        ("child_ids", "too_few")]
    # a class with only two children in the programme recommends both
    assert rules.priority_recommendation(POLICY, klass[:2], ids[:2]) == []
    assert codes(rules.priority_recommendation(POLICY, klass, ids[:3] + ["zz"])) == [
        ("child_ids.3", "not_in_class")]


def test_policy_cross_field_checks():
    assert rules.policy_errors(POLICY) == []
    assert codes(rules.policy_errors(POLICY.changed(min_mentees=4))) == [
        ("min_mentees", "min_above_max")]
    assert codes(rules.policy_errors(POLICY.changed(priority_per_class_min=6))) == [
        ("priority_per_class_min", "min_above_max")]


def test_over_capacity_lists_teachers_above_the_cap():
    policy = POLICY.changed(max_mentees=2)
    assert over_capacity(policy, {"a": 3, "b": 2, "c": 4}) == [("c", 4), ("a", 3)]
    assert policy.free_places(4) == 0 and policy.load_status(4) == "over"


def test_ending_by_registry_change_also_announces_pairing_ended():
    ended = mentor("k1", "t1", pid="p1").end("2026-10-30", "teacher_left")
    names = [name for name, _ in events_of(ended=[ended])]
    assert names == ["MentorReleased", "PairingEnded"]
    data = dict(events_of(ended=[ended]))["PairingEnded"]
    assert data["reason"] == "teacher_left" and data["needs_repairing"] is True
    manual = mentor("k1", "t1", pid="p1").end("2026-10-30", "released")
    assert [name for name, _ in events_of(ended=[manual])] == ["MentorReleased"]


def test_only_a_newer_state_of_the_child_or_partner_ends_a_pairing():
    """A pairing made against registry version 3 is not ended by version 2 or 3 (a late
    event, or a read model being rebuilt from old events), only by a newer one."""
    paired = Pairing("p1", MENTOR, "k1", "s1", "c1", "2026-09-01", partner_id="t1",
                     child_version=3, partner_version=2)
    for version in (2, 3):
        assert reactions.for_child([paired], Child("k1", "小", "s2", "c9", version=version)) == []
        assert reactions.for_teacher([paired], Teacher("t1", "王", "s1", active=False,
                                                       version=version - 1)) == []
    assert reactions.for_child([paired], Child("k1", "小", "s2", "c9", version=4)) == [
        (paired, "child_transferred")]
    assert reactions.for_teacher([paired], Teacher("t1", "王", "s1", active=False,
                                                   version=3)) == [(paired, "teacher_left")]


def test_a_recommendation_is_withdrawn_when_the_child_leaves_the_class_or_programme():
    lists = [ClassRecommendation("c1", "s1", {"k1": {"order": 0, "version": 1}}),
             ClassRecommendation("c2", "s1", {"k9": {"order": 0, "version": 1}})]
    assert reactions.withdrawals(lists, kid()) == []
    moved = Child("k1", "小", "s1", "c2", version=2)
    assert reactions.withdrawals(lists, moved) == [("c1", "child_changed_class")]
    home = Child("k1", "小", "s1", "c1", status="not_left_behind", version=2)
    assert reactions.withdrawals(lists, home) == [("c1", "child_not_left_behind")]
    gone = Child("k1", "小", "s2", "c7", version=2)
    assert reactions.withdrawals(lists, gone) == [("c1", "child_transferred")]
    assert reactions.withdrawals(lists, Child("k1", "小", "s2", "c7", version=1)) == []
