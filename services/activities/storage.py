"""Where the activities service keeps things (its own MongoDB database) and how documents
are turned into JSON-ready answers.

Collection names avoid SQL keywords (the stand-in maps collections to SQLite tables).
Every timeline-able document has `at` (UTC datetime, ms precision): with its `_id` that is
the stable sort key of a child's timeline. Dates are ISO strings (BSON has no date).
Edits keep history in `history.r<N>` (the state at revision N): a `$set` of a sub-document,
which the stand-in stores faithfully (it turns `$push`ed documents into JSON text).
"""
from datetime import date, datetime
from decimal import Decimal

from pymongo import ASCENDING, DESCENDING, IndexModel

# what this service owns
CARE_RECORDS = "care_records"
DIARY_ENTRIES = "diary_entries"
GROUP_ACTIVITIES = "group_activities"
DUTY_ROTAS = "duty_rotas"
AWARDS = "awards"
ASSESSMENTS = "assessments"
# projections of other services' events
CHILDREN = "children"
PAIRINGS = "pairings"
STAFF = "staff"
VOLUNTEERS = "volunteers"
CLASSES = "classes"
SCHOOLS = "schools"

# collections whose documents carry outgoing events (the outbox)
CARRIERS = (CARE_RECORDS, DIARY_ENTRIES, GROUP_ACTIVITIES, AWARDS, ASSESSMENTS)

INDEXES = {
    CARE_RECORDS: [IndexModel([("child_id", ASCENDING), ("at", DESCENDING)]),
                   IndexModel([("school_id", ASCENDING), ("flagged", ASCENDING),
                               ("at", DESCENDING)])],
    DIARY_ENTRIES: [IndexModel([("child_id", ASCENDING), ("at", DESCENDING)])],
    GROUP_ACTIVITIES: [IndexModel([("school_id", ASCENDING), ("at", ASCENDING)]),
                       IndexModel([("present_child_ids", ASCENDING), ("at", DESCENDING)])],
    AWARDS: [IndexModel([("child_id", ASCENDING), ("at", DESCENDING)]),
             IndexModel([("staff_id", ASCENDING), ("at", DESCENDING)]),
             IndexModel([("school_id", ASCENDING), ("at", DESCENDING)])],
    ASSESSMENTS: [IndexModel([("child_id", ASCENDING), ("term", ASCENDING)])],
    CHILDREN: [IndexModel([("school_id", ASCENDING)]), IndexModel([("class_id", ASCENDING)])],
    PAIRINGS: [IndexModel([("child_id", ASCENDING), ("person_id", ASCENDING)])],
}

HIDDEN = ("_outbox", "_outbox_pending", "history")


def plain(value):
    """A stored value as JSON-ready data (the stand-in returns booleans as 1/0: callers
    convert known booleans with `bool`)."""
    if isinstance(value, datetime):
        return value.isoformat(timespec="milliseconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value


def view(doc, booleans=(), hide=HIDDEN):
    """A document as an answer: `id` instead of `_id`, no outbox, JSON-ready."""
    if doc is None:
        return None
    out = {"id": doc["_id"]}
    for key, value in doc.items():
        if key == "_id" or key in hide:
            continue
        out[key] = plain(value)
    for key in booleans:
        if key in out:
            out[key] = bool(out[key])
    return out


def history_of(doc):
    """The kept versions of a document, oldest first."""
    versions = (doc.get("history") or {}).values()
    return [plain(v) for v in sorted(versions, key=lambda v: v.get("revision", 0))]


def history_key(revision):
    return "history.r{}".format(revision)
