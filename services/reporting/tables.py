"""Key figures broken down one level below a scope (county → townships and schools, township
→ schools, school → classes), counted in one pass over the read models so the rows add up
to the scope's own totals (the 统计表's sheets and the dashboard's table)."""
from collections import Counter, defaultdict
from datetime import date, timedelta

from reporting import storage as st
from reporting.figures import mentor_policy, percent, yuan

# column key -> Chinese header (the 统计表 uses the same order)
COLUMNS = (
    ("children", "留守儿童数"), ("both_parents_away", "父母均外出"),
    ("father_away", "父亲外出"), ("mother_away", "母亲外出"), ("male", "男"), ("female", "女"),
    ("guardian_weak", "监护人老弱病残"), ("hardship", "家庭困难"),
    ("with_contact_card", "已建联系卡"), ("mentored", "有帮扶教师"),
    ("with_buddy", "有手拉手好朋友"), ("with_proxy_parent", "有代理家长"),
    ("contacts", "联系次数"), ("home_visits", "家访次数"), ("children_reached", "联系到的儿童"),
    ("no_contact_30_days", "30天未联系"), ("diary_entries", "成长日记篇数"),
    ("activities", "开展活动次数"), ("left_behind_attendance", "留守儿童参加人次"),
    ("aid_children", "受资助儿童"), ("aid_yuan", "资助金额（元）"), ("child_awards", "儿童获奖"),
)
SUMMED = [key for key, _ in COLUMNS]
OTHER_ROW = {"class": "全校性（不分班级）", "school": "其他学校", "township": "其他"}


def _unit_of(scope, level):
    """How a document finds its row: by school (or township via school), or by class."""
    if level == "class":
        return lambda doc: doc.get("class_id")
    if level == "township":
        return lambda doc: doc.get("_township")
    return lambda doc: doc.get("school_id")


def units(db, scope):
    """[(row id, row name)] one level below the scope, and the level's name."""
    if scope.type == "county":
        towns = list(db[st.TOWNSHIPS].find({"county_id": scope.county_id}).sort("code", 1))
        return "township", [(t["_id"], t["name"]) for t in towns]
    if scope.type == "township":
        schools = db[st.SCHOOLS].find({"_id": {"$in": scope.school_ids}}).sort("code", 1)
        return "school", [(s["_id"], s["name"]) for s in schools]
    if scope.type == "school":
        classes = db[st.CLASSES].find({"school_id": scope.school_id})
        ordered = sorted(classes, key=lambda c: (c["grade"], c["class_number"]))
        return "class", [(c["_id"], c["name"]) for c in ordered]
    return "class", [(scope.class_id, scope.name)]


def school_units(db, scope):
    """Every school of the scope, in code order (the county 统计表's school sheet)."""
    schools = db[st.SCHOOLS].find({"_id": {"$in": scope.school_ids}}).sort("code", 1)
    return [(s["_id"], s["name"], s["township_id"]) for s in schools]


def breakdown(db, scope, period, level=None):
    """{level, rows: [{id, name, <column>: n}], total: {<column>: n}}."""
    level_name, rows = ("school", None) if level == "school" else units(db, scope)
    town_names = {t["_id"]: t["name"] for t in db[st.TOWNSHIPS].find({}, {"name": 1})}
    extra = {}
    if rows is None:   # every school of the scope (the county 统计表's school sheet)
        found = school_units(db, scope)
        rows = [(sid, name) for sid, name, _ in found]
        extra = {sid: {"township_name": town_names.get(tid, "")} for sid, _, tid in found}
    township_of = {s["_id"]: s["township_id"] for s in
                   db[st.SCHOOLS].find({"_id": {"$in": scope.school_ids}}, {"township_id": 1})}

    def tag(doc):
        doc["_township"] = township_of.get(doc.get("school_id"))
        return doc
    unit = _unit_of(scope, level_name)
    counts = defaultdict(Counter)
    children = [tag(c) for c in db[st.CHILDREN].find(
        dict(scope.child_filter(), status="active"),
        {"school_id": 1, "class_id": 1, "left_behind_type": 1, "gender": 1,
         "guardian_situation": 1, "family_hardship": 1})]
    active = {c["_id"]: c for c in children}
    for c in children:
        row = counts[unit(c)]
        row["children"] += 1
        row[c["left_behind_type"]] += 1
        row[c["gender"]] += 1
        row["guardian_weak"] += bool(c.get("guardian_situation"))
        row["hardship"] += bool(c.get("family_hardship"))
    # per child facts count in the child's row
    carded = {d["child_id"] for d in db[st.CARDS].find(
        dict(scope.record_filter(), form="contact_card", issued_on={"$lte": period["to"]}),
        {"child_id": 1})}
    paired = defaultdict(set)
    for p in db[st.PAIRINGS].find({"school_id": {"$in": scope.school_ids}, "status": "active"},
                                  {"kind": 1, "child_id": 1}):
        paired[p["kind"]].add(p["child_id"])
    as_of = date.fromisoformat(period["as_of"])
    recent = {r["child_id"] for r in db[st.CARE_RECORDS].find(
        dict(scope.record_filter(), deleted=False, occurred_on={
            "$gte": (as_of - timedelta(days=29)).isoformat(), "$lte": as_of.isoformat()}),
        {"child_id": 1})}
    for child_id, c in active.items():
        row = counts[unit(c)]
        row["with_contact_card"] += child_id in carded
        row["mentored"] += child_id in paired["mentor"]
        row["with_buddy"] += child_id in paired["buddy"]
        row["with_proxy_parent"] += child_id in paired["proxy_parent"]
        row["no_contact_30_days"] += child_id not in recent
    # records count in the row where they were made
    within = {"$gte": period["from"], "$lte": period["to"]}
    reached = defaultdict(set)
    for r in db[st.CARE_RECORDS].find(dict(scope.record_filter(), deleted=False,
                                           occurred_on=within),
                                      {"school_id": 1, "class_id": 1, "child_id": 1, "kind": 1}):
        key = unit(tag(r))
        counts[key]["contacts"] += 1
        counts[key]["home_visits"] += r["kind"] == "home_visit"
        if r["child_id"] in active:
            reached[key].add(r["child_id"])
    for key, ids in reached.items():
        counts[key]["children_reached"] = len(ids)
    for d in db[st.DIARY].find(dict(scope.record_filter(), deleted=False, entry_date=within),
                               {"school_id": 1, "class_id": 1}):
        counts[unit(tag(d))]["diary_entries"] += 1
    for a in db[st.ACTIVITIES].find({"school_id": {"$in": scope.school_ids},
                                     "state": "held", "held_on": within},
                                    {"school_id": 1, "left_behind_present": 1}):
        key = unit(tag(a))        # by class: a school-wide activity has no class: "other"
        counts[key]["activities"] += 1
        counts[key]["left_behind_attendance"] += a.get("left_behind_present") or 0
    aided, fen = defaultdict(set), Counter()
    for a in db[st.AID].find(dict(scope.record_filter(), withdrawn=False, occurred_on=within),
                             {"school_id": 1, "class_id": 1, "child_id": 1, "form": 1,
                              "amount_fen": 1}):
        key = unit(tag(a))
        aided[key].add(a["child_id"])
        if a["form"] == "money":
            fen[key] += a.get("amount_fen") or 0
    for key in set(aided) | set(fen):
        counts[key]["aid_children"] = len(aided[key])
        counts[key]["aid_yuan"] = yuan(fen[key])
    for w in db[st.AWARDS].find({"school_id": {"$in": scope.school_ids}, "revoked": False,
                                 "recipient_type": "child", "granted_on": within},
                                {"school_id": 1, "child_id": 1}):
        if level_name != "class":
            counts[unit(tag(w))]["child_awards"] += 1
        else:
            counts[(active.get(w.get("child_id")) or {}).get("class_id")]["child_awards"] += 1
    out = []
    for ident, name in rows:
        row = dict(extra.get(ident, {}), id=ident, name=name)
        row.update({key: counts[ident].get(key, 0) for key in SUMMED})
        out.append(row)
    # what belongs to no row (a record without a class, a school-wide activity, a child who
    # has left): one more row, so the rows always add up to the scope's figures
    known = {ident for ident, _ in rows}
    rest = Counter()
    for key, values in counts.items():
        if key not in known:
            rest.update(values)
    if any(rest.values()):
        row = {"id": "_other", "name": OTHER_ROW[level_name]}
        row.update({key: rest.get(key, 0) for key in SUMMED})
        out.append(row)
    total = {key: sum(r[key] for r in out) for key in SUMMED}
    total["aid_yuan"] = round(total["aid_yuan"], 2)
    policy = mentor_policy(db, scope.county_id)
    return {"level": level_name, "columns": [{"key": k, "label": v} for k, v in COLUMNS],
            "rows": out, "total": total, "mentor_scope": policy["mentor_scope"],
            "contact_card_percent": percent(total["with_contact_card"], total["children"])}
