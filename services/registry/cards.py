"""Contact cards (联系卡): one printable card per child (two to an A4 page), per child or class.

The card's purpose is reaching people, so it carries full phone numbers: printing is a reveal
and is recorded in the PII audit with its reason.
"""
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from carekit.clock import china_today
from registry import mentors, vocabulary as words
from registry import storage as st

# every table of a card has the same four columns, so labels and values line up
_COLUMNS = Markup('<colgroup><col style="width:16%"><col style="width:42%">'
                  '<col style="width:14%"><col style="width:28%"></colgroup>')
_TEMPLATES = Environment(loader=FileSystemLoader(str(Path(__file__).parent / "templates")),
                         autoescape=select_autoescape(["html"]))


def card_of(file, child_id, school, klass, staff_by_id, mentor, vault):
    def person(staff_id, name=None):
        staff = staff_by_id.get(staff_id)
        if staff is None:
            return {"name": name, "phone": None} if name else None
        return {"name": staff["name"], "phone": vault.open(staff.get("phone"))}

    guardian = file["guardian"]
    return {
        "child_id": child_id, "name": file["name"], "school_name": school["name"],
        "class_name": klass["name"], "gender": words.GENDER[file["gender"]],
        "birth_date": file["birth_date"],
        "left_behind_type": words.LEFT_BEHIND_TYPE[file["left_behind_type"]],
        "address": guardian.get("address"),
        "guardian": {"name": guardian.get("name"), "age": guardian.get("age"),
                     "relation": words.label(words.GUARDIAN_RELATION, guardian.get("relation")),
                     "health": words.label(words.GUARDIAN_HEALTH, guardian.get("health")),
                     "literacy": words.label(words.GUARDIAN_LITERACY, guardian.get("literacy")),
                     "phone": guardian.get("phone")},
        "parents": [{"relation": words.PARENT_RELATION[p["relation"]], "name": p.get("name"),
                     "place": "".join(filter(None, [p.get("work_province"), p.get("work_city")])),
                     "occupation": p.get("occupation"), "home_frequency": p.get("home_frequency"),
                     "phone": p.get("phone")} for p in file.get("parents") or []],
        "mentor": person(mentor["teacher_id"], mentor.get("teacher_name")) if mentor else None,
        "head_teacher": person(klass.get("head_teacher_id")),
    }


def cards_for(db, vault, opened):
    """opened: [(child_id, clear file)] -> card dicts, in class order."""
    class_ids = {f["class_id"] for _, f in opened}
    classes = {c["_id"]: c for c in db[st.CLASSES].find({"_id": {"$in": list(class_ids)}})}
    schools = {s["_id"]: s for s in db[st.SCHOOLS].find(
        {"_id": {"$in": list({f["school_id"] for _, f in opened})}}, {"name": 1})}
    current = mentors.current(db, [child_id for child_id, _ in opened])
    staff_ids = {c.get("head_teacher_id") for c in classes.values()} | {
        m["teacher_id"] for m in current.values()}
    staff = {s["_id"]: s for s in db[st.STAFF].find(
        {"_id": {"$in": [i for i in staff_ids if i]}}, {"name": 1, "phone": 1})}
    return [card_of(file, child_id, schools[file["school_id"]], classes[file["class_id"]],
                    staff, current.get(child_id), vault) for child_id, file in opened]


def render_pdf(cards, title):
    from weasyprint import HTML  # heavy import: only when a card is printed
    html = _TEMPLATES.get_template("contact_cards.html").render(
        cards=cards, title=title, printed_on=china_today().isoformat(), cols=_COLUMNS)
    return HTML(string=html, base_url=str(Path(__file__).parent)).write_pdf()
