"""Duty as it happens: a one-date swap (代班) and the duty sessions actually held (who was
there, which children came, what was done). The rota (`rota`) says who should be on duty;
this says who was.

A swap is one document per school, date, period and replaced teacher (again: replaced, with
a higher revision). A session is one document per school, date and period; recording it
again is a correction and must name the revision it corrects.
"""
from pymongo.errors import DuplicateKeyError

from activities import domain, projection, rota, storage
from activities.domain import Problems, iso_day
from carekit import paging
from carekit.documents import NO_OUTBOX
from carekit.errors import Conflict

SESSION_KEY_SHAPE = (str, str)


# -- swaps (代班) ------------------------------------------------------------------------------------
def swap(db, outbox, data):
    current = domain.now()
    projection.known_school(db, data["school_id"])
    school_id, day, period = data["school_id"], data["duty_date"], data["period"]
    problems = Problems()
    projection.check_staff_on_duty(db, problems, [("substitute_id", data["substitute_id"])],
                                   school_id)
    slot = next((s for s in domain.duty_slots(rota.in_force(db, school_id, day), day)
                 if s["period"] == period), None)
    if slot is None or data["staff_id"] not in slot["staff_ids"]:
        problems.add("staff_id", "not_on_duty", "该教师当天该时段不在值日表上")
    elif data["substitute_id"] in slot["staff_ids"]:
        problems.add("substitute_id", "already_on_duty", "代班教师当天该时段本来就值日")
    problems.raise_if_any()
    swap_id = domain.stable_id("dw", school_id, iso_day(day), period, data["staff_id"])
    stored = db[storage.DUTY_SWAPS].find_one({"_id": swap_id})
    revision = (stored or {}).get("revision", 0) + 1
    doc = {"_id": swap_id, "school_id": school_id, "duty_date": iso_day(day),
           "period": period, "staff_id": data["staff_id"],
           "substitute_id": data["substitute_id"], "reason": data.get("reason"),
           "by": data["by"], "revision": revision, "recorded_at": domain.stamp(current)}
    event = outbox.event("DutySwapped", dict({k: doc[k] for k in (
        "school_id", "duty_date", "period", "staff_id", "substitute_id", "by", "revision")},
        swap_id=swap_id), subject=school_id)
    _save(db, outbox, storage.DUTY_SWAPS, stored, doc, [event], "代班")
    return swap_view(doc)


def _save(db, outbox, collection, stored, doc, events, noun):
    """Insert, or replace the stored one if still at the revision read: else Conflict."""
    try:
        if stored is None:
            outbox.insert(collection, doc, events)
            return
    except DuplicateKeyError:
        pass
    else:
        change = {k: v for k, v in doc.items() if k != "_id"}
        if outbox.update(collection, {"_id": doc["_id"], "revision": stored["revision"]},
                         {"$set": change}, events).matched_count:
            return
    raise Conflict("{}刚被他人修改，请刷新后再试".format(noun), code="stale_revision")


def swap_view(doc):
    out = storage.view(doc)
    out["period_label"] = domain.DUTY_PERIODS[doc["period"]]
    return out


# -- sessions held ---------------------------------------------------------------------------------
def record_session(db, outbox, data):
    current = domain.now()
    projection.known_school(db, data["school_id"])
    school_id, day, period = data["school_id"], data["held_on"], data["period"]
    problems = Problems()
    domain.check_day(problems, "held_on", day, None, current)
    projection.check_staff_on_duty(db, problems, [
        ("staff_ids.{}".format(i), s) for i, s in enumerate(data["staff_ids"])], school_id)
    known = projection.check_children_of(db, problems, "child_ids", data["child_ids"],
                                         school_id)
    session_id = domain.stable_id("dt", school_id, iso_day(day), period)
    stored = db[storage.DUTY_SESSIONS].find_one({"_id": session_id})
    if stored is not None and data.get("revision") != stored["revision"]:
        raise Conflict("该时段的值日已登记，请在最新版本上修改", code="stale_revision",
                       current_revision=stored["revision"])
    problems.raise_if_any()
    version, slots = rota.scheduled(db, school_id, day)
    slot = next((s for s in slots if s["period"] == period), None)
    on_duty = slot["staff_ids"] if slot else []
    left_behind = [c for c in data["child_ids"] if known[c].get("status") == "active"]
    doc = {"_id": session_id, "school_id": school_id, "held_on": iso_day(day),
           "period": period, "rota_revision": version["revision"] if version else None,
           "on_duty_staff_ids": list(on_duty), "staff_ids": list(data["staff_ids"]),
           "off_rota_staff_ids": [s for s in data["staff_ids"] if s not in on_duty],
           "present_child_ids": list(data["child_ids"]),
           "left_behind_child_ids": left_behind, "place": data.get("place"),
           "activities": list(data["activities"]), "notes": data.get("notes"),
           "recorded_by": data["recorded_by"], "recorded_at": domain.stamp(current),
           "revision": (stored or {}).get("revision", 0) + 1}
    event = outbox.event("DutySessionHeld", dict(
        {k: doc[k] for k in ("school_id", "held_on", "period", "rota_revision",
                             "on_duty_staff_ids", "staff_ids", "off_rota_staff_ids",
                             "present_child_ids", "activities", "recorded_by", "revision")},
        session_id=session_id, staff_present=len(doc["staff_ids"]),
        present=len(doc["present_child_ids"]), left_behind_present=len(left_behind)),
        subject=school_id)
    _save(db, outbox, storage.DUTY_SESSIONS, stored, doc, [event], "值日记录")
    return session_view(doc)


def session_view(doc):
    out = storage.view(doc)
    out["period_label"] = domain.DUTY_PERIODS[doc["period"]]
    out["activity_labels"] = [domain.DUTY_ACTIVITIES[a] for a in doc.get("activities") or []]
    out["present"] = len(doc.get("present_child_ids") or [])
    out["left_behind_present"] = len(doc.get("left_behind_child_ids") or [])
    return out


def sessions(db, data):
    """A school's duty sessions between two dates, oldest first, one page at a time."""
    query = {"school_id": data["school_id"],
             "held_on": {"$gte": iso_day(data["date_from"]), "$lte": iso_day(data["date_to"])}}
    docs = db[storage.DUTY_SESSIONS].find(query, NO_OUTBOX)
    found = paging.page([session_view(d) for d in docs],
                        lambda s: (s["held_on"], s["period"]), SESSION_KEY_SHAPE,
                        data.get("cursor"), data["limit"])
    return {"school_id": data["school_id"], "sessions": found["items"],
            "next_cursor": found["next_cursor"]}
