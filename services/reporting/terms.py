"""The term calendar (学年/学期) of each county: terms named `2025-2026-1` (the school year
2025-2026, first semester: autumn) and `2025-2026-2` (spring), each with its first and last
day. Every figure can be asked for a term; the calendar turns it into dates.

Plain functions over the `terms` collection; the RPC input is validated in schemas.py.
"""
import re
from datetime import date

from carekit.errors import NotFound, ValidationFailed
from reporting import storage as st

TERM_PATTERN = re.compile(r"^(\d{4})-(\d{4})-([12])\Z")  # \Z: `$` lets "…-1\n" through
MAX_TERM_DAYS = 220


def parse_term(code):
    """'2025-2026-1' -> (2025, 1), or None when it is not a term name."""
    found = TERM_PATTERN.match(code or "")
    if not found or int(found.group(2)) != int(found.group(1)) + 1:
        return None
    return int(found.group(1)), int(found.group(3))


def previous_term(code):
    first_year, semester = parse_term(code)
    if semester == 2:
        return "{}-{}-1".format(first_year, first_year + 1)
    return "{}-{}-2".format(first_year - 1, first_year)


def term_label(code):
    """'2025-2026-1' -> '2025—2026学年第一学期'."""
    first_year, semester = parse_term(code)
    return "{}—{}学年第{}学期".format(first_year, first_year + 1, "一" if semester == 1 else "二")


def check_dates(code, starts_on, ends_on):
    """Problems with a term's dates, as [{field, code, message}] (empty: fine)."""
    first_year, semester = parse_term(code)
    problems = []

    def problem(field, error, message):
        problems.append({"field": field, "code": error, "message": message})
    if ends_on <= starts_on:
        problem("ends_on", "ends_before_start", "结束日期应晚于开始日期")
    elif (ends_on - starts_on).days > MAX_TERM_DAYS:
        problem("ends_on", "term_too_long", "一个学期不应超过 {} 天".format(MAX_TERM_DAYS))
    start_year = first_year if semester == 1 else first_year + 1
    if starts_on.year != start_year:
        problem("starts_on", "outside_school_year",
                "第{}学期应在 {} 年开始".format("一" if semester == 1 else "二", start_year))
    if not date(first_year, 8, 1) <= ends_on <= date(first_year + 1, 8, 31):
        problem("ends_on", "outside_school_year", "学期应在本学年（{}年8月至{}年8月）内结束".format(
            first_year, first_year + 1))
    return problems


def set_term(db, data, now):
    """Create or change a county's term; refused (nothing changes) when its dates are wrong
    or overlap another term of the county."""
    code, county_id = data["term"], data["county_id"]
    starts_on, ends_on = data["starts_on"], data["ends_on"]
    problems = check_dates(code, starts_on, ends_on)
    if problems:
        raise ValidationFailed(errors=problems)
    clash = db[st.TERMS].find_one({"county_id": county_id, "term": {"$ne": code},
                                   "starts_on": {"$lte": ends_on.isoformat()},
                                   "ends_on": {"$gte": starts_on.isoformat()}})
    if clash:
        raise ValidationFailed.single("starts_on", "overlaps_term", "与学期 {} 的日期重叠".format(
            clash["term"]))
    doc = {"county_id": county_id, "term": code, "starts_on": starts_on.isoformat(),
           "ends_on": ends_on.isoformat(), "label": term_label(code), "updated_at": now}
    db[st.TERMS].update_one({"_id": _key(county_id, code)}, {"$set": doc}, upsert=True)
    return view(doc)


def delete_term(db, county_id, code):
    if not db[st.TERMS].delete_one({"_id": _key(county_id, code)}).deleted_count:
        raise NotFound(message="没有这个学期", code="term_not_found")
    return {"deleted": code}


def list_terms(db, county_id):
    return [view(d) for d in db[st.TERMS].find({"county_id": county_id}).sort("starts_on", 1)]


def find_term(db, county_id, code):
    """The term's dates, or NotFound naming the field."""
    doc = db[st.TERMS].find_one({"_id": _key(county_id, code)})
    if doc is None:
        raise ValidationFailed.single("term", "term_not_in_calendar",
                                      "本县校历中没有学期 {}".format(code))
    return view(doc)


def term_on(db, county_id, day):
    """The term a day falls in, or None (holidays)."""
    text = day.isoformat()
    doc = db[st.TERMS].find_one({"county_id": county_id, "starts_on": {"$lte": text},
                                 "ends_on": {"$gte": text}})
    return view(doc) if doc else None


def view(doc):
    return {"county_id": doc["county_id"], "term": doc["term"], "label": doc["label"],
            "starts_on": doc["starts_on"], "ends_on": doc["ends_on"]}


def _key(county_id, code):
    return "{}:{}".format(county_id, code)
