"""Pairing plans for a school: propose from the current data, review, apply all-or-nothing.

A plan records a fingerprint of everything it was computed from (the school's children in
the programme and their versions, its staff, classes, the pairing book's revision, the policy
version, the priority lists). Applying it recomputes the fingerprint inside the book's
conditional write: if anything changed, the plan is marked stale and nothing is written;
otherwise all its pairings and their events land in one write.
"""
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timezone

from carekit.errors import Conflict, NotFound
from pairing.model import MENTOR, Pairing
from pairing.planner import plan_mentors
from pairing.storage import fingerprint

PLAN_STATUS_LABELS = {"proposed": "待审核", "applied": "已执行", "stale": "已过期（数据有变化）",
                      "discarded": "已放弃"}


@dataclass
class PlanInputs:
    book: object
    policy: object
    children: list      # the school's children in the programme
    pool: list          # ... of them without a mentor
    teachers: list      # staff who may mentor
    head_of: dict
    sibling_mentors: dict
    priority: frozenset
    class_names: dict
    fingerprint: str


def gather(store, school_id, book=None):
    book = book or store.books.load(school_id)
    policy = store.settings.policy()
    children = store.registry.children({"school_id": school_id, "status": "active"})
    mentors = {p.child_id: p.partner_id for p in book.of_kind(MENTOR)}
    household = {c.child_id: c.household_id for c in children}
    sibling_mentors = {}
    for child_id, teacher_id in sorted(mentors.items()):
        if household.get(child_id):
            sibling_mentors.setdefault(household[child_id], teacher_id)
    staff = store.registry.teachers({"school_id": school_id})
    classes = store.registry.classes_of(school_id)
    priority = frozenset(store.settings.priorities(school_id))
    digest = fingerprint(sorted((c.child_id, c.version) for c in children),
                         sorted((t.teacher_id, t.version) for t in staff),
                         sorted((c["_id"], c.get("version", 0)) for c in classes),
                         book.rev, policy.version, sorted(priority))
    return PlanInputs(
        book=book, policy=policy, children=children,
        pool=[c for c in children if c.child_id not in mentors],
        teachers=[t for t in staff if t.can_mentor],
        head_of={c["_id"]: c["head_teacher_id"] for c in classes if c.get("head_teacher_id")},
        sibling_mentors=sibling_mentors, priority=priority,
        class_names={c["_id"]: c.get("name") for c in classes}, fingerprint=digest)


def days_between(since, today):
    if not since:
        return None
    return (date.fromisoformat(today) - date.fromisoformat(since[:10])).days


class Planning:
    def __init__(self, store, desk):
        self.store = store
        self.desk = desk

    def propose(self, school_id, by=None):
        inputs = gather(self.store, school_id)
        proposal = plan_mentors(inputs.pool, inputs.teachers, inputs.policy,
                                loads=inputs.book.loads(), head_of=inputs.head_of,
                                sibling_mentors=inputs.sibling_mentors,
                                priority=inputs.priority)
        children = {c.child_id: c for c in inputs.pool}
        teachers = {t.teacher_id: t for t in inputs.teachers}
        today = self.desk.today()
        body = proposal.to_dict(inputs.policy)
        for pair in body["pairs"]:
            child = children[pair["child_id"]]
            pair.update(child_name=child.name, class_id=child.class_id,
                        class_name=inputs.class_names.get(child.class_id),
                        teacher_name=teachers[pair["teacher_id"]].name)
        for left in body["unpaired"]:
            child = children[left["child_id"]]
            waiting = max(filter(None, [child.eligible_since,
                                        inputs.book.mentor_ended.get(child.child_id)]),
                          default=None)
            left.update(child_name=child.name, class_id=child.class_id,
                        class_name=inputs.class_names.get(child.class_id),
                        days_waiting=days_between(waiting, today))
        body["loads_after"] = [
            {"teacher_id": t, "teacher_name": teachers[t].name, "load": n,
             "status": inputs.policy.load_status(n)}
            for t, n in sorted(body["loads_after"].items())]
        plan = dict(body, _id=uuid.uuid4().hex, school_id=school_id, status="proposed", by=by,
                    created_at=datetime.now(timezone.utc), fingerprint=inputs.fingerprint,
                    book_rev=inputs.book.rev, policy_version=inputs.policy.version)
        self.store.plans.add(plan)
        return describe(plan)

    def get(self, plan_id):
        plan = self.store.plans.get(plan_id)
        if plan is None:
            raise NotFound("找不到该结对方案", plan_id=plan_id)
        return describe(plan)

    def discard(self, plan_id, by=None):
        plan = self._open(plan_id)
        self.store.plans.mark(plan["_id"], "discarded", discarded_by=by)
        return describe(dict(plan, status="discarded"))

    def apply(self, plan_id, by=None):
        plan = self._open(plan_id)
        if plan["status"] == "applied":
            return describe(plan)  # asked twice: it was done once
        school_id = plan["school_id"]

        def change(book):
            if plan_id in book.applied_plans:
                return "already"
            inputs = gather(self.store, school_id, book)
            if inputs.fingerprint != plan["fingerprint"]:
                raise Conflict("方案生成后数据已有变化（儿童、教师、班级、结对或政策），"
                               "请重新生成方案", code="plan_stale", plan_id=plan_id)
            children = {c.child_id: c for c in inputs.pool}
            teachers = {t.teacher_id: t for t in inputs.teachers}
            started_on = self.desk.today()
            for pair in plan["pairs"]:
                child, teacher = children[pair["child_id"]], teachers[pair["teacher_id"]]
                book.start(Pairing.new(
                    kind=MENTOR, child_id=child.child_id, child_name=child.name,
                    school_id=school_id, class_id=child.class_id, started_on=started_on,
                    partner_id=teacher.teacher_id, partner_name=teacher.name, source="plan",
                    plan_id=plan_id, reason=pair["reason"], by=by))
            book.applied_plans.append(plan_id)
            return "applied"
        try:
            self.desk.change_book(school_id, change)
        except Conflict as exc:
            if exc.code in ("plan_stale", "busy"):
                self.store.plans.mark(plan_id, "stale")
                if exc.code == "busy":
                    raise Conflict("方案生成后数据已有变化，请重新生成方案", code="plan_stale",
                                   plan_id=plan_id)
            raise
        applied_at = datetime.now(timezone.utc)
        self.store.plans.mark(plan_id, "applied", applied_by=by, applied_at=applied_at)
        return describe(dict(plan, status="applied", applied_by=by, applied_at=applied_at))

    def _open(self, plan_id):
        plan = self.store.plans.get(plan_id)
        if plan is None:
            raise NotFound("找不到该结对方案", plan_id=plan_id)
        if plan["status"] in ("stale", "discarded"):
            raise Conflict("该方案{}，不能执行".format(PLAN_STATUS_LABELS[plan["status"]]),
                           code="plan_" + plan["status"], plan_id=plan_id)
        return plan


def describe(plan):
    out = {k: v for k, v in plan.items() if k not in ("_id", "fingerprint")}
    out["plan_id"] = plan["_id"]
    for entry in out.get("pairs", []) + out.get("unpaired", []):
        entry["priority"] = bool(entry.get("priority"))  # the stand-in returns 1/0
    out["status_label"] = PLAN_STATUS_LABELS.get(plan["status"], plan["status"])
    for key in ("created_at", "applied_at"):
        if isinstance(out.get(key), datetime):
            out[key] = out[key].isoformat()
    return out
