"""Read side: pairings of one child, staff member, volunteer, class or school; children still
waiting; staff loads; a school's coverage against its county's policy. Every list is scoped
(a school at most) and answers one page with a cursor to the next."""
from carekit.errors import NotFound
from carekit.paging import decode_cursor, encode_cursor, page
from pairing.model import ACTIVE, BUDDY, ENDED, MENTOR, PROXY, loads
from pairing.planning import days_between
from pairing.policy import LOAD_STATUS_LABELS, SCOPE_LABELS


class PairingQueries:
    def __init__(self, store, today_fn):
        self.store = store
        self.registry = store.registry
        self.settings = store.settings
        self.today = today_fn

    # -- pairings ---------------------------------------------------------------------------
    def pairings(self, q):
        """Exactly one of child_id, teacher_id, volunteer_id, class_id, school_id; by child,
        then pairing id."""
        if q.get("child_id"):
            query = {"child_id": q["child_id"]}
        elif q.get("teacher_id"):
            query = {"partner_id": q["teacher_id"], "kind": MENTOR}
        elif q.get("volunteer_id"):
            query = {"partner_id": q["volunteer_id"], "kind": PROXY}
        elif q.get("class_id"):
            if self.registry.school_class_doc(q["class_id"]) is None:
                raise NotFound("找不到该班级", class_id=q["class_id"])
            in_class = [c.child_id for c in self.registry.children({"class_id": q["class_id"]})]
            query = {"child_id": {"$in": sorted(in_class)}}
        else:
            query = {"school_id": q["school_id"]}
        if q.get("kind"):
            query["kind"] = q["kind"]
        query["state"] = {"$in": [ACTIVE, ENDED]} if q.get("include_ended") else ACTIVE
        after = decode_cursor(q.get("cursor"), (str, str))
        if after:
            query = {"$and": [query, {"$or": [
                {"child_id": {"$gt": after[0]}},
                {"child_id": after[0], "_id": {"$gt": after[1]}}]}]}
        limit = q.get("limit") or 100
        found = self.store.pairings.find(query, sort=[("child_id", 1), ("_id", 1)],
                                         limit=limit + 1)
        shown = found[:limit]
        more = len(found) > limit
        return {"items": [p.describe() for p in shown],
                "next_cursor": encode_cursor((shown[-1].child_id, shown[-1].pairing_id))
                if more else None}

    # -- who is still waiting -------------------------------------------------------------
    def unpaired(self, q):
        """Children in the programme still lacking a mentor (only those the county's mentor
        scope covers), enough friends, or a proxy parent; longest waiting first."""
        query = {"status": "active"}
        query.update({k: q[k] for k in ("school_id", "class_id") if q.get(k)})
        children = self.registry.children(query)
        kind = q.get("kind") or MENTOR
        schools = sorted({c.school_id for c in children})
        policies = {s: self.settings.policy_of_school(s) for s in schools}
        recommended = {c for s in schools for c in self.settings.recommended(s)}
        ids = [c.child_id for c in children]
        have = {}
        for p in self.store.pairings.find({"child_id": {"$in": ids}, "state": ACTIVE,
                                           "kind": kind}):
            have[p.child_id] = have.get(p.child_id, 0) + 1
        last_ends = self.store.pairings.last_mentor_ends(ids) if kind == MENTOR else {}
        today, out = self.today(), []
        for child in children:
            policy = policies[child.school_id]
            if kind == MENTOR and not policy.wants_mentor(child, recommended):
                continue  # not a gap: this county pairs recommended children only
            wanted = policy.buddies_per_child if kind == BUDDY else 1
            if have.get(child.child_id, 0) >= wanted:
                continue
            since = max(filter(None, [child.eligible_since, last_ends.get(child.child_id)]),
                        default=None)
            out.append({"child_id": child.child_id, "child_name": child.name,
                        "school_id": child.school_id, "class_id": child.class_id,
                        "priority": child.child_id in recommended, "need": child.need,
                        "waiting_since": since, "days_waiting": days_between(since, today)})
        answer = page(out, lambda c: (-(c["days_waiting"] or 0), c["child_id"]), (int, str),
                      q.get("cursor"), q.get("limit") or 100)
        if kind == MENTOR and schools:
            answer["mentor_scope"] = policies[schools[0]].mentor_scope
        return answer

    # -- staff ------------------------------------------------------------------------------
    def _school_loads(self, school_id):
        return loads(self.store.pairings.active(school_id=school_id, kind=MENTOR))

    def teacher_load(self, q):
        school_id = q["school_id"]
        policy = self.settings.policy_of_school(school_id)
        mentees = {}
        for p in self.store.pairings.active(school_id=school_id, kind=MENTOR):
            mentees.setdefault(p.partner_id, []).append(p)
        staff = {t.teacher_id: t for t in self.registry.teachers({"school_id": school_id})
                 if t.can_mentor or mentees.get(t.teacher_id)}
        out = []
        for teacher_id in set(staff) | set(mentees):
            teacher, theirs = staff.get(teacher_id), mentees.get(teacher_id, [])
            status = policy.load_status(len(theirs))
            out.append({"teacher_id": teacher_id, "teacher_name": teacher.name if teacher else None,
                        "roles": list(teacher.roles) if teacher else [],
                        "load": len(theirs), "max_mentees": policy.max_mentees,
                        "min_mentees": policy.min_mentees, "free": policy.free_places(len(theirs)),
                        "status": status, "status_label": LOAD_STATUS_LABELS[status],
                        "mentees": [{"child_id": p.child_id, "child_name": p.child_name}
                                    for p in sorted(theirs, key=lambda p: p.child_id)]})
        return page(out, lambda t: (t["teacher_id"],), (str,), q.get("cursor"),
                    q.get("limit") or 100)

    def over_capacity(self, q):
        school_id = q["school_id"]
        policy = self.settings.policy_of_school(school_id)
        over = [(tid, n) for tid, n in self._school_loads(school_id).items()
                if n > policy.max_mentees]
        names = self.registry.teachers_by_id({tid for tid, _ in over})
        out = [{"school_id": school_id, "teacher_id": tid,
                "teacher_name": names[tid].name if tid in names else None, "load": n,
                "max_mentees": policy.max_mentees, "over_by": n - policy.max_mentees}
               for tid, n in over]
        return page(out, lambda t: (-t["load"], t["teacher_id"]), (int, str), q.get("cursor"),
                    q.get("limit") or 100)

    def over_capacity_in(self, school_ids, policy):
        """school_id -> staff above `policy`'s cap (for a county's policy change)."""
        counts = {}
        for p in self.store.pairings.find({"school_id": {"$in": list(school_ids)},
                                           "state": ACTIVE, "kind": MENTOR}):
            key = (p.school_id, p.partner_id)
            counts[key] = counts.get(key, 0) + 1
        over = {s: 0 for s in school_ids}
        for (school_id, _), n in counts.items():
            if n > policy.max_mentees:
                over[school_id] += 1
        return over

    # -- a school against its county's policy -----------------------------------------------
    def coverage(self, school_id):
        policy = self.settings.policy_of_school(school_id)
        children = self.registry.children({"school_id": school_id, "status": "active"})
        ids = {c.child_id for c in children}
        active = [p for p in self.store.pairings.active(school_id=school_id) if p.child_id in ids]
        mentored = {p.child_id for p in active if p.kind == MENTOR}
        proxied = {p.child_id for p in active if p.kind == PROXY}
        friends = {}
        for p in active:
            if p.kind == BUDDY:
                friends[p.child_id] = friends.get(p.child_id, 0) + 1
        recommended = self.settings.recommended(school_id)
        in_scope = {c.child_id for c in children if policy.wants_mentor(c, recommended)}
        loads_now = self._school_loads(school_id)
        staff = self.registry.teachers({"school_id": school_id, "active": True})
        listed = {r.class_id for r in self.settings.recommendations([school_id]) if r.children}
        return {
            "school_id": school_id, "children": len(ids),
            "mentor_scope": policy.mentor_scope,
            "mentor_scope_label": SCOPE_LABELS[policy.mentor_scope],
            "recommended": len(recommended & ids),
            "in_mentor_scope": len(in_scope),
            "with_mentor": len(mentored & in_scope),
            "without_mentor": len(in_scope - mentored),
            "mentored_outside_scope": len(mentored - in_scope),
            "with_enough_buddies": sum(1 for c in ids
                                       if friends.get(c, 0) >= policy.buddies_per_child),
            "with_proxy_parent": len(proxied),
            "proxy_parent_required": policy.proxy_parent_required,
            "without_proxy_parent": len(ids - proxied) if policy.proxy_parent_required else 0,
            "teachers_over_cap": sum(1 for v in loads_now.values() if v > policy.max_mentees),
            "teachers_below_min": sum(1 for t in staff
                                      if loads_now.get(t.teacher_id, 0) < policy.min_mentees),
            "idle_staff": [{"teacher_id": t.teacher_id, "teacher_name": t.name,
                            "roles": list(t.roles)}
                           for t in sorted(staff, key=lambda t: t.teacher_id)
                           if not loads_now.get(t.teacher_id)],
            "classes_without_recommendation": sorted(
                {c.class_id for c in children} - listed)
            if policy.mentor_scope == "recommended" else [],
            "policy_version": policy.version, "county_id": policy.county_id,
        }

    # -- recommendations --------------------------------------------------------------------
    def recommended(self, q):
        """A class's (or each class of a school's) recommended children, by class."""
        if q.get("class_id"):
            found = self.settings.recommendation(q["class_id"])
            lists = [found] if found else []
        else:
            lists = self.settings.recommendations([q["school_id"]])
        out = [{"class_id": r.class_id, "school_id": r.school_id, "child_ids": r.child_ids,
                "recommended": [{"child_id": c, "by": r.children[c].get("by"),
                                 "on": r.children[c].get("on")} for c in r.child_ids]}
               for r in lists if r.children]
        return page(out, lambda r: (r["class_id"],), (str,), q.get("cursor"),
                    q.get("limit") or 100)
