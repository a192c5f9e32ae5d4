"""Read side: pairings by child, teacher, volunteer, class or school; children still waiting;
teacher loads; coverage of a school against the policy."""
from carekit.errors import NotFound
from pairing.model import BUDDY, MENTOR
from pairing.planning import days_between
from pairing.policy import LOAD_STATUS_LABELS, over_capacity
from pairing.storage import CHILDREN, STAFF, VOLUNTEERS


class PairingQueries:
    def __init__(self, store, today_fn):
        self.store = store
        self.registry = store.registry
        self.today = today_fn

    # -- pairings ---------------------------------------------------------------------------
    def pairings(self, q):
        """Exactly one of child_id, teacher_id, volunteer_id, class_id, school_id."""
        if q.get("child_id"):
            schools = self.registry.books_of(CHILDREN, q["child_id"])
            pick = lambda p: p.child_id == q["child_id"]  # noqa: E731
            history = {"child_id": q["child_id"]}
        elif q.get("teacher_id") or q.get("volunteer_id"):
            partner = q.get("teacher_id") or q.get("volunteer_id")
            schools = self.registry.books_of(STAFF if q.get("teacher_id") else VOLUNTEERS,
                                             partner)
            pick = lambda p: p.partner_id == partner and p.kind != BUDDY  # noqa: E731
            history = {"partner_id": partner}
        elif q.get("class_id"):
            klass = self.registry.school_class_doc(q["class_id"])
            if klass is None:
                raise NotFound("找不到该班级", class_id=q["class_id"])
            in_class = {c.child_id for c in self.registry.children({"class_id": q["class_id"]})}
            schools = [klass["school_id"]]
            pick = lambda p: p.child_id in in_class  # noqa: E731
            history = {"child_id": {"$in": sorted(in_class)}}
        else:
            schools = [q["school_id"]]
            pick = lambda p: True  # noqa: E731
            history = {"school_id": q["school_id"]}
        kind = q.get("kind")
        found = [p for s in schools for p in self.store.books.load(s).pairings
                 if pick(p) and (kind is None or p.kind == kind)]
        if q.get("include_ended"):
            for s in schools:
                self.store.books.file_retired(s)
            if kind:
                history["kind"] = kind
            found += self.store.books.history(history)
        return [p.describe() for p in found]

    # -- who is still waiting -------------------------------------------------------------
    def unpaired(self, q):
        """Children in the programme still lacking a mentor (or enough friends, or a proxy
        parent), longest waiting first."""
        query = {"status": "active"}
        query.update({k: q[k] for k in ("school_id", "class_id") if q.get(k)})
        children = self.registry.children(query)
        policy = self.store.settings.policy()
        priority, today, out = set(), self.today(), []
        books, kind = {}, q.get("kind") or MENTOR
        for child in children:
            if child.school_id not in books:
                books[child.school_id] = self.store.books.load(child.school_id)
                priority |= self.store.settings.priorities(child.school_id)
            book = books[child.school_id]
            since = child.eligible_since
            if kind == MENTOR:
                if book.mentor_of(child.child_id):
                    continue
                since = max(filter(None, [since, book.mentor_ended.get(child.child_id)]),
                            default=None)
            elif kind == BUDDY:
                if len(book.for_child(child.child_id, BUDDY)) >= policy.buddies_per_child:
                    continue
            elif book.proxy_of(child.child_id):
                continue
            out.append({"child_id": child.child_id, "child_name": child.name,
                        "school_id": child.school_id, "class_id": child.class_id,
                        "priority": child.child_id in priority, "need": child.need,
                        "waiting_since": since, "days_waiting": days_between(since, today)})
        return sorted(out, key=lambda c: (-(c["days_waiting"] or 0), c["child_id"]))

    # -- teachers ---------------------------------------------------------------------------
    def teacher_load(self, school_id):
        policy = self.store.settings.policy()
        book = self.store.books.load(school_id)
        loads = book.loads()
        teachers = {t.teacher_id: t for t in self.registry.teachers({"school_id": school_id})
                    if t.can_mentor or loads.get(t.teacher_id)}
        out = []
        for teacher_id in sorted(set(teachers) | set(loads)):
            teacher, load = teachers.get(teacher_id), loads.get(teacher_id, 0)
            status = policy.load_status(load)
            out.append({"teacher_id": teacher_id, "teacher_name": teacher.name if teacher else None,
                        "load": load, "max_mentees": policy.max_mentees,
                        "min_mentees": policy.min_mentees, "free": policy.free_places(load),
                        "status": status, "status_label": LOAD_STATUS_LABELS[status],
                        "mentees": [{"child_id": p.child_id, "child_name": p.child_name}
                                    for p in book.with_partner(teacher_id, MENTOR)]})
        return out

    def over_capacity(self, school_id=None, policy=None):
        policy = policy or self.store.settings.policy()
        schools = [school_id] if school_id else self.store.books.all_school_ids()
        found = []
        for s in schools:
            found += [(s, tid, load) for tid, load in over_capacity(
                policy, self.store.books.load(s).loads())]
        names = self.registry.teachers_by_id({tid for _, tid, _ in found})
        return [{"school_id": s, "teacher_id": tid,
                 "teacher_name": names[tid].name if tid in names else None, "load": load,
                 "max_mentees": policy.max_mentees, "over_by": load - policy.max_mentees}
                for s, tid, load in found]

    # -- a school against the policy -------------------------------------------------------
    def coverage(self, school_id):
        policy = self.store.settings.policy()
        book = self.store.books.load(school_id)
        children = self.registry.children({"school_id": school_id, "status": "active"})
        ids = [c.child_id for c in children]
        loads = book.loads()
        return {
            "school_id": school_id, "children": len(ids),
            "with_mentor": sum(1 for c in ids if book.mentor_of(c)),
            "with_enough_buddies": sum(1 for c in ids if len(book.for_child(
                c, BUDDY)) >= policy.buddies_per_child),
            "with_proxy_parent": sum(1 for c in ids if book.proxy_of(c)),
            "proxy_parent_required": policy.proxy_parent_required,
            "teachers_over_cap": sum(1 for v in loads.values() if v > policy.max_mentees),
            "teachers_below_min": sum(1 for t in self.registry.teachers({"school_id": school_id})
                                      if t.can_mentor and loads.get(t.teacher_id, 0)
                                      < policy.min_mentees),
            "policy_version": policy.version,
        }
