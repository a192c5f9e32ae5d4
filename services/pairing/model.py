"""What the pairing service knows: children, teachers, volunteers (as projected from the
registry) and pairings. Plain data; no MongoDB, no AMQP.

A pairing (结对) links a child with a mentor teacher (帮扶教师), a hand-in-hand friend
(手拉手好朋友, a classmate) or a proxy parent (代理家长, a volunteer). A school's active
pairings live together in its PairingBook, so every rule that spans pairings (one mentor per
child, a teacher's cap) is checked and written against one document.
"""
import uuid
from dataclasses import asdict, dataclass, field, replace

from carekit.contracts.pairing import ASSIGN_REASONS, END_REASONS

MENTOR, BUDDY, PROXY = "mentor", "buddy", "proxy_parent"
KIND_LABELS = {MENTOR: "帮扶教师", BUDDY: "手拉手好朋友", PROXY: "代理家长"}
MENTOR_ROLES = {"teacher", "head_teacher"}
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
        return self.active and bool(MENTOR_ROLES.intersection(self.roles))


@dataclass(frozen=True)
class Volunteer:
    volunteer_id: str
    name: str
    school_id: str
    active: bool = True
    version: int = 0


def need_score(snapshot):
    """How much a child needs a mentor first, from the registry facts (bigger is more)."""
    score = 0
    if snapshot.get("left_behind_type") == "both_parents_away":
        score += 2
    if snapshot.get("special_needs"):
        score += 2
    if snapshot.get("family_hardship") or snapshot.get("low_income_registered"):
        score += 1
    if snapshot.get("guardian_health") in ("weak", "sick", "disabled"):
        score += 1
    if snapshot.get("guardian_literacy") == "illiterate":
        score += 1
    return score


@dataclass(frozen=True)
class Pairing:
    """An active (or, once `ended_on` is set, ended) pairing."""

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

    @classmethod
    def new(cls, **values):
        return cls(pairing_id=uuid.uuid4().hex, **values)

    @classmethod
    def from_dict(cls, data):
        return cls(**{k: v for k, v in data.items() if k in cls.__dataclass_fields__})

    def to_dict(self):
        return asdict(self)

    def end(self, ended_on, reason, note=None, by=None):
        return replace(self, ended_on=ended_on, end_reason=reason, end_note=note, ended_by=by)

    def describe(self):
        """For people: the record plus Chinese labels."""
        data = self.to_dict()
        data["kind_label"] = KIND_LABELS[self.kind]
        data["reason_label"] = ASSIGN_REASONS.get(self.reason, "")
        data["active"] = self.ended_on is None
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


@dataclass
class PairingBook:
    """A school's active pairings (结对台账), with the revision they were read at.

    Changes are collected here (started, ended) and written back in one conditional write
    that succeeds only if nobody changed the book since it was read.
    """

    school_id: str
    rev: int = 0
    pairings: list = field(default_factory=list)
    mentor_ended: dict = field(default_factory=dict)   # child_id -> ISO date of last mentor end
    applied_plans: list = field(default_factory=list)
    retired: list = field(default_factory=list)        # ended, not yet filed into history
    started: list = field(default_factory=list)
    ended: list = field(default_factory=list)

    # -- reading ---------------------------------------------------------------------------
    def of_kind(self, kind):
        return [p for p in self.pairings if p.kind == kind]

    def for_child(self, child_id, kind=None):
        return [p for p in self.pairings
                if p.child_id == child_id and (kind is None or p.kind == kind)]

    def one_of(self, child_id, kind):
        """The child's pairing of a kind it has at most one of (mentor, proxy parent)."""
        found = self.for_child(child_id, kind)
        return found[0] if found else None

    def mentor_of(self, child_id):
        return self.one_of(child_id, MENTOR)

    def proxy_of(self, child_id):
        return self.one_of(child_id, PROXY)

    def with_partner(self, partner_id, kind=None):
        return [p for p in self.pairings
                if p.partner_id == partner_id and (kind is None or p.kind == kind)]

    def get(self, pairing_id):
        for p in self.pairings:
            if p.pairing_id == pairing_id:
                return p
        return None

    def loads(self):
        """teacher_id -> active mentees."""
        counts = {}
        for p in self.pairings:
            if p.kind == MENTOR:
                counts[p.partner_id] = counts.get(p.partner_id, 0) + 1
        return counts

    def load_of(self, teacher_id):
        return sum(1 for p in self.pairings if p.kind == MENTOR and p.partner_id == teacher_id)

    @property
    def changed(self):
        return bool(self.started or self.ended)

    # -- changing --------------------------------------------------------------------------
    def start(self, pairing):
        self.pairings.append(pairing)
        self.started.append(pairing)
        if pairing.kind == MENTOR:
            self.mentor_ended.pop(pairing.child_id, None)
        return pairing

    def end(self, pairing_id, ended_on, reason, note=None, by=None):
        current = self.get(pairing_id)
        if current is None:
            return None
        ended = current.end(ended_on, reason, note, by)
        self.pairings = [p for p in self.pairings if p.pairing_id != pairing_id]
        self.ended.append(ended)
        if ended.kind == MENTOR:
            self.mentor_ended[ended.child_id] = ended_on
        return ended

    def events(self):
        """(name, data) for everything changed, ends first (a reassignment reads in order)."""
        out = []
        for p in self.ended:
            out.extend(p.end_events())
        out.extend(p.start_event() for p in self.started)
        return out
