"""The pairing service's MongoDB: projections of registry data, pairing books, history,
plans, the county policy.

Atomicity: a school's active pairings are ONE document (its pairing book, `pairing_books`),
and every change to them is one conditional write on the book's revision that also carries
the events (carekit outbox). So "one mentor per child", "never above the cap" and "a plan is
applied whole or not at all" hold on any MongoDB, including the stand-in whose transactions
are not isolated. Ended pairings leave the book in that same write into its `retired` list
and are filed into `pairing_history` afterwards (idempotently; a reader files them first).

Arrays are always written whole with $set, or grown with $addToSet: the stand-in stores
$push'ed subdocuments as JSON text.
"""
import hashlib
import json

from pymongo import ASCENDING, DESCENDING, IndexModel, UpdateOne
from pymongo.errors import DuplicateKeyError

from carekit.documents import NO_OUTBOX, index as _index, save_if_version
from carekit.events.projection import upsert_if_newer
from pairing.model import Child, Pairing, PairingBook, Teacher, Volunteer, need_score
from pairing.policy import PairingPolicy

CHILDREN, STAFF, VOLUNTEERS = "children", "staff", "volunteers"
CLASSES, SCHOOLS = "classes", "schools"
BOOKS, HISTORY, PLANS = "pairing_books", "pairing_history", "plans"
POLICY, PRIORITIES = "policy", "class_priorities"
CARRIERS = [BOOKS, POLICY]
POLICY_ID = "county"
INDEXES = {
    CHILDREN: [_index("school_id", "status"), _index("class_id"), _index("household_id")],
    STAFF: [_index("school_id")],
    VOLUNTEERS: [_index("school_id")],
    CLASSES: [_index("school_id")],
    HISTORY: [_index("child_id"), _index("partner_id"), _index("school_id", "kind")],
    PLANS: [IndexModel([("school_id", ASCENDING), ("created_at", DESCENDING)])],
    PRIORITIES: [_index("school_id")],
}
CHILD_FIELDS = ("name", "school_id", "class_id", "township_id", "status", "household_id",
                "left_behind_type", "grade", "class_number")


# -- registry projections -------------------------------------------------------------------
class Projections:
    def __init__(self, db):
        self.db = db

    def child_snapshot(self, snapshot, eligible_on=None):
        """Keep the newest snapshot; `eligible_on` (the date the child joined a school's pool)
        only ever moves forward, whatever order events arrive in."""
        fields = {k: snapshot.get(k) for k in CHILD_FIELDS}
        fields["need"] = need_score(snapshot)
        # a late event's date still counts
        raising = {"$max": {"eligible_since": eligible_on}} if eligible_on else None
        return upsert_if_newer(self.db[CHILDREN], snapshot["child_id"], snapshot["version"],
                               fields, always=raising)

    def staff(self, data):
        fields = {"name": data["name"], "school_id": data["school_id"],
                  "roles": list(data["roles"]), "class_ids": list(data.get("class_ids") or []),
                  "active": bool(data["active"])}
        return upsert_if_newer(self.db[STAFF], data["staff_id"], data["version"], fields)

    def volunteer(self, data):
        fields = {"name": data["name"], "school_id": data["school_id"],
                  "kind": data["kind"], "active": bool(data["active"])}
        return upsert_if_newer(self.db[VOLUNTEERS], data["volunteer_id"], data["version"], fields)

    def school_class(self, data):
        fields = {k: data.get(k) for k in ("school_id", "name", "grade", "class_number",
                                             "head_teacher_id")}
        return upsert_if_newer(self.db[CLASSES], data["class_id"], data["version"], fields)

    def school(self, data):
        fields = {k: data.get(k) for k in ("name", "code", "township_id", "township_name")}
        return upsert_if_newer(self.db[SCHOOLS], data["school_id"], data["version"], fields)

    # -- reading ---------------------------------------------------------------------------
    def child(self, child_id):
        return _child(self.db[CHILDREN].find_one({"_id": child_id})) if child_id else None

    def children(self, query):
        return [_child(d) for d in self.db[CHILDREN].find(query)]

    def children_by_id(self, ids):
        return {d["_id"]: _child(d) for d in self.db[CHILDREN].find({"_id": {"$in": list(ids)}})}

    def teacher(self, staff_id):
        return _teacher(self.db[STAFF].find_one({"_id": staff_id})) if staff_id else None

    def teachers(self, query):
        return [_teacher(d) for d in self.db[STAFF].find(query)]

    def teachers_by_id(self, ids):
        return {d["_id"]: _teacher(d) for d in self.db[STAFF].find({"_id": {"$in": list(ids)}})}

    def volunteer_of(self, volunteer_id):
        doc = self.db[VOLUNTEERS].find_one({"_id": volunteer_id}) if volunteer_id else None
        return None if doc is None else Volunteer(doc["_id"], doc.get("name"), doc.get(
            "school_id"), bool(doc.get("active")), doc.get("version", 0))

    def classes_of(self, school_id):
        return list(self.db[CLASSES].find({"school_id": school_id}))

    def school_class_doc(self, class_id):
        return self.db[CLASSES].find_one({"_id": class_id})

    def books_of(self, collection, entity_id):
        """Schools whose book may hold pairings of this child/teacher/volunteer."""
        doc = self.db[collection].find_one({"_id": entity_id}, {"books": 1, "school_id": 1})
        if doc is None:
            return []
        return sorted(set(doc.get("books") or []) | {doc.get("school_id")} - {None})

    def note_books(self, collection, ids, school_id):
        """Written BEFORE a pairing is saved, so a later reaction always finds its book."""
        if not ids:
            return
        ids = sorted(set(ids))
        # the stand-in ignores $addToSet on a missing field: create the array first
        self.db[collection].update_many({"_id": {"$in": ids}, "books": {"$exists": False}},
                                        {"$set": {"books": []}})
        self.db[collection].update_many({"_id": {"$in": ids}}, {"$addToSet": {"books": school_id}})


def _child(doc):
    if doc is None:
        return None
    return Child(child_id=doc["_id"], name=doc.get("name") or "", school_id=doc.get("school_id"),
                 class_id=doc.get("class_id"), status=doc.get("status") or "unknown",
                 household_id=doc.get("household_id"),
                 left_behind_type=doc.get("left_behind_type"), need=doc.get("need", 0),
                 eligible_since=doc.get("eligible_since"), version=doc.get("version", 0))


def _teacher(doc):
    if doc is None:
        return None
    return Teacher(teacher_id=doc["_id"], name=doc.get("name") or "",
                   school_id=doc.get("school_id"), active=bool(doc.get("active")),
                   roles=tuple(doc.get("roles") or ()),
                   class_ids=frozenset(doc.get("class_ids") or ()), version=doc.get("version", 0))


# -- pairing books ----------------------------------------------------------------------------
class Books:
    def __init__(self, db):
        self.db = db

    def load(self, school_id):
        collection = self.db[BOOKS]
        doc = collection.find_one({"_id": school_id}, NO_OUTBOX)
        if doc is None:
            try:
                collection.insert_one({"_id": school_id, "rev": 0, "pairings": [],
                                       "mentor_ended": [], "applied_plans": [], "retired": []})
            except DuplicateKeyError:
                pass
            doc = collection.find_one({"_id": school_id}, NO_OUTBOX)
        return PairingBook(
            school_id=school_id, rev=doc.get("rev", 0),
            pairings=[Pairing.from_dict(p) for p in doc.get("pairings") or []],
            mentor_ended={e["child_id"]: e["on"] for e in doc.get("mentor_ended") or []},
            applied_plans=list(doc.get("applied_plans") or []),
            retired=list(doc.get("retired") or []))

    def holds(self, school_id, entity_id):
        return self.db[BOOKS].find_one(
            {"_id": school_id, "$or": [{"pairings.child_id": entity_id},
                                       {"pairings.partner_id": entity_id}]}, {"rev": 1}) is not None

    def save(self, book, recorder, envelopes):
        """One conditional write: the book's new state and its events, only if nobody changed
        the book since it was read. False: someone did; read again."""
        retired = list(book.retired) + [p.to_dict() for p in book.ended]
        update = {"$set": {
            "pairings": [p.to_dict() for p in book.pairings],
            "mentor_ended": [{"child_id": c, "on": on}
                             for c, on in sorted(book.mentor_ended.items())],
            "applied_plans": book.applied_plans[-50:], "retired": retired},
            "$inc": {"rev": 1}}
        if save_if_version(recorder, BOOKS, book.school_id, book.rev, update, envelopes,
                           version_field="rev"):
            book.rev += 1
            return True
        return False

    def file_retired(self, school_id):
        """Move ended pairings from the book into pairing_history (safe to repeat)."""
        doc = self.db[BOOKS].find_one({"_id": school_id}, {"retired": 1, "rev": 1})
        retired = (doc or {}).get("retired") or []
        if not retired:
            return 0
        self.db[HISTORY].bulk_write([
            UpdateOne({"_id": p["pairing_id"]}, {"$setOnInsert": p}, upsert=True)
            for p in retired], ordered=False)
        self.db[BOOKS].update_one({"_id": school_id, "rev": doc["rev"],
                                   "retired": {"$size": len(retired)}},
                                  {"$set": {"retired": []}})
        return len(retired)

    def school_of_pairing(self, pairing_id):
        doc = self.db[BOOKS].find_one({"pairings.pairing_id": pairing_id}, {"_id": 1})
        return doc["_id"] if doc else None

    def all_school_ids(self):
        return [d["_id"] for d in self.db[BOOKS].find({}, {"_id": 1})]

    def history(self, query):
        return [Pairing.from_dict(d) for d in self.db[HISTORY].find(query, {"_id": 0})
                .sort([("ended_on", DESCENDING)])]


# -- policy, priorities, plans -----------------------------------------------------------------
class Settings:
    def __init__(self, db):
        self.db = db

    def policy(self):
        doc = self.db[POLICY].find_one({"_id": POLICY_ID}, NO_OUTBOX)
        return PairingPolicy.from_dict(doc) if doc else PairingPolicy()

    def save_policy(self, policy, expected_version, recorder, envelopes, by=None):
        """Conditional on the version read; False when someone changed it in between."""
        fields = dict(policy.to_dict(), changed_by=by)
        if expected_version == 0:
            try:
                recorder.insert(POLICY, dict(fields, _id=POLICY_ID), envelopes)
                return True
            except DuplicateKeyError:
                return False
        return save_if_version(recorder, POLICY, POLICY_ID, expected_version,
                               {"$set": fields}, envelopes)

    def priorities(self, school_id):
        return {c for d in self.db[PRIORITIES].find({"school_id": school_id})
                for c in d.get("child_ids") or []}

    def set_priorities(self, class_id, school_id, child_ids, by, at):
        self.db[PRIORITIES].update_one(
            {"_id": class_id}, {"$set": {"school_id": school_id, "child_ids": list(child_ids),
                                         "by": by, "at": at}}, upsert=True)


class Plans:
    def __init__(self, db):
        self.db = db

    def add(self, plan):
        self.db[PLANS].insert_one(plan)

    def get(self, plan_id):
        return self.db[PLANS].find_one({"_id": plan_id})

    def mark(self, plan_id, status, **fields):
        self.db[PLANS].update_one({"_id": plan_id}, {"$set": dict(fields, status=status)})

    def latest(self, school_id, limit=20):
        return list(self.db[PLANS].find({"school_id": school_id}, {"pairs": 0, "unpaired": 0})
                    .sort([("created_at", DESCENDING)]).limit(limit))


def fingerprint(*parts):
    """A short digest of everything a plan was computed from."""
    text = json.dumps(parts, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


class PairingStore:
    """Everything the service keeps, grouped by concern."""

    def __init__(self, db):
        self.db = db
        self.registry = Projections(db)
        self.books = Books(db)
        self.settings = Settings(db)
        self.plans = Plans(db)
