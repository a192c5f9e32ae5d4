"""A school's pages (school admin; the county and township admins with ?school_id=): the
school at a glance, children by class, roster import with its rejected rows, pairing
(unpaired children, 典型 children per class, the automatic plan reviewed pair by pair, applied
or discarded), activities with attendance and the duty rota, printing per class."""
from datetime import timedelta
from urllib.parse import urlencode

from gateway import errors
from gateway.authorisation import ADMINS, HEAD_TEACHER, TEACHERS
from gateway.pages import labels, page
from gateway.pages.core import Problems, Redirect

SCHOOL_ROLES = ADMINS | {HEAD_TEACHER}
ACTIVITY_ROLES = ADMINS | TEACHERS
PRINTS = {"contact_cards": ("class_contact_cards", "联系卡", True),
          "basic_info_forms": ("class_basic_info_forms", "基本情况登记表", True),
          "buddy_cards": ("buddy_cards", "手拉手结对登记卡", False)}


def school_of(p):
    """The school a page is about: the caller's own, or ?school_id= for county and township
    admins (the API's scope decides whether they reach it)."""
    school_id = p.args.get("school_id") or p.form.get("school_id") or p.principal.school_id
    if not school_id:
        raise Redirect("/county")
    return p.api("get_school", path={"school_id": school_id})


def here(school, path, **query):
    """A link within the school's pages, keeping ?school_id= for admins above the school."""
    query = dict(query, school_id=school["id"])
    return "{}?{}".format(path, urlencode({k: v for k, v in query.items() if v}))


def _classes(p, school):
    classes = p.api("list_classes", path={"school_id": school["id"]})["items"]
    for c in classes:
        c["label"] = c.get("name") or labels.class_name(c.get("grade"), c.get("number"))
    return sorted(classes, key=lambda c: (c.get("grade") or 0, c.get("number") or 0))


def school_home(p):
    """Counts only (pairing's coverage, activities' last contacts): a school of 2,000
    children is not read child by child to be counted."""
    school = school_of(p)
    classes = _classes(p, school)
    coverage = p.api_or(None, "coverage", path={"school_id": school["id"]}) \
        if p.role in ADMINS else None
    contacts = p.api_or({"items": []}, "last_contacts", path={"school_id": school["id"]})["items"]
    active = [r for r in contacts if r.get("status") in (None, "active")]
    never = sum(1 for r in active if not r.get("last"))
    children_count = coverage["children"] if coverage else len(active)
    from gateway.pages.county import REPORT_FORMATS
    own = p.role == "school_admin" and school["id"] == p.principal.school_id
    return p.render("school_home.html", school=school, classes=classes,
                    children_count=children_count, coverage=coverage, never=never,
                    formats=REPORT_FORMATS if own else None, form={"form_token": p.new_token()},
                    here=lambda path, **q: here(school, path, **q), prints=PRINTS)


def children_list(p):
    """Children of the school or one class, one page of the API's list at a time."""
    school = school_of(p)
    class_id = p.args.get("class_id")
    query = {"school_id": None if class_id else school["id"], "class_id": class_id,
             "status": p.args.get("status"), "cursor": p.args.get("cursor"),
             "limit": p.args.get("limit") or 100}
    answer = p.api("list_children", query=query)
    classes = {c["id"]: c["label"] for c in _classes(p, school)}
    return p.render("children.html", school=school, children=answer["items"],
                    next_cursor=answer.get("next_cursor"), classes=classes, class_id=class_id,
                    here=lambda path, **q: here(school, path, **q))


# -- roster import -------------------------------------------------------------------------
def roster(p):
    school = school_of(p)
    if p.method == "GET":
        result = p.stashed(p.args.get("result")) if p.args.get("result") else None
        form = {"form_token": p.new_token(), "mode": "all_or_nothing"}
        return p.render("roster.html", school=school, form=form, result=result,
                        here=lambda path, **q: here(school, path, **q))
    form = {"form_token": p.form.get("form_token", ""), "mode": p.form.get("mode", "")}
    upload = p.request.files.get("file")
    token = form["form_token"]

    def run():
        if upload is None or not upload.filename:
            raise errors.Invalid.single("file", "required", "请选择要上传的文件")
        content = upload.read(p.deps.upload_limit + 1)
        if len(content) > p.deps.upload_limit:
            raise errors.PayloadTooLarge(message="文件太大")
        result = p.api("import_roster", path={"school_id": school["id"]},
                       body={"mode": form["mode"]}, upload=(upload.filename, content))
        p.stash(token, _import_summary(result))
        return here(school, "/school/roster", result=token)
    try:
        return p.once(token, run)
    except errors.ApiError as exc:
        form["form_token"] = p.new_token()
        return p.render("roster.html", status=exc.status, school=school, form=form,
                        problems=Problems(exc, rename={"content_base64": "file",
                                                       "filename": "file"}),
                        result=None, here=lambda path, **q: here(school, path, **q))


def _import_summary(result):
    """What the result page shows: counts, and each rejected row's row, column and reason
    (not the row's other values)."""
    rejected = []
    for row in result.get("rejected") or []:
        for problem in row.get("errors") or [{}]:
            rejected.append({"row": row.get("row"), "name": row.get("name"),
                             "column": problem.get("column"), "message": problem.get("message")})
    return {k: result.get(k) for k in ("rows", "created", "updated", "unchanged", "written",
                                       "mode")} | {"rejected": rejected,
                                                   "rejected_rows": len(result.get("rejected")
                                                                        or [])}


def roster_template(p):
    return p.file(p.api("roster_template", query={"format": p.args.get("format") or "xlsx"}))


# -- pairing ----------------------------------------------------------------------------------
def pairing(p):
    school = school_of(p)
    kind = p.args.get("kind") or "mentor"
    unpaired = p.api("unpaired_children", path={"school_id": school["id"]},
                     query={"kind": kind, "limit": 200})
    coverage = p.api_or(None, "coverage", path={"school_id": school["id"]})
    load = p.api_or({"items": []}, "teacher_load", path={"school_id": school["id"]},
                    query={"limit": 200})
    return p.render("pairing.html", school=school, kind=kind, unpaired=unpaired["items"],
                    coverage=coverage, load=load["items"], classes=_classes(p, school),
                    form={"form_token": p.new_token()},
                    here=lambda path, **q: here(school, path, **q))


def propose(p):
    school = school_of(p)
    return p.once(p.form.get("form_token"), lambda: "/school/plans/{}".format(
        p.api("propose_plan", path={"school_id": school["id"]})["plan_id"]))


def plan(p):
    plan_id = p.path["plan_id"]
    if p.method == "POST":
        action = p.form.get("action")
        if action not in ("apply", "discard"):
            raise errors.Invalid.single("action", "bad_choice", "请选择执行或放弃")
        p.api("{}_plan".format(action), path={"plan_id": plan_id})
        return p.redirect("/school/plans/{}".format(plan_id),
                          "applied" if action == "apply" else "discarded")
    answer = p.api("get_plan", path={"plan_id": plan_id})
    school = p.api("get_school", path={"school_id": answer["school_id"]})
    return p.render("plan.html", plan=answer, school=school,
                    here=lambda path, **q: here(school, path, **q))


def priority(p):
    """Recommend the class's 典型 children (the pairing policy says how many)."""
    class_id = p.path["class_id"]
    children = p.api("list_children", query={"class_id": class_id, "status": "active",
                                             "limit": 200})["items"]
    policy = p.api_or({}, "get_policy")
    if p.method == "GET":
        return p.render("priority.html", class_id=class_id, children=children, policy=policy,
                        chosen=set())
    chosen = p.form.getlist("child_ids")
    try:
        p.api("recommend_priority", path={"class_id": class_id}, body={"child_ids": chosen})
    except errors.ApiError as exc:
        return p.render("priority.html", status=exc.status, class_id=class_id,
                        children=children, policy=policy, chosen=set(chosen),
                        problems=Problems(exc))
    return p.redirect("/school/pairing?" + urlencode({"school_id": children[0]["school_id"]})
                      if children else "/school/pairing", "recommended")


# -- activities ---------------------------------------------------------------------------------
def activities(p):
    school = school_of(p)
    today = labels.today()
    calendar = p.api("activity_calendar", path={"school_id": school["id"]}, query={
        "date_from": (today - timedelta(days=30)).isoformat(),
        "date_to": (today + timedelta(days=60)).isoformat()})
    on_duty = p.api_or(None, "on_duty", path={"school_id": school["id"]})
    staff = {s["id"]: s["name"] for s in p.api_or({"items": []}, "list_staff", path={
        "school_id": school["id"]})["items"]}
    form = {"activity_id": p.new_token(), "kind": "theme_meeting",
            "starts_at": labels.now_local()}
    problems = Problems()
    if p.method == "POST" and p.role in ADMINS | TEACHERS:
        form = p.form.to_dict()
        body = {k: (form.get(k) or "").strip() or None
                for k in ("activity_id", "kind", "title", "place", "starts_at", "notes")}
        try:
            p.api("schedule_activity", path={"school_id": school["id"]},
                  body={k: v for k, v in body.items() if v is not None})
            return p.redirect(here(school, "/school/activities"), "scheduled")
        except errors.ApiError as exc:
            problems = Problems(exc)
    return p.render("activities.html", school=school, activities=calendar["activities"],
                    on_duty=on_duty, staff=staff, form=form, problems=problems,
                    status=problems.error.status if problems else 200,
                    here=lambda path, **q: here(school, path, **q))


def attendance(p):
    """Take attendance on a phone: one row per child of the activity's classes."""
    activity_id = p.path["activity_id"]
    activity = p.api("get_activity", path={"activity_id": activity_id})
    children = []
    for class_id in activity.get("class_ids") or []:
        children += p.api("list_children", query={"class_id": class_id, "status": "active",
                                                  "limit": 200})["items"]
    marks = {m["child_id"]: m["status"] for m in activity.get("attendance") or []}
    if p.method == "POST":
        marks = {c["id"]: p.form.get("status." + c["id"], "present") for c in children}
        try:
            p.api("record_attendance", path={"activity_id": activity_id}, body={
                "held_on": p.form.get("held_on") or None,
                "attendance": [{"child_id": k, "status": v} for k, v in marks.items()]})
            return p.redirect("/activities/{}/attendance".format(activity_id), "attendance")
        except errors.ApiError as exc:
            return p.render("attendance.html", status=exc.status, activity=activity,
                            children=children, marks=marks, problems=Problems(exc))
    return p.render("attendance.html", activity=activity, children=children, marks=marks)


def print_class(p):
    """A class's cards or forms as the registry prints them (PDF); cards with phone numbers
    need a reason, which the audit log keeps."""
    class_id, which = p.path["class_id"], p.args.get("form")
    if which not in PRINTS:
        raise errors.Invalid.single("form", "bad_choice", "请选择要打印的表")
    route, _, needs_reason = PRINTS[which]
    query = {"reason": p.args.get("reason")} if needs_reason else None
    return p.file(p.api(route, path={"class_id": class_id}, query=query))


PAGES = (page("school", "/school", school_home, SCHOOL_ROLES)
         + page("school_children", "/school/children", children_list, SCHOOL_ROLES)
         + page("roster", "/school/roster", roster, ADMINS, methods=("GET", "POST"))
         + page("roster_template", "/school/roster-template", roster_template, ADMINS)
         + page("pairing", "/school/pairing", pairing, ADMINS)
         + page("propose", "/school/pairing/plan", propose, ADMINS, methods=("POST",))
         + page("plan", "/school/plans/<id:plan_id>", plan, ADMINS, methods=("GET", "POST"))
         + page("priority", "/school/classes/<id:class_id>/priority", priority, SCHOOL_ROLES,
                methods=("GET", "POST"))
         + page("activities", "/school/activities", activities, ACTIVITY_ROLES,
                methods=("GET", "POST"))
         + page("attendance", "/activities/<id:activity_id>/attendance", attendance,
                ACTIVITY_ROLES, methods=("GET", "POST"))
         + page("print_class", "/school/classes/<id:class_id>/print", print_class, SCHOOL_ROLES))
