"""A generated county with known answers: a world of plain facts, the events the other
services would publish about it (with corrections, deletions, transfers and status changes),
and every figure computed directly from the facts, without the reporting code.

    world = World(seed=7, children=60, records=400)
    world.events    -> [(source, name, version, data)] in publishing order
    world.expected(scope_type, scope_id) -> {figure path: value}
"""
import random
from collections import Counter
from datetime import date, datetime, time, timedelta, timezone

CHINA = timezone(timedelta(hours=8))
TERM, PREVIOUS = "2025-2026-1", "2024-2025-2"
START, END = date(2025, 9, 1), date(2026, 1, 20)
AS_OF = END
COUNTY = "c1"
TOWNSHIPS = {"t1": "花明楼镇", "t2": "道林镇"}
SCHOOLS = {"s1": ("t1", "花明楼镇中心小学", 420), "s2": ("t1", "花明楼镇第二小学", 310),
           "s3": ("t2", "道林镇中心小学", 380)}
KINDS = ("home_visit", "talk", "parent_call", "family_video_call", "study_guidance",
         "counselling", "gift", "birthday")
ACTIVITY_KINDS = ("theme_meeting", "festival", "competition", "reading", "parent_meeting")
LEVELS = ("school", "township", "county", "city")
RATINGS = ("poor", "fair", "good", "excellent")


def at(day, hour=10):
    return datetime.combine(day, time(hour, 0), tzinfo=CHINA)


class World:
    def __init__(self, seed=7, children=60, records=400, teachers_per_school=6):
        self.rng = rng = random.Random(seed)
        self.events = []
        self.classes = {}
        for sid in SCHOOLS:
            for grade, number in ((3, 1), (5, 1), (5, 2)):
                self.classes["{}-{}{}".format(sid, grade, number)] = {
                    "school": sid, "grade": grade, "number": number,
                    "name": "{}年级{}班".format("一二三四五六"[grade - 1], number),
                    "enrolment": rng.randint(30, 50)}
        self.teachers = {"{}-tch{}".format(sid, n): sid for sid in SCHOOLS
                         for n in range(teachers_per_school)}
        self.volunteers = {"{}-vol{}".format(sid, n): sid for sid in SCHOOLS for n in range(2)}
        self._organisation()
        self.kids = {}
        for n in range(children):
            self._child("k{:04d}".format(n))
        self.policy_scope = "recommended"
        self._pairing()
        self.records = {}
        for n in range(records):
            self._record("r{:05d}".format(n))
        self._diary()
        self._activities()
        self._awards()
        self._assessments()
        self._cards()
        self._reminders()
        self._duty_and_supplies()

    # -- publishing ---------------------------------------------------------------------------
    def emit(self, source, name, data, version=1):
        self.events.append((source, name, version, data))

    def _organisation(self):
        self.emit("registry", "CountyRegistered", {"county_id": COUNTY, "version": 1,
                                                   "code": "430124", "name": "宁乡县"})
        for tid, name in TOWNSHIPS.items():
            self.emit("registry", "TownshipRegistered", {
                "township_id": tid, "version": 1, "county_id": COUNTY, "code": tid, "name": name})
        for sid, (tid, name, enrolment) in SCHOOLS.items():
            base = {"school_id": sid, "code": sid, "name": name, "county_id": COUNTY,
                    "township_id": tid, "township_name": TOWNSHIPS[tid]}
            self.emit("registry", "SchoolRegistered", dict(base, version=1), 1)
            # the enrolment arrives with v2 later
            self.emit("registry", "SchoolUpdated", dict(base, version=2, enrolment=enrolment,
                                                        changed_fields=["enrolment"]), 2)
        for cid, c in self.classes.items():
            self.emit("registry", "ClassCreated", {
                "class_id": cid, "version": 1, "school_id": c["school"],
                "township_id": SCHOOLS[c["school"]][0], "grade": c["grade"],
                "class_number": c["number"], "name": c["name"], "enrolment": c["enrolment"]}, 2)
        for tid, sid in self.teachers.items():
            self.emit("registry", "StaffRegistered", {
                "staff_id": tid, "version": 1, "school_id": sid, "township_id": SCHOOLS[sid][0],
                "name": "教师" + tid, "roles": ["teacher"], "active": True})
        for vid, sid in self.volunteers.items():
            self.emit("registry", "VolunteerRegistered", {
                "volunteer_id": vid, "version": 1, "name": "志愿者" + vid,
                "kind": "retired_teacher", "school_id": sid, "township_id": SCHOOLS[sid][0],
                "active": True})

    # -- children -----------------------------------------------------------------------------
    def _snapshot(self, kid):
        c = self.classes[kid["class"]]
        return {"child_id": kid["id"], "version": kid["version"], "name": "儿童" + kid["id"],
                "gender": kid["gender"], "birth_date": "2016-05-01", "school_id": c["school"],
                "class_id": kid["class"], "township_id": SCHOOLS[c["school"]][0],
                "grade": c["grade"], "class_number": c["number"],
                "left_behind_type": kid["type"], "status": kid["status"],
                "household_id": "h" + kid["id"], "guardian_relation": kid["relation"],
                "guardian_literacy": kid["literacy"], "family_hardship": kid["hardship"],
                "low_income_registered": False, "special_needs": [], "parents": [],
                "guardian_situation": kid["situation"]}

    def _child(self, ident):
        rng = self.rng
        registered = rng.choice([date(2024, 9, 2), date(2025, 3, 1),
                                 START + timedelta(days=rng.randint(0, 100))])
        kid = {"id": ident, "class": rng.choice(sorted(self.classes)), "version": 1,
               "gender": rng.choice(["male", "female"]),
               "type": rng.choice(["both_parents_away", "father_away", "mother_away"]),
               "status": "active", "relation": rng.choice(["grandparent", "relative"]),
               "literacy": rng.choice(["literate", "semi_literate", "illiterate"]),
               "hardship": rng.random() < 0.3,
               "situation": rng.choice([[], ["elderly"], ["elderly", "sick"], ["disabled"]]),
               "registered": registered, "moves": []}
        self.kids[ident] = kid
        self.emit("registry", "ChildRegistered", dict(self._snapshot(kid),
                                                      registered_on=registered.isoformat()), 2)
        roll = rng.random()
        if roll < 0.12:      # moved to another school in the county during the term
            old = kid["class"]
            kid["class"] = rng.choice([c for c in sorted(self.classes)
                                       if self.classes[c]["school"] != self.classes[old]["school"]])
            kid["version"] += 1
            on = max(registered, START) + timedelta(days=rng.randint(1, 30))
            kid["moves"].append(("transferred", on, old, kid["class"]))
            o = self.classes[old]
            self.emit("registry", "ChildTransferred", dict(
                self._snapshot(kid), from_school_id=o["school"], from_class_id=old,
                from_township_id=SCHOOLS[o["school"]][0], effective_date=on.isoformat()), 2)
        elif roll < 0.2:     # parents came home
            kid["status"], kid["version"] = "not_left_behind", kid["version"] + 1
            on = max(registered, START) + timedelta(days=rng.randint(1, 40))
            kid["moves"].append(("stopped", on, kid["class"], None))
            self.emit("registry", "ChildStatusChanged", dict(
                self._snapshot(kid), previous_status="active", reason_code="parents_returned",
                effective_date=on.isoformat()), 2)
        if rng.random() < 0.3:   # an ordinary correction of the file
            kid["hardship"] = not kid["hardship"]
            kid["version"] += 1
            self.emit("registry", "ChildUpdated", dict(self._snapshot(kid),
                                                       changed_fields=["family_hardship"]), 2)

    def school_of(self, kid):
        return self.classes[kid["class"]]["school"]

    # -- pairing ----------------------------------------------------------------------------------
    def _pairing(self):
        rng = self.rng
        self.emit("pairing", "PairingPolicyChanged", {
            "policy_version": 1, "county_id": COUNTY, "mentor_scope": "recommended",
            "max_mentees": 3, "min_mentees": 2, "priority_per_class_min": 4,
            "priority_per_class_max": 5, "head_teacher_first": True, "buddies_per_child": 1,
            "proxy_parent_required": False, "over_capacity_teachers": 0,
            "buddy_max_children": 2}, 2)
        self.recommended = set()
        for cid in sorted(self.classes):
            members = [k for k in sorted(self.kids) if self.kids[k]["class"] == cid]
            chosen = members[:5]
            if chosen:
                self.emit("pairing", "PriorityRecommended", {
                    "class_id": cid, "school_id": self.classes[cid]["school"],
                    "child_ids": chosen, "added": chosen, "recommended_on": "2025-09-05"})
                self.recommended |= set(chosen)
            if len(chosen) > 3:      # one withdrawn later
                self.emit("pairing", "PriorityWithdrawn", {
                    "class_id": cid, "school_id": self.classes[cid]["school"],
                    "child_ids": [chosen[-1]], "reason": "withdrawn",
                    "withdrawn_on": "2025-10-08"})
                self.recommended.discard(chosen[-1])
        self.pairings = []           # (kind, child, partner, active)
        n = 0
        for k in sorted(self.kids):
            kid = self.kids[k]
            sid = self.school_of(kid)
            teachers = [t for t, s in self.teachers.items() if s == sid]
            for kind, chance in (("mentor", 0.5), ("buddy", 0.8), ("proxy_parent", 0.25)):
                if rng.random() > chance:
                    continue
                n += 1
                partner = (rng.choice(teachers) if kind == "mentor" else
                           "b" + k if kind == "buddy" else
                           rng.choice([v for v, s in self.volunteers.items() if s == sid]))
                ended = rng.random() < 0.15
                self.pairings.append((kind, k, partner, not ended))
                base = {"pairing_id": "p{}".format(n), "child_id": k, "child_name": "x",
                        "school_id": sid, "class_id": kid["class"], "started_on": "2025-09-10"}
                start, end = {"mentor": ("MentorAssigned", "MentorReleased"),
                              "buddy": ("BuddyPaired", "BuddyUnpaired"),
                              "proxy_parent": ("ProxyParentAssigned",
                                               "ProxyParentReleased")}[kind]
                extra = ({"teacher_id": partner, "reason": "manual"} if kind == "mentor" else
                         {"buddy_name": "同学" + k, "buddy_child_id": None} if kind == "buddy"
                         else {"volunteer_id": partner})
                self.emit("pairing", start, dict(base, **extra))
                if ended:
                    self.emit("pairing", end, dict(base, ended_on="2025-11-01", reason="manual",
                                                   **{k2: v for k2, v in extra.items()
                                                      if k2 != "reason"}))

    # -- care records -------------------------------------------------------------------------------
    def _record_data(self, rid, rec):
        kid = self.kids[rec["child"]]
        return {"record_id": rid, "revision": rec["revision"], "child_id": kid["id"],
                "school_id": rec["school"], "class_id": rec["class"], "by_id": rec["by"],
                "by_role": "mentor", "flagged": False, "kind": rec["kind"],
                "occurred_at": at(rec["on"]).isoformat()}

    def _aid(self, rid, rec):
        self.emit("activities", "AidDistributed", {
            "aid_id": rid, "revision": rec["revision"], "child_id": rec["child"],
            "school_id": rec["school"], "class_id": rec["class"], "by_id": rec["by"],
            "occurred_at": at(rec["on"]).isoformat(), "form": rec["form"],
            "amount_fen": rec["fen"], "quantity": rec["quantity"], "donor_type": "society"})

    def _record(self, rid):
        rng = self.rng
        kid = self.kids[rng.choice(sorted(self.kids))]
        on = START - timedelta(days=20) + timedelta(days=rng.randint(0, 160))
        kind = "aid" if rng.random() < 0.1 else rng.choice(KINDS)
        rec = {"child": kid["id"], "school": self.school_of(kid), "class": kid["class"],
               "by": "someone", "kind": kind, "on": on, "revision": 1, "deleted": False,
               "form": rng.choice(["money", "goods"]), "fen": rng.randint(1, 50) * 1000,
               "quantity": rng.randint(1, 5)}
        self.records[rid] = rec
        self.emit("activities", "VisitLogged", self._record_data(rid, rec))
        if kind == "aid":
            self._aid(rid, rec)
        roll = rng.random()
        if roll < 0.1:
            rec["revision"] += 1
            rec["on"] += timedelta(days=rng.randint(1, 10))
            new_kind = "aid" if kind != "aid" and rng.random() < 0.3 else rng.choice(KINDS)
            changed = ["occurred_at"] + (["kind"] if new_kind != kind else [])
            rec["kind"] = new_kind
            self.emit("activities", "VisitRevised", dict(self._record_data(rid, rec),
                                                         changed_fields=changed))
            if new_kind == "aid":
                self._aid(rid, rec)
        elif roll < 0.16:
            rec["revision"] += 1
            rec["deleted"] = True
            self.emit("activities", "VisitDeleted", {
                "record_id": rid, "revision": rec["revision"], "child_id": rec["child"],
                "school_id": rec["school"], "deleted_by": "someone", "reason_code": "duplicate",
                "kind": rec["kind"], "occurred_at": at(rec["on"]).isoformat()})

    def _diary(self):
        rng = self.rng
        self.diary = {}
        for n in range(80):
            kid = self.kids[rng.choice(sorted(self.kids))]
            on = START + timedelta(days=rng.randint(-10, 150))
            entry = {"child": kid["id"], "school": self.school_of(kid), "class": kid["class"],
                     "on": on, "deleted": rng.random() < 0.1}
            eid = "d{}".format(n)
            self.diary[eid] = entry
            data = {"entry_id": eid, "child_id": kid["id"], "school_id": entry["school"],
                    "class_id": kid["class"], "by_id": "t", "by_role": "mentor",
                    "flagged": False, "entry_date": on.isoformat(), "topics": ["study"]}
            self.emit("activities", "DiaryEntryAdded", data)
            if entry["deleted"]:
                self.emit("activities", "DiaryEntryDeleted", {
                    "entry_id": eid, "child_id": kid["id"], "school_id": entry["school"],
                    "deleted_by": "t", "reason_code": "duplicate"})

    def _activities(self):
        rng = self.rng
        self.activities = {}
        for n in range(24):
            sid = rng.choice(sorted(SCHOOLS))
            on = START + timedelta(days=rng.randint(-15, 150))
            kind = rng.choice(ACTIVITY_KINDS)
            state = rng.choice(["held", "held", "held", "cancelled", "scheduled"])
            lb = rng.randint(3, 30)
            aid_ = "a{}".format(n)
            self.activities[aid_] = {"school": sid, "on": on, "kind": kind, "state": state,
                                     "lb": lb}
            base = {"activity_id": aid_, "revision": 1, "school_id": sid, "kind": kind,
                    "title": "活动{}".format(n), "organiser_id": "t",
                    "starts_at": at(on, 9).isoformat()}
            self.emit("activities", "ActivityScheduled", base)
            if state == "held":
                held = dict(base, revision=2, held_on=on.isoformat(), present=lb + 2, absent=1,
                            excused=0, left_behind_present=lb - 1)
                self.emit("activities", "ActivityHeld", held)
                # attendance corrected afterwards
                self.emit("activities", "ActivityHeld", dict(held, revision=3,
                                                             left_behind_present=lb))
            elif state == "cancelled":
                self.emit("activities", "ActivityCancelled", {
                    "activity_id": aid_, "revision": 2, "school_id": sid, "kind": kind,
                    "starts_at": at(on, 9).isoformat()})

    def _awards(self):
        rng = self.rng
        self.awards = {}
        for n in range(15):
            kid = self.kids[rng.choice(sorted(self.kids))]
            on = START + timedelta(days=rng.randint(-30, 140))
            level = rng.choice(LEVELS)
            staff = rng.random() < 0.3
            self.awards["w{}".format(n)] = {"school": self.school_of(kid), "on": on,
                                            "level": level, "staff": staff, "child": kid["id"]}
            self.emit("activities", "AwardGranted", {
                "award_id": "w{}".format(n), "recipient_type": "staff" if staff else "child",
                "child_id": None if staff else kid["id"],
                "staff_id": "st{}".format(n) if staff else None,
                "school_id": self.school_of(kid), "title": "自强少年", "level": level,
                "granted_on": on.isoformat(), "recorded_by": "admin"})

        for n in (2, 9):     # withdrawn afterwards (AwardRevoked)
            self.awards["w{}".format(n)]["revoked"] = True
            w = self.awards["w{}".format(n)]
            self.emit("activities", "AwardRevoked", {
                "award_id": "w{}".format(n), "revision": 2,
                "recipient_type": "staff" if w["staff"] else "child",
                "child_id": None if w["staff"] else w["child"],
                "staff_id": "st{}".format(n) if w["staff"] else None, "school_id": w["school"],
                "revoked_on": END.isoformat(), "revoked_by": "admin",
                "reason_code": "entered_in_error"})

    def _duty_and_supplies(self):
        rng = self.rng
        self.duty, self.supplies, self.radio = [], [], []
        for n in range(12):
            sid = rng.choice(sorted(SCHOOLS))
            on = START + timedelta(days=rng.randint(-10, 150))
            lb = rng.randint(2, 15)
            self.duty.append((sid, on, lb))
            base = {"session_id": "ds{}".format(n), "school_id": sid, "held_on": on.isoformat(),
                    "period": "noon", "staff_ids": ["{}-tch{}".format(sid, n % 3)],
                    "staff_present": 1, "present": lb + 3, "recorded_by": "t"}
            self.emit("activities", "DutySessionHeld", dict(base, revision=1,
                                                            left_behind_present=lb + 1))
            self.emit("activities", "DutySessionHeld", dict(base, revision=2,
                                                            left_behind_present=lb))
        for n in range(4):
            sid = rng.choice(sorted(SCHOOLS))
            on = START + timedelta(days=rng.randint(0, 140))
            count = rng.randint(5, 20)
            self.supplies.append((sid, on, count))
            self.emit("activities", "SuppliesDistributed", {
                "distribution_id": "sp{}".format(n), "revision": 1, "activity_id": "x",
                "school_id": sid, "kind": "festival", "held_on": on.isoformat(),
                "child_ids": ["c"] * count, "child_count": count, "left_behind_count": count,
                "item_kinds": 2, "units_per_child": 3, "value_fen_per_child": 1500,
                "donor_type": "enterprise", "distributed_by": "t"})
        for n in range(15):
            sid = rng.choice(sorted(SCHOOLS))
            on = START + timedelta(days=rng.randint(-20, 150))
            self.radio.append((sid, on))
            self.emit("activities", "RadioEpisodeAired", {
                "episode_id": "ep{}".format(n), "revision": 1, "programme_id": "p-" + sid,
                "school_id": sid, "aired_on": on.isoformat(), "episode": n + 1,
                "recorded_by": "t"})

    def _assessments(self):
        rng = self.rng
        self.assessments = {}
        for k in sorted(self.kids):
            kid = self.kids[k]
            for term in (PREVIOUS, TERM):
                if rng.random() < 0.2:
                    continue
                avg = round(rng.uniform(50, 95), 1)
                rating = rng.choice(RATINGS)
                manners = rng.choice(RATINGS)
                self.assessments[(k, term)] = (avg, rating, self.school_of(kid), manners)
                self.emit("activities", "AssessmentRecorded", {
                    "assessment_id": "as-{}-{}".format(k, term), "revision": 1, "child_id": k,
                    "school_id": self.school_of(kid), "class_id": kid["class"], "term": term,
                    "average_percent": avg, "behaviour_rating": rating, "recorded_by": "t",
                    "dimensions": {"manners": manners, "self_care": None}}, 2)

    def _cards(self):
        self.carded = set()
        for k in sorted(self.kids)[::2]:
            kid = self.kids[k]
            self.carded.add(k)
            for copy in range(2):   # printed twice: still one card per child
                self.emit("registry", "ContactCardIssued", {
                    "print_id": "pr{}-{}".format(kid["class"], copy), "child_id": k,
                    "school_id": self.school_of(kid), "class_id": kid["class"],
                    "form": "contact_card", "by": "admin",
                    "issued_at": at(START + timedelta(days=10)).isoformat(),
                    "issued_on": (START + timedelta(days=10)).isoformat()})

    def _reminders(self):
        rng = self.rng
        self.reminders = []
        for n in range(40):
            kid = self.kids[rng.choice(sorted(self.kids))]
            rule = rng.choice(["contact_overdue", "birthday", "unpaired"])
            sent = rng.random() < 0.8
            on = START + timedelta(days=rng.randint(0, 130))
            self.reminders.append((self.school_of(kid), rule, sent, on))
            data = {"notification_id": "n{}".format(n), "rule": rule, "channel": "inbox",
                    "recipient_type": "staff", "recipient_id": "t", "child_id": kid["id"],
                    "school_id": self.school_of(kid), "county_id": COUNTY, "attempts": 1}
            if sent:
                self.emit("notifications", "NotificationSent",
                          dict(data, sent_at=at(on).isoformat()))
            else:
                self.emit("notifications", "NotificationFailed",
                          dict(data, failed_at=at(on).isoformat(), error_code="timeout"))

    # -- the answers ----------------------------------------------------------------------------------
    def expected(self, scope_type, scope_id):
        def school_in(sid):
            if scope_type == "county":
                return True
            if scope_type == "township":
                return SCHOOLS[sid][0] == scope_id
            return sid == scope_id

        def class_in(cid):
            if scope_type == "class":
                return cid == scope_id
            return school_in(self.classes[cid]["school"])

        def during(day):
            return START <= day <= END

        active = {k for k, kid in self.kids.items()
                  if kid["status"] == "active" and class_in(kid["class"])}
        kids = [self.kids[k] for k in active]
        out = {"children.total": len(active),
               "children.by_type": dict(Counter(k["type"] for k in kids)),
               "children.by_gender": dict(Counter(k["gender"] for k in kids)),
               "children.by_grade": {str(g): n for g, n in sorted(Counter(
                   self.classes[k["class"]]["grade"] for k in kids).items())},
               "children.hardship": sum(1 for k in kids if k["hardship"]),
               "children.guardian_weak": sum(1 for k in kids if k["situation"]),
               "children.guardian_situation": dict(Counter(
                   m for k in kids for m in k["situation"]))}
        if scope_type == "class":
            enrolment = self.classes[scope_id]["enrolment"]
        else:
            enrolment = sum(e for sid, (_, _, e) in SCHOOLS.items() if school_in(sid))
        out["children.enrolment"] = enrolment
        out["children.share_percent"] = round(len(active) * 100.0 / enrolment, 1)
        joined = left = 0
        for kid in self.kids.values():
            if during(kid["registered"]) and class_in(
                    kid["moves"][0][2] if kid["moves"] and kid["moves"][0][0] == "transferred"
                    else kid["class"]):
                joined += 1
            for kind, on, old, new in kid["moves"]:
                if not during(on):
                    continue
                if kind == "transferred":
                    joined += class_in(new) and not class_in(old)
                    left += class_in(old) and not class_in(new)
                else:
                    left += class_in(old)
        out["movement.joined"], out["movement.left"] = joined, left
        out["files.with_contact_card"] = len(self.carded & active)
        active_pairs = [(kind, k, p) for kind, k, p, live in self.pairings
                        if live and k in active]
        mentored = {k for kind, k, _ in active_pairs if kind == "mentor"}
        eligible = self.recommended & active
        out["pairing.mentor_eligible"] = len(eligible)
        out["pairing.mentored_eligible"] = len(mentored & eligible)
        out["pairing.with_buddy"] = len({k for kind, k, _ in active_pairs if kind == "buddy"})
        out["pairing.with_proxy_parent"] = len({k for kind, k, _ in active_pairs
                                                if kind == "proxy_parent"})
        loads = Counter(p for kind, _, p in active_pairs if kind == "mentor")
        out["pairing.mentees_per_teacher"] = {
            b: sum(1 for n in loads.values() if ("4+" if n >= 4 else str(n)) == b)
            for b in ("1", "2", "3", "4+")}
        live = [r for r in self.records.values() if not r["deleted"] and
                (class_in(r["class"]) if scope_type == "class" else school_in(r["school"]))]
        in_term = [r for r in live if during(r["on"])]
        out["contacts.total"] = len(in_term)
        out["contacts.by_kind"] = dict(Counter(r["kind"] for r in in_term))
        out["contacts.children_reached"] = len({r["child"] for r in in_term} & active)
        for days in (14, 30):
            since = AS_OF - timedelta(days=days - 1)
            seen = {r["child"] for r in live if since <= r["on"] <= AS_OF}
            out["contacts.no_contact_{}_days".format(days)] = len(active - seen)
        aid = [r for r in in_term if r["kind"] == "aid"]
        out["aid.records"] = len(aid)
        out["aid.children"] = len({r["child"] for r in aid})
        out["aid.money_yuan"] = round(sum(r["fen"] for r in aid if r["form"] == "money")
                                      / 100.0, 2)
        out["diary.entries"] = sum(
            1 for e in self.diary.values() if not e["deleted"] and during(e["on"])
            and (class_in(e["class"]) if scope_type == "class" else school_in(e["school"])))
        if scope_type != "class":
            held = [a for a in self.activities.values()
                    if a["state"] == "held" and during(a["on"]) and school_in(a["school"])]
            out["activities.held"] = len(held)
            out["activities.left_behind_attendance"] = sum(a["lb"] for a in held)
            awards = [w for w in self.awards.values() if during(w["on"])
                      and school_in(w["school"]) and not w.get("revoked")]
            out["awards.child_by_level"] = dict(Counter(w["level"] for w in awards
                                                        if not w["staff"]))
            out["awards.total"] = len(awards)
            reminders = [r for r in self.reminders if school_in(r[0]) and during(r[3])]
            out["reminders.sent"] = sum(1 for r in reminders if r[2])
            out["reminders.failed"] = sum(1 for r in reminders if not r[2])
            out["reminders.overdue"] = sum(1 for r in reminders
                                           if r[2] and r[1] == "contact_overdue")
            both = [(self.assessments[(k, PREVIOUS)], self.assessments[(k, TERM)])
                    for k in self.kids if (k, PREVIOUS) in self.assessments
                    and (k, TERM) in self.assessments
                    and school_in(self.assessments[(k, TERM)][2])
                    and school_in(self.assessments[(k, PREVIOUS)][2])]
            out["assessment.compared"] = len(both)
            out["assessment.dimensions"] = {"manners": {
                "compared": len(both),
                "improved": sum(1 for a, b in both if RATINGS.index(b[3]) > RATINGS.index(a[3])),
                "declined": sum(1 for a, b in both
                                if RATINGS.index(b[3]) < RATINGS.index(a[3]))}} if both else {}
            out["duty.sessions"] = sum(1 for d in self.duty if school_in(d[0]) and during(d[1]))
            out["duty.left_behind_attendance"] = sum(
                d[2] for d in self.duty if school_in(d[0]) and during(d[1]))
            out["aid.supplies_children"] = sum(
                d[2] for d in self.supplies if school_in(d[0]) and during(d[1]))
            out["aid.supplies_value_yuan"] = round(sum(
                d[2] * 1500 for d in self.supplies if school_in(d[0]) and during(d[1])) / 100.0,
                2)
            out["activities.radio_episodes"] = sum(1 for d in self.radio
                                                   if school_in(d[0]) and during(d[1]))
            out["assessment.grades_improved"] = sum(1 for a, b in both if b[0] > a[0])
            out["assessment.behaviour_improved"] = sum(
                1 for a, b in both if RATINGS.index(b[1]) > RATINGS.index(a[1]))
        return out


def pick(figures, path):
    value = figures
    for part in path.split("."):
        value = value[part]
    return value
