"""Pairing plans for a school: propose from the current data, review, apply whole or not at
all.

A plan proposes mentors (for the children the county's mentor scope covers), hand-in-hand
friends, and lists the children still needing a proxy parent. It records a fingerprint of
everything it was computed from (the school's pupils with versions, staff, classes, the
active mentor and friend pairings, the county policy version, the recommendation lists).

Applying (no multi-document transaction; each step is a single-document write):
1. the plan goes proposed -> applying under an attempt token and a lease;
2. the fingerprint is checked; each pair is then CLAIMED in order: its partner's places are
   taken and the pairing is inserted as `claimed` (its slot held, no event carried);
3. if any claim is refused (a slot or place taken meanwhile) or the fingerprint moved, the
   attempt undoes its own claims (drops the claimed documents, gives the places back) and
   the plan is marked stale: nothing was announced, nothing stays;
4. otherwise the plan goes applying -> committing (the point of no return), every claim
   turns active carrying its start event, and the plan is applied.
An applier that stops midway is finished by anyone (the service's sweep, or the next
apply_plan): a plan still `applying` after its lease is taken back to `proposed` FIRST (so a
slow original applier can no longer commit) and its claims are undone; a plan `committing`
is rolled forward. Pairing ids are derived from the attempt and the pair, so whoever
finishes knows every place the attempt may have taken. Readers only ever count active
pairings, so a claim is never seen as a pairing, and no event is ever withdrawn.
"""
import hashlib
import json
import uuid
from dataclasses import asdict, dataclass
from datetime import date, datetime, timezone

import eventlet

from carekit.errors import Conflict, NotFound
from pairing.model import BUDDY, CLAIMED, MENTOR, PROXY, Pairing, loads, place_key
from pairing.planner import plan_buddies, plan_mentors
from pairing.storage import now

PLAN_STATUS_LABELS = {"proposed": "待审核", "applying": "正在执行", "committing": "正在执行",
                      "applied": "已执行", "stale": "已过期（数据有变化）", "discarded": "已放弃"}
APPLY_LEASE_SECONDS = 60
LEASE_PER_PAIR_SECONDS = 0.05  # a big plan's claims and commit take longer on a busy database
WAIT_FOR_OTHER_APPLIER_SECONDS = 20


@dataclass
class PlanInputs:
    policy: object
    pupils: list        # every registered pupil of the school (any status)
    children: list      # ... of them in the programme
    pool: list          # ... in the programme, without a mentor, in the mentor scope
    out_of_scope: int   # in the programme, without a mentor, not in the mentor scope
    teachers: list      # staff who may mentor
    loads: dict         # teacher_id -> active mentees
    head_of: dict
    sibling_mentors: dict
    recommended: frozenset
    unrecommended_classes: list
    friends: dict       # child_id -> friend keys
    friend_loads: dict  # friend key -> children befriended
    proxied: set
    class_names: dict
    fingerprint: str


def fingerprint(*parts):
    """A short digest of everything a plan was computed from."""
    text = json.dumps(parts, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def gather(store, school_id):
    policy = store.settings.policy_of_school(school_id)
    pupils = store.registry.children({"school_id": school_id})
    children = [c for c in pupils if c.in_programme]
    mentor_pairings = store.pairings.active(school_id=school_id, kind=MENTOR)
    buddy_pairings = store.pairings.active(school_id=school_id, kind=BUDDY)
    mentors = {p.child_id: p.partner_id for p in mentor_pairings}
    household = {c.child_id: c.household_id for c in children}
    sibling_mentors = {}
    for child_id, teacher_id in sorted(mentors.items()):
        if household.get(child_id):
            sibling_mentors.setdefault(household[child_id], teacher_id)
    staff = store.registry.teachers({"school_id": school_id})
    classes = store.registry.classes_of(school_id)
    lists = store.settings.recommendations([school_id])
    recommended = frozenset(c for r in lists for c in r.children)
    listed_classes = {r.class_id for r in lists if r.children}
    unmentored = [c for c in children if c.child_id not in mentors]
    friends, friend_loads = {}, {}
    for p in buddy_pairings:
        friends.setdefault(p.child_id, set()).add(p.friend_key)
        friend_loads[p.friend_key] = friend_loads.get(p.friend_key, 0) + 1
    digest = fingerprint(sorted((c.child_id, c.version) for c in pupils),
                         sorted((t.teacher_id, t.version) for t in staff),
                         sorted((c["_id"], c.get("version", 0)) for c in classes),
                         (policy.county_id, policy.version),
                         sorted((r.class_id, r.child_ids) for r in lists),
                         sorted(p.pairing_id for p in mentor_pairings + buddy_pairings))
    return PlanInputs(
        policy=policy, pupils=pupils, children=children,
        pool=[c for c in unmentored if policy.wants_mentor(c, recommended)],
        out_of_scope=sum(1 for c in unmentored if not policy.wants_mentor(c, recommended)),
        teachers=[t for t in staff if t.can_mentor], loads=loads(mentor_pairings),
        head_of={c["_id"]: c["head_teacher_id"] for c in classes if c.get("head_teacher_id")},
        sibling_mentors=sibling_mentors, recommended=recommended,
        unrecommended_classes=sorted({c.class_id for c in children} - listed_classes)
        if policy.mentor_scope == "recommended" else [],
        friends=friends, friend_loads=friend_loads,
        proxied={p.child_id for p in store.pairings.active(school_id=school_id, kind=PROXY)},
        class_names={c["_id"]: c.get("name") for c in classes}, fingerprint=digest)


def days_between(since, today):
    if not since:
        return None
    return (date.fromisoformat(today) - date.fromisoformat(since[:10])).days


class Planning:
    def __init__(self, store, desk):
        self.store = store
        self.desk = desk

    # -- proposing --------------------------------------------------------------------------
    def propose(self, school_id, by=None):
        inputs = gather(self.store, school_id)
        policy, today = inputs.policy, self.desk.today()
        proposal = plan_mentors(inputs.pool, inputs.teachers, policy, loads=inputs.loads,
                                head_of=inputs.head_of, sibling_mentors=inputs.sibling_mentors,
                                priority=inputs.recommended)
        buddies, missing = plan_buddies(
            inputs.children, [p for p in inputs.pupils if p.status != "graduated"], policy,
            friends=inputs.friends, friend_loads=inputs.friend_loads,
            priority=inputs.recommended)
        pupils = {c.child_id: c for c in inputs.pupils}
        teachers = {t.teacher_id: t for t in inputs.teachers}
        last_ends = self.store.pairings.last_mentor_ends([c.child_id for c in inputs.pool])
        body = proposal.to_dict(policy)

        def about(entry, child_id):
            child = pupils[child_id]
            entry.update(child_name=child.name, class_id=child.class_id,
                         class_name=inputs.class_names.get(child.class_id))
            return entry
        for pair in body["pairs"]:
            about(pair, pair["child_id"])["teacher_name"] = teachers[pair["teacher_id"]].name
        for left in body["unpaired"]:
            child = pupils[left["child_id"]]
            waiting = max(filter(None, [child.eligible_since, last_ends.get(child.child_id)]),
                          default=None)
            about(left, child.child_id)["days_waiting"] = days_between(waiting, today)
        body["buddy_pairs"] = [dict(about(asdict(b), b.child_id),
                                    buddy_name=pupils[b.buddy_child_id].name)
                               for b in buddies]
        body["buddies_missing"] = [about(asdict(m), m.child_id) for m in missing]
        body["proxy_parent_needed"] = [
            about({"child_id": c.child_id, "days_waiting": days_between(c.eligible_since, today)},
                  c.child_id)
            for c in sorted(inputs.children, key=lambda c: (-c.need, c.child_id))
            if c.child_id not in inputs.proxied] if policy.proxy_parent_required else []
        body["classes_without_recommendation"] = [
            {"class_id": c, "class_name": inputs.class_names.get(c)}
            for c in inputs.unrecommended_classes]
        body["loads_after"] = [
            {"teacher_id": t, "teacher_name": teachers[t].name, "load": n,
             "status": policy.load_status(n)}
            for t, n in sorted(body["loads_after"].items())]
        body["summary"].update(
            mentor_scope=policy.mentor_scope, not_in_mentor_scope=inputs.out_of_scope,
            buddy_pairs=len(buddies), buddies_missing=sum(m.missing for m in missing),
            proxy_parent_needed=len(body["proxy_parent_needed"]),
            volunteers=self.store.registry.volunteers_of_school(school_id))
        plan = dict(body, _id=uuid.uuid4().hex, school_id=school_id, status="proposed", by=by,
                    created_at=datetime.now(timezone.utc), fingerprint=inputs.fingerprint,
                    policy_version=policy.version)
        self.store.plans.add(plan)
        return describe(plan)

    def get(self, plan_id):
        return describe(self._plan(plan_id))

    def discard(self, plan_id, by=None):
        plan = self._open(plan_id)
        if plan["status"] != "proposed":
            raise Conflict("该方案{}，不能放弃".format(PLAN_STATUS_LABELS[plan["status"]]),
                           code="plan_" + plan["status"], plan_id=plan_id)
        self.store.plans.mark(plan["_id"], "discarded", discarded_by=by)
        return describe(dict(plan, status="discarded"))

    # -- applying ---------------------------------------------------------------------------
    def apply(self, plan_id, by=None):
        waited = 0.0
        while True:
            plan = self._open(plan_id)
            if plan["status"] == "applied":
                return describe(plan)  # asked twice: it was done once
            if plan["status"] == "proposed":
                token = uuid.uuid4().hex
                taken = self.store.plans.begin(plan_id, token, lease_for(plan), by)
                if taken is not None:
                    return self._apply(taken, token, by)
                continue
            if plan.get("lease_until", 0) < now():  # its applier stopped: finish its work
                self.finish(plan)
                continue
            if waited >= WAIT_FOR_OTHER_APPLIER_SECONDS:
                raise Conflict("该方案正在由他人执行，请稍后查看结果", code="plan_applying",
                               plan_id=plan_id)
            eventlet.sleep(0.2)
            waited += 0.2

    def _apply(self, plan, token, by):
        plan_id = plan["_id"]
        inputs = gather(self.store, plan["school_id"])
        if inputs.fingerprint != plan["fingerprint"]:
            self._stale(plan, token)
        claims = self._claims(plan, inputs, token, by)
        held = _held(plan, token)
        try:
            refused = self._claim_all(claims, token, inputs.policy)
            if refused is None and gather(self.store, plan["school_id"]).fingerprint != plan[
                    "fingerprint"]:
                refused = "data"
            if refused is None and self.store.plans.move(
                    plan_id, token, "applying", "committing",
                    lease_until=now() + lease_for(plan)) is None:
                refused = "taken_over"
        except Exception:
            self._undo(held, token)
            raise
        if refused is not None:
            self._undo(held, token)
            if refused == "taken_over":
                raise Conflict("方案执行超时，已由他人接手，请稍后查看结果", code="plan_applying",
                               plan_id=plan_id)
            self._stale(plan, token)
        self._commit(plan_id, token, claims)
        return describe(self._plan(plan_id))

    def _claims(self, plan, inputs, token, by):
        """The pairings of the plan, as claims of this attempt (ids derived from it)."""
        pupils = {c.child_id: c for c in inputs.pupils}
        teachers = {t.teacher_id: t for t in inputs.teachers}
        started_on = self.desk.today()

        def claim(kind, child, partner, **values):
            return Pairing(pairing_id=_claim_id(token, kind, child.child_id, values["partner_id"]),
                           kind=kind,
                           child_id=child.child_id, child_name=child.name,
                           school_id=plan["school_id"], class_id=child.class_id,
                           started_on=started_on, source="plan", plan_id=plan["_id"], by=by,
                           state=CLAIMED, child_version=child.version,
                           partner_version=partner.version, **values)
        out = []
        for pair in plan["pairs"]:
            teacher = teachers[pair["teacher_id"]]
            out.append(claim(MENTOR, pupils[pair["child_id"]], teacher,
                             partner_id=teacher.teacher_id, partner_name=teacher.name,
                             reason=pair["reason"]))
        for pair in plan.get("buddy_pairs") or []:
            buddy = pupils[pair["buddy_child_id"]]
            out.append(claim(BUDDY, pupils[pair["child_id"]], buddy, partner_id=buddy.child_id,
                             partner_name=buddy.name, buddy_class_id=buddy.class_id))
        return out

    def _claim_all(self, claims, token, policy):
        """Take every place, then insert every claim in order. None when all are held, else
        what refused (the caller undoes)."""
        caps = {MENTOR: policy.max_mentees, BUDDY: policy.buddy_max_children}
        by_place = {}
        for p in claims:
            by_place.setdefault((p.place_key, p.kind), []).append(p.pairing_id)
        places = self.store.places
        for (place, kind), ids in sorted(by_place.items()):
            if not places.take(place, ids, caps[kind]) and not (
                    places.repair(place) and places.take(place, ids, caps[kind])):
                return "place"
        _, refused = self.store.pairings.claim(claims, token)
        return None if refused is None else "slot"

    def _undo(self, held, token):
        """Drop this attempt's claims and give their places back (safe to repeat)."""
        for pairing_id, place in held:
            self.store.pairings.drop_claim(pairing_id, token)
            self.store.places.give_back(place, pairing_id)

    def _commit(self, plan_id, token, claims):
        committed = []
        for p in claims:
            active = p.activated()
            if self.store.pairings.activate(self.desk.recorder, active, token,
                                            self.desk.envelopes(started=[active])):
                committed.append(active)
        self.store.plans.move(plan_id, token, "committing", "applied",
                              applied_at=datetime.now(timezone.utc))
        self.desk.recheck(committed)

    def _stale(self, plan, token):
        self.store.plans.move(plan["_id"], token, "applying", "stale")
        raise Conflict("方案生成后数据已有变化（儿童、教职工、班级、结对、推荐名单或政策），"
                       "请重新生成方案", code="plan_stale", plan_id=plan["_id"])

    # -- finishing what a stopped applier left ----------------------------------------------
    def finish(self, plan):
        """Roll a committing plan forward; take an applying one back to proposed, then undo
        its attempt's claims (in that order: its applier can then no longer commit)."""
        token = plan.get("attempt")
        if plan["status"] == "committing":
            self._commit(plan["_id"], token, self.store.pairings.claims(token))
        elif plan["status"] == "applying":
            if self.store.plans.move(plan["_id"], token, "applying", "proposed") is not None:
                self._undo(_held(plan, token), token)

    def sweep(self):
        """Finish plans whose applier stopped, and drop claims left by attempts that are no
        longer applying (run by every replica now and then; everything is idempotent)."""
        for plan in self.store.plans.stuck():
            self.finish(plan)
        for doc in self.store.pairings.old_claims(now() - 2 * APPLY_LEASE_SECONDS):
            plan = self.store.plans.get(doc.get("plan_id")) or {}
            if plan.get("attempt") == doc.get("claim") and plan.get("status") in (
                    "applying", "committing"):
                continue
            pairing = self.store.pairings.get(doc["_id"])
            if pairing is not None and self.store.pairings.drop_claim(doc["_id"], doc["claim"]):
                self.store.places.give_back(pairing.place_key, pairing.pairing_id)

    # -- reading ------------------------------------------------------------------------------
    def _plan(self, plan_id):
        plan = self.store.plans.get(plan_id)
        if plan is None:
            raise NotFound("找不到该结对方案", plan_id=plan_id)
        return plan

    def _open(self, plan_id):
        plan = self._plan(plan_id)
        if plan["status"] in ("stale", "discarded"):
            raise Conflict("该方案{}，不能执行".format(PLAN_STATUS_LABELS[plan["status"]]),
                           code="plan_" + plan["status"], plan_id=plan_id)
        return plan


def lease_for(plan):
    """How long an applier may take before someone else finishes its work."""
    pairs = len(plan.get("pairs") or []) + len(plan.get("buddy_pairs") or [])
    return APPLY_LEASE_SECONDS + LEASE_PER_PAIR_SECONDS * pairs


def _claim_id(token, kind, child_id, partner_id):
    """A claim's pairing id, derived from the attempt: whoever finishes an attempt can name
    every place it may have taken."""
    key = "{}:{}:{}:{}".format(token, kind, child_id, partner_id)
    return uuid.uuid5(uuid.NAMESPACE_URL, key).hex


def _held(plan, token):
    """[(pairing_id, place)] an attempt `token` at `plan` may hold."""
    planned = [(MENTOR, p["child_id"], p["teacher_id"]) for p in plan.get("pairs") or []]
    planned += [(BUDDY, p["child_id"], p["buddy_child_id"])
                for p in plan.get("buddy_pairs") or []]
    return [(_claim_id(token, kind, child_id, partner), place_key(kind, partner))
            for kind, child_id, partner in planned]


def describe(plan):
    out = {k: v for k, v in plan.items()
           if k not in ("_id", "fingerprint", "attempt", "lease_until", "applying_by")}
    if plan["status"] == "applied":
        out["applied_by"] = plan.get("applying_by")
    out["plan_id"] = plan["_id"]
    for entry in out.get("pairs", []) + out.get("unpaired", []):
        entry["priority"] = bool(entry.get("priority"))  # the stand-in returns 1/0
    out["status_label"] = PLAN_STATUS_LABELS.get(plan["status"], plan["status"])
    for key in ("created_at", "applied_at"):
        if isinstance(out.get(key), datetime):
            out[key] = out[key].isoformat()
    return out
