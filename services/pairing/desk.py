"""Pairing commands and reactions to registry changes: read the book, apply the rules, write
the book and its events in one conditional write (retrying when someone else wrote first).

Knows the store and an event recorder (carekit outbox); nothing of AMQP.
"""
from carekit.clock import china_today
from carekit.errors import Conflict, NotFound, ValidationFailed
from pairing import reactions, rules
from pairing.model import BUDDY, MENTOR, PROXY, Pairing, PairingBook
from pairing.storage import CHILDREN, STAFF, VOLUNTEERS

MAX_TRIES = 8


def today():
    return china_today().isoformat()


class BookChanged(Exception):
    """The world moved under this attempt (e.g. the child changed school): try again."""


class PairingDesk:
    def __init__(self, store, recorder, today_fn=today):
        self.store = store
        self.registry = store.registry
        self.recorder = recorder
        self.today = today_fn

    # -- the one way a book changes ---------------------------------------------------------
    def change_book(self, school_id, change):
        """Run change(book) on a fresh read of the book and save it conditionally. change()
        raises ValidationFailed to refuse; its return value is returned."""
        for _ in range(MAX_TRIES):
            book = self.store.books.load(school_id)
            try:
                result = change(book)
            except BookChanged:
                continue
            if not book.changed:
                return result
            self._note_books(book)
            envelopes = [self.recorder.event(name, data, subject=data["child_id"])
                         for name, data in book.events()]
            if self.store.books.save(book, self.recorder, envelopes):
                if book.ended:
                    self.store.books.file_retired(school_id)
                self._recheck(book)
                return result
        raise Conflict("结对数据正在被其他人修改，请稍后重试", code="busy")

    def _note_books(self, book):
        by_kind = {CHILDREN: [], STAFF: [], VOLUNTEERS: []}
        for p in book.started:
            by_kind[CHILDREN].append(p.child_id)
            if p.partner_id:
                by_kind[{MENTOR: STAFF, PROXY: VOLUNTEERS, BUDDY: CHILDREN}[p.kind]].append(
                    p.partner_id)
        for collection, ids in by_kind.items():
            self.registry.note_books(collection, ids, book.school_id)

    def _recheck(self, book):
        """A registry event may have changed a child, teacher or volunteer after we read it
        and before our write landed, and its handler may not have seen our new pairing:
        look again at everyone we just paired."""
        started = book.started
        if not started:
            return
        partners = {kind: {p.partner_id for p in started if p.kind == kind and p.partner_id}
                    for kind in (MENTOR, BUDDY, PROXY)}
        children = self.registry.children_by_id({p.child_id for p in started} | partners[BUDDY])
        for child in children.values():
            if reactions.for_child(book, child):
                self.reconcile_child(child.child_id)
        for teacher in self.registry.teachers_by_id(partners[MENTOR]).values():
            if reactions.for_teacher(book, teacher):
                self.reconcile_teacher(teacher.teacher_id)
        for volunteer_id in partners[PROXY]:
            volunteer = self.registry.volunteer_of(volunteer_id)
            if volunteer is not None and reactions.for_volunteer(book, volunteer):
                self.reconcile_volunteer(volunteer_id)

    def _child_in(self, book, child_id):
        child = self.registry.child(child_id)
        if child is not None and child.school_id != book.school_id:
            raise BookChanged()
        return child

    def _school_of(self, child_id, field="child_id"):
        child = self.registry.child(child_id)
        if child is None:
            raise ValidationFailed.single(field, "unknown_child", "找不到该儿童的档案")
        return child.school_id

    # -- mentors and proxy parents: one each per child ----------------------------------
    def _assign(self, data, kind, partner_key, find_partner, check):
        """Make the partner data[partner_key] (teacher_id, volunteer_id; `find_partner` looks it
        up) the child's one `kind`, ending the current one when data["replace"].
        `check(book, child, partner, replace)` names every broken rule."""
        if self.registry.child(data["child_id"]) is None:  # name every unknown id at once
            raise ValidationFailed(errors=check(PairingBook(None), None,
                                                find_partner(data[partner_key]), False))

        def change(book):
            child = self._child_in(book, data["child_id"])
            partner = find_partner(data[partner_key])
            errors = check(book, child, partner, data["replace"])
            if errors:
                raise ValidationFailed(errors=errors)
            started_on = data.get("started_on") or self.today()
            current = book.one_of(child.child_id, kind)
            if current is not None:
                book.end(current.pairing_id, started_on, "reassigned", data.get("note"),
                         data.get("by"))
            return book.start(Pairing.new(
                kind=kind, child_id=child.child_id, child_name=child.name,
                school_id=book.school_id, class_id=child.class_id, started_on=started_on,
                partner_id=getattr(partner, partner_key), partner_name=partner.name,
                reason="manual", by=data.get("by")))
        return self.change_book(self._school_of(data["child_id"]), change).describe()

    def assign_mentor(self, data):
        policy = self.store.settings.policy()
        return self._assign(data, MENTOR, "teacher_id", self.registry.teacher,
                            lambda book, child, teacher, replace: rules.mentor_assignment(
                                book, child, teacher, policy, replace))

    def assign_proxy_parent(self, data):
        return self._assign(data, PROXY, "volunteer_id", self.registry.volunteer_of,
                            rules.proxy_assignment)

    # -- hand-in-hand friends -------------------------------------------------------------
    def pair_buddy(self, data):
        def change(book):
            child = self._child_in(book, data["child_id"])
            buddy = self.registry.child(data.get("buddy_child_id"))
            if data.get("buddy_child_id") and buddy is None:
                raise ValidationFailed.single("buddy_child_id", "unknown_child",
                                              "找不到该同学的档案")
            errors = rules.buddy_pairing(book, child, buddy, data.get("buddy_name"),
                                         data.get("buddy_class_id"))
            if errors:
                raise ValidationFailed(errors=errors)
            return book.start(Pairing.new(
                kind=BUDDY, child_id=child.child_id, child_name=child.name,
                school_id=book.school_id, class_id=child.class_id,
                started_on=data.get("started_on") or self.today(),
                partner_id=buddy.child_id if buddy else None,
                partner_name=buddy.name if buddy else data["buddy_name"],
                buddy_class_id=buddy.class_id if buddy else child.class_id, by=data.get("by")))
        return self.change_book(self._school_of(data["child_id"]), change).describe()

    # -- ending by hand ---------------------------------------------------------------------
    def release(self, kind, data):
        school_id = self.store.books.school_of_pairing(data["pairing_id"])
        if school_id is None:
            raise NotFound("找不到该结对，或该结对已经解除", pairing_id=data["pairing_id"])

        def change(book):
            pairing, errors = rules.release(book, data["pairing_id"], kind)
            if errors:
                raise ValidationFailed(errors=errors)
            ended_on = max(data.get("ended_on") or self.today(), pairing.started_on)
            return book.end(pairing.pairing_id, ended_on, data["reason"], data.get("note"),
                            data.get("by"))
        return self.change_book(school_id, change).describe()

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

    def reconcile_child(self, child_id, ended_on=None, also_schools=()):
        child = self.registry.child(child_id)
        if child is None:
            return
        schools = set(self.registry.books_of(CHILDREN, child_id)) | set(also_schools)
        self._reconcile(schools, child_id, lambda book: reactions.for_child(book, child),
                        ended_on)

    def reconcile_teacher(self, teacher_id, ended_on=None):
        teacher = self.registry.teacher(teacher_id)
        if teacher is None:
            return
        self._reconcile(self.registry.books_of(STAFF, teacher_id), teacher_id,
                        lambda book: reactions.for_teacher(book, teacher), ended_on)

    def reconcile_volunteer(self, volunteer_id, ended_on=None):
        volunteer = self.registry.volunteer_of(volunteer_id)
        if volunteer is None:
            return
        self._reconcile(self.registry.books_of(VOLUNTEERS, volunteer_id), volunteer_id,
                        lambda book: reactions.for_volunteer(book, volunteer), ended_on)

    def _reconcile(self, schools, entity_id, decide, ended_on):
        for school_id in sorted(schools):
            if not self.store.books.holds(school_id, entity_id):
                continue

            def change(book):
                for pairing_id, reason in decide(book):
                    started = book.get(pairing_id).started_on
                    book.end(pairing_id, max(ended_on or self.today(), started), reason)
            self.change_book(school_id, change)

    # -- county policy and class recommendations -----------------------------------------
    def set_policy(self, data, queries):
        """Change some policy fields. Existing pairings are kept; teachers left above a
        lowered cap are returned (and counted in the event) so someone can act."""
        values = {k: v for k, v in data.items() if k in POLICY_FIELDS}
        for _ in range(MAX_TRIES):
            current = self.store.settings.policy()
            expected = data.get("expected_version")
            if expected is not None and expected != current.version:
                raise Conflict("结对政策已被他人修改（当前第 {} 版），请刷新后再改".format(
                    current.version), code="stale_version", current_version=current.version)
            new = current.changed(version=current.version + 1, **values)
            errors = rules.policy_errors(new)
            if errors:
                raise ValidationFailed(errors=errors)
            over = queries.over_capacity(policy=new)
            fields = {k: v for k, v in new.to_dict().items() if k in POLICY_FIELDS}
            event = self.recorder.event("PairingPolicyChanged", dict(
                fields, policy_version=new.version, over_capacity_teachers=len(over),
                by=data.get("by")), subject="county")
            if self.store.settings.save_policy(new, current.version, self.recorder, [event],
                                               data.get("by")):
                return {"policy": new.to_dict(), "over_capacity": over}
        raise Conflict("结对政策正在被其他人修改，请稍后重试", code="busy")

    def recommend_priority(self, data):
        klass = self.registry.school_class_doc(data["class_id"])
        if klass is None:
            raise ValidationFailed.single("class_id", "unknown_class", "找不到该班级")
        in_class = self.registry.children({"class_id": data["class_id"]})
        errors = rules.priority_recommendation(self.store.settings.policy(), in_class,
                                               data["child_ids"])
        if errors:
            raise ValidationFailed(errors=errors)
        self.store.settings.set_priorities(data["class_id"], klass["school_id"],
                                           data["child_ids"], data.get("by"), self.today())
        return {"class_id": data["class_id"], "school_id": klass["school_id"],
                "child_ids": list(data["child_ids"])}


POLICY_FIELDS = ("max_mentees", "min_mentees", "priority_per_class_min",
                 "priority_per_class_max", "head_teacher_first", "buddies_per_child",
                 "proxy_parent_required")
