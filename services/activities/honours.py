"""Honours and outcomes: awards to children (自强少年) and teachers (优秀教师), and per-term
assessments (grades by subject, behaviour rating) so that "成绩提高了, 行为习惯好了" can be
reported with numbers."""
from pymongo.errors import DuplicateKeyError

from activities import domain, projection, storage
from activities.domain import Problems, iso_day
from carekit import paging
from carekit.errors import Conflict, NotFound


# -- awards --------------------------------------------------------------------------------------
def _check_competition(db, problems, data, school_id):
    """The competition an award came from: a competition of the recipient's school, held;
    a child must have been there."""
    if not data.get("activity_id"):
        return
    activity = db[storage.GROUP_ACTIVITIES].find_one({"_id": data["activity_id"]},
                                                     {"attendance": 0, "_outbox": 0})
    if activity is None or activity["school_id"] != school_id:
        problems.add("activity_id", "unknown_activity", "找不到本校的该项活动")
    elif activity["kind"] != "competition":
        problems.add("activity_id", "not_competition", "荣誉应来自一项比赛")
    elif activity["status"] != "held":
        problems.add("activity_id", "not_held", "该比赛尚未举行")
    elif data.get("child_id") and data["child_id"] not in (activity.get("present_child_ids")
                                                           or []):
        problems.add("activity_id", "not_present", "该同学没有参加这项比赛")


def grant_award(db, outbox, data):
    current = domain.now()
    problems = Problems()
    if data["recipient_type"] == "child":
        recipient = projection.check_child(db, problems, data["child_id"])
    else:
        recipient = projection.person(db, data["staff_id"])
        if recipient is None or recipient["type"] != "staff":
            problems.add("staff_id", "unknown_staff", "找不到该教师（信息可能尚未同步）")
            recipient = None
    domain.check_day(problems, "granted_on", data["granted_on"], None, current)
    if recipient is not None:
        _check_competition(db, problems, data, recipient["school_id"])
    problems.raise_if_any()
    doc = {"_id": domain.new_id("aw", data["award_id"]),
           "recipient_type": data["recipient_type"], "child_id": data.get("child_id"),
           "staff_id": data.get("staff_id"), "school_id": recipient["school_id"],
           "class_id": recipient.get("class_id") if data["recipient_type"] == "child" else None,
           "title": data["title"], "level": data["level"],
           "granted_on": iso_day(data["granted_on"]), "awarded_by": data.get("awarded_by"),
           "awarding_body": data.get("awarding_body"),
           "activity_id": data.get("activity_id"), "notes": data.get("notes"),
           "recorded_by": data["recorded_by"], "revision": 1, "revoked": False,
           "at": domain.day_start(data["granted_on"]), "created_at": domain.stamp(current)}
    event = outbox.event("AwardGranted", {
        "award_id": doc["_id"], "revision": 1, "recipient_type": doc["recipient_type"],
        "child_id": doc["child_id"], "staff_id": doc["staff_id"],
        "school_id": doc["school_id"], "class_id": doc["class_id"], "title": doc["title"],
        "level": doc["level"], "granted_on": doc["granted_on"],
        "awarding_body": doc["awarding_body"], "activity_id": doc["activity_id"],
        "recorded_by": doc["recorded_by"]}, subject=doc["child_id"] or doc["staff_id"],
        version=2)
    return award_view(storage.insert_once(
        db, outbox, storage.AWARDS, doc, [event], lambda d: (d["title"], d["granted_on"]),
        "该荣誉编号已被另一项荣誉使用"))


def revoke_award(db, outbox, data):
    current = domain.now()
    doc = storage.load(db, storage.AWARDS, "找不到该荣誉", award_id=data["award_id"])
    if doc.get("revoked"):
        return award_view(doc)  # already withdrawn: nothing changes, nothing is published
    revision = doc.get("revision", 1) + 1
    revoked_on = iso_day(domain.local_date(current))
    event = outbox.event("AwardRevoked", {
        "award_id": doc["_id"], "revision": revision, "recipient_type": doc["recipient_type"],
        "child_id": doc.get("child_id"), "staff_id": doc.get("staff_id"),
        "school_id": doc["school_id"], "revoked_on": revoked_on,
        "revoked_by": data["revoked_by"], "reason_code": data["reason_code"]},
        subject=doc.get("child_id") or doc.get("staff_id"))
    change = {"revoked": True, "revision": revision, "revoked_on": revoked_on,
              "revoked_at": domain.stamp(current), "revoked_by": data["revoked_by"],
              "revoke_reason_code": data["reason_code"], "revoke_reason": data.get("reason")}
    result = outbox.update(storage.AWARDS, {"_id": doc["_id"], "revoked": {"$ne": True}},
                           {"$set": change}, [event])
    if not result.matched_count:
        return award_view(storage.load(db, storage.AWARDS, "找不到该荣誉",
                                       award_id=data["award_id"]))
    return award_view(dict(doc, **change))


def award_view(doc):
    out = storage.view(doc)
    out["level_label"] = domain.AWARD_LEVEL_LABELS[doc["level"]]
    out["recipient_label"] = domain.RECIPIENT_LABELS[doc["recipient_type"]]
    out["revoked"] = bool(doc.get("revoked"))
    out["awarding_body_label"] = domain.AWARDING_BODY_LABELS.get(doc.get("awarding_body"))
    if out["revoked"]:
        out["revoke_reason_label"] = domain.REVOKE_REASON_LABELS[doc["revoke_reason_code"]]
    return out


def awards(db, data):
    key = next(k for k in ("child_id", "staff_id", "school_id") if data.get(k))
    docs = db[storage.AWARDS].find({key: data[key]}, {"_outbox": 0}).sort(
        [("at", -1), ("_id", -1)])
    return [award_view(doc) for doc in docs
            if data.get("include_revoked") or not doc.get("revoked")]


# -- assessments -----------------------------------------------------------------------------------
def record_assessment(db, outbox, data):
    """One assessment per child and term; recording it again is a correction (history kept).
    A correction must name the revision it corrects, so two people never overwrite each
    other unknowingly."""
    current = domain.now()
    child = projection.known_child(db, data["child_id"])
    assessment_id = domain.stable_id("as", data["child_id"], data["term"])
    stored = db[storage.ASSESSMENTS].find_one({"_id": assessment_id})
    if stored is not None and data.get("revision") != stored["revision"]:
        raise Conflict("该学期已有评价，请刷新后在最新版本上修改", code="stale_revision",
                       current_revision=stored["revision"])
    scores = [{"subject": s["subject"], "score": s["score"], "full_marks": s["full_marks"]}
              for s in data["scores"]]
    dimensions = {d: (data.get("dimensions") or {}).get(d) for d in domain.DIMENSION_LABELS}
    fields = {"scores": scores, "average_percent": domain.average_percent(scores),
              "behaviour_rating": data.get("behaviour_rating"), "dimensions": dimensions,
              "comment": data.get("comment"),
              "recorded_by": data["recorded_by"], "recorded_at": domain.stamp(current)}
    revision = (stored or {}).get("revision", 0) + 1
    doc = dict(fields, _id=assessment_id, child_id=child["_id"], term=data["term"],
               school_id=(stored or child)["school_id"],
               class_id=(stored or child).get("class_id"), revision=revision)
    event = outbox.event("AssessmentRecorded", {
        "assessment_id": assessment_id, "revision": revision, "child_id": doc["child_id"],
        "school_id": doc["school_id"], "class_id": doc["class_id"], "term": doc["term"],
        "scores": scores, "average_percent": doc["average_percent"],
        "behaviour_rating": doc["behaviour_rating"], "dimensions": dimensions,
        "recorded_by": doc["recorded_by"]}, subject=doc["child_id"], version=2)
    if stored is None:
        try:
            outbox.insert(storage.ASSESSMENTS, dict(doc, history={}), [event])
        except DuplicateKeyError:
            raise Conflict("该学期的评价刚被他人录入，请刷新后再改", code="stale_revision")
        return assessment_view(doc)
    previous = {k: stored.get(k) for k in fields}
    change = dict(fields, revision=revision)
    change[storage.history_key(stored["revision"])] = dict(previous,
                                                           revision=stored["revision"])
    result = outbox.update(storage.ASSESSMENTS,
                           {"_id": assessment_id, "revision": stored["revision"]},
                           {"$set": change}, [event])
    if not result.matched_count:
        raise Conflict("该学期的评价刚被他人修改，请刷新后再改", code="stale_revision")
    return assessment_view(dict(stored, **change))


def assessment_view(doc, with_history=False):
    out = storage.view(doc, with_history=with_history)
    out["behaviour_label"] = domain.BEHAVIOUR_LABELS.get(doc.get("behaviour_rating"))
    out["dimensions"] = {d: (doc.get("dimensions") or {}).get(d) for d in domain.DIMENSION_LABELS}
    out["dimension_labels"] = {d: domain.BEHAVIOUR_LABELS.get(r)
                               for d, r in out["dimensions"].items()}
    for score in out.get("scores") or []:
        score["subject_label"] = domain.SUBJECT_LABELS.get(score["subject"], score["subject"])
    return out


def assessments_of(db, child_id):
    """A child's assessments, oldest term first, each with its change from the term before."""
    docs = list(db[storage.ASSESSMENTS].find({"child_id": child_id}, {"_outbox": 0}))
    if not docs and projection.child(db, child_id) is None:
        raise NotFound("找不到该儿童", child_id=child_id)
    return {"child_id": child_id,
            "terms": domain.progress([assessment_view(doc) for doc in docs])}


def dimension_progress(db, data):
    """For a term, each assessed child of a school or class: how each dimension (礼貌, 自理,
    自立自强) moved since the child's previous assessed term; the summary counts all of them,
    the children come one page at a time."""
    scope = {"class_id": data["class_id"]} if data.get("class_id") else \
        {"school_id": data["school_id"]}
    docs = list(db[storage.ASSESSMENTS].find(dict(scope, term={"$lte": data["term"]}),
                                             {"child_id": 1, "term": 1, "dimensions": 1}))
    by_child = {}
    for doc in docs:
        by_child.setdefault(doc["child_id"], []).append(doc)
    rows = []
    for child_id, terms in by_child.items():
        terms.sort(key=lambda d: d["term"])
        if terms[-1]["term"] != data["term"]:
            continue
        previous = terms[-2] if len(terms) > 1 else None
        rows.append({"child_id": child_id, "term": data["term"],
                     "previous_term": previous["term"] if previous else None,
                     "dimensions": terms[-1].get("dimensions") or {},
                     "changes": domain.dimension_changes(previous, terms[-1])
                     if previous else {}})
    found = paging.page(rows, lambda r: (r["child_id"],), (str,), data.get("cursor"),
                        data["limit"])
    return dict(scope, term=data["term"], children_assessed=len(rows),
                summary=domain.dimension_summary([r["changes"] for r in rows]),
                children=found["items"], next_cursor=found["next_cursor"])
