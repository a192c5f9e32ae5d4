"""The automatic mentor plan for a school (结对方案): who mentors which unpaired child.

Rules, in order of weight:
1. never beyond a teacher's cap (PairingPolicy.max_mentees);
2. every child is paired while any teacher in the school has a free place; when places run
   short, recommended priority children (重点推荐) go first, then the children most in need,
   then those waiting longest;
3. siblings stay together with one mentor when one teacher has room for all of them
   (preferring a mentor a sibling already has), otherwise they are placed one by one;
4. the preferred mentor is the child's head teacher (if the policy says so), then a teacher
   of the child's class, then the least-loaded teacher of the school.
Every proposed pair says why; every child left out says why.

How: (1) rank the children (rule 2) and give places down the ranking while they last; (2)
place sibling groups, largest first, each with one teacher (preferred, else least loaded)
while one still has room for the whole group; (3) place single children with a preferred
mentor; (4) place the rest one by one. Doing 3 before 4 keeps one class's child from taking
another class's head teacher while a child of that class still needs them.

Speed: teachers with free places sit in buckets by current load, so "least-loaded teacher
with room for k" costs O(cap), not O(teachers); a county school of 2,000 children and 150
teachers plans in a few milliseconds (bench/pairing_plan.py).
"""
from dataclasses import asdict, dataclass, field

REASON_TEXT = {
    "sibling_mentor": "与兄弟姐妹同一位帮扶教师",
    "head_teacher": "本班班主任",
    "class_teacher": "本班任课教师",
    "school_teacher": "本校帮扶负担较轻的教职工（原有 {load} 名）",
}
UNPAIRED_TEXT = {
    "no_teachers": "本校没有可担任帮扶教师的在职教职工",
    "no_capacity": "本校教师帮扶名额已用完（每位教师最多 {cap} 名）；名额按重点推荐、困难程度、"
                   "等待时间的顺序分配",
}


@dataclass(frozen=True)
class ProposedPair:
    child_id: str
    teacher_id: str
    reason: str
    why: str
    priority: bool = False
    with_siblings: tuple = ()


@dataclass(frozen=True)
class LeftUnpaired:
    child_id: str
    reason: str
    why: str
    priority: bool = False


@dataclass
class PlanProposal:
    pairs: list = field(default_factory=list)
    unpaired: list = field(default_factory=list)
    loads_before: dict = field(default_factory=dict)
    loads_after: dict = field(default_factory=dict)

    def summary(self, policy):
        below = sum(1 for load in self.loads_after.values() if load < policy.min_mentees)
        return {"children": len(self.pairs) + len(self.unpaired), "paired": len(self.pairs),
                "unpaired": len(self.unpaired),
                "free_places_before": sum(policy.free_places(v)
                                          for v in self.loads_before.values()),
                "free_places_after": sum(policy.free_places(v)
                                         for v in self.loads_after.values()),
                "teachers": len(self.loads_after), "teachers_below_min_after": below}

    def to_dict(self, policy):
        return {"pairs": [asdict(p) for p in self.pairs],
                "unpaired": [asdict(u) for u in self.unpaired],
                "loads_after": dict(self.loads_after), "summary": self.summary(policy)}


class _Places:
    """Free places per teacher, bucketed by load for O(cap) least-loaded look-ups."""

    def __init__(self, teachers, loads, cap):
        self.cap = cap
        self.load = {t.teacher_id: loads.get(t.teacher_id, 0) for t in teachers}
        self.buckets = [dict() for _ in range(cap)]  # load -> ordered set of teacher ids
        for t in teachers:  # caller sorted them: ties go to the earliest, then round-robin
            if self.load[t.teacher_id] < cap:
                self.buckets[self.load[t.teacher_id]][t.teacher_id] = None
        self.total = sum(max(0, cap - v) for v in self.load.values())

    def free(self, teacher_id):
        return max(0, self.cap - self.load.get(teacher_id, self.cap))

    def least_loaded(self, k):
        for load in range(0, self.cap - k + 1):
            if self.buckets[load]:
                return next(iter(self.buckets[load]))
        return None

    def take(self, teacher_id, n=1):
        before = self.load[teacher_id]
        self.buckets[before].pop(teacher_id, None)
        self.load[teacher_id] = before + n
        self.total -= n
        if before + n < self.cap:
            self.buckets[before + n][teacher_id] = None


def _order_key(priority):
    def key(child):
        return (0 if child.child_id in priority else 1, -child.need,
                child.eligible_since or "9999-12-31", child.child_id)
    return key


def plan_mentors(children, teachers, policy, loads=None, head_of=None, sibling_mentors=None,
                 priority=frozenset()):
    """Propose mentors for `children` (the school's unpaired children in the programme).

    teachers: staff of the school who may mentor (any active staff member); loads:
    teacher_id -> active mentees now; head_of: class_id -> head teacher id; sibling_mentors: household_id -> teacher already
    mentoring a sibling; priority: ids of recommended priority children.
    """
    loads, head_of, sibling_mentors = loads or {}, head_of or {}, dict(sibling_mentors or {})
    teachers = sorted((t for t in teachers if t.can_mentor), key=lambda t: t.teacher_id)
    by_id = {t.teacher_id: t for t in teachers}
    places = _Places(teachers, loads, policy.max_mentees)
    proposal = PlanProposal(loads_before=dict(places.load))
    class_teachers = {}
    for t in teachers:
        for class_id in t.class_ids:
            class_teachers.setdefault(class_id, []).append(t.teacher_id)
    heads = {c: t for c, t in head_of.items() if t in by_id} if policy.head_teacher_first else {}

    def best_of(candidates, k):
        fitting = [t for t in candidates if places.free(t) >= k]
        return min(fitting, key=lambda t: (places.load[t], t)) if fitting else None

    def preferred(members, household, k):
        mentor = sibling_mentors.get(household) if household else None
        if mentor in by_id and places.free(mentor) >= k:
            return mentor, "sibling_mentor"
        classes = sorted({m.class_id for m in members})
        chosen = best_of([heads[c] for c in classes if c in heads], k)
        if chosen:
            return chosen, "head_teacher"
        chosen = best_of(sorted({t for c in classes for t in class_teachers.get(c, ())}), k)
        return (chosen, "class_teacher") if chosen else (None, None)

    def choose(members, household, k):
        chosen, reason = preferred(members, household, k)
        if chosen:
            return chosen, reason
        chosen = places.least_loaded(k)
        return (chosen, "school_teacher") if chosen else (None, None)

    def place(members, household, teacher_id, reason):
        why = REASON_TEXT[reason].format(load=places.load[teacher_id])
        if reason == "head_teacher" or reason == "class_teacher":
            why = "{}：{}".format(by_id[teacher_id].name, why)
        if len(members) > 1:
            why += "；兄弟姐妹同一位帮扶教师"
        ids = tuple(m.child_id for m in members)
        for m in members:
            proposal.pairs.append(ProposedPair(
                m.child_id, teacher_id, reason, why, m.child_id in priority,
                tuple(i for i in ids if i != m.child_id)))
        places.take(teacher_id, len(members))
        if household:
            sibling_mentors.setdefault(household, teacher_id)

    def leave(member):
        reason = "no_capacity" if teachers else "no_teachers"
        proposal.unpaired.append(LeftUnpaired(
            member.child_id, reason, UNPAIRED_TEXT[reason].format(cap=policy.max_mentees),
            member.child_id in priority))

    # 1. who gets a place: by rank, as long as places last
    chosen, left, room = [], [], places.total
    for household, members in _units(children, _order_key(priority)):
        chosen.append((household, members[:max(room, 0)]))
        left.extend(members[max(room, 0):])
        room -= len(members)
    # 2. sibling groups first, largest first, while one teacher can still take a whole group
    groups = sorted((u for u in chosen if len(u[1]) > 1), key=lambda u: -len(u[1]))
    split = []
    for household, members in groups:
        teacher_id, reason = choose(members, household, len(members))
        if teacher_id is not None:
            place(members, household, teacher_id, reason)
        else:
            split.extend((household, m) for m in members)
    # 3. single children with a preferred mentor, before anyone is sent to the least loaded,
    #    so no child takes another class's teacher while a child of that class needs them
    deferred = []
    for household, members in chosen:
        if len(members) == 1:
            teacher_id, reason = preferred(members, household, 1)
            if teacher_id is not None:
                place(members, household, teacher_id, reason)
            else:
                deferred.append((household, members[0]))
    # 4. everyone else: preferred if still possible, otherwise the least-loaded teacher
    for household, member in deferred + split:
        teacher_id, reason = choose([member], household, 1)
        if teacher_id is None:  # cannot happen: places were counted in step 1
            leave(member)
        else:
            place([member], household, teacher_id, reason)
    for m in left:
        leave(m)
    proposal.loads_after = dict(places.load)
    return proposal


def _units(children, key):
    """Children grouped by household (siblings), groups in planning order."""
    groups = {}
    for child in sorted(children, key=key):
        groups.setdefault(child.household_id or ("", child.child_id), []).append(child)
    # dicts keep insertion order: each group sits where its most urgent member does
    return [(h if isinstance(h, str) else None, members) for h, members in groups.items()]


# -- hand-in-hand friends (手拉手好朋友) ---------------------------------------------------------
BUDDY_REASON_TEXT = {
    "not_left_behind_classmate": "同班非留守同学{name}（已是 {load} 名留守儿童的好朋友）",
    "classmate": "同班同学{name}（本班没有可结对的非留守同学；已是 {load} 名留守儿童的好朋友）",
}
NO_BUDDY_TEXT = {
    "no_classmate": "本班没有登记其他同学，请手工填写一位同学的姓名",
    "classmates_full": "本班登记的同学都已达到好朋友人数上限（每人最多 {cap} 名）",
}


@dataclass(frozen=True)
class ProposedBuddy:
    child_id: str
    buddy_child_id: str
    reason: str
    why: str


@dataclass(frozen=True)
class BuddyMissing:
    child_id: str
    missing: int
    reason: str
    why: str


def plan_buddies(children, classmates, policy, friends=None, friend_loads=None,
                 priority=frozenset()):
    """Propose classmates as hand-in-hand friends for `children` (in the programme) who
    have fewer than the policy's number of friends.

    classmates: registered pupils of the school who may be a friend (not graduated; a pupil
    whose parents came home has status not_left_behind and is preferred); friends: child_id
    -> ids (or keys) of the friends the child has; friend_loads: friend id -> children it is
    the friend of now. Never gives one classmate more than policy.buddy_max_children.
    Returns (proposed, missing)."""
    friends, load = friends or {}, dict(friend_loads or {})
    by_class = {}
    for mate in sorted(classmates, key=lambda m: m.child_id):
        by_class.setdefault(mate.class_id, []).append(mate)
    proposed, missing = [], []
    for child in sorted(children, key=_order_key(priority)):
        have = set(friends.get(child.child_id) or ())
        wanted = policy.buddies_per_child - len(have)
        mates = [m for m in by_class.get(child.class_id, ()) if m.child_id != child.child_id]
        while wanted > 0:
            room = [m for m in mates if m.child_id not in have
                    and load.get(m.child_id, 0) < policy.buddy_max_children]
            if not room:
                reason = "classmates_full" if mates else "no_classmate"
                missing.append(BuddyMissing(child.child_id, wanted, reason, NO_BUDDY_TEXT[
                    reason].format(cap=policy.buddy_max_children)))
                break
            best = min(room, key=lambda m: (m.in_programme, load.get(m.child_id, 0),
                                            m.child_id))
            reason = "classmate" if best.in_programme else "not_left_behind_classmate"
            proposed.append(ProposedBuddy(child.child_id, best.child_id, reason,
                                          BUDDY_REASON_TEXT[reason].format(
                                              name=best.name, load=load.get(best.child_id, 0))))
            load[best.child_id] = load.get(best.child_id, 0) + 1
            have.add(best.child_id)
            wanted -= 1
    return proposed, missing
