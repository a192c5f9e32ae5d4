"""What the rules need from registry, pairing and activities, kept from their events.

Every write is idempotent and order-tolerant: entities by their version or revision
(`upsert_if_newer`), pairings by id with an end that a late start cannot undo, the last
contact per child and kind as a monotone maximum (a withdrawn or corrected record recomputes
it, guarded so a newer record written meanwhile wins). Each change puts the subject on the
agenda (storage.touch) so the next tick looks at it; nothing here decides a reminder.
"""
from pymongo.errors import DuplicateKeyError

from carekit.events.projection import upsert, upsert_if_newer
from notifications import storage as st
from notifications.clock import at_china

NEVER_REVISED = 10 ** 9  # v1 DiaryEntryDeleted carries no revision: a deletion is final


def _day(value):
    return value.isoformat() if value is not None else None


def _upsert(collection, key, match, change):
    """update_one with upsert where the document must also match `match`; one that exists
    but does not match is left alone (the insert collides with its _id)."""
    try:
        return collection.update_one(dict(match, _id=key), change, upsert=True)
    except DuplicateKeyError:
        return collection.update_one(dict(match, _id=key), change)


# -- registry -------------------------------------------------------------------------------------
def school(db, data):
    upsert_if_newer(db[st.SCHOOLS], data["school_id"], data["version"], {
        "name": data["name"], "county_id": data["county_id"],
        "township_id": data["township_id"]})


def klass(db, data):
    upsert_if_newer(db[st.CLASSES], data["class_id"], data["version"], {
        "school_id": data["school_id"], "name": data["name"],
        "head_teacher_id": data.get("head_teacher_id")})


def staff(db, data):
    upsert_if_newer(db[st.STAFF], data["staff_id"], data["version"], {
        "school_id": data["school_id"], "name": data["name"], "roles": list(data["roles"]),
        "active": bool(data["active"])})


def volunteer(db, data):
    upsert_if_newer(db[st.VOLUNTEERS], data["volunteer_id"], data["version"], {
        "school_id": data["school_id"], "name": data["name"], "active": bool(data["active"])})


def child(db, data, registered_on=None, status_since=None):
    fields = {"name": data["name"], "school_id": data["school_id"],
              "class_id": data["class_id"], "township_id": data["township_id"],
              "birth_date": _day(data["birth_date"]), "status": data["status"],
              "left_behind_type": data["left_behind_type"]}
    if status_since is not None:
        fields["status_since"] = _day(status_since)
    upsert_if_newer(db[st.CHILDREN], data["child_id"], data["version"], fields)
    if registered_on is not None:  # never changes; only ChildRegistered carries it
        db[st.CHILDREN].update_one({"_id": data["child_id"]},
                                   {"$set": {"registered_on": _day(registered_on)}})
    st.touch(db, "child", data["child_id"])


# -- pairing ----------------------------------------------------------------------------------------
def _pairing_fields(data, kind, partner_id, partner_name):
    return {"kind": kind, "child_id": data["child_id"], "school_id": data["school_id"],
            "partner_id": partner_id, "partner_name": partner_name,
            "started_on": _day(data["started_on"])}


def pairing_started(db, data, kind, partner_id, partner_name=None):
    fields = dict(_pairing_fields(data, kind, partner_id, partner_name), status="active")
    _upsert(db[st.PAIRINGS], data["pairing_id"], {"status": {"$ne": "ended"}},
            {"$set": fields})  # an end that arrived first stays an end
    st.touch(db, "child", data["child_id"])


def pairing_ended(db, data, kind, partner_id, partner_name=None, needs_repairing=None):
    fields = dict(_pairing_fields(data, kind, partner_id, partner_name), status="ended",
                  ended_on=_day(data["ended_on"]), reason=data["reason"])
    if needs_repairing is not None:  # only PairingEnded says so (a registry change)
        fields["needs_repairing"] = bool(needs_repairing)
    upsert(db[st.PAIRINGS], data["pairing_id"], {"$set": fields})
    st.touch(db, "child", data["child_id"])


# -- pairing: who is within the county's mentor scope ------------------------------------------------
def pairing_policy(db, data):
    """v2 names the county and its mentor scope; a v1 policy (one for all, before counties)
    says nothing about scope, so the pairing default stands until the county's v2 arrives."""
    if not data.get("county_id"):
        return
    if upsert_if_newer(db[st.PAIRING_POLICIES], data["county_id"], data["policy_version"],
                       {"mentor_scope": data["mentor_scope"]}, "policy_version"):
        school_ids = [d["_id"] for d in db[st.SCHOOLS].find({"county_id": data["county_id"]},
                                                            {"_id": 1})]
        child_ids = [d["_id"] for d in db[st.CHILDREN].find({"school_id": {"$in": school_ids}},
                                                            {"_id": 1})]
        st.touch_many(db, {"kind": "child", "subject_id": {"$in": child_ids}})


def priority(db, data, recommended, at):
    """A class's 典型 (priority) children recommended or withdrawn. Events carry no revision,
    so each child keeps the instant of the latest decision about it: an older one arriving
    late changes nothing. A recommendation and the withdrawals it causes are one write and
    never name the same child."""
    stamp = at.timestamp()
    for child_id in data["child_ids"]:
        _upsert(db[st.PRIORITY], child_id,
                {"$or": [{"at": {"$lt": stamp}}, {"at": {"$exists": False}}]},
                {"$set": {"recommended": recommended, "at": stamp,
                          "class_id": data["class_id"], "school_id": data["school_id"]}})
        st.touch(db, "child", child_id)


# -- activities: the duty rota (轮流值日) ----------------------------------------------------------------
def duty_rota(db, data):
    if upsert_if_newer(db[st.ROTAS], data["school_id"], data["revision"], {
            "effective_from": _day(data["effective_from"]),
            "slots": [{"weekday": slot["weekday"], "period": slot["period"],
                       "staff_ids": list(slot["staff_ids"])} for slot in data["slots"]]},
            "revision"):
        st.touch(db, "duty", data["school_id"])


def duty_swap(db, data):
    """代班: on one date and period a substitute is on duty instead of a rota member."""
    if upsert_if_newer(db[st.DUTY_SWAPS], data["swap_id"], data["revision"], {
            "school_id": data["school_id"], "duty_date": _day(data["duty_date"]),
            "period": data["period"], "staff_id": data["staff_id"],
            "substitute_id": data["substitute_id"]}, "revision"):
        st.touch(db, "duty", data["school_id"])


# -- activities: care records -------------------------------------------------------------------------
def _safe(key):
    return str(key).replace(".", "_").replace("$", "_")


def _raise_last(db, child_id, kind, at, record_id):
    path = "last." + kind
    _upsert(db[st.CHILDREN], child_id,
            {"$or": [{path + ".at": {"$lt": at}}, {path + ".at": {"$exists": False}}]},
            {"$set": {path: {"at": at, "record_id": record_id}}})


def _recompute_last(db, child_id, kind, record_id):
    """`record_id` no longer counts as the last `kind` contact: put the newest remaining one
    there, unless another record has taken its place meanwhile."""
    best = db[st.CARE_RECORDS].find_one({"child_id": child_id, "kind": kind, "deleted": False},
                                        sort=[("occurred_at", -1)])
    path = "last." + kind
    guard = {"_id": child_id, path + ".record_id": record_id}
    if best is None:
        db[st.CHILDREN].update_one(guard, {"$unset": {path: ""}})
    else:
        db[st.CHILDREN].update_one(guard, {"$set": {path: {"at": best["occurred_at"],
                                                           "record_id": best["_id"]}}})


def _set_flag(db, child_id, item_id, flag):
    path = "flags." + _safe(item_id)
    if flag:
        upsert(db[st.CHILDREN], child_id, {"$set": {path: flag}})
    else:
        db[st.CHILDREN].update_one({"_id": child_id}, {"$unset": {path: ""}})


def care_record(db, data, deleted=False):
    record_id, revision, child_id = data["record_id"], data["revision"], data["child_id"]
    at = data["occurred_at"].timestamp()
    before = db[st.CARE_RECORDS].find_one({"_id": record_id})
    applied = upsert_if_newer(db[st.CARE_RECORDS], record_id, revision, {
        "child_id": child_id, "kind": data["kind"], "occurred_at": at, "deleted": deleted,
        "by_id": data.get("by_id") or data.get("deleted_by"),
        "flagged": bool(data.get("flagged")) and not deleted}, "revision")
    if not applied:
        return
    if not deleted:
        _raise_last(db, child_id, data["kind"], at, record_id)
    if before is not None and (deleted or before["kind"] != data["kind"]
                               or at < before["occurred_at"]):
        _recompute_last(db, child_id, before["kind"], record_id)
    _follow_ups(db, data, deleted)
    _set_flag(db, child_id, "care-" + record_id,
              {"at": at, "by_id": data["by_id"], "kind": data["kind"]}
              if data.get("flagged") and not deleted else None)
    st.touch(db, "child", child_id)


def _follow_ups(db, data, deleted):
    record_id, revision = data["record_id"], data["revision"]
    current = [] if deleted else list(data.get("follow_ups") or [])
    for item in current:
        upsert_if_newer(db[st.FOLLOW_UPS], item["action_id"], revision, {
            "record_id": record_id, "child_id": data["child_id"], "owner_id": item["owner_id"],
            "due_on": _day(item["due_on"]), "done": bool(item.get("done")),
            "withdrawn": False}, "revision")
    db[st.FOLLOW_UPS].update_many(
        {"record_id": record_id, "revision": {"$lt": revision},
         "_id": {"$nin": [item["action_id"] for item in current]}},
        {"$set": {"withdrawn": True, "revision": revision}})


def diary_entry(db, data, revision, deleted=False):
    fields = {"child_id": data["child_id"], "deleted": deleted}
    if not deleted:
        fields.update(flagged=bool(data["flagged"]), by_id=data["by_id"],
                      entry_date=_day(data["entry_date"]))
    if not upsert_if_newer(db[st.DIARY], data["entry_id"], revision, fields, "revision"):
        return
    flagged = not deleted and data["flagged"]
    _set_flag(db, data["child_id"], "diary-" + data["entry_id"], {
        "at": _noon_of(data["entry_date"]), "by_id": data["by_id"], "kind": "diary"}
        if flagged else None)
    st.touch(db, "child", data["child_id"])


def _noon_of(day):
    return at_china(day, "12:00").timestamp()


# -- activities: group activities -----------------------------------------------------------------------
def activity(db, data, state):
    fields = {"school_id": data["school_id"], "kind": data["kind"], "state": state,
              "starts_at": data["starts_at"].timestamp()}
    if state != "cancelled":
        fields.update(title=data["title"], organiser_id=data["organiser_id"],
                      ends_at=data["ends_at"].timestamp() if data.get("ends_at") else None)
    if upsert_if_newer(db[st.ACTIVITIES], data["activity_id"], data["revision"], fields,
                       "revision"):
        st.touch(db, "activity", data["activity_id"])
