"""What the pairing service knows: children, staff, volunteers (as projected from the
registry) and pairings. Plain data; no MongoDB, no AMQP.

A pairing (结对) links a child with a mentor teacher (帮扶教师: any active staff member,
教职工, school leaders included), a hand-in-hand friend (手拉手好朋友, a classmate) or a
proxy parent (代理家长, a volunteer). Each pairing is its own record. Two rules span
pairings, and each has a key the storage makes unique:
- a child has one mentor and one proxy parent at a time, and the same friend once: `slot`;
- a staff member mentors at most the policy's cap, a classmate befriends at most the
  policy's number of children: `place_key` names the counter of places taken.
"""
import uuid
from dataclasses import asdict, dataclass, replace

from carekit.contracts.pairing import ASSIGN_REASONS, END_REASONS

MENTOR, BUDDY, PROXY = "mentor", "buddy", "proxy_parent"
KIND_LABELS = {MENTOR: "帮扶教师", BUDDY: "手拉手好朋友", PROXY: "代理家长"}
# registry status -> why a pairing ends; None: the child is in the programme
STATUS_END_REASON = {"active": None, "not_left_behind": "child_not_left_behind",
                     "graduated": "child_graduated"}
# these ends are a registry change, not a person's decision: PairingEnded is emitted too
CIRCUMSTANTIAL = {"teacher_left", "volunteer_left", "child_transferred", "child_not_left_behind",
                  "child_graduated", "child_inactive", "buddy_left", "child_changed_class"}
LEFT_PROGRAMME = {"child_not_left_behind", "child_graduated", "child_inactive"}


@dataclass(frozen=True)
class Child:
    child_id: str
    name: str
    school_id: str
    class_id: str
    status: str = "active"
    household_id: str = None
    left_behind_type: str = None
    need: int = 0                 # higher: more in need (see need_score)
    eligible_since: str = None    # ISO date the child joined this school's pool
    version: int = 0

    @property
    def in_programme(self):
        return self.status == "active"


@dataclass(frozen=True)
class Teacher:
    teacher_id: str
    name: str
    school_id: str
    active: bool = True
    roles: tuple = ("teacher",)
    class_ids: frozenset = frozenset()
    version: int = 0

    @property
    def can_mentor(self):
        return self.active  # 教职工结对: teachers, head teachers, leaders and admins alike


@dataclass(frozen=True)
class Volunteer:
    volunteer_id: str
    name: str
    school_id: str
    active: bool = True
    version: int = 0


FRAIL_GUARDIAN = {"weak", "sick", "disabled"}


def need_score(snapshot):
    """How much a child needs a mentor first, from the registry facts (bigger is more).
    Reads the guardian's situation as one value (child events v1) or as a list of facts
    (`guardian_situation`, if a later version carries it)."""
    score = 0
    if snapshot.get("left_behind_type") == "both_parents_away":
        score += 2
    if snapshot.get("special_needs"):
        score += 2
    if snapshot.get("family_hardship") or snapshot.get("low_income_registered"):
        score += 1
    situation = set(snapshot.get("guardian_situation") or ()) | {snapshot.get("guardian_health")}
    if situation & FRAIL_GUARDIAN:
        score += 1
    if snapshot.get("guardian_literacy") == "illiterate" or "illiterate" in situation:
        score += 1
    return score


CLAIMED, ACTIVE, ENDED = "claimed", "active", "ended"


def place_key(kind, partner):
    """Whose places a pairing of `kind` takes: a staff member's (mentees), a classmate's
    (children befriended); proxy parents have no cap."""
    return "{}:{}".format(kind, partner) if kind in (MENTOR, BUDDY) else None


@dataclass(frozen=True)
class Pairing:
    """A pairing: `claimed` (a plan being applied holds its place; nobody is told yet),
    `active`, or `ended`. `child_version` / `partner_version`: the registry versions it was
    made against; only a newer state of that child or partner ends it."""

    pairing_id: str
    kind: str
    child_id: str
    school_id: str
    class_id: str
    started_on: str
    child_name: str = None
    partner_id: str = None        # teacher, volunteer, or the buddy when a registered child
    partner_name: str = None
    buddy_class_id: str = None
    source: str = "manual"
    plan_id: str = None
    reason: str = "manual"        # why this partner (ASSIGN_REASONS)
    by: str = None
    ended_on: str = None
    end_reason: str = None
    end_note: str = None
    ended_by: str = None
    state: str = ACTIVE
    child_version: int = 0
    partner_version: int = 0

    @classmethod
    def new(cls, **values):
        return cls(pairing_id=uuid.uuid4().hex, **values)

    @property
    def active(self):
        return self.state == ACTIVE

    @property
    def slot(self):
        """Unique among claimed and active pairings: one mentor, one proxy parent, each
        friend once per child."""
        if self.kind != BUDDY:
            return "{}:{}".format(self.kind, self.child_id)
        return "{}:{}:{}".format(BUDDY, self.child_id, self.friend_key)

    @property
    def friend_key(self):
        """The classmate: a registered child by id, any other pupil by class and name."""
        return self.partner_id or "name:{}:{}".format(self.buddy_class_id, self.partner_name)

    @property
    def place_key(self):
        """The counter of places this pairing takes (None: no cap for this kind)."""
        return place_key(self.kind, self.friend_key if self.kind == BUDDY else self.partner_id)

    @classmethod
    def from_dict(cls, data):
        return cls(**{k: v for k, v in data.items() if k in cls.__dataclass_fields__})

    def to_dict(self):
        return asdict(self)

    def end(self, ended_on, reason, note=None, by=None):
        return replace(self, ended_on=ended_on, end_reason=reason, end_note=note, ended_by=by,
                       state=ENDED)

    def activated(self):
        return replace(self, state=ACTIVE)

    def describe(self):
        """For people: the record plus Chinese labels."""
        data = self.to_dict()
        data["kind_label"] = KIND_LABELS[self.kind]
        data["reason_label"] = ASSIGN_REASONS.get(self.reason, "")
        data["active"] = self.state == ACTIVE
        for internal in ("state", "child_version", "partner_version"):
            data.pop(internal)
        if self.end_reason:
            data["end_reason_label"] = END_REASONS.get(self.end_reason, "其他原因")
        return data

    # -- the events this pairing causes (carekit.contracts.pairing) --------------------------
    def _common(self):
        return {"pairing_id": self.pairing_id, "child_id": self.child_id,
                "child_name": self.child_name, "school_id": self.school_id,
                "class_id": self.class_id, "started_on": self.started_on,
                "source": self.source, "plan_id": self.plan_id}

    def _partner(self):
        if self.kind == MENTOR:
            return {"teacher_id": self.partner_id, "teacher_name": self.partner_name}
        if self.kind == PROXY:
            return {"volunteer_id": self.partner_id, "volunteer_name": self.partner_name}
        return {"buddy_child_id": self.partner_id, "buddy_name": self.partner_name,
                "buddy_class_id": self.buddy_class_id}

    def start_event(self):
        """(name, data) of the event announcing this pairing."""
        name = {MENTOR: "MentorAssigned", BUDDY: "BuddyPaired", PROXY: "ProxyParentAssigned"}
        data = dict(self._common(), by=self.by, **self._partner())
        if self.kind == MENTOR:
            data["reason"] = self.reason
        return name[self.kind], data

    def end_events(self):
        """[(name, data)] announcing the end: the kind's own event, and PairingEnded when a
        registry change (not a person) ended it."""
        name = {MENTOR: "MentorReleased", BUDDY: "BuddyUnpaired", PROXY: "ProxyParentReleased"}
        ending = {"ended_on": self.ended_on, "reason": self.end_reason, "note": self.end_note}
        events = [(name[self.kind], dict(self._common(), by=self.ended_by, **self._partner(),
                                         **ending))]
        if self.end_reason in CIRCUMSTANTIAL:
            events.append(("PairingEnded", dict(
                self._common(), by=self.ended_by, kind=self.kind, partner_id=self.partner_id,
                partner_name=self.partner_name,
                needs_repairing=self.end_reason not in LEFT_PROGRAMME, **ending)))
        return events


def one_of(pairings, child_id, kind):
    """The child's pairing of a kind it has at most one of (mentor, proxy parent), or None."""
    return next((p for p in pairings if p.child_id == child_id and p.kind == kind), None)


def loads(pairings, kind=MENTOR):
    """partner_id -> active pairings of `kind` (a staff member's mentees)."""
    counts = {}
    for p in pairings:
        if p.kind == kind and p.partner_id:
            counts[p.partner_id] = counts.get(p.partner_id, 0) + 1
    return counts


def events_of(ended=(), started=()):
    """(name, data) for a change, ends first (a reassignment reads in order)."""
    out = []
    for p in ended:
        out.extend(p.end_events())
    out.extend(p.start_event() for p in started)
    return out


@dataclass(frozen=True)
class ClassRecommendation:
    """A class's recommended priority children (重点推荐, 4-5 by county policy): child id ->
    {order, version (the child's registry version when recommended), by, on}."""

    class_id: str
    school_id: str
    children: dict
    rev: int = 0

    @property
    def child_ids(self):
        return sorted(self.children, key=lambda c: (self.children[c].get("order", 0), c))

    @property
    def versions(self):
        return {c: entry.get("version", 0) for c, entry in self.children.items()}
