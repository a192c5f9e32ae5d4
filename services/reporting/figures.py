"""The figures of a scope for a period, counted from the read models when asked.

Children are counted as their files stand now (active left-behind children of the scope);
everything that happens (joined/left, cards printed, contacts, diary, activities, aid,
awards, reminders, duty) is counted within the period [date_from, date_to] (China dates,
both ends included). "No contact in 14 / 30 days" is counted back from `as_of` (the end of
the period, or today if earlier). Each section is a plain function of the documents, so the
tests can check each figure against the data it came from.
"""
from collections import Counter
from datetime import date, timedelta

from carekit.clock import china_today
from reporting import storage as st
from reporting.terms import parse_term, previous_term

BEHAVIOUR_RANK = {"poor": 0, "fair": 1, "good": 2, "excellent": 3}
MENTEE_BUCKETS = ("1", "2", "3", "4+")


def percent(part, whole):
    return round(part * 100.0 / whole, 1) if whole else None


def yuan(fen):
    return round(fen / 100.0, 2)


def _period(query, filter_field):
    return {filter_field: {"$gte": query["from"], "$lte": query["to"]}}


def compute(db, scope, period):
    """All figures of `scope` (scopes.Scope) for `period` ({from, to, term, as_of})."""
    children = list(db[st.CHILDREN].find(dict(scope.child_filter(), status="active"), {
        "grade": 1, "gender": 1, "left_behind_type": 1, "guardian_situation": 1,
        "guardian_relation": 1, "guardian_literacy": 1, "family_hardship": 1,
        "low_income_registered": 1, "special_needs": 1, "migrant_left_behind": 1,
        "boards_at_school": 1, "class_id": 1, "school_id": 1}))
    active = {c["_id"] for c in children}
    policy = mentor_policy(db, scope.county_id)
    return {
        "scope": scope.describe(),
        "period": {"from": period["from"], "to": period["to"], "term": period.get("term"),
                   "as_of": period["as_of"]},
        "children": child_figures(db, scope, children),
        "movement": movement(db, scope, period),
        "files": files(db, scope, period, active),
        "pairing": pairing(db, scope, active, policy),
        "contacts": contacts(db, scope, period, active),
        "diary": diary(db, scope, period),
        "activities": activities(db, scope, period),
        "duty": duty(db, scope, period),
        "aid": aid(db, scope, period),
        "awards": awards(db, scope, period),
        "assessment": assessment(db, scope, period.get("term")),
        "reminders": reminders(db, scope, period),
    }


# -- children -------------------------------------------------------------------------------------
def child_figures(db, scope, children):
    total = len(children)
    situation = Counter()
    for c in children:
        for member in c.get("guardian_situation") or ():
            situation[member] += 1
    weak_guardians = sum(1 for c in children if c.get("guardian_situation"))
    enrolment = _enrolment(db, scope)
    return {
        "total": total,
        "by_type": dict(Counter(c["left_behind_type"] for c in children)),
        "by_grade": {str(k): v for k, v in sorted(Counter(c["grade"] for c in children).items())},
        "by_gender": dict(Counter(c["gender"] for c in children)),
        "guardian_situation": dict(situation),
        "guardian_weak": weak_guardians,
        "guardian_unknown": sum(1 for c in children if c.get("guardian_situation") is None),
        "guardian_relation": dict(Counter(c.get("guardian_relation") or "unknown"
                                          for c in children)),
        "guardian_literacy": dict(Counter(c.get("guardian_literacy") or "unknown"
                                          for c in children)),
        "hardship": sum(1 for c in children if c.get("family_hardship")),
        "low_income": sum(1 for c in children if c.get("low_income_registered")),
        "special_needs": sum(1 for c in children if c.get("special_needs")),
        "migrant": sum(1 for c in children if c.get("migrant_left_behind")),
        "boarding": sum(1 for c in children if c.get("boards_at_school")),
        "enrolment": enrolment,
        "share_percent": percent(total, enrolment),
    }


def _enrolment(db, scope):
    if scope.type == "class":
        klass = db[st.CLASSES].find_one({"_id": scope.class_id}) or {}
        return klass.get("enrolment")
    values = [s.get("enrolment") for s in
              db[st.SCHOOLS].find({"_id": {"$in": scope.school_ids}}, {"enrolment": 1})]
    known = [v for v in values if v is not None]
    return sum(known) if known else None


def movement(db, scope, period):
    """Children who came onto / left the scope's list in the period."""
    def inside(school, klass=None):
        if scope.type == "class":
            return klass == scope.class_id
        return school in scope.school_ids
    joined = left = registered = transferred_in = transferred_out = 0
    for move in db[st.CHILD_MOVES].find(_period(period, "on")):
        kind = move["kind"]
        if kind == "registered" and inside(move["to_school"], move.get("to_class")):
            registered += 1
        elif kind == "transferred":
            came = inside(move["to_school"], move.get("to_class"))
            went = inside(move["from_school"], move.get("from_class"))
            transferred_in += came and not went
            transferred_out += went and not came
        elif kind == "status" and inside(move["school"], move.get("class")):
            if move["status"] == "active" and move["previous_status"] != "active":
                joined += 1
            elif move["previous_status"] == "active" and move["status"] != "active":
                left += 1
    return {"registered": registered, "reactivated": joined,
            "transferred_in": int(transferred_in), "transferred_out": int(transferred_out),
            "stopped": left, "joined": registered + joined + int(transferred_in),
            "left": left + int(transferred_out)}


def files(db, scope, period, active):
    carded = {c["child_id"] for c in db[st.CARDS].find(
        dict(scope.record_filter(), form="contact_card", issued_on={"$lte": period["to"]}),
        {"child_id": 1})}
    printed = db[st.CARDS].find(dict(scope.record_filter(), **_period(period, "issued_on")),
                                {"child_id": 1, "form": 1})
    by_form = {}
    for card in printed:
        by_form.setdefault(card["form"], set()).add(card["child_id"])
    with_card = len(carded & active)
    return {"files": len(active), "with_contact_card": with_card,
            "contact_card_percent": percent(with_card, len(active)),
            "printed_in_period": {form: len(ids) for form, ids in sorted(by_form.items())}}


# -- pairing ----------------------------------------------------------------------------------------
def mentor_policy(db, county_id):
    found = db[st.POLICIES].find_one({"_id": county_id}) or db[st.POLICIES].find_one(
        {"_id": "_v1"}) or {}
    return {"mentor_scope": found.get("mentor_scope", "recommended"),
            "max_mentees": found.get("max_mentees", 3)}


def pairing(db, scope, active, policy):
    current = {"mentor": {}, "buddy": {}, "proxy_parent": {}}
    for p in db[st.PAIRINGS].find(dict(_pairing_filter(scope), status="active"),
                                  {"kind": 1, "child_id": 1, "partner_id": 1}):
        if p["child_id"] in active and p["kind"] in current:
            current[p["kind"]].setdefault(p["child_id"], set()).add(p.get("partner_id"))
    recommended = {d["_id"] for d in db[st.PRIORITY].find(
        dict(scope.record_filter(), recommended=True), {"_id": 1})} & active
    eligible = active if policy["mentor_scope"] == "all" else recommended
    mentored = set(current["mentor"])
    loads = Counter()
    for partners in current["mentor"].values():
        for teacher in partners:
            loads[teacher] += 1
    buckets = Counter("4+" if n >= 4 else str(n) for n in loads.values())
    staff = db[st.STAFF].count_documents({"school_id": {"$in": _schools(scope)},
                                          "active": True})
    return {
        "mentor_scope": policy["mentor_scope"],
        "recommended": len(recommended),
        "mentor_eligible": len(eligible),
        "mentored_eligible": len(mentored & eligible),
        "mentor_coverage_percent": percent(len(mentored & eligible), len(eligible)),
        "eligible_without_mentor": len(eligible - mentored),
        "mentored": len(mentored),
        "with_buddy": len(current["buddy"]),
        "buddy_coverage_percent": percent(len(current["buddy"]), len(active)),
        "without_buddy": len(active - set(current["buddy"])),
        "with_proxy_parent": len(current["proxy_parent"]),
        "staff": staff,
        "teachers_mentoring": len(loads),
        "mentees_per_teacher": {b: buckets.get(b, 0) for b in MENTEE_BUCKETS},
        "max_mentees": policy["max_mentees"],
        "teachers_over_limit": sum(1 for n in loads.values() if n > policy["max_mentees"]),
        "volunteers": db[st.VOLUNTEERS].count_documents(
            {"school_id": {"$in": _schools(scope)}, "active": True}),
    }


def _schools(scope):
    return [scope.school_id] if scope.type == "class" else scope.school_ids


def _pairing_filter(scope):
    if scope.type == "class":
        return {"school_id": scope.school_id}   # the child decides (active set of the class)
    return {"school_id": {"$in": scope.school_ids}}


# -- care ---------------------------------------------------------------------------------------------
def contacts(db, scope, period, active):
    records = list(db[st.CARE_RECORDS].find(
        dict(scope.record_filter(), deleted=False, **_period(period, "occurred_on")),
        {"kind": 1, "child_id": 1, "occurred_on": 1}))
    as_of = date.fromisoformat(period["as_of"])
    window = list(db[st.CARE_RECORDS].find(
        dict(scope.record_filter(), deleted=False,
             occurred_on={"$gte": (as_of - timedelta(days=29)).isoformat(),
                          "$lte": as_of.isoformat()}), {"child_id": 1, "occurred_on": 1}))
    since14 = (as_of - timedelta(days=13)).isoformat()
    reached14 = {r["child_id"] for r in window if r["occurred_on"] >= since14}
    reached30 = {r["child_id"] for r in window}
    reached = {r["child_id"] for r in records}
    return {
        "total": len(records),
        "by_kind": dict(Counter(r["kind"] for r in records)),
        "by_month": dict(sorted(Counter(r["occurred_on"][:7] for r in records).items())),
        "children_reached": len(reached & active),
        "reached_percent": percent(len(reached & active), len(active)),
        "home_visits": sum(1 for r in records if r["kind"] == "home_visit"),
        "no_contact_14_days": len(active - reached14),
        "no_contact_30_days": len(active - reached30),
    }


def diary(db, scope, period):
    entries = list(db[st.DIARY].find(
        dict(scope.record_filter(), deleted=False, **_period(period, "entry_date")),
        {"child_id": 1, "topics": 1}))
    topics = Counter(t for e in entries for t in e.get("topics") or ())
    return {"entries": len(entries), "children": len({e["child_id"] for e in entries}),
            "by_topic": dict(topics)}


def _activity_filter(scope):
    if scope.type == "class":
        return {"school_id": scope.school_id}
    return {"school_id": {"$in": scope.school_ids}}


def activities(db, scope, period):
    held = [a for a in db[st.ACTIVITIES].find(
        dict(_activity_filter(scope), state="held", **_period(period, "held_on")))
        if scope.type != "class" or not a.get("class_ids") or scope.class_id in a["class_ids"]]
    by_kind = {}
    for a in held:
        entry = by_kind.setdefault(a["kind"], {"held": 0, "left_behind_present": 0})
        entry["held"] += 1
        entry["left_behind_present"] += a.get("left_behind_present") or 0
    held.sort(key=lambda a: (a["held_on"], a["_id"]))
    radio = db[st.RADIO].count_documents(dict(_activity_filter(scope),
                                              **_period(period, "aired_on")))
    return {"held": len(held), "radio_episodes": radio, "left_behind_attendance":
            sum(a.get("left_behind_present") or 0 for a in held),
            "by_kind": by_kind,
            "examples": [{"title": a.get("title"), "kind": a["kind"], "held_on": a["held_on"],
                          "sub_theme": a.get("sub_theme"),
                          "left_behind_present": a.get("left_behind_present") or 0}
                         for a in held]}


def duty(db, scope, period):
    sessions = list(db[st.DUTY_SESSIONS].find(
        dict(_activity_filter(scope), **_period(period, "held_on")),
        {"staff_ids": 1, "left_behind_present": 1}))
    rotas = list(db[st.DUTY_ROTAS].find({"school_id": {"$in": _schools(scope)}},
                                        {"staff_ids": 1}))
    return {"sessions": len(sessions),
            "staff_on_duty": len({s for d in sessions for s in d.get("staff_ids") or ()}),
            "left_behind_attendance": sum(s.get("left_behind_present") or 0 for s in sessions),
            "schools_with_rota": len(rotas),
            "staff_on_rota": len({s for r in rotas for s in r.get("staff_ids") or ()})}


def aid(db, scope, period):
    given = list(db[st.AID].find(
        dict(scope.record_filter(), withdrawn=False, **_period(period, "occurred_on")),
        {"child_id": 1, "form": 1, "amount_fen": 1, "donor_type": 1, "quantity": 1,
         "donor_name": 1}))
    money = [a for a in given if a["form"] == "money"]
    goods = [a for a in given if a["form"] == "goods"]
    supplies = list(db[st.SUPPLIES].find(
        dict(_activity_filter(scope), **_period(period, "distributed_on"))))
    return {
        "records": len(given), "children": len({a["child_id"] for a in given}),
        "money_yuan": yuan(sum(a.get("amount_fen") or 0 for a in money)),
        "goods_records": len(goods),
        "goods_items": sum(a.get("quantity") or 0 for a in goods),
        "goods_value_yuan": yuan(sum(a.get("amount_fen") or 0 for a in goods)),
        "by_donor": dict(Counter(a["donor_type"] for a in given)),
        "donors": sorted({a["donor_name"] for a in given if a.get("donor_name")}),
        "supplies_distributions": len(supplies),
        "supplies_children": sum(s.get("child_count") or 0 for s in supplies),
        "supplies_left_behind": sum(s.get("left_behind_count") or 0 for s in supplies),
        "supplies_items": sum(s.get("items") or 0 for s in supplies),
        "supplies_value_yuan": yuan(sum(s.get("value_fen") or 0 for s in supplies)),
    }


def awards(db, scope, period):
    granted = [a for a in db[st.AWARDS].find(
        dict(scope.record_filter() if scope.type != "class" else {"school_id": scope.school_id},
             revoked=False, **_period(period, "granted_on")))]
    children = [a for a in granted if a["recipient_type"] == "child"]
    staff = [a for a in granted if a["recipient_type"] == "staff"]
    granted.sort(key=lambda a: (a["granted_on"], a["_id"]))
    return {"total": len(granted),
            "children": len({a["child_id"] for a in children}),
            "child_by_level": dict(Counter(a["level"] for a in children)),
            "staff_by_level": dict(Counter(a["level"] for a in staff)),
            "staff": len({a["staff_id"] for a in staff}),
            "titles": [{"title": a["title"], "level": a["level"],
                        "recipient_type": a["recipient_type"]} for a in granted]}


def assessment(db, scope, term):
    """Grades and behaviour term on term: children assessed in both this term and the one
    before, how many improved (average up / rating up), and per dimension (礼貌, 自理 …)."""
    if not term or parse_term(term) is None:
        return None
    before = previous_term(term)
    found = {}
    for a in db[st.ASSESSMENTS].find(dict(scope.record_filter() if scope.type != "class"
                                          else {"class_id": scope.class_id},
                                          term={"$in": [term, before]})):
        found.setdefault(a["child_id"], {})[a["term"]] = a
    pairs = [(v[before], v[term]) for v in found.values() if before in v and term in v]
    graded = [(a["average_percent"], b["average_percent"]) for a, b in pairs
              if a.get("average_percent") is not None and b.get("average_percent") is not None]
    rated = [(BEHAVIOUR_RANK[a["behaviour_rating"]], BEHAVIOUR_RANK[b["behaviour_rating"]])
             for a, b in pairs if a.get("behaviour_rating") and b.get("behaviour_rating")]
    dimensions = {}
    for a, b in pairs:
        for name, value in (b.get("dimensions") or {}).items():
            old = (a.get("dimensions") or {}).get(name)
            if old is None or value is None:
                continue
            entry = dimensions.setdefault(name, {"compared": 0, "improved": 0, "declined": 0})
            entry["compared"] += 1
            entry["improved"] += BEHAVIOUR_RANK[value] > BEHAVIOUR_RANK[old]
            entry["declined"] += BEHAVIOUR_RANK[value] < BEHAVIOUR_RANK[old]
    return {"term": term, "previous_term": before,
            "assessed": sum(1 for v in found.values() if term in v),
            "compared": len(graded),
            "grades_improved": sum(1 for a, b in graded if b > a),
            "grades_declined": sum(1 for a, b in graded if b < a),
            "average_change": round(sum(b - a for a, b in graded) / len(graded), 1)
            if graded else None,
            "behaviour_compared": len(rated),
            "behaviour_improved": sum(1 for a, b in rated if b > a),
            "behaviour_declined": sum(1 for a, b in rated if b < a),
            "dimensions": dimensions}


def reminders(db, scope, period):
    where = {"school_id": {"$in": _schools(scope)}}
    if scope.type == "class":
        where = {"school_id": scope.school_id, "child_id": {"$in": list(
            d["_id"] for d in db[st.CHILDREN].find({"class_id": scope.class_id}, {"_id": 1}))}}
    found = list(db[st.REMINDERS].find(dict(where, **_period(period, "on")),
                                       {"rule": 1, "status": 1}))
    if scope.type == "county":
        found += list(db[st.REMINDERS].find(dict(
            {"county_id": scope.county_id, "school_id": ""}, **_period(period, "on")),
            {"rule": 1, "status": 1}))
    sent = [r for r in found if r["status"] == "sent"]
    return {"sent": len(sent), "failed": sum(1 for r in found if r["status"] == "failed"),
            "by_rule": dict(Counter(r["rule"] for r in sent)),
            "overdue": sum(1 for r in sent if r["rule"] == "contact_overdue")}


def as_of_for(date_to, today=None):
    today = today or china_today()
    return min(date_to, today)
