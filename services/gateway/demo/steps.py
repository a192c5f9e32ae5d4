"""Loading the demo county through the services' RPCs, one step per fact.

Each step finds what exists (by code, name, or an id the demo chose) before it creates
anything, so loading twice duplicates nothing. To add a fact (a new kind of record, a new
field), write a step `def step(demo)` and add it to STEPS in the order it needs.

Files are opened by today's roster import; activities accepts records back to the start of
that term (history entered late, judged against the pairings made now), so the demo holds a
term's worth: care records and diary entries spread from the term's first day to now, duty
sessions each week, the radio's serial reading day by day, group activities, supplies and
awards from a competition, and two terms of assessments with 礼貌/自理/自立自强.
"""
import base64
from datetime import date, datetime, timedelta, timezone

from faker import Faker

from activities.domain import term_start
from carekit.clock import CHINA_TZ
from carekit.errors import parse_remote_error
from gateway.demo import spec
from registry.sample_roster import RosterMaker, to_xlsx



class Refused(Exception):
    def __init__(self, body):
        super().__init__(body)
        self.code = body.get("code")
        self.body = body


class School:
    """What the demo knows of one school while loading."""

    def __init__(self, school_spec, school):
        self.spec = school_spec
        self.id = school["id"]
        self.township_id = school["township_id"]
        self.classes = {}        # (grade, number) -> class
        self.staff = {}          # name -> staff
        self.principal = None
        self.head_of = {}        # class id -> staff id
        self.volunteers = {}     # name -> volunteer
        self.children = []       # files (masked)


class Demo:
    def __init__(self, rpc, accounts=None, log=print, today=None, scale=1.0):
        self.rpc = rpc
        self.scale = scale        # < 1 for a smaller county (tests)
        self.started = datetime.now(timezone.utc)
        self.accounts = accounts
        self.log = log
        self.today = today or datetime.now(CHINA_TZ).date()
        self.county = None
        self.townships = {}
        self.schools = {}
        self.counts = {}

    # -- calling the services ----------------------------------------------------------------
    def call(self, service, method, *args):
        from nameko.exceptions import RemoteError
        try:
            return getattr(getattr(self.rpc, service), method)(*args)
        except RemoteError as exc:
            body = parse_remote_error(exc)
            if body is None:
                raise
            raise Refused(body)

    def every(self, service, method, query):
        """Every item of a cursor-paged list RPC."""
        items, cursor = [], None
        while True:
            page = self.call(service, method, dict(query, cursor=cursor, limit=500))
            items += page["items"]
            cursor = page.get("next_cursor")
            if not cursor:
                return items

    def created(self, what, n=1):
        self.counts[what] = self.counts.get(what, 0) + n

    def wait(self, what, ready, timeout=60):
        """Services learn of new files from events: wait until `ready()`."""
        import eventlet
        deadline = datetime.now() + timedelta(seconds=timeout)
        while not ready():
            if datetime.now() > deadline:
                raise RuntimeError("timed out waiting for " + what)
            eventlet.sleep(0.3)

    def people(self, school_spec, offset=0):
        """Distinct Chinese names for a school's staff or volunteers (same every run)."""
        fake = Faker("zh_CN")
        fake.seed_instance(school_spec.seed * 1000 + offset)
        seen = set()
        while True:
            name = fake.name()
            if name not in seen:
                seen.add(name)
                yield name


# -- organisation -------------------------------------------------------------------------------
def county(demo):
    code, name = spec.COUNTY
    found = [c for c in demo.call("registry", "list_counties") if c["code"] == code]
    demo.county = found[0] if found else demo.call("registry", "create_county",
                                                   {"code": code, "name": name})
    if not found:
        demo.created("county")


def townships(demo):
    existing = {t["code"]: t for t in demo.every("registry", "list_townships", {"county_id": demo.county["id"]})}
    for code, name in spec.TOWNSHIPS:
        if code not in existing:
            existing[code] = demo.call("registry", "create_township", {
                "county_id": demo.county["id"], "code": code, "name": name})
            demo.created("townships")
        demo.townships[code] = existing[code]


def schools(demo):
    for school_spec in spec.SCHOOLS:
        township = demo.townships[school_spec.township]
        found = [s for s in demo.every("registry", "list_schools", {"township_id": township["id"]})
                 if s["code"] == school_spec.code]
        school = found[0] if found else demo.call("registry", "register_school", {
            "township_id": township["id"], "code": school_spec.code, "name": school_spec.name,
            "address": "{}{}".format(township["name"], school_spec.name[-4:]),
            "enrolment": sum(_enrolment(school_spec, k) for k in school_spec.classes)})
        if not found:
            demo.created("schools")
        demo.schools[school_spec.code] = School(school_spec, school)


def _enrolment(school_spec, klass):
    """Pupils in a class (班级人数): left-behind children are about a third of them."""
    grade, number = klass
    return 32 + (grade * 7 + number * 3 + school_spec.seed) % 14


def classes_and_staff(demo):
    """Classes, a principal, a head teacher per class and a few more teachers."""
    for school in demo.schools.values():
        existing = {(c["grade"], c["number"]): c
                    for c in demo.every("registry", "list_classes", {"school_id": school.id})}
        for grade, number in school.spec.classes:
            if (grade, number) not in existing:
                existing[(grade, number)] = demo.call("registry", "create_class", {
                    "school_id": school.id, "grade": grade, "number": number,
                    "enrolment": _enrolment(school.spec, (grade, number))})
                demo.created("classes")
        school.classes = existing
        staff = {s["name"]: s for s in demo.every("registry", "list_staff", {"school_id": school.id})}
        names = demo.people(school.spec)
        ordered = [existing[k] for k in school.spec.classes]

        def person(payload):
            name = next(names)
            if name not in staff:
                staff[name] = demo.call("registry", "register_staff",
                                        dict(payload, school_id=school.id, name=name))
                demo.created("staff")
            return staff[name]
        school.principal = person({"roles": ["school_admin", "teacher"], "subject": "语文"})
        for index, klass in enumerate(ordered):
            head = person({"roles": ["teacher", "head_teacher"], "class_ids": [klass["id"]],
                           "subject": spec.SUBJECTS[index % 2]})
            school.head_of[klass["id"]] = head["id"]
            if klass.get("head_teacher_id") != head["id"]:
                demo.call("registry", "update_class", klass["id"], {"head_teacher_id": head["id"]})
        for index in range(school.spec.teachers):
            person({"roles": ["teacher"], "subject": spec.SUBJECTS[2 + index % 5],
                    "class_ids": [k["id"] for k in ordered[index::school.spec.teachers]]})
        school.staff = staff


def volunteers(demo):
    for school in demo.schools.values():
        existing = {v["name"]: v for v in demo.every("registry", "list_volunteers", {"school_id": school.id})}
        names = demo.people(school.spec, offset=500)
        for kind, village in school.spec.volunteers:
            name = next(names)
            if name not in existing:
                existing[name] = demo.call("registry", "register_volunteer", {
                    "school_id": school.id, "name": name, "kind": kind, "village": village,
                    "phone": "1397312{:04d}".format(len(existing) + school.spec.seed * 10)})
                demo.created("volunteers")
        school.volunteers = existing


# -- children -------------------------------------------------------------------------------------
def children(demo):
    """Each school's roster (faker zh_CN: families, guardians, migrant parents), imported;
    the same rows every run, so a second import changes nothing."""
    for school in demo.schools.values():
        count = max(len(school.spec.classes), int(school.spec.children * demo.scale))
        rows = RosterMaker(seed=school.spec.seed).rows(count, school.spec.classes)
        result = demo.call("registry", "import_roster", {
            "school_id": school.id, "filename": "{}花名册.xlsx".format(school.spec.name),
            "mode": "valid_rows_only",
            "content_base64": base64.b64encode(to_xlsx(rows)).decode("ascii")})
        demo.created("children", result.get("created", 0))
        school.children = demo.every("registry", "list_children", {"school_id": school.id,
                                                                   "status": "active"})


# -- pairing --------------------------------------------------------------------------------------
def _pairings(demo, school, kind):
    items, cursor = [], None
    while True:
        page = demo.call("pairing", "pairings", {"school_id": school.id, "kind": kind,
                                                 "limit": 500, "cursor": cursor})
        items += page["items"]
        cursor = page.get("next_cursor")
        if not cursor:
            return items


def mentors(demo):
    """典型 children per class (hardship first), then the school's automatic plan."""
    for school in demo.schools.values():
        demo.wait("pairing to know {}".format(school.spec.name), lambda: demo.call(
            "pairing", "coverage", {"school_id": school.id})["children"] >=
            len(school.children))
        if _pairings(demo, school, "mentor"):
            continue
        for klass in school.classes.values():
            in_class = [c for c in school.children if c["class_id"] == klass["id"]]
            in_class.sort(key=lambda c: (not c.get("family_hardship"), c["name"]))
            if in_class:
                demo.call("pairing", "recommend_priority", {
                    "class_id": klass["id"], "child_ids": [c["id"] for c in in_class[:5]],
                    "by": "demo"})
        plan = demo.call("pairing", "propose_plan", {"school_id": school.id, "by": "demo"})
        applied = demo.call("pairing", "apply_plan", {"plan_id": plan["plan_id"], "by": "demo"})
        demo.created("mentor pairings", len(plan.get("pairs") or []))
        assert applied


def buddies(demo):
    """Every child a hand-in-hand friend (手拉手好朋友) from the class."""
    for school in demo.schools.values():
        paired = {p["child_id"] for p in _pairings(demo, school, "buddy")}
        fake = Faker("zh_CN")
        fake.seed_instance(school.spec.seed + 100)
        for child in school.children:
            friend = fake.name()
            if child["id"] in paired:
                continue
            demo.call("pairing", "pair_buddy", {"child_id": child["id"], "buddy_name": friend,
                                                "by": "demo"})
            demo.created("buddy pairings")


def proxy_parents(demo):
    """Each volunteer becomes proxy parent (代理家长) of two or three children."""
    for school in demo.schools.values():
        taken = {p["child_id"] for p in _pairings(demo, school, "proxy_parent")}
        if taken:
            continue
        waiting = sorted(school.children, key=lambda c: (not c.get("family_hardship"), c["id"]))
        for index, volunteer in enumerate(sorted(school.volunteers.values(),
                                                 key=lambda v: v["name"])):
            for child in waiting[index * 3:index * 3 + 3]:
                demo.call("pairing", "assign_proxy_parent", {
                    "child_id": child["id"], "volunteer_id": volunteer["id"], "by": "demo"})
                demo.created("proxy parents")


# -- activities -----------------------------------------------------------------------------------
def _term_began(demo):
    """The first day of this term: as far back as activities takes history entered late."""
    return term_start(demo.today)


def _when(demo, child, n, total):
    """The n-th of `total` moments between the term's first day and now."""
    began = datetime.combine(_term_began(demo), datetime.min.time(),
                             CHINA_TZ) + timedelta(hours=16)
    now = datetime.now(timezone.utc) - timedelta(seconds=5)
    if began >= now:
        began = datetime.fromisoformat(child["created_at"])
    return (began + (now - began) * (n + 1) / (total + 1)).isoformat(timespec="seconds")


def _school_days(demo, since, until=None):
    """Monday-to-Friday dates from `since` to `until` (default yesterday), oldest first."""
    until = until or demo.today - timedelta(days=1)
    days, day = [], since
    while day <= until:
        if day.isoweekday() <= 5:
            days.append(day)
        day += timedelta(days=1)
    return days


def _tolerate_repeat(demo, what, service, method, payload):
    """Create with the demo's own id; the same id again returns what was stored (or, when
    the content differs, is refused as a duplicate): either way nothing is added."""
    try:
        answer = demo.call(service, method, payload)
        stamp = (answer or {}).get("created_at") or (answer or {}).get("recorded_at")
        if stamp is None or datetime.fromisoformat(stamp.replace("Z", "+00:00")) >= \
                demo.started:
            demo.created(what)
    except Refused as exc:
        if exc.code not in ("duplicate_id", "conflict", "stale_revision", "already_recorded"):
            raise


def _wait_activities(demo, school):
    demo.wait("activities to know {}".format(school.spec.name), lambda: len(demo.call(
        "activities", "last_contacts", {"school_id": school.id})["children"]) >=
        len(school.children))


def duty_rota(demo):
    """Mentors take turns (轮流值日) from the first day of the term."""
    for school in demo.schools.values():
        if _has_rota(demo, school):
            continue
        teachers = sorted(s["id"] for s in school.staff.values())
        slots = [{"weekday": day, "period": period, "place": "学生活动室" if period == "noon"
                  else "操场", "activities": ["reading", "study_guidance"] if period == "noon"
                  else ["sports"], "staff_ids": [teachers[(day * 2 + i) % len(teachers)]]}
                 for day in range(1, 6) for i, period in enumerate(("noon", "after_school"))]
        demo.call("activities", "set_duty_rota", {
            "school_id": school.id, "set_by": "demo", "slots": slots,
            "effective_from": _term_began(demo).isoformat()})


def _has_rota(demo, school):
    try:
        demo.call("activities", "get_duty_rota", {"school_id": school.id})
        return True
    except Refused as exc:
        if exc.code != "not_found":
            raise
        return False


def duty_sessions(demo):
    """Each week of the term, the noon duty of Monday and the after-school duty of Thursday
    as held (who came, which children); one swap (代班) this week."""
    for school in demo.schools.values():
        ids = [c["id"] for c in school.children]
        days = [d for d in _school_days(demo, _term_began(demo)) if d.isoweekday() in (1, 4)]
        for n, day in enumerate(days):
            period = "noon" if day.isoweekday() == 1 else "after_school"
            duty = demo.call("activities", "on_duty", {"school_id": school.id,
                                                       "date": day.isoformat()})
            staff = [s["staff_ids"] for s in duty["slots"] if s["period"] == period]
            if not staff or not staff[0]:
                continue
            _tolerate_repeat(demo, "duty sessions", "activities", "record_duty_session", {
                "school_id": school.id, "held_on": day.isoformat(), "period": period,
                "staff_ids": staff[0], "child_ids": ids[n % 5::5][:12],
                "activities": ["reading", "study_guidance"] if period == "noon"
                else ["sports"], "place": "学生活动室" if period == "noon" else "操场",
                "recorded_by": staff[0][0]})
        friday = demo.today + timedelta(days=(4 - demo.today.weekday()) % 7)
        duty = demo.call("activities", "on_duty", {"school_id": school.id,
                                                   "date": friday.isoformat()})
        noon = [s for s in duty["slots"] if s["period"] == "noon" and s["staff_ids"]]
        others = sorted(s["id"] for s in school.staff.values())
        if noon and not noon[0].get("swaps"):
            substitute = [t for t in others if t not in noon[0]["staff_ids"]][0]
            demo.call("activities", "swap_duty", {
                "school_id": school.id, "duty_date": friday.isoformat(), "period": "noon",
                "staff_id": noon[0]["staff_ids"][0], "substitute_id": substitute,
                "reason": "外出参加培训", "by": "demo"})
            demo.created("duty swaps")


def school_radio(demo):
    """红领巾广播台 "午间书场": two announcers read 《西游记》 a chapter each school day."""
    for school in demo.schools.values():
        programme_id = "demo-radio-{}".format(school.spec.code)
        announcers = [{"type": "child", "id": c["id"]} for c in school.children[-2:]]
        _tolerate_repeat(demo, "radio programmes", "activities", "set_radio_programme", dict(
            spec.RADIO, programme_id=programme_id, school_id=school.id, announcers=announcers,
            effective_from=_term_began(demo).isoformat(), set_by="demo"))
        days = _school_days(demo, _term_began(demo))[-spec.RADIO_EPISODES:]
        for n, day in enumerate(days):
            _tolerate_repeat(demo, "radio episodes", "activities", "record_radio_episode", {
                "programme_id": "rp_" + programme_id, "aired_on": day.isoformat(),
                "episode": n + 1, "reading": "《西游记》第{}回".format(n + 1),
                "recorded_by": "demo"})


def group_activities(demo):
    """Theme meetings, 六一, competitions, parent meetings, seminars, with attendance."""
    for school in demo.schools.values():
        _wait_activities(demo, school)
        classes = sorted(school.classes.values(), key=lambda k: k["id"])
        for index, (kind, occasion, title, sub_theme, days) in enumerate(spec.ACTIVITIES):
            # a theme meeting is held by one class (activities requires it)
            klass = classes[index % len(classes)] \
                if kind in ("theme_meeting", "class_birthday") else None
            ids = [c["id"] for c in school.children
                   if klass is None or c["class_id"] == klass["id"]]
            if days is None:  # 六一: the last one
                june = date(demo.today.year, 6, 1)
                day = june if june <= demo.today else date(demo.today.year - 1, 6, 1)
            else:
                day = demo.today - timedelta(days=days)
            activity_id = "demo-{}-act-{}".format(school.spec.code, index)
            extra = {}
            if kind == "class_birthday":
                extra = {"celebrated_child_ids": ids[:2],
                         "birthday_tokens": ["cards", "wishes", "gifts"]}
            activity = demo.call("activities", "schedule_activity", dict(extra, **{
                "activity_id": activity_id, "school_id": school.id, "kind": kind,
                "occasion": occasion, "title": title, "sub_theme": sub_theme,
                "organiser_id": school.principal["id"], "scheduled_by": "demo",
                "place": "学校操场" if kind == "festival" else "多功能教室",
                "class_ids": [klass["id"]] if klass else [],
                "starts_at": "{}T14:30:00+08:00".format(day.isoformat())}))
            if day >= demo.today or activity.get("status") == "held":
                continue
            marks = [{"child_id": c, "status": "present" if (i + index) % 9 else "absent"}
                     for i, c in enumerate(ids)]
            demo.call("activities", "record_attendance", {
                "activity_id": activity["id"], "taken_by": "demo", "attendance": marks,
                "participant_count": len(ids) * 3})
            demo.created("activities held")
            if (kind, occasion) in (("festival", "childrens_day"), ("children_forum", "new_year")):
                # 学习用品 for every child there, once (not per-child aid records)
                _tolerate_repeat(demo, "supplies distributions", "activities",
                                 "distribute_supplies", {
                                     "activity_id": activity["id"], "items": spec.SUPPLIES,
                                     "value_per_child": "35.00", "donor_type": "enterprise",
                                     "donor_name": "县爱心企业联合会", "distributed_by": "demo"})


def care_records(demo):
    """Mentors' talks, home visits and parent calls; proxy parents' visits; aid to families
    in hardship."""
    for school in demo.schools.values():
        _wait_activities(demo, school)
        files = {c["id"]: c for c in school.children}
        pairs = _pairings(demo, school, "mentor") + _pairings(demo, school, "proxy_parent")
        for pairing in pairs:
            child = files.get(pairing["child_id"])
            if child is None:
                continue
            mentor = pairing["kind"] == "mentor"
            kinds = spec.CARE_KINDS[:3] if mentor else ["home_visit"]
            if mentor and child.get("family_hardship"):
                kinds = kinds + ["aid"]
            for n, kind in enumerate(kinds):
                payload = {"record_id": "demo-cr-{}-{}-{}".format(child["id"][:12],
                                                                 pairing["kind"][:1], n),
                           "child_id": child["id"], "by_id": pairing["partner_id"],
                           "kind": kind, "occurred_at": _when(demo, child, n, len(kinds)),
                           "notes": spec.CARE_NOTES.get(kind, "发放助学金，家长签收。"),
                           "wellbeing": 3 + (n + len(child["name"])) % 3,
                           "duration_minutes": 20 + 10 * n}
                if kind == "aid":
                    payload["aid"] = {"form": "money", "amount": "300.00",
                                      "donor_type": "government", "donor_name": "县教育局"}
                _tolerate_repeat(demo, "care records", "activities", "log_care_record",
                                 payload)


def diary(demo):
    """Growth diary entries about every four weeks of the term, the last one today."""
    began = _term_began(demo)
    dates = sorted({max(began, demo.today - timedelta(days=28 * k)) for k in range(4)})
    for school in demo.schools.values():
        for n, pairing in enumerate(_pairings(demo, school, "mentor")):
            for k, day in enumerate(dates):
                entry = dict(spec.DIARY[(n + k) % len(spec.DIARY)],
                             entry_id="demo-dy-{}-{}".format(pairing["child_id"][:24], k),
                             child_id=pairing["child_id"], by_id=pairing["partner_id"],
                             entry_date=day.isoformat())
                _tolerate_repeat(demo, "diary entries", "activities", "add_diary_entry", entry)


def awards(demo):
    for school in demo.schools.values():
        for n, (title, level, by) in enumerate(spec.AWARDS):
            child = school.children[(n * 7) % len(school.children)]
            payload = {
                "award_id": "demo-aw-{}-{}".format(school.spec.code, n), "recipient_type": "child",
                "child_id": child["id"], "title": title, "level": level, "awarded_by": by,
                "awarding_body": "education_bureau" if by else "school",
                "granted_on": demo.today.isoformat(), "recorded_by": "demo"}
            if title == "劳动小能手":  # from the 劳动技能大赛, to a child who was there
                contest = _held(demo, school, "labour_skills")
                if contest:
                    payload.update(activity_id=contest["id"], child_id=contest[
                        "present_child_ids"][0], granted_on=contest["held_on"])
            _tolerate_repeat(demo, "awards", "activities", "grant_award", payload)
        mentors_ = sorted({p["partner_id"] for p in _pairings(demo, school, "mentor")})
        if mentors_:
            _tolerate_repeat(demo, "awards", "activities", "grant_award", {
                "award_id": "demo-aw-{}-staff".format(school.spec.code),
                "recipient_type": "staff", "staff_id": mentors_[0], "title": "优秀帮扶教师",
                "level": "county", "awarded_by": "宁乡县教育局",
                "granted_on": demo.today.isoformat(), "recorded_by": "demo"})


def _held(demo, school, occasion):
    calendar = demo.call("activities", "activity_calendar", {
        "school_id": school.id, "date_from": (demo.today - timedelta(days=360)).isoformat(),
        "date_to": demo.today.isoformat(), "kinds": ["competition"]})
    found = [a for a in calendar["activities"]
             if a["occasion"] == occasion and a["status"] == "held"]
    return demo.call("activities", "get_activity", {"id": found[0]["id"]}) if found else None


def assessments(demo):
    """Two terms of grades and behaviour for mentored children: 成绩提高了, 行为习惯好了."""
    ratings = ["fair", "good", "good", "excellent"]
    for school in demo.schools.values():
        for n, pairing in enumerate(_pairings(demo, school, "mentor")):
            for term_index, term in enumerate(spec.TERMS):
                base = 62 + (n * 7) % 20 + term_index * (4 + n % 5)
                _tolerate_repeat(demo, "assessments", "activities", "record_assessment", {
                    "child_id": pairing["child_id"], "term": term, "recorded_by": "demo",
                    "scores": [{"subject": "chinese", "score": min(base + 3, 100)},
                               {"subject": "maths", "score": min(base, 100)}],
                    "behaviour_rating": ratings[min(term_index + n % 3, 3)],
                    "dimensions": {
                        d: spec.DIMENSION_RATINGS[min(term_index + (n + k) % 3, 3)]
                        for k, d in enumerate(("manners", "self_care", "independence"))},
                    "comment": "学习态度端正，进步明显" if term_index else "需加强学习习惯"})


# -- logins ---------------------------------------------------------------------------------------
def logins(demo):
    """One account per role at the first school (skipped when no account store is given)."""
    if demo.accounts is None:
        return
    school = demo.schools[spec.SCHOOLS[0].code]
    mentors_ = {}
    for p in _pairings(demo, school, "mentor"):
        mentors_.setdefault(p["partner_id"], []).append(p["child_id"])
    heads = set(school.head_of.values())
    head = school.head_of[school.classes[(3, 1)]["id"]]
    teacher = max((t for t in mentors_ if t not in heads and t != school.principal["id"]),
                  key=lambda t: (len(mentors_[t]), t), default=None) or \
        max(mentors_, key=lambda t: len(mentors_[t]))
    proxies = {p["partner_id"] for p in _pairings(demo, school, "proxy_parent")}
    volunteer = sorted(proxies)[0]
    people = {"school_admin": ("staff", school.principal["id"]), "head_teacher": ("staff", head),
              "teacher": ("staff", teacher), "volunteer": ("volunteer", volunteer)}
    for username, role, title in spec.LOGINS:
        if demo.accounts.get(username):
            continue
        person_type, person_id = people.get(role, (None, None))
        data = {"username": username, "display_name": title, "role": role,
                "county_id": demo.county["id"], "person_type": person_type,
                "person_id": person_id}
        if role == "township_admin":
            data["township_id"] = school.township_id
        if role in people:
            data.update(township_id=school.township_id, school_id=school.id)
        demo.accounts.create(data, spec.PASSWORD, created_by="demo")
        demo.created("accounts")


STEPS = [county, townships, schools, classes_and_staff, volunteers, children, mentors,
         buddies, proxy_parents, duty_rota, group_activities, care_records, diary, awards,
         assessments, duty_sessions, school_radio, logins]


def load(demo):
    for step in STEPS:
        demo.log("  {} ...".format(step.__name__))
        step(demo)
    return demo.counts
