"""Where the activities service keeps things (its own MongoDB database) and how documents
are turned into JSON-ready answers.

Collection names avoid SQL keywords (the stand-in maps collections to SQLite tables).
Every timeline-able document has `at` (UTC datetime, ms precision): with its `_id` that is
the stable sort key of a child's timeline. Dates are ISO strings (BSON has no date).
Edits keep history in `history.r<N>` (the state at revision N): a `$set` of a sub-document,
which the stand-in stores faithfully (it turns `$push`ed documents into JSON text).
"""

from pymongo import ASCENDING, DESCENDING, IndexModel
from pymongo.errors import DuplicateKeyError

from carekit.documents import plain
from carekit.events.records import OUTBOX_FIELDS
from carekit.errors import Conflict, NotFound

# what this service owns
CARE_RECORDS = "care_records"
DIARY_ENTRIES = "diary_entries"
GROUP_ACTIVITIES = "group_activities"
DUTY_ROTAS = "duty_rotas"
DUTY_SWAPS = "duty_swaps"
DUTY_SESSIONS = "duty_sessions"
SUPPLIES = "supplies_distributions"
RADIO_PROGRAMMES = "radio_programmes"
RADIO_EPISODES = "radio_episodes"
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
CARRIERS = (CARE_RECORDS, DIARY_ENTRIES, GROUP_ACTIVITIES, AWARDS, ASSESSMENTS, DUTY_ROTAS,
            DUTY_SWAPS, DUTY_SESSIONS, SUPPLIES, RADIO_PROGRAMMES, RADIO_EPISODES)

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
    DUTY_SWAPS: [IndexModel([("school_id", ASCENDING), ("duty_date", ASCENDING)])],
    DUTY_SESSIONS: [IndexModel([("school_id", ASCENDING), ("held_on", ASCENDING)])],
    SUPPLIES: [IndexModel([("school_id", ASCENDING), ("held_on", ASCENDING)])],
    RADIO_PROGRAMMES: [IndexModel([("school_id", ASCENDING)])],
    RADIO_EPISODES: [IndexModel([("programme_id", ASCENDING), ("episode", ASCENDING)])],
    CHILDREN: [IndexModel([("school_id", ASCENDING)]), IndexModel([("class_id", ASCENDING)])],
    PAIRINGS: [IndexModel([("child_id", ASCENDING), ("person_id", ASCENDING)])],
}

HIDDEN = OUTBOX_FIELDS + ("history",)


def view(doc, booleans=(), hide=HIDDEN, with_history=False):
    """A document as an answer: `id` instead of `_id`, no outbox, JSON-ready; with its kept
    versions when asked."""
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
    if with_history:
        out["history"] = history_of(doc)
    return out


def history_of(doc):
    """The kept versions of a document, oldest first."""
    versions = (doc.get("history") or {}).values()
    return [plain(v) for v in sorted(versions, key=lambda v: v.get("revision", 0))]


def history_key(revision):
    return "history.r{}".format(revision)


# -- writing -------------------------------------------------------------------------------------
def load(db, collection, message, **key):
    """The document with this id (key: its one id field, e.g. record_id=...), or NotFound."""
    (doc_id,) = key.values()
    doc = db[collection].find_one({"_id": doc_id})
    if doc is None:
        raise NotFound(message, **key)
    return doc


def insert_once(db, outbox, collection, doc, events, same, message, **detail):
    """Insert a new document with its events and return it. A retried command (the same
    client id) gets what was stored the first time, if `same(stored)` and `same(doc)` agree;
    otherwise the id is taken by something else: Conflict duplicate_id."""
    try:
        outbox.insert(collection, doc, events)
    except DuplicateKeyError:
        stored = db[collection].find_one({"_id": doc["_id"]})
        if not stored or same(stored) != same(doc):
            raise Conflict(message, code="duplicate_id", **detail)
        return stored
    return doc


def stale(doc, noun):
    """The Conflict of an edit made on an older revision than `doc`'s (noun: 记录, 日记 ...)."""
    return Conflict("{}已被他人修改，请刷新后再改".format(noun), code="stale_revision",
                    current_revision=doc["revision"])


def check_editable(doc, noun, revision=None):
    """Only a record not deleted may change, and only from the revision the editor saw."""
    if doc.get("deleted"):
        raise Conflict("{}已删除，不能修改".format(noun), code="deleted")
    if revision is not None and doc["revision"] != revision:
        raise stale(doc, noun)


def withdrawal(data, at, revision):
    """The change that soft-deletes a record, with who, when and why."""
    return {"deleted": True, "deleted_at": at, "deleted_by": data["deleted_by"],
            "delete_reason_code": data["reason_code"], "delete_reason": data.get("reason"),
            "revision": revision}
