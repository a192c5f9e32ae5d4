"""Read models from events only: every write is idempotent and order-tolerant.

- Entities with a version or revision: `upsert_if_newer` (a late or repeated event loses).
- Facts that happen once (a child's registration, a transfer, a printed card): one document
  keyed by what identifies the fact, written with the same content every time.
- Pairings and awards: an end (or a revocation) that arrives before its start stays an end.
Nothing here counts; figures.py counts from these documents when asked.
"""
from pymongo.errors import DuplicateKeyError

from carekit.clock import china_date
from carekit.events.projection import upsert, upsert_if_newer
from reporting import storage as st

FINAL = 10 ** 9          # a deletion without a revision is final


def _day(value):
    return value.isoformat() if value is not None else None


def _guarded_upsert(collection, key, match, change):
    """upsert where an existing document must also match `match` (else left alone)."""
    try:
        collection.update_one(dict(match, _id=key), change, upsert=True)
    except DuplicateKeyError:
        collection.update_one(dict(match, _id=key), change)


# -- organisation ---------------------------------------------------------------------------------
def county(db, data):
    upsert_if_newer(db[st.COUNTIES], data["county_id"], data["version"],
                    {"name": data["name"], "code": data["code"]})


def township(db, data):
    upsert_if_newer(db[st.TOWNSHIPS], data["township_id"], data["version"], {
        "name": data["name"], "code": data["code"], "county_id": data["county_id"]})


def school(db, data):
    upsert_if_newer(db[st.SCHOOLS], data["school_id"], data["version"], {
        "name": data["name"], "code": data["code"], "county_id": data["county_id"],
        "township_id": data["township_id"], "township_name": data.get("township_name"),
        "enrolment": data.get("enrolment")})


def klass(db, data):
    upsert_if_newer(db[st.CLASSES], data["class_id"], data["version"], {
        "school_id": data["school_id"], "township_id": data["township_id"],
        "grade": data["grade"], "class_number": data["class_number"], "name": data["name"],
        "head_teacher_id": data.get("head_teacher_id"), "enrolment": data.get("enrolment")})


def staff(db, data):
    upsert_if_newer(db[st.STAFF], data["staff_id"], data["version"], {
        "school_id": data["school_id"], "township_id": data["township_id"],
        "roles": list(data["roles"]), "active": bool(data["active"])})


def volunteer(db, data):
    upsert_if_newer(db[st.VOLUNTEERS], data["volunteer_id"], data["version"], {
        "school_id": data["school_id"], "township_id": data["township_id"],
        "kind": data["kind"], "active": bool(data["active"])})


# -- children ----------------------------------------------------------------------------------------
def _guardian_situation(data):
    """v2 carries the list (老弱病残); v1 only the most serious one (guardian_health)."""
    situation = data.get("guardian_situation")
    if situation is not None:
        return sorted(situation)
    health = data.get("guardian_health")
    if health is None:
        return None
    return [] if health == "healthy" else [health]


def child(db, data):
    """The child as the newest event says (the snapshot every child event carries). The
    name is not kept: reports count children, they never list them."""
    upsert_if_newer(db[st.CHILDREN], data["child_id"], data["version"], {
        "school_id": data["school_id"], "class_id": data["class_id"],
        "township_id": data["township_id"], "grade": data["grade"],
        "gender": data["gender"], "left_behind_type": data["left_behind_type"],
        "status": data["status"], "guardian_relation": data.get("guardian_relation"),
        "guardian_situation": _guardian_situation(data),
        "guardian_literacy": data.get("guardian_literacy"),
        "family_hardship": bool(data.get("family_hardship")),
        "low_income_registered": bool(data.get("low_income_registered")),
        "special_needs": list(data.get("special_needs") or []),
        "migrant_left_behind": bool(data.get("migrant_left_behind")),
        "boards_at_school": data.get("boards_at_school")})


def child_registered(db, event_id, data):
    child(db, data)
    _move(db, event_id, data, "registered", data["registered_on"], to_school=data["school_id"],
          to_class=data["class_id"])


def child_status_changed(db, event_id, data):
    child(db, data)
    _move(db, event_id, data, "status", data["effective_date"], school=data["school_id"],
          **{"class": data["class_id"]}, previous_status=data["previous_status"], status=data["status"],
          reason_code=data["reason_code"])


def child_transferred(db, event_id, data):
    child(db, data)
    _move(db, event_id, data, "transferred", data["effective_date"],
          from_school=data["from_school_id"], to_school=data["school_id"],
          from_class=data["from_class_id"], to_class=data["class_id"])


def _move(db, event_id, data, kind, on, **facts):
    """One document per event that moved a child in or out of a school's list: the same
    event always writes the same document."""
    upsert(db[st.CHILD_MOVES], event_id, {"$set": dict(
        facts, kind=kind, child_id=data["child_id"], on=_day(on), version=data["version"])})


def card_issued(db, data):
    key = "{}:{}:{}".format(data["print_id"], data["child_id"], data["form"])
    upsert(db[st.CARDS], key, {"$set": {
        "child_id": data["child_id"], "school_id": data["school_id"],
        "class_id": data["class_id"], "form": data["form"], "issued_on": _day(data["issued_on"])}})


# -- pairing --------------------------------------------------------------------------------------
def policy(db, data):
    """A county's pairing policy (v2 names the county and the mentor scope; v1 applied to
    whichever county ran it: kept under `_v1`, read when a county has no v2 policy)."""
    upsert_if_newer(db[st.POLICIES], data.get("county_id") or "_v1", data["policy_version"], {
        "mentor_scope": data.get("mentor_scope") or "recommended",
        "max_mentees": data["max_mentees"], "min_mentees": data["min_mentees"]},
        version_field="policy_version")


def _priority_version(day, withdrawn):
    # the same child recommended and withdrawn on one day: the withdrawal wins
    return day.toordinal() * 2 + (1 if withdrawn else 0)


def _priority(db, data, on, withdrawn):
    for child_id in data["child_ids"]:
        upsert_if_newer(db[st.PRIORITY], child_id, _priority_version(on, withdrawn), {
            "class_id": data["class_id"], "school_id": data["school_id"],
            "recommended": not withdrawn, "on": _day(on)})


def priority_recommended(db, data):
    _priority(db, data, data["recommended_on"], withdrawn=False)


def priority_withdrawn(db, data):
    _priority(db, data, data["withdrawn_on"], withdrawn=True)


def _pairing_fields(data, kind, partner_id):
    return {"kind": kind, "child_id": data["child_id"], "school_id": data["school_id"],
            "class_id": data.get("class_id"), "partner_id": partner_id,
            "started_on": _day(data["started_on"])}


def pairing_started(db, data, kind, partner_id):
    _guarded_upsert(db[st.PAIRINGS], data["pairing_id"], {"status": {"$ne": "ended"}},
                    {"$set": dict(_pairing_fields(data, kind, partner_id), status="active")})


def pairing_ended(db, data, kind, partner_id):
    upsert(db[st.PAIRINGS], data["pairing_id"], {"$set": dict(
        _pairing_fields(data, kind, partner_id), status="ended",
        ended_on=_day(data["ended_on"]), reason=data["reason"])})


# -- activities -----------------------------------------------------------------------------------
def care_record(db, data, deleted=False):
    at = data["occurred_at"]
    upsert_if_newer(db[st.CARE_RECORDS], data["record_id"], data["revision"], {
        "child_id": data["child_id"], "school_id": data["school_id"],
        "class_id": data.get("class_id"), "kind": data["kind"], "at": at.timestamp(),
        "occurred_on": _day(china_date(at)), "by_id": data.get("by_id"),
        "by_role": data.get("by_role"), "deleted": deleted}, "revision")


def aid_withdrawn_by(data, deleted):
    """Whether a care-record event withdraws its aid: the record was deleted while it was
    aid, or corrected into another kind. (The aid document keeps the record's revision, so a
    withdrawal and a later correction back into aid settle by revision.)"""
    if deleted:
        return data["kind"] == "aid"
    return data["kind"] != "aid" and "kind" in (data.get("changed_fields") or ())


def aid(db, data):
    upsert_if_newer(db[st.AID], data["aid_id"], data["revision"], {
        "child_id": data["child_id"], "school_id": data["school_id"],
        "class_id": data.get("class_id"), "occurred_on": _day(china_date(data["occurred_at"])),
        "form": data["form"], "amount_fen": data.get("amount_fen") or 0,
        "quantity": data.get("quantity"), "donor_type": data["donor_type"],
        "donor_name": data.get("donor_name"), "withdrawn": False}, "revision")


def aid_withdrawn(db, data):
    upsert_if_newer(db[st.AID], data["record_id"], data["revision"], {
        "child_id": data["child_id"], "school_id": data["school_id"], "withdrawn": True},
        "revision")


def diary_entry(db, data, revision, deleted=False):
    fields = {"child_id": data["child_id"], "school_id": data["school_id"], "deleted": deleted}
    if not deleted:
        fields.update(class_id=data.get("class_id"), entry_date=_day(data["entry_date"]),
                      topics=list(data["topics"]))
    upsert_if_newer(db[st.DIARY], data["entry_id"], revision, fields, "revision")


def activity(db, data, state):
    fields = {"school_id": data["school_id"], "kind": data["kind"], "state": state,
              "starts_on": _day(china_date(data["starts_at"]))}
    if state != "cancelled":
        fields.update(title=data["title"], sub_theme=data.get("sub_theme"),
                      occasion=data.get("occasion"), class_ids=list(data.get("class_ids") or []))
    if state == "held":
        fields.update(held_on=_day(data["held_on"]), present=data["present"],
                      absent=data["absent"], excused=data["excused"],
                      left_behind_present=data["left_behind_present"],
                      participant_count=data.get("participant_count"))
    upsert_if_newer(db[st.ACTIVITIES], data["activity_id"], data["revision"], fields,
                    "revision")


def award_granted(db, data):
    """AwardGranted (v1 has no revision: a grant is one fact; v2 may carry one)."""
    fields = {"recipient_type": data["recipient_type"], "child_id": data.get("child_id"),
              "staff_id": data.get("staff_id"), "school_id": data["school_id"],
              "title": data["title"], "level": data["level"],
              "granted_on": _day(data["granted_on"])}
    for extra in ("term", "category"):
        if data.get(extra) is not None:
            fields[extra] = data[extra]
    revision = data.get("revision") or 1
    _guarded_upsert(db[st.AWARDS], data["award_id"],
                    {"revoked": {"$ne": True}, "$or": [{"revision": {"$lt": revision}},
                                                       {"revision": {"$exists": False}}]},
                    {"$set": dict(fields, revoked=False, revision=revision)})


def award_revoked(db, data):
    upsert(db[st.AWARDS], data["award_id"], {"$set": {
        "revoked": True, "school_id": data["school_id"], "revision": FINAL}})


def assessment(db, data):
    upsert_if_newer(db[st.ASSESSMENTS], data["assessment_id"], data["revision"], {
        "child_id": data["child_id"], "school_id": data["school_id"],
        "class_id": data.get("class_id"), "term": data["term"],
        "average_percent": data.get("average_percent"),
        "behaviour_rating": data.get("behaviour_rating"),
        # v2: manners / self_care / independence, each a rating or None
        "dimensions": {k: v for k, v in (data.get("dimensions") or {}).items() if v}},
        "revision")


def duty_rota(db, data):
    """A school's rota (one per school; the newest revision is in force from its date)."""
    staff = sorted({sid for slot in data["slots"] for sid in slot["staff_ids"]})
    upsert_if_newer(db[st.DUTY_ROTAS], data["school_id"], data["revision"], {
        "school_id": data["school_id"], "effective_from": _day(data["effective_from"]),
        "staff_ids": staff}, "revision")


def duty_session(db, data):
    upsert_if_newer(db[st.DUTY_SESSIONS], data["session_id"], data["revision"], {
        "school_id": data["school_id"], "held_on": _day(data["held_on"]),
        "period": data["period"], "staff_ids": list(data["staff_ids"]),
        "present": data["present"], "left_behind_present": data["left_behind_present"]},
        "revision")


def supplies(db, data):
    """Supplies handed to the children present at an activity (never an AidDistributed)."""
    per_child = data.get("value_fen_per_child")
    upsert_if_newer(db[st.SUPPLIES], data["distribution_id"], data["revision"], {
        "school_id": data["school_id"], "distributed_on": _day(data["held_on"]),
        "activity_id": data["activity_id"], "child_count": data["child_count"],
        "left_behind_count": data["left_behind_count"],
        "items": data["units_per_child"] * data["child_count"],
        "value_fen": (per_child or 0) * data["child_count"], "donor_type": data["donor_type"]},
        "revision")


def radio_episode(db, data):
    upsert_if_newer(db[st.RADIO], data["episode_id"], data["revision"], {
        "school_id": data["school_id"], "programme_id": data["programme_id"],
        "aired_on": _day(data["aired_on"])}, "revision")


# -- notifications ---------------------------------------------------------------------------------
def reminder(db, data, sent):
    """One document per reminder and channel: delivered outranks a failure reported for the
    same channel (a retry that got through)."""
    at = data["sent_at"] if sent else data["failed_at"]
    upsert_if_newer(db[st.REMINDERS], "{}:{}".format(data["notification_id"], data["channel"]),
                    2 if sent else 1, {
                        "rule": data["rule"], "channel": data["channel"],
                        # "" rather than null: a stored null is not matched by {f: None}
                        # on the stand-in
                        "child_id": data.get("child_id") or "",
                        "school_id": data.get("school_id") or "",
                        "county_id": data.get("county_id") or "", "on": _day(china_date(at)),
                        "status": "sent" if sent else "failed"}, "rank")


# -- which read model each event feeds ----------------------------------------------------------
def _pairing(kind, partner, started):
    def feed(db, data):
        partner_id = (data.get("buddy_child_id") or data[partner]) if kind == "buddy" \
            else data[partner]
        (pairing_started if started else pairing_ended)(db, data, kind, partner_id)
    return feed


def _visit(deleted):
    def feed(db, data):
        care_record(db, data, deleted=deleted)
        if aid_withdrawn_by(data, deleted):
            aid_withdrawn(db, data)
    return feed


FEEDS = {
    "CountyRegistered": county, "CountyUpdated": county,
    "TownshipRegistered": township, "TownshipUpdated": township,
    "SchoolRegistered": school, "SchoolUpdated": school,
    "ClassCreated": klass, "ClassUpdated": klass,
    "StaffRegistered": staff, "StaffUpdated": staff, "StaffLeft": staff,
    "VolunteerRegistered": volunteer, "VolunteerLeft": volunteer,
    "ChildUpdated": child, "ContactCardIssued": card_issued,
    "PairingPolicyChanged": policy, "PriorityRecommended": priority_recommended,
    "PriorityWithdrawn": priority_withdrawn,
    "MentorAssigned": _pairing("mentor", "teacher_id", True),
    "MentorReleased": _pairing("mentor", "teacher_id", False),
    "BuddyPaired": _pairing("buddy", "buddy_name", True),
    "BuddyUnpaired": _pairing("buddy", "buddy_name", False),
    "ProxyParentAssigned": _pairing("proxy_parent", "volunteer_id", True),
    "ProxyParentReleased": _pairing("proxy_parent", "volunteer_id", False),
    "PairingEnded": lambda db, d: pairing_ended(db, d, d["kind"], d.get("partner_id")),
    "VisitLogged": _visit(False), "VisitRevised": _visit(False), "VisitDeleted": _visit(True),
    "AidDistributed": aid,
    "DiaryEntryAdded": lambda db, d: diary_entry(db, d, 1),
    "DiaryEntryRevised": lambda db, d: diary_entry(db, d, d["revision"]),
    "DiaryEntryDeleted": lambda db, d: diary_entry(db, d, d.get("revision") or FINAL,
                                                   deleted=True),
    "ActivityScheduled": lambda db, d: activity(db, d, "scheduled"),
    "ActivityCancelled": lambda db, d: activity(db, d, "cancelled"),
    "ActivityHeld": lambda db, d: activity(db, d, "held"),
    "AwardGranted": award_granted, "AwardRevoked": award_revoked,
    "AssessmentRecorded": assessment,
    "DutyRotaSet": duty_rota, "DutySessionHeld": duty_session,
    "SuppliesDistributed": supplies, "RadioEpisodeAired": radio_episode,
    "NotificationSent": lambda db, d: reminder(db, d, sent=True),
    "NotificationFailed": lambda db, d: reminder(db, d, sent=False),
}
MOVES = {"ChildRegistered": child_registered, "ChildTransferred": child_transferred,
         "ChildStatusChanged": child_status_changed}


def apply(db, event_id, name, data):
    """Feed one event (its data loaded by its schema) to the read models: what every handler
    of the service does. `event_id` names the facts that happen once (a child's moves)."""
    if name in MOVES:
        MOVES[name](db, event_id, data)
    else:
        FEEDS[name](db, data)
