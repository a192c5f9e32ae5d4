"""Pairing rules by hand: each broken rule is named with its field, code and a Chinese
message; all are reported at once."""
from pairing import rules
from pairing.model import BUDDY, MENTOR, PROXY, Child, Pairing, PairingBook, Teacher, Volunteer
from pairing.policy import PairingPolicy, over_capacity

POLICY = PairingPolicy()


def kid(cid="k1", school="s1", klass="c1", status="active"):
    return Child(cid, "小{}".format(cid), school, klass, status=status)


def teacher(tid="t1", school="s1", active=True, roles=("teacher",)):
    return Teacher(tid, "王{}".format(tid), school, active=active, roles=roles)


def book_with(*pairings):
    return PairingBook("s1", pairings=list(pairings))


def mentor(child_id, teacher_id, pid=None):
    return Pairing(pid or "p-{}".format(child_id), MENTOR, child_id, "s1", "c1", "2026-09-01",
                   partner_id=teacher_id, partner_name="王{}".format(teacher_id))


def codes(errors):
    return sorted((e["field"], e["code"]) for e in errors)


def test_a_free_teacher_of_the_same_school_may_mentor():
    assert rules.mentor_assignment(book_with(), kid(), teacher(), POLICY) == []


def test_unknown_child_and_teacher_are_named():
    assert codes(rules.mentor_assignment(book_with(), None, None, POLICY)) == [
        ("child_id", "unknown_child"), ("teacher_id", "unknown_teacher")]


def test_child_out_of_programme_and_teacher_gone_are_both_reported():
    errors = rules.mentor_assignment(book_with(), kid(status="not_left_behind"),
                                     teacher(active=False), POLICY)
    assert codes(errors) == [("child_id", "child_not_in_programme"),
                             ("teacher_id", "teacher_inactive")]
    assert all(e["message"] for e in errors)
    assert "不在关爱范围" in errors[0]["message"]


def test_school_admin_without_teaching_role_cannot_mentor():
    errors = rules.mentor_assignment(book_with(), kid(), teacher(roles=("school_admin",)), POLICY)
    assert codes(errors) == [("teacher_id", "not_a_teacher")]


def test_teacher_must_be_of_the_childs_school():
    errors = rules.mentor_assignment(book_with(), kid(), teacher(school="s2"), POLICY)
    assert codes(errors) == [("teacher_id", "different_school")]
    assert "同校" in errors[0]["message"]


def test_one_active_mentor_per_child_unless_replacing():
    book = book_with(mentor("k1", "t9"))
    errors = rules.mentor_assignment(book, kid(), teacher(), POLICY)
    assert codes(errors) == [("child_id", "already_has_mentor")]
    assert "王t9" in errors[0]["message"]
    assert rules.mentor_assignment(book, kid(), teacher(), POLICY, replace=True) == []


def test_same_teacher_twice_is_named_as_such():
    book = book_with(mentor("k1", "t1"))
    assert codes(rules.mentor_assignment(book, kid(), teacher(), POLICY, replace=True)) == [
        ("teacher_id", "already_paired")]


def test_teacher_at_capacity_is_refused_with_the_numbers():
    book = book_with(*[mentor("k{}".format(i), "t1") for i in range(2, 5)])
    errors = rules.mentor_assignment(book, kid(), teacher(), POLICY)
    assert codes(errors) == [("teacher_id", "teacher_full")]
    assert "3" in errors[0]["message"]
    assert rules.mentor_assignment(book, kid(), teacher(), POLICY.changed(max_mentees=4)) == []


def test_all_broken_rules_at_once():
    book = book_with(mentor("k1", "t9"), *[mentor("k{}".format(i), "t1") for i in range(2, 5)])
    assert codes(rules.mentor_assignment(book, kid(), teacher(), POLICY)) == [
        ("child_id", "already_has_mentor"), ("teacher_id", "teacher_full")]


def test_buddy_must_be_a_classmate():
    other_class = kid("k2", klass="c2")
    assert codes(rules.buddy_pairing(book_with(), kid(), other_class)) == [
        ("buddy_child_id", "not_classmate")]
    assert rules.buddy_pairing(book_with(), kid(), kid("k2")) == []
    assert codes(rules.buddy_pairing(book_with(), kid(), kid("k1"))) == [
        ("buddy_child_id", "self_buddy")]


def test_buddy_not_left_behind_is_recorded_by_name_and_class():
    assert rules.buddy_pairing(book_with(), kid(), None, "李明", None) == []
    assert rules.buddy_pairing(book_with(), kid(), None, "李明", "c1") == []
    assert codes(rules.buddy_pairing(book_with(), kid(), None, "李明", "c2")) == [
        ("buddy_class_id", "not_classmate")]


def test_same_buddy_twice_is_refused():
    named = Pairing("b1", BUDDY, "k1", "s1", "c1", "2026-09-01", partner_name="李明",
                    buddy_class_id="c1")
    assert codes(rules.buddy_pairing(book_with(named), kid(), None, "李明", None)) == [
        ("buddy_name", "already_paired")]
    registered = Pairing("b2", BUDDY, "k1", "s1", "c1", "2026-09-01", partner_id="k2")
    assert codes(rules.buddy_pairing(book_with(registered), kid(), kid("k2"))) == [
        ("buddy_child_id", "already_paired")]


def test_proxy_parent_rules():
    vol = Volunteer("v1", "赵大爷", "s1")
    assert rules.proxy_assignment(book_with(), kid(), vol) == []
    assert codes(rules.proxy_assignment(book_with(), kid(), None)) == [
        ("volunteer_id", "unknown_volunteer")]
    assert codes(rules.proxy_assignment(book_with(), kid(), Volunteer("v1", "赵", "s1", False))
                 ) == [("volunteer_id", "volunteer_inactive")]
    assert codes(rules.proxy_assignment(book_with(), kid(), Volunteer("v1", "赵", "s2"))) == [
        ("volunteer_id", "different_school")]
    current = Pairing("x", PROXY, "k1", "s1", "c1", "2026-09-01", partner_id="v9")
    assert codes(rules.proxy_assignment(book_with(current), kid(), vol)) == [
        ("child_id", "already_has_proxy_parent")]
    assert rules.proxy_assignment(book_with(current), kid(), vol, replace=True) == []


def test_release_needs_an_active_pairing_of_that_kind():
    book = book_with(mentor("k1", "t1", pid="p1"))
    assert rules.release(book, "p1", MENTOR)[0].pairing_id == "p1"
    assert codes(rules.release(book, "p1", BUDDY)[1]) == [("pairing_id", "not_active")]
    assert codes(rules.release(book, "nope", MENTOR)[1]) == [("pairing_id", "not_active")]


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
    book = book_with(mentor("k1", "t1", pid="p1"))
    book.end("p1", "2026-10-30", "teacher_left")
    names = [name for name, _ in book.events()]
    assert names == ["MentorReleased", "PairingEnded"]
    ended = dict(book.events())["PairingEnded"]
    assert ended["reason"] == "teacher_left" and ended["needs_repairing"] is True
    manual = book_with(mentor("k1", "t1", pid="p1"))
    manual.end("p1", "2026-10-30", "released")
    assert [name for name, _ in manual.events()] == ["MentorReleased"]
