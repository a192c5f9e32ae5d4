"""The notifications database: collection names, indexes, the agenda of what falls due.

Projections of other services' events (schools, classes, staff, volunteers, children with
their last contact per kind, pairings, care records, follow-ups, diary entries, activities),
the `agenda` (one document per subject a rule looks at: its next-due instant and a lease),
`notifications` (one per reminder and recipient: the dedup key is its _id; its deliveries
per channel are the delivery log), `inbox`, `preferences`, `county_rules`, `parent_summaries`.
Instants are epoch seconds and days ISO text: the stand-in stores a $set datetime as text.
"""
from pymongo import ASCENDING, DESCENDING, IndexModel
from pymongo.errors import BulkWriteError

from carekit import lease
from carekit.documents import index as _index
from carekit.events.projection import upsert

SCHOOLS, CLASSES, STAFF, VOLUNTEERS = "schools", "classes", "staff", "volunteers"
CHILDREN, PAIRINGS, CARE_RECORDS, FOLLOW_UPS = "children", "pairings", "care_records", "follow_ups"
DIARY, ACTIVITIES, ROTAS = "diary_entries", "activities", "duty_rotas"
PAIRING_POLICIES, PRIORITY = "pairing_policies", "priority_children"
DUTY_SWAPS = "duty_swaps"
AGENDA, NOTIFICATIONS, INBOX = "agenda", "notifications", "inbox"
PREFERENCES, COUNTY_RULES, PARENT_SUMMARIES = "preferences", "county_rules", "parent_summaries"
CARRIERS = [NOTIFICATIONS]
NEVER = None  # next_due_at of a subject nothing will fall due for by itself


INDEXES = {
    CLASSES: [_index("school_id")],
    STAFF: [_index("school_id")],
    CHILDREN: [_index("school_id")],
    PRIORITY: [_index("class_id")],
    DUTY_SWAPS: [_index("school_id", "duty_date")],
    PAIRINGS: [_index("child_id")],
    CARE_RECORDS: [IndexModel([("child_id", ASCENDING), ("kind", ASCENDING),
                               ("occurred_at", DESCENDING)])],
    FOLLOW_UPS: [_index("child_id"), _index("record_id")],
    AGENDA: [_index("next_due_at", "lease_until")],
    NOTIFICATIONS: [_index("next_attempt_at", "lease_until"),
                    IndexModel([("recipient_key", ASCENDING), ("created_at", DESCENDING)]),
                    IndexModel([("child_id", ASCENDING), ("created_at", DESCENDING)])],
    INBOX: [IndexModel([("recipient_key", ASCENDING), ("created_at", DESCENDING)])],
}


# -- the agenda -----------------------------------------------------------------------------------
def agenda_id(kind, subject_id):
    return "{}:{}".format(kind, subject_id)


def touch(db, kind, subject_id, due_at=0):
    """Look at this subject again at the next tick (its state changed): next_due_at becomes
    `due_at` (0: now) and `dirty` tells a sweep holding its lease to keep it due."""
    upsert(db[AGENDA], agenda_id(kind, subject_id), {
        "$set": {"next_due_at": due_at, "dirty": True},
        "$setOnInsert": lease.claimable({"kind": kind, "subject_id": subject_id})})


def touch_many(db, query=None):
    """Every subject (of `query`) due again now: after a county changed its rules."""
    db[AGENDA].update_many(query or {}, {"$set": {"next_due_at": 0, "dirty": True}})


def insert_new(collection, documents):
    """insert_many that skips documents whose _id exists (the dedup key). Returns how many
    were new."""
    if not documents:
        return 0
    try:
        return len(collection.insert_many(documents, ordered=False).inserted_ids)
    except BulkWriteError as exc:
        others = [e for e in exc.details["writeErrors"] if e["code"] != 11000]
        if others or exc.details.get("writeConcernErrors"):
            raise
        return exc.details["nInserted"]
