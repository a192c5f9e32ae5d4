"""Properties of the automatic mentor plan, checked with hypothesis on generated schools."""
from collections import Counter, defaultdict

from hypothesis import given, settings, strategies as st

from pairing.model import Child, Teacher
from pairing.planner import plan_mentors
from pairing.policy import PairingPolicy

CLASSES = ["c{}".format(i) for i in range(4)]


@st.composite
def schools(draw):
    cap = draw(st.integers(1, 4))
    policy = PairingPolicy(max_mentees=cap, min_mentees=min(cap, 2),
                           head_teacher_first=draw(st.booleans()))
    n_teachers = draw(st.integers(0, 8))
    teachers = [Teacher("t{}".format(i), "教师{}".format(i), "s1",
                        active=draw(st.booleans()) if i % 5 == 4 else True,
                        roles=draw(st.sampled_from([("teacher",), ("head_teacher",),
                                                    ("school_admin",)])),
                        class_ids=frozenset(draw(st.sets(st.sampled_from(CLASSES), max_size=2))))
                for i in range(n_teachers)]
    # existing loads may exceed today's cap (the policy was lowered)
    loads = {t.teacher_id: draw(st.integers(0, cap + 1)) for t in teachers}
    n_children = draw(st.integers(0, 30))
    households = draw(st.lists(st.integers(0, max(1, n_children // 2)), min_size=n_children,
                               max_size=n_children))
    children = [Child("k{:02d}".format(i), "儿童{}".format(i), "s1", draw(st.sampled_from(CLASSES)),
                      household_id="h{}".format(h), need=draw(st.integers(0, 5)),
                      eligible_since="2026-0{}-01".format(draw(st.integers(1, 9))))
                for i, h in enumerate(households)]
    head_of = {c: draw(st.sampled_from([t.teacher_id for t in teachers] + [None]))
               for c in CLASSES} if teachers else {}
    priority = frozenset(c.child_id for c in children if draw(st.booleans()))
    sibling_mentors = {}
    if teachers:
        for h in draw(st.sets(st.sampled_from(["h{}".format(h) for h in households] or ["h0"]),
                              max_size=3)):
            sibling_mentors[h] = draw(st.sampled_from([t.teacher_id for t in teachers]))
    return policy, teachers, loads, children, {c: t for c, t in head_of.items() if t}, \
        sibling_mentors, priority


def run(school):
    policy, teachers, loads, children, head_of, sibling_mentors, priority = school
    return plan_mentors(children, teachers, policy, loads=loads, head_of=head_of,
                        sibling_mentors=sibling_mentors, priority=priority)


def free_places(policy, teachers, loads):
    return sum(policy.free_places(loads.get(t.teacher_id, 0)) for t in teachers if t.can_mentor)


@settings(max_examples=120, deadline=None)
@given(schools())
def test_no_teacher_is_given_more_than_the_cap_allows(school):
    policy, teachers, loads = school[0], school[1], school[2]
    added = Counter(p.teacher_id for p in run(school).pairs)
    mentors = {t.teacher_id for t in teachers if t.can_mentor}
    for teacher_id, n in added.items():
        assert teacher_id in mentors  # only active teachers with a teaching role
        assert n <= policy.free_places(loads.get(teacher_id, 0))


@settings(max_examples=120, deadline=None)
@given(schools())
def test_every_child_is_paired_when_capacity_allows_and_accounted_for_once(school):
    policy, teachers, loads, children = school[:4]
    plan = run(school)
    placed = [p.child_id for p in plan.pairs] + [u.child_id for u in plan.unpaired]
    assert sorted(placed) == sorted(c.child_id for c in children)
    assert len(plan.pairs) == min(len(children), free_places(policy, teachers, loads))
    assert all(p.why for p in plan.pairs) and all(u.why for u in plan.unpaired)


@settings(max_examples=120, deadline=None)
@given(schools())
def test_siblings_are_split_only_when_no_teacher_had_room_for_all(school):
    policy, teachers, loads, children = school[:4]
    plan = run(school)
    mentor_of = {p.child_id: p.teacher_id for p in plan.pairs}
    households = defaultdict(list)
    for c in children:
        households[c.household_id].append(c.child_id)
    room_left = max([policy.free_places(n) for t, n in plan.loads_after.items()
                     if t in {x.teacher_id for x in teachers if x.can_mentor}] or [0])
    for members in households.values():
        mentors = {mentor_of.get(m) for m in members}
        if len(mentors) > 1:  # split (or partly unpaired): no one could have taken them all
            assert room_left < len(members)


@settings(max_examples=120, deadline=None)
@given(schools())
def test_a_lone_child_gets_its_head_teacher_when_the_head_teacher_had_room(school):
    policy, teachers, loads, children, head_of, sibling_mentors, _ = school
    if not policy.head_teacher_first:
        return
    plan = run(school)
    mentor_of = {p.child_id: p.teacher_id for p in plan.pairs}
    size = Counter(c.household_id for c in children)
    can = {t.teacher_id for t in teachers if t.can_mentor}
    for c in children:
        head = head_of.get(c.class_id)
        if (size[c.household_id] == 1 and c.household_id not in sibling_mentors
                and head in can and policy.free_places(plan.loads_after[head]) > 0):
            assert mentor_of[c.child_id] == head


@settings(max_examples=120, deadline=None)
@given(schools())
def test_priority_children_lose_out_only_once_everyone_else_has(school):
    priority = school[6]
    plan = run(school)
    if any(u.priority for u in plan.unpaired):
        by_child = {c.child_id: c.household_id for c in school[3]}
        priority_households = {by_child[c] for c in priority}
        # a non-priority child was placed only as the sibling of a priority child
        assert all(by_child[p.child_id] in priority_households for p in plan.pairs)


def test_siblings_share_a_mentor_and_a_sibling_mentor_is_preferred():
    teachers = [Teacher("t{}".format(i), "教师", "s1", class_ids=frozenset({"c1"}))
                for i in range(3)]
    kids = [Child("a1", "甲", "s1", "c1", household_id="h1"),
            Child("a2", "乙", "s1", "c2", household_id="h1"),
            Child("b1", "丙", "s1", "c1", household_id="h2")]
    plan = plan_mentors(kids, teachers, PairingPolicy(), sibling_mentors={"h2": "t2"})
    mentor = {p.child_id: p for p in plan.pairs}
    assert mentor["a1"].teacher_id == mentor["a2"].teacher_id
    assert mentor["a1"].with_siblings == ("a2",)
    assert mentor["b1"].teacher_id == "t2" and mentor["b1"].reason == "sibling_mentor"


def test_reasons_are_given_for_pairs_and_for_children_left_out():
    teachers = [Teacher("t1", "李老师", "s1", class_ids=frozenset({"c1"})),
                Teacher("t2", "张老师", "s1")]
    kids = [Child("k{}".format(i), "儿童", "s1", "c1" if i < 4 else "c2") for i in range(8)]
    plan = plan_mentors(kids, teachers, PairingPolicy(), head_of={"c2": "t2"})
    reasons = Counter(p.reason for p in plan.pairs)
    # places go by rank (here: id), so k3 of c1 takes the last place, from the least loaded
    assert reasons == {"class_teacher": 3, "head_teacher": 2, "school_teacher": 1}
    assert [u.reason for u in plan.unpaired] == ["no_capacity", "no_capacity"]
    assert "李老师" in next(p.why for p in plan.pairs if p.teacher_id == "t1")
    none = plan_mentors(kids[:1], [], PairingPolicy())
    assert none.unpaired[0].reason == "no_teachers"


def test_load_is_balanced_across_the_school():
    teachers = [Teacher("t{}".format(i), "教师", "s1") for i in range(10)]
    kids = [Child("k{:02d}".format(i), "儿童", "s1", "c1") for i in range(20)]
    plan = plan_mentors(kids, teachers, PairingPolicy())
    assert set(plan.loads_after.values()) == {2}
