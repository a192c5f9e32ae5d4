"""What a caller can reach, looked up through the services' RPCs (never their databases).

`Scope` answers "may this caller see school S, class C, child K …" and resolves the objects
routes name; anything outside reach raises the same NotFound as a missing object and is
remembered (`denied`) for the audit log. Look-ups repeated on every request (a county's
schools, a school's classes, a teacher's classes and mentees) are cached per process for
a few seconds (`Lookups`)."""
from gateway import errors
from gateway.authorisation import (ANALYST, COUNTY_ADMIN, SCHOOL_ADMIN, TEACHERS,
                                   TOWNSHIP_ADMIN, VOLUNTEER)
from gateway.cache import TtlCache

ORG_TTL, REACH_TTL, PLACEMENT_TTL, LISTING_TTL = 60, 15, 10, 10
PLACEMENT = ("id", "school_id", "class_id", "township_id")
NOT_FOUND = {
    "school": "找不到该学校", "class": "找不到该班级", "child": "找不到该儿童档案",
    "staff": "找不到该教职工", "volunteer": "找不到该志愿者", "activity": "找不到该活动",
    "care_record": "找不到该关爱记录", "diary_entry": "找不到该成长日记",
    "plan": "找不到该结对方案", "account": "找不到该账号", "pairing": "找不到该结对",
}


class Lookups:
    """The per-process caches behind Scope."""

    def __init__(self):
        self.schools = TtlCache(ORG_TTL)      # county_id -> {school_id: school}
        self.classes = TtlCache(ORG_TTL)      # school_id -> [class]
        self.reach = TtlCache(REACH_TTL)      # username -> Reach
        self.placements = TtlCache(PLACEMENT_TTL, maxsize=20000)  # child id -> placement
        self.listings = TtlCache(LISTING_TTL, maxsize=2000)  # (class or school, status) -> files

    def children_changed(self, child_id=None):
        """A change through this process: lists and the child's placement are read anew."""
        self.listings.forget()
        if child_id:
            self.placements.forget(child_id)

    def forget_reach(self):
        self.reach.forget()

    def seen(self, file):
        """Remember where a child file just read is placed (school, class)."""
        self.placements.put(file["id"], {k: file.get(k) for k in PLACEMENT})


class Reach:
    """A teacher's classes and mentees, or a volunteer's entrusted children."""

    def __init__(self, class_ids=(), child_ids=()):
        self.class_ids = frozenset(class_ids)
        self.child_ids = frozenset(child_ids)


class Scope:
    def __init__(self, principal, services, lookups, accounts=None):
        self.principal = principal
        self.services = services
        self.lookups = lookups
        self.accounts = accounts
        self.denied = None       # (target type, id) refused as out of scope

    def resolve(self, kind, ident):
        """The object of `kind` named `ident`, if within reach (else NotFound)."""
        return getattr(self, {"class": "klass"}.get(kind, kind))(ident)

    # -- schools and classes ----------------------------------------------------------------
    def _county_schools(self, refresh=False):
        county_id = self.principal.county_id
        if refresh:
            self.lookups.schools.forget(county_id)
        return self.lookups.schools.get(county_id, lambda: {
            s["id"]: s for s in self.services.registry.every_page("list_schools", {"county_id": county_id})})

    def schools(self):
        """The schools the caller reaches, as the registry lists them."""
        return [s for s in self._county_schools().values() if self.sees_school_id(s["id"])]

    def in_county(self, school_id):
        return school_id in self._county_schools() or \
            school_id in self._county_schools(refresh=True)

    def sees_school_id(self, school_id):
        p = self.principal
        if p.role in (COUNTY_ADMIN, ANALYST):
            return self.in_county(school_id)
        if p.role == TOWNSHIP_ADMIN:
            school = self._county_schools().get(school_id) or \
                self._county_schools(refresh=True).get(school_id)
            return bool(school) and school["township_id"] == p.township_id
        return school_id == p.school_id

    def school(self, school_id):
        if not self.sees_school_id(school_id):
            return self._refuse("school", school_id)
        school = self._county_schools().get(school_id)
        if school is None:
            return self._refuse("school", school_id)
        return school

    def classes_of(self, school_id):
        return self.lookups.classes.get(school_id,
                                        lambda: self.services.registry.every_page(
                                            "list_classes", {"school_id": school_id}))

    def klass(self, class_id):
        for school in self.schools():
            for klass in self.classes_of(school["id"]):
                if klass["id"] == class_id:
                    if self.principal.role in TEACHERS and \
                            class_id not in self.reach().class_ids:
                        return self._refuse("class", class_id)
                    return klass
        return self._refuse("class", class_id)

    # -- teachers' and volunteers' reach ------------------------------------------------------
    def reach(self):
        p = self.principal
        return self.lookups.reach.get(p.username, self._load_reach)

    def _load_reach(self):
        p = self.principal
        if not p.person_id:
            return Reach()
        if p.role == VOLUNTEER:
            entrusted = self.services.pairing.every_page("pairings", {
                "volunteer_id": p.person_id, "kind": "proxy_parent"})
            return Reach(child_ids=[x["child_id"] for x in entrusted])
        staff = self.services.registry.get_staff(p.person_id)
        headed = [c["id"] for c in self.classes_of(p.school_id)
                  if c.get("head_teacher_id") == p.person_id]
        mentees = self.services.pairing.every_page("pairings", {"teacher_id": p.person_id,
                                                                "kind": "mentor"})
        taught = staff.get("class_ids") or [] if staff.get("active") else []
        return Reach(class_ids=list(taught) + headed, child_ids=[x["child_id"] for x in mentees])

    # -- children -------------------------------------------------------------------------------
    def sees_child(self, file):
        """May the caller see this child file (a registry file or anything with the child's
        id, school_id and class_id)?"""
        p = self.principal
        child_id = file.get("id") or file.get("child_id")
        if p.role in (COUNTY_ADMIN,):
            return self.sees_school_id(file.get("school_id"))
        if p.role == TOWNSHIP_ADMIN:
            return file.get("township_id") == p.township_id or \
                self.sees_school_id(file.get("school_id"))
        if p.role == SCHOOL_ADMIN:
            return file.get("school_id") == p.school_id
        if p.role in TEACHERS:
            reach = self.reach()
            return file.get("school_id") == p.school_id and (
                file.get("class_id") in reach.class_ids or child_id in reach.child_ids)
        if p.role == VOLUNTEER:
            return child_id in self.reach().child_ids
        return False  # the analyst sees no child

    def child(self, child_id):
        if self.principal.role == ANALYST:
            return self._refuse("child", child_id)
        try:
            file = self.services.registry.get_child(child_id)
        except errors.ApiError as exc:
            if exc.status in (404, 422):
                raise errors.NotFound(message=NOT_FOUND["child"])
            raise
        self.lookups.seen(file)
        if not self.sees_child(file):
            return self._refuse("child", child_id)
        return file

    def child_ref(self, child_id):
        """A child named by a route that needs only the id (timeline, records about the
        child). A mentee or entrusted child is within reach by the pairing itself; a child
        placed within reach by a file read in the last PLACEMENT_TTL seconds needs no new
        look-up (a transfer shows that much later here); anyone else, the registry's file."""
        p = self.principal
        if p.role in TEACHERS or p.role == VOLUNTEER:
            if child_id in self.reach().child_ids:
                return {"id": child_id}
        placement = self.lookups.placements.peek(child_id)
        if placement is not None and p.role != ANALYST and self.sees_child(placement):
            return placement
        return self.child(child_id)

    def children_of(self, class_id=None, school_id=None, status=None):
        """The (masked) files of a class or a school, as listed by the registry within the
        last LISTING_TTL seconds; every caller's reach is applied afterwards."""
        query = {k: v for k, v in (("class_id", class_id), ("school_id", school_id),
                                   ("status", status)) if v}
        key = tuple(sorted(query.items()))
        return self.lookups.listings.get(key, lambda: self.services.registry.every_page(
            "list_children", query))

    def filter_children(self, files):
        for file in files:
            self.lookups.seen(file)
        return [f for f in files if self.sees_child(f)]

    # -- people ---------------------------------------------------------------------------------
    def staff(self, staff_id):
        person = self._get("staff", lambda: self.services.registry.get_staff(staff_id))
        if person["id"] == self.principal.person_id and self.principal.person_type == "staff":
            return person
        if self.principal.role not in (COUNTY_ADMIN, TOWNSHIP_ADMIN, SCHOOL_ADMIN) or \
                not self.sees_school_id(person["school_id"]):
            return self._refuse("staff", staff_id)
        return person

    def volunteer(self, volunteer_id):
        person = self._get("volunteer",
                           lambda: self.services.registry.get_volunteer(volunteer_id))
        if person["id"] == self.principal.person_id and \
                self.principal.person_type == "volunteer":
            return person
        if self.principal.role not in (COUNTY_ADMIN, TOWNSHIP_ADMIN, SCHOOL_ADMIN) or \
                not self.sees_school_id(person["school_id"]):
            return self._refuse("volunteer", volunteer_id)
        return person

    # -- activities' and pairing's objects --------------------------------------------------------
    def _child_record(self, kind, load, record_id):
        """A record about a child: visible when the child is."""
        record = self._get(kind, load)
        try:
            self.child(record["child_id"])
        except errors.NotFound:
            return self._refuse(kind, record_id)
        return record

    def care_record(self, record_id):
        return self._child_record("care_record", lambda: self.services.activities.get_care_record(
            {"id": record_id}), record_id)

    def diary_entry(self, entry_id):
        return self._child_record("diary_entry", lambda: self.services.activities.get_diary_entry(
            {"id": entry_id}), entry_id)

    def activity(self, activity_id):
        activity = self._get("activity", lambda: self.services.activities.get_activity(
            {"id": activity_id}))
        if not self.sees_school_id(activity["school_id"]):
            return self._refuse("activity", activity_id)
        return activity

    def plan(self, plan_id):
        plan = self._get("plan", lambda: self.services.pairing.get_plan({"plan_id": plan_id}))
        if self.principal.role not in (COUNTY_ADMIN, TOWNSHIP_ADMIN, SCHOOL_ADMIN) or \
                not self.sees_school_id(plan["school_id"]):
            return self._refuse("plan", plan_id)
        return plan

    def account(self, username):
        from gateway.accounts import manages
        doc = self.accounts.get(username)
        p = self.principal
        if doc is None:
            raise errors.NotFound(message=NOT_FOUND["account"])
        if doc["_id"] != p.username and not manages(p.as_dict(), doc):
            return self._refuse("account", username)
        return doc

    # -- helpers --------------------------------------------------------------------------------
    def _get(self, kind, load):
        try:
            return load()
        except errors.ApiError as exc:
            if exc.status in (404, 422):  # unknown, or an id of the wrong shape: not found
                raise errors.NotFound(message=NOT_FOUND[kind])
            raise

    def _refuse(self, kind, ident):
        self.denied = (kind, ident)
        raise errors.NotFound(message=NOT_FOUND[kind])
