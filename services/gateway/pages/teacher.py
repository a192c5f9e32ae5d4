"""A teacher's (or proxy parent's) pages, phone first: my children with their last contact
of each kind, what is overdue, birthdays this week, the inbox; a child's page (masked file,
timeline, growth diary, pairings, awards); logging a contact and writing the diary.

Double submission: the form's token is the record's client id (`record_id`, `entry_id`), so
the activities service stores a resent form once and answers the first record."""
from gateway import errors
from gateway.authorisation import AUTHORS, CARERS, TEACHERS, VOLUNTEER
from gateway.pages import labels, page
from gateway.pages.core import Problems

HOME_ROLES = TEACHERS | {VOLUNTEER}
FOLLOW_UP_ROWS = 2
CONTACT_FIELDS = ("kind", "occurred_at", "duration_minutes", "place", "notes", "wellbeing")
DIARY_FIELDS = ("entry_date", "study", "mood", "behaviour", "health")


def home(p):
    mine = p.api("my_children")["items"]
    by_kind = {}
    if p.role in TEACHERS and p.principal.school_id:
        rows = p.api_or({"items": []}, "last_contacts",
                        path={"school_id": p.principal.school_id})["items"]
        by_kind = {r["child_id"]: r.get("by_kind") or {} for r in rows}
    inbox = p.api_or({"items": [], "unread": 0}, "my_inbox", query={"limit": 20})
    overdue_ids = {n.get("child_id") for n in inbox["items"]
                   if (n.get("rule") or "").startswith("contact_overdue") and not n["read"]}
    birthdays = []
    for child in mine:
        child["by_kind"] = by_kind.get(child["id"], {})
        child["overdue"] = child["id"] in overdue_ids
        child["class_name"] = labels.class_name(child.get("grade"), child.get("class_number"))
        soon = labels.birthday_in(child.get("birth_date"))
        if soon is not None:
            birthdays.append((soon, child))
    birthdays.sort(key=lambda pair: pair[0])
    overdue = [c for c in mine if c["overdue"]]
    return p.render("teacher_home.html", children=mine, birthdays=birthdays, overdue=overdue,
                    inbox=inbox)


def child_page(p):
    child_id = p.path["child_id"]
    child = p.api("get_child", path={"child_id": child_id})
    timeline = p.api_or({"items": []}, "timeline", path={"child_id": child_id},
                        query={"limit": 30})
    pairings = p.api_or({"items": []}, "child_pairings", path={"child_id": child_id})
    awards = p.api_or({"items": []}, "child_awards", path={"child_id": child_id})
    items = timeline["items"]
    diary = [i for i in items if i["type"] == "diary"]
    return p.render("child.html", child=child, timeline=items, diary=diary,
                    pairings=pairings["items"], awards=awards.get("items") or [],
                    can_write=p.role in AUTHORS)


def _text(form, name):
    return (form.get(name) or "").strip()


def _number(value):
    """A number field as typed: an int when it is one, else the text (the schema says why)."""
    value = (value or "").strip()
    if not value:
        return None
    return int(value) if value.isdigit() else value


def contact_body(form, owner_id=None):
    """The API's care-record body from the contact form (empty fields left out); a
    follow-up is the author's own to do."""
    body = {"record_id": _text(form, "record_id") or None, "kind": _text(form, "kind") or None,
            "occurred_at": _text(form, "occurred_at") or None}
    for name in ("place", "notes"):
        if _text(form, name):
            body[name] = _text(form, name)
    for name in ("duration_minutes", "wellbeing"):
        if _number(form.get(name)) is not None:
            body[name] = _number(form.get(name))
    follow_ups = []
    for row in range(FOLLOW_UP_ROWS):
        action = _text(form, "follow_ups.{}.action".format(row))
        due = _text(form, "follow_ups.{}.due_on".format(row))
        if action or due:
            follow_ups.append({"action": action, "due_on": due or None, "owner_id": owner_id})
    if follow_ups:
        body["follow_ups"] = follow_ups
    return {k: v for k, v in body.items() if v is not None}


def log_contact(p):
    child_id = p.path["child_id"]
    child = p.api("get_child", path={"child_id": child_id})
    if p.method == "GET":
        form = {"record_id": p.new_token(), "occurred_at": labels.now_local(),
                "kind": p.args.get("kind") if p.args.get("kind") in labels.CARE_KINDS
                else "home_visit"}
        return p.render("contact.html", child=child, form=form)
    form = p.form.to_dict()
    try:
        p.api("log_care_record", path={"child_id": child_id}, body=contact_body(p.form, p.principal.person_id))
    except errors.ApiError as exc:
        return p.render("contact.html", status=exc.status, child=child, form=form,
                        problems=Problems(exc))
    return p.redirect("/children/{}".format(child_id), "contact")


def diary_body(form):
    body = {"entry_id": _text(form, "entry_id") or None,
            "entry_date": _text(form, "entry_date") or None}
    for topic in ("study", "mood", "behaviour", "health"):
        if _text(form, topic):
            body[topic] = _text(form, topic)
    return {k: v for k, v in body.items() if v is not None}


def write_diary(p):
    child_id = p.path["child_id"]
    child = p.api("get_child", path={"child_id": child_id})
    if p.method == "GET":
        form = {"entry_id": p.new_token(), "entry_date": labels.today().isoformat()}
        return p.render("diary.html", child=child, form=form)
    form = p.form.to_dict()
    try:
        p.api("add_diary_entry", path={"child_id": child_id}, body=diary_body(p.form))
    except errors.ApiError as exc:
        return p.render("diary.html", status=exc.status, child=child, form=form,
                        problems=Problems(exc))
    return p.redirect("/children/{}".format(child_id), "diary")


def inbox(p):
    if p.method == "POST":
        p.api("mark_all_read")
        return p.redirect("/inbox", "read")
    answer = p.api("my_inbox", query={"limit": 50})
    return p.render("inbox.html", inbox=answer)


PAGES = (page("child", "/children/<id:child_id>", child_page, CARERS)
         + page("contact", "/children/<id:child_id>/contact", log_contact, AUTHORS,
                methods=("GET", "POST"))
         + page("diary", "/children/<id:child_id>/diary", write_diary, AUTHORS,
                methods=("GET", "POST"))
         + page("inbox", "/inbox", inbox, methods=("GET", "POST")))
