"""The pairing service's MongoDB: projections of registry data, pairings, places, plans,
county policies and class recommendations.

Atomicity without multi-document transactions (the stand-in does not isolate them):
- each pairing is ONE document (`pairings`), and each change to it (start, end, a plan's
  claim turning active) is one single-document write carrying its events (kit outbox);
- "one mentor (one proxy parent, each friend once) per child" is the unique sparse index on
  `slot`, a field a pairing carries only while claimed or active (a partial index would say
  the same on MongoDB; the stand-in ignores partial filters, a sparse index works on both);
- a staff member's cap (a classmate's cap as a friend) is a counter document in `places`
  whose conditional `$inc` takes a place before the pairing is written and gives it back
  after it ends. Each place is held under the pairing's id, so taking and giving back are
  idempotent, and a place whose pairing never landed (a crash in between) is found and
  freed by `Places.repair` once older than PLACE_LEASE_SECONDS.
No write ever rewrites a school-wide document, so changes to different children never
contend.
"""
import time

from pymongo import ASCENDING, DESCENDING, IndexModel, ReturnDocument
from pymongo.errors import BulkWriteError, DuplicateKeyError

from carekit.documents import NO_OUTBOX, index as _index, save_if_version
from carekit.events.projection import upsert_if_newer
from pairing.model import (ACTIVE, CLAIMED, ENDED, MENTOR, Child, ClassRecommendation,
                           Pairing, Teacher, Volunteer, need_score)
from pairing.policy import PairingPolicy

CHILDREN, STAFF, VOLUNTEERS = "children", "staff", "volunteers"
CLASSES, SCHOOLS = "classes", "schools"
PAIRINGS, PLACES, PLANS = "pairings", "places", "plans"
POLICIES, RECOMMENDATIONS = "county_policies", "recommendations"
CARRIERS = [PAIRINGS, POLICIES, RECOMMENDATIONS]
PROJECTIONS = (CHILDREN, STAFF, VOLUNTEERS, CLASSES, SCHOOLS)
# A place taken for a pairing that is not written within this time was orphaned by a crash
# (hosts' clocks need only agree to well within it).
PLACE_LEASE_SECONDS = 600
INDEXES = {
    CHILDREN: [_index("school_id", "status"), _index("class_id"), _index("household_id")],
    STAFF: [_index("school_id")],
    VOLUNTEERS: [_index("school_id")],
    CLASSES: [_index("school_id")],
    SCHOOLS: [_index("county_id")],
    PAIRINGS: [_index("slot", unique=True, sparse=True), _index("school_id", "state", "kind"),
               _index("child_id", "state"), _index("partner_id", "state"),
               _index("place", "state"), _index("state", "claimed_at"),
               _index("claim", sparse=True)],
    PLANS: [IndexModel([("school_id", ASCENDING), ("created_at", DESCENDING)]),
            _index("status", "lease_until")],
    RECOMMENDATIONS: [_index("school_id")],
}
CHILD_FIELDS = ("name", "school_id", "class_id", "township_id", "status", "household_id",
                "left_behind_type", "grade", "class_number")
LIVE = [CLAIMED, ACTIVE]


def now():
    return time.time()


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
        fields = {k: data.get(k) for k in ("name", "code", "county_id", "township_id",
                                             "township_name")}
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

    def teachers(self, query, sort=None, limit=0):
        cursor = self.db[STAFF].find(query)
        if sort:
            cursor = cursor.sort(sort).limit(limit)
        return [_teacher(d) for d in cursor]

    def teachers_by_id(self, ids):
        return {d["_id"]: _teacher(d) for d in self.db[STAFF].find({"_id": {"$in": list(ids)}})}

    def volunteer_of(self, volunteer_id):
        doc = self.db[VOLUNTEERS].find_one({"_id": volunteer_id}) if volunteer_id else None
        return None if doc is None else Volunteer(doc["_id"], doc.get("name"), doc.get(
            "school_id"), bool(doc.get("active")), doc.get("version", 0))

    def volunteers_of_school(self, school_id):
        return self.db[VOLUNTEERS].count_documents({"school_id": school_id, "active": True})

    def classes_of(self, school_id):
        return list(self.db[CLASSES].find({"school_id": school_id}))

    def school_class_doc(self, class_id):
        return self.db[CLASSES].find_one({"_id": class_id})

    def school_doc(self, school_id):
        return self.db[SCHOOLS].find_one({"_id": school_id})

    def schools_of_county(self, county_id):
        return sorted(d["_id"] for d in self.db[SCHOOLS].find({"county_id": county_id},
                                                               {"_id": 1}))


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


# -- pairings: one document each ----------------------------------------------------------------
def _document(pairing, **extra):
    doc = dict(pairing.to_dict(), _id=pairing.pairing_id, place=pairing.place_key, **extra)
    if pairing.state in LIVE:
        doc["slot"] = pairing.slot
    return doc


def _pairing(doc):
    return None if doc is None else Pairing.from_dict(doc)


class PairingRecords:
    def __init__(self, db):
        self.collection = db[PAIRINGS]

    def get(self, pairing_id):
        return _pairing(self.collection.find_one({"_id": pairing_id}, NO_OUTBOX))

    def find(self, query, sort=None, limit=0):
        cursor = self.collection.find(query, NO_OUTBOX)
        if sort:
            cursor = cursor.sort(sort).limit(limit)
        return [_pairing(d) for d in cursor]

    def active(self, **where):
        return self.find(dict(where, state=ACTIVE))

    def involving(self, entity_id):
        """Active pairings of this child, or with this person / classmate as the partner."""
        found = {p.pairing_id: p for p in self.active(child_id=entity_id)}
        found.update((p.pairing_id, p) for p in self.active(partner_id=entity_id))
        return list(found.values())

    def holder(self, slot):
        """The claimed or active pairing holding `slot`, if any."""
        return _pairing(self.collection.find_one({"slot": slot}, NO_OUTBOX))

    def last_mentor_ends(self, child_ids):
        """child_id -> the latest end date of a mentor pairing."""
        last = {}
        for doc in self.collection.find({"child_id": {"$in": list(child_ids)}, "state": ENDED,
                                         "kind": MENTOR}, {"child_id": 1, "ended_on": 1}):
            last[doc["child_id"]] = max(last.get(doc["child_id"], ""), doc.get("ended_on") or "")
        return last

    # -- writing: each a single-document write ---------------------------------------------
    def start(self, recorder, pairing, envelopes):
        """Insert an active pairing with its events. DuplicateKeyError: its slot is taken."""
        recorder.insert(PAIRINGS, _document(pairing), envelopes)

    def end(self, recorder, ended, envelopes):
        """End an active pairing with its events; False if it was not active any more."""
        fields = {k: v for k, v in _document(ended).items() if k != "_id"}
        result = recorder.update(PAIRINGS, {"_id": ended.pairing_id, "state": ACTIVE},
                                 {"$set": fields, "$unset": {"slot": ""}}, envelopes)
        return bool(result.matched_count)

    def claim(self, pairings, token):
        """Insert claimed pairings in order, carrying no events. Returns (inserted, the
        first pairing refused because its slot was taken, or None)."""
        if not pairings:
            return [], None
        at = now()
        docs = [_document(p, claim=token, claimed_at=at) for p in pairings]
        try:
            self.collection.insert_many(docs, ordered=True)
        except BulkWriteError as exc:
            errors = exc.details.get("writeErrors") or []
            if not errors or errors[0].get("code") != 11000:
                raise
            failed = errors[0]["index"]
            return list(pairings[:failed]), pairings[failed]
        return list(pairings), None

    def activate(self, recorder, pairing, token, envelopes):
        """A claim of `token` becomes active, announcing itself; False if not claimed."""
        result = recorder.update(PAIRINGS, {"_id": pairing.pairing_id, "state": CLAIMED,
                                            "claim": token},
                                 {"$set": {"state": ACTIVE},
                                  "$unset": {"claim": "", "claimed_at": ""}}, envelopes)
        return bool(result.matched_count)

    def claims(self, token):
        return self.find({"claim": token, "state": CLAIMED})

    def drop_claim(self, pairing_id, token):
        """Forget a claim (nothing was ever announced for it); True if it was there."""
        return bool(self.collection.delete_one({"_id": pairing_id, "state": CLAIMED,
                                                "claim": token}).deleted_count)

    def old_claims(self, older_than):
        return list(self.collection.find({"state": CLAIMED, "claimed_at": {"$lt": older_than}},
                                         {"claim": 1, "plan_id": 1}))

    def live_of_place(self, place):
        return {d["_id"] for d in self.collection.find({"place": place, "state": {"$in": LIVE}},
                                                       {"_id": 1})}


class Places:
    """Places taken under a cap: `_id` = place key, `load`, `holds` {pairing_id: taken at}."""

    def __init__(self, db, records):
        self.collection = db[PLACES]
        self.records = records

    def take(self, place, pairing_ids, cap):
        """Take one place per pairing id if `load + n <= cap`; False when there is no room."""
        n = len(pairing_ids)
        if n > cap:  # an upsert creating the counter would not check the cap
            return False
        at = now()
        wanted = {"_id": place, "load": {"$lte": cap - n}}
        wanted.update({"holds." + pid: {"$exists": False} for pid in pairing_ids})
        change = {"$inc": {"load": n, "rev": 1},
                  "$set": {"holds." + pid: at for pid in pairing_ids}}
        try:
            self.collection.update_one(wanted, change, upsert=True)
            return True
        except DuplicateKeyError:
            # the counter exists and is full, or a concurrent first taker created it first
            return bool(self.collection.update_one(wanted, change).modified_count)

    def give_back(self, place, pairing_id):
        """Free the place held for `pairing_id` (nothing if it is not held)."""
        if place is None:
            return
        self.collection.update_one({"_id": place, "holds." + pairing_id: {"$exists": True}},
                                   {"$inc": {"load": -1, "rev": 1},
                                    "$unset": {"holds." + pairing_id: ""}})

    def loads(self, places):
        return {d["_id"]: d.get("load", 0)
                for d in self.collection.find({"_id": {"$in": list(places)}}, {"load": 1})}

    def repair(self, place):
        """Count the places again from the pairings that hold them: free those of ended
        pairings and of pairings never written (older than the lease). True if it changed."""
        doc = self.collection.find_one({"_id": place})
        if doc is None:
            return False
        holds = doc.get("holds") or {}
        live = self.records.live_of_place(place)
        cutoff = now() - PLACE_LEASE_SECONDS
        kept = {pid: at for pid, at in holds.items() if pid in live or at > cutoff}
        kept.update({pid: holds.get(pid, now()) for pid in live})
        if kept == holds:
            return False
        result = self.collection.update_one(
            {"_id": place, "rev": doc.get("rev", 0)},
            {"$set": {"holds": kept, "load": len(kept)}, "$inc": {"rev": 1}})
        return bool(result.modified_count)


# -- county policies, class recommendations, plans ------------------------------------------
class Settings:
    def __init__(self, db):
        self.db = db

    def policy(self, county_id):
        doc = self.db[POLICIES].find_one({"_id": county_id}, NO_OUTBOX) if county_id else None
        return PairingPolicy.from_dict(doc) if doc else PairingPolicy(county_id=county_id)

    def policy_of_school(self, school_id):
        school = self.db[SCHOOLS].find_one({"_id": school_id}, {"county_id": 1})
        return self.policy((school or {}).get("county_id"))

    def save_policy(self, policy, expected_version, recorder, envelopes, by=None):
        """Conditional on the version read; False when someone changed it in between."""
        fields = dict(policy.to_dict(), changed_by=by)
        if expected_version == 0:
            try:
                recorder.insert(POLICIES, dict(fields, _id=policy.county_id), envelopes)
                return True
            except DuplicateKeyError:
                return False
        return save_if_version(recorder, POLICIES, policy.county_id, expected_version,
                               {"$set": fields}, envelopes)

    def recommendation(self, class_id):
        return _recommendation(self.db[RECOMMENDATIONS].find_one({"_id": class_id}, NO_OUTBOX))

    def recommendations(self, school_ids):
        return [_recommendation(d) for d in self.db[RECOMMENDATIONS].find(
            {"school_id": {"$in": list(school_ids)}}, NO_OUTBOX)]

    def recommended(self, school_id):
        """Ids of the school's recommended children."""
        return {c for r in self.recommendations([school_id]) for c in r.children}

    def save_recommendation(self, new, expected_rev, recorder, envelopes):
        """The class's whole list, conditional on the revision read (0: none yet)."""
        fields = {"school_id": new.school_id, "children": new.children}
        if expected_rev == 0:
            try:
                recorder.insert(RECOMMENDATIONS, dict(fields, _id=new.class_id, rev=1), envelopes)
                return True
            except DuplicateKeyError:
                return False
        return save_if_version(recorder, RECOMMENDATIONS, new.class_id, expected_rev,
                               {"$set": fields, "$inc": {"rev": 1}}, envelopes,
                               version_field="rev")

    def withdraw_one(self, class_id, child_id, recorder, envelopes):
        """Take one child off a class's list with its event, in one write that needs no
        re-read (so children leaving at once never contend); False if not on it."""
        key = "children." + child_id
        result = recorder.update(RECOMMENDATIONS, {"_id": class_id, key: {"$exists": True}},
                                 {"$unset": {key: ""}, "$inc": {"rev": 1}}, envelopes)
        return bool(result.matched_count)


def _recommendation(doc):
    if doc is None:
        return None
    return ClassRecommendation(doc["_id"], doc.get("school_id"), dict(doc.get("children") or {}),
                               doc.get("rev", 0))


class Plans:
    def __init__(self, db):
        self.collection = db[PLANS]

    def add(self, plan):
        self.collection.insert_one(plan)

    def get(self, plan_id):
        return self.collection.find_one({"_id": plan_id})

    def mark(self, plan_id, status, **fields):
        self.collection.update_one({"_id": plan_id}, {"$set": dict(fields, status=status)})

    def move(self, plan_id, token, from_status, to_status, **fields):
        """Conditional status change by the apply attempt `token`; the plan after, or None."""
        return self.collection.find_one_and_update(
            {"_id": plan_id, "attempt": token, "status": from_status},
            {"$set": dict(fields, status=to_status)}, return_document=ReturnDocument.AFTER)

    def begin(self, plan_id, token, lease_seconds, by=None):
        """Take a proposed plan for applying; the plan, or None if it was not proposed."""
        return self.collection.find_one_and_update(
            {"_id": plan_id, "status": "proposed"},
            {"$set": {"status": "applying", "attempt": token, "applying_by": by,
                      "lease_until": now() + lease_seconds}},
            return_document=ReturnDocument.AFTER)

    def stuck(self):
        """Plans whose applier stopped (lease over) while applying or committing."""
        return list(self.collection.find({"status": {"$in": ["applying", "committing"]},
                                          "lease_until": {"$lt": now()}}))

    def latest(self, school_id, limit=20):
        return list(self.collection.find({"school_id": school_id}, {"pairs": 0, "unpaired": 0})
                    .sort([("created_at", DESCENDING)]).limit(limit))


class PairingStore:
    """Everything the service keeps, grouped by concern."""

    def __init__(self, db):
        self.db = db
        self.registry = Projections(db)
        self.pairings = PairingRecords(db)
        self.places = Places(db, self.pairings)
        self.settings = Settings(db)
        self.plans = Plans(db)
