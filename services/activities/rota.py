"""Duty rota (轮流值日) for after-school activities: mentors take turns by weekday, at noon
and after class, in the activity room or on the playground. One document per school holds
the rota in force and every earlier version, so "who was on duty that day" stays answerable.
Each version is published (DutyRotaSet); a one-date swap (代班, see `duty`) changes who is on
duty on that date only.
"""
from pymongo.errors import DuplicateKeyError

from activities import domain, projection, storage
from activities.domain import Problems, iso_day
from carekit.documents import plain
from carekit.errors import Conflict, NotFound


def _slots(data):
    return sorted(({"weekday": s["weekday"], "period": s["period"], "place": s.get("place"),
                    "staff_ids": list(s["staff_ids"]), "activities": list(s["activities"])}
                   for s in data["slots"]), key=lambda s: (s["weekday"], s["period"]))


def set_rota(db, outbox, data):
    current = domain.now()
    projection.known_school(db, data["school_id"])
    problems = Problems()
    projection.check_staff_on_duty(db, problems, [
        ("slots.{}.staff_ids.{}".format(index, position), staff_id)
        for index, slot in enumerate(data["slots"])
        for position, staff_id in enumerate(slot["staff_ids"])], data["school_id"])
    problems.raise_if_any()
    slots = _slots(data)
    collection = db[storage.DUTY_ROTAS]
    stored = collection.find_one({"_id": data["school_id"]}) or {"revision": 0, "versions": {}}
    revision = stored["revision"] + 1
    version = {"revision": revision, "effective_from": iso_day(data["effective_from"]),
               "slots": slots, "set_by": data["set_by"], "set_at": domain.stamp(current)}
    event = outbox.event("DutyRotaSet", {
        "school_id": data["school_id"], "revision": revision,
        "effective_from": version["effective_from"], "set_by": data["set_by"],
        "slots": [{k: s[k] for k in ("weekday", "period", "staff_ids", "activities")}
                  for s in slots]}, subject=data["school_id"])
    # Versions live under versions.r<N> (a $set of a sub-document: atomic, and stored as a
    # document by the stand-in too); the revision condition turns a race into a Conflict.
    try:
        if stored["revision"] == 0:
            outbox.insert(storage.DUTY_ROTAS, {
                "_id": data["school_id"], "school_id": data["school_id"],
                "revision": revision, "versions": {"r1": version}}, [event])
            matched = True
        else:
            matched = outbox.update(
                storage.DUTY_ROTAS, {"_id": data["school_id"], "revision": stored["revision"]},
                {"$set": {"revision": revision, "versions.r{}".format(revision): version}},
                [event]).matched_count
    except DuplicateKeyError:
        matched = False
    if not matched:
        raise Conflict("值日表刚被他人修改，请刷新后再试", code="stale_revision")
    return rota_view(data["school_id"], version)


def versions(db, school_id):
    doc = db[storage.DUTY_ROTAS].find_one({"_id": school_id})
    if doc is None:
        raise NotFound("该校还没有值日表", school_id=school_id)
    return list((doc.get("versions") or {}).values())


def in_force(db, school_id, day):
    """The rota version in force on `day`, or None (no rota at all, or none yet then)."""
    doc = db[storage.DUTY_ROTAS].find_one({"_id": school_id})
    return domain.rota_in_force(list(((doc or {}).get("versions") or {}).values()), day)


def get_rota(db, school_id, day=None):
    version = domain.rota_in_force(versions(db, school_id), day or domain.today())
    if version is None:
        raise NotFound("该日期还没有生效的值日表", school_id=school_id)
    return rota_view(school_id, version)


def rota_view(school_id, version):
    out = plain(dict(version, school_id=school_id))
    for slot in out["slots"]:
        label(slot)
    return out


def label(slot):
    slot["weekday_label"] = domain.WEEKDAY_LABELS[slot["weekday"]]
    slot["period_label"] = domain.DUTY_PERIODS[slot["period"]]
    slot["activity_labels"] = [domain.DUTY_ACTIVITIES[a] for a in slot.get("activities", [])]
    return slot


def swaps_on(db, school_id, day):
    return list(db[storage.DUTY_SWAPS].find({"school_id": school_id,
                                             "duty_date": iso_day(day)}))


def scheduled(db, school_id, day):
    """(rota version or None, [slot with `staff_ids` after that date's swaps]) for a date."""
    version = in_force(db, school_id, day)
    swaps = swaps_on(db, school_id, day)
    slots = []
    for slot in domain.duty_slots(version, day):
        slot = dict(slot, rota_staff_ids=list(slot["staff_ids"]),
                    staff_ids=domain.with_swaps(slot, swaps),
                    swaps=[{"staff_id": s["staff_id"], "substitute_id": s["substitute_id"]}
                           for s in swaps if s["period"] == slot["period"]])
        slots.append(slot)
    return version, slots


def on_duty(db, school_id, day=None):
    """Who is on duty on a day: the rota in force then, that weekday's slots, that date's
    swaps applied. A teacher who has since left is listed apart, so the gap shows."""
    day = day or domain.today()
    versions(db, school_id)  # NotFound when the school has no rota at all
    version, slots = scheduled(db, school_id, day)
    members = projection.staff(db, {s for slot in slots for s in slot["staff_ids"]})
    out = []
    for slot in slots:
        slot = label(plain(dict(slot)))
        slot["inactive_staff_ids"] = [s for s in slot["staff_ids"]
                                      if not members.get(s, {}).get("active")]
        slot["staff_ids"] = [s for s in slot["staff_ids"] if s not in
                             slot["inactive_staff_ids"]]
        out.append(slot)
    return {"school_id": school_id, "date": iso_day(day), "weekday": day.isoweekday(),
            "weekday_label": domain.WEEKDAY_LABELS[day.isoweekday()],
            "rota_revision": version["revision"] if version else None, "slots": out}
