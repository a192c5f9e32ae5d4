"""Pairing commands and reactions to registry changes.

Every change is a single-document write carrying its events (storage explains the guards):
- start: take the partner's place (if capped) -> insert the pairing (its slot unique);
- end: the pairing active -> ended, then give its place back.
A guard that refuses because someone else changed the same child or partner in between
sends the command round again on fresh reads, where the rules then name what happened
(`care_pairing_write_retries_total` counts these rounds). Changes to different children
never meet, so a burst of registry events for one school needs no retries.

Knows the store and an event recorder (carekit outbox); nothing of AMQP.
"""
import eventlet
from prometheus_client import Counter
from pymongo.errors import DuplicateKeyError

from carekit.clock import china_today
from carekit.errors import Conflict, NotFound, ValidationFailed
from pairing import reactions, rules
from pairing.model import (BUDDY, CLAIMED, ENDED, MENTOR, PROXY, ClassRecommendation, Pairing,
                           events_of)

MAX_TRIES = 8
WRITE_RETRIES = Counter("care_pairing_write_retries_total",
                        "Pairing commands sent round again because a guard saw a concurrent "
                        "change (slot taken, place gone, revision moved)", ["operation"])


def today():
    return china_today().isoformat()


class _Lost(Exception):
    """A guard refused this round: someone changed the same child or partner meanwhile."""


class PairingDesk:
    def __init__(self, store, recorder, today_fn=today):
        self.store = store
        self.registry = store.registry
        self.pairings = store.pairings
        self.recorder = recorder
        self.today = today_fn

    # -- the two writes ----------------------------------------------------------------------
    def envelopes(self, ended=(), started=()):
        return [self.recorder.event(name, data, subject=data["child_id"])
                for name, data in events_of(ended, started)]

    def end(self, pairing, ended_on, reason, note=None, by=None):
        """End an active pairing (one write with its events), then give its place back.
        None if it was no longer active (someone else ended it first)."""
        ended = pairing.end(max(ended_on, pairing.started_on), reason, note, by)
        if not self.pairings.end(self.recorder, ended, self.envelopes(ended=[ended])):
            return None
        self.store.places.give_back(pairing.place_key, pairing.pairing_id)
        return ended

    def _take_place(self, pairing, cap):
        place = pairing.place_key
        if place is None or self.store.places.take(place, [pairing.pairing_id], cap):
            return
        if self.store.places.repair(place) and self.store.places.take(
                place, [pairing.pairing_id], cap):
            return
        raise _Lost()

    def _start(self, pairing, cap, replacing=None, note=None):
        """Take the place, end the pairing being replaced, insert the new one. _Lost if a
        guard refused (nothing of this round stays, except an end that was wanted anyway)."""
        self._take_place(pairing, cap)
        try:
            if replacing is not None:
                self.end(replacing, pairing.started_on, "reassigned", note, pairing.by)
            self.pairings.start(self.recorder, pairing, self.envelopes(started=[pairing]))
        except DuplicateKeyError:
            self.store.places.give_back(pairing.place_key, pairing.pairing_id)
            raise _Lost()
        except Exception:
            self.store.places.give_back(pairing.place_key, pairing.pairing_id)
            raise
        self.recheck([pairing])
        return pairing

    def _rounds(self, operation, attempt):
        """Run attempt() until it returns; each _Lost is a retry (claims held by a plan
        being applied are waited for, briefly)."""
        for round_ in range(MAX_TRIES):
            try:
                return attempt()
            except _Lost:
                WRITE_RETRIES.labels(operation).inc()
            except _PlanClaim:
                WRITE_RETRIES.labels(operation).inc()
                eventlet.sleep(min(0.05 * 2 ** round_, 2.0))
        raise Conflict("该儿童正在按结对方案安排，或被他人同时修改，请稍后重试", code="busy")

    def _current(self, kind, child_id):
        """The child's active pairing of a one-per-child kind; waits out a plan's claim."""
        holder = self.pairings.holder("{}:{}".format(kind, child_id))
        if holder is not None and holder.state == CLAIMED:
            raise _PlanClaim()
        return holder

    # -- mentors and proxy parents: one each per child ----------------------------------
    def _assign(self, data, kind, partner_key, find_partner, check, cap_of=lambda p: 0):
        """Make the partner data[partner_key] (teacher_id, volunteer_id; `find_partner` looks
        it up) the child's one `kind`, ending the current one when data["replace"].
        `check(child, partner, policy, current, load, replace)` names every broken rule."""
        if self.registry.child(data["child_id"]) is None:  # name every unknown id at once
            raise ValidationFailed(errors=check(None, find_partner(data[partner_key]), None,
                                                None, 0, False))

        def attempt():
            child = self.registry.child(data["child_id"])
            partner = find_partner(data[partner_key])
            policy = self.store.settings.policy_of_school(child.school_id)
            current = self._current(kind, child.child_id)
            pairing = Pairing.new(
                kind=kind, child_id=child.child_id, child_name=child.name,
                school_id=child.school_id, class_id=child.class_id,
                started_on=data.get("started_on") or self.today(),
                partner_id=data[partner_key], partner_name=getattr(partner, "name", None),
                reason="manual", by=data.get("by"), child_version=child.version,
                partner_version=getattr(partner, "version", 0))
            load = self.store.places.loads([pairing.place_key]).get(pairing.place_key, 0) \
                if pairing.place_key else 0
            errors = check(child, partner, policy, current, load, data["replace"])
            if errors:
                raise ValidationFailed(errors=errors)
            return self._start(pairing, cap_of(policy), current, data.get("note"))
        return self._rounds("assign_" + kind, attempt).describe()

    def assign_mentor(self, data):
        return self._assign(data, MENTOR, "teacher_id", self.registry.teacher,
                            rules.mentor_assignment, cap_of=lambda policy: policy.max_mentees)

    def assign_proxy_parent(self, data):
        return self._assign(data, PROXY, "volunteer_id", self.registry.volunteer_of,
                            lambda child, volunteer, policy, current, load, replace:
                            rules.proxy_assignment(child, volunteer, current, replace))

    # -- hand-in-hand friends -------------------------------------------------------------
    def pair_buddy(self, data):
        def attempt():
            child = self.registry.child(data["child_id"])
            buddy = self.registry.child(data.get("buddy_child_id"))
            if data.get("buddy_child_id") and buddy is None:
                raise ValidationFailed.single("buddy_child_id", "unknown_child",
                                              "找不到该同学的档案")
            if child is None:
                raise ValidationFailed.single("child_id", "unknown_child", "找不到该儿童的档案")
            policy = self.store.settings.policy_of_school(child.school_id)
            pairing = Pairing.new(
                kind=BUDDY, child_id=child.child_id, child_name=child.name,
                school_id=child.school_id, class_id=child.class_id,
                started_on=data.get("started_on") or self.today(),
                partner_id=buddy.child_id if buddy else None,
                partner_name=buddy.name if buddy else data["buddy_name"],
                buddy_class_id=buddy.class_id if buddy else (data.get("buddy_class_id")
                                                            or child.class_id),
                by=data.get("by"), child_version=child.version,
                partner_version=buddy.version if buddy else 0)
            holder = self.pairings.holder(pairing.slot)
            if holder is not None and holder.state == CLAIMED:
                raise _PlanClaim()
            existing = self.pairings.active(child_id=child.child_id, kind=BUDDY)
            load = self.store.places.loads([pairing.place_key]).get(pairing.place_key, 0)
            errors = rules.buddy_pairing(child, existing, policy, buddy, data.get("buddy_name"),
                                         data.get("buddy_class_id"), load)
            if errors:
                raise ValidationFailed(errors=errors)
            return self._start(pairing, policy.buddy_max_children)
        return self._rounds("pair_buddy", attempt).describe()

    # -- ending by hand ---------------------------------------------------------------------
    def release(self, kind, data):
        pairing = self.pairings.get(data["pairing_id"])
        if pairing is None or pairing.state == ENDED:
            raise NotFound("找不到该结对，或该结对已经解除", pairing_id=data["pairing_id"])
        errors = rules.release(pairing, kind)
        if errors:
            raise ValidationFailed(errors=errors)
        ended = self.end(pairing, data.get("ended_on") or self.today(), data["reason"],
                         data.get("note"), data.get("by"))
        if ended is None:  # ended by someone else a moment ago
            raise NotFound("找不到该结对，或该结对已经解除", pairing_id=data["pairing_id"])
        return ended.describe()

    # -- reactions to the registry -------------------------------------------------------
    def child_changed(self, snapshot, eligible_on=None, happened_on=None, also_schools=()):
        applied = self.registry.child_snapshot(snapshot, eligible_on)
        # a late, older event reconciles against the newer state: date the ends today
        self.reconcile_child(snapshot["child_id"], (happened_on if applied else None),
                             also_schools)

    def staff_changed(self, data, happened_on=None):
        applied = self.registry.staff(data)
        self.reconcile_teacher(data["staff_id"], happened_on if applied else None)

    def volunteer_changed(self, data, happened_on=None):
        applied = self.registry.volunteer(data)
        self.reconcile_volunteer(data["volunteer_id"], happened_on if applied else None)

    def _end_all(self, decided, ended_on):
        for pairing, reason in decided:
            self.end(pairing, ended_on or self.today(), reason)

    def reconcile_child(self, child_id, ended_on=None, also_schools=()):
        child = self.registry.child(child_id)
        if child is None:
            return
        self._end_all(reactions.for_child(self.pairings.involving(child_id), child), ended_on)
        lists = self.store.settings.recommendations({child.school_id, *also_schools})
        for class_id, reason in reactions.withdrawals(lists, child):
            entry = next(r for r in lists if r.class_id == class_id)
            event = self._withdrawn_event(entry, [child_id], reason, None,
                                          ended_on or self.today())
            self.store.settings.withdraw_one(class_id, child_id, self.recorder, [event])

    def reconcile_teacher(self, teacher_id, ended_on=None):
        teacher = self.registry.teacher(teacher_id)
        if teacher is not None:
            self._end_all(reactions.for_teacher(
                self.pairings.active(partner_id=teacher_id, kind=MENTOR), teacher), ended_on)

    def reconcile_volunteer(self, volunteer_id, ended_on=None):
        volunteer = self.registry.volunteer_of(volunteer_id)
        if volunteer is not None:
            self._end_all(reactions.for_volunteer(
                self.pairings.active(partner_id=volunteer_id, kind=PROXY), volunteer), ended_on)

    def recheck(self, started):
        """A registry event may have changed a child or partner after we read it and before
        our write landed, and its handler may not have seen our new pairing: look again at
        everyone we just paired (ending one already ended changes nothing)."""
        live = [p for p in started if p.active]
        if not live:
            return
        partners = {kind: {p.partner_id for p in live if p.kind == kind and p.partner_id}
                    for kind in (MENTOR, BUDDY, PROXY)}
        decided = {}
        children = self.registry.children_by_id({p.child_id for p in live} | partners[BUDDY])
        for child in children.values():
            decided.update((p.pairing_id, (p, r)) for p, r in reactions.for_child(live, child))
        for teacher in self.registry.teachers_by_id(partners[MENTOR]).values():
            decided.update((p.pairing_id, (p, r)) for p, r in reactions.for_teacher(live, teacher))
        for volunteer_id in partners[PROXY]:
            volunteer = self.registry.volunteer_of(volunteer_id)
            if volunteer is not None:
                decided.update((p.pairing_id, (p, r))
                               for p, r in reactions.for_volunteer(live, volunteer))
        self._end_all(decided.values(), None)

    # -- county policy ---------------------------------------------------------------------
    def set_policy(self, data, queries):
        """Change some of a county's policy fields. Existing pairings are kept; staff left
        above a lowered cap are counted (and listed per school) so someone can act."""
        county_id = data["county_id"]
        schools = self.registry.schools_of_county(county_id)
        if not schools:
            raise ValidationFailed.single("county_id", "unknown_county",
                                          "找不到该县（尚无该县登记的学校）")
        values = {k: v for k, v in data.items() if k in POLICY_FIELDS}

        def attempt():
            current = self.store.settings.policy(county_id)
            expected = data.get("expected_version")
            if expected is not None and expected != current.version:
                raise Conflict("结对政策已被他人修改（当前第 {} 版），请刷新后再改".format(
                    current.version), code="stale_version", current_version=current.version)
            new = current.changed(version=current.version + 1, **values)
            errors = rules.policy_errors(new)
            if errors:
                raise ValidationFailed(errors=errors)
            over = queries.over_capacity_in(schools, new)
            fields = {k: v for k, v in new.to_dict().items() if k in POLICY_FIELDS}
            event = self.recorder.event("PairingPolicyChanged", dict(
                fields, county_id=county_id, policy_version=new.version,
                over_capacity_teachers=sum(over.values()), by=data.get("by")),
                subject=county_id, version=2)
            if not self.store.settings.save_policy(new, current.version, self.recorder, [event],
                                                   data.get("by")):
                raise _Lost()
            return {"policy": new.to_dict(), "over_capacity_teachers": sum(over.values()),
                    "over_capacity_schools": [{"school_id": s, "teachers": n}
                                              for s, n in sorted(over.items()) if n]}
        return self._rounds("set_policy", attempt)

    # -- class recommendations (重点推荐) ----------------------------------------------------
    def _class(self, class_id):
        klass = self.registry.school_class_doc(class_id)
        if klass is None:
            raise ValidationFailed.single("class_id", "unknown_class", "找不到该班级")
        return klass

    def _withdrawn_event(self, entry, child_ids, reason, by, on):
        return self.recorder.event("PriorityWithdrawn", {
            "class_id": entry.class_id, "school_id": entry.school_id, "child_ids": child_ids,
            "reason": reason, "by": by, "withdrawn_on": on}, subject=entry.class_id)

    def _save_list(self, current, new, events):
        if not self.store.settings.save_recommendation(new, current.rev, self.recorder, events):
            raise _Lost()

    def recommend_priority(self, data):
        """Set a class's list of recommended priority children (the whole list)."""
        klass = self._class(data["class_id"])
        school_id = klass["school_id"]

        def attempt():
            in_class = self.registry.children({"class_id": data["class_id"]})
            policy = self.store.settings.policy_of_school(school_id)
            errors = rules.priority_recommendation(policy, in_class, data["child_ids"])
            if errors:
                raise ValidationFailed(errors=errors)
            versions = {c.child_id: c.version for c in in_class}
            current = self.store.settings.recommendation(data["class_id"]) or \
                ClassRecommendation(data["class_id"], school_id, {})
            on = self.today()
            children = {cid: dict(current.children.get(cid) or {"by": data.get("by"), "on": on},
                                  order=i, version=versions[cid])
                        for i, cid in enumerate(data["child_ids"])}
            new = ClassRecommendation(data["class_id"], school_id, children)
            added = [c for c in new.child_ids if c not in current.children]
            removed = [c for c in current.child_ids if c not in children]
            if not added and not removed and new.child_ids == current.child_ids:
                return new  # the same list again: nothing to record
            events = []
            if removed:
                events.append(self._withdrawn_event(new, removed, "replaced", data.get("by"), on))
            events.append(self.recorder.event("PriorityRecommended", {
                "class_id": new.class_id, "school_id": school_id, "child_ids": new.child_ids,
                "added": added, "by": data.get("by"), "recommended_on": on},
                subject=new.class_id))
            self._save_list(current, new, events)
            return new
        return _list_view(self._rounds("recommend_priority", attempt))

    def withdraw_priority(self, data):
        """Take children off a class's list (a person's decision, e.g. the child's situation
        improved)."""
        self._class(data["class_id"])

        def attempt():
            current = self.store.settings.recommendation(data["class_id"])
            on_list = current.children if current else {}
            errors = [rules.error("child_ids.{}".format(i), "not_recommended",
                                  "该儿童不在本班的推荐名单中")
                      for i, cid in enumerate(data["child_ids"]) if cid not in on_list]
            if errors:
                raise ValidationFailed(errors=errors)
            new = ClassRecommendation(current.class_id, current.school_id, {
                c: e for c, e in on_list.items() if c not in data["child_ids"]})
            event = self._withdrawn_event(current, list(data["child_ids"]),
                                          data.get("reason") or "withdrawn", data.get("by"),
                                          self.today())
            self._save_list(current, new, [event])
            return new
        return _list_view(self._rounds("withdraw_priority", attempt))


class _PlanClaim(Exception):
    """The child's slot is claimed by a plan being applied: wait a moment and look again."""


def _list_view(recommendation):
    return {"class_id": recommendation.class_id, "school_id": recommendation.school_id,
            "child_ids": recommendation.child_ids}


POLICY_FIELDS = ("mentor_scope", "max_mentees", "min_mentees", "priority_per_class_min",
                 "priority_per_class_max", "head_teacher_first", "buddies_per_child",
                 "buddy_max_children", "proxy_parent_required")
