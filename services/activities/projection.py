"""The activities service's own view of registry and pairing data, built from their events.

Only what activities needs: a child's school, class, status and registration date; who
mentors or proxy-parents a child and when; staff and volunteers (school, active); classes
and schools. No names, ID numbers or phones.

Idempotent and order-tolerant: registry entities carry a version (`upsert_if_newer`);
a pairing is keyed by pairing_id and built from its start or end event, whichever comes
first, and an ended pairing stays ended when its start arrives late (the start event never
touches the end fields).
"""
from pymongo.errors import DuplicateKeyError

from activities import storage
from activities.domain import iso_day
from carekit.events.projection import upsert_if_newer

CHILD_FIELDS = ("school_id", "class_id", "township_id", "grade", "status", "left_behind_type")
STAFF_FIELDS = ("school_id", "township_id", "roles", "class_ids", "head_teacher_class_ids",
                "active")
VOLUNTEER_FIELDS = ("school_id", "township_id", "kind", "active")
CLASS_FIELDS = ("school_id", "township_id", "grade", "class_number", "head_teacher_id")
SCHOOL_FIELDS = ("county_id", "township_id")

PAIRING_PERSON = {"mentor": "teacher_id", "proxy_parent": "volunteer_id"}


def _pick(data, names):
    return {name: data.get(name) for name in names}


# -- registry ------------------------------------------------------------------------------------
def apply_child(db, data, registered_on=None):
    upsert_if_newer(db[storage.CHILDREN], data["child_id"], data["version"],
                    _pick(data, CHILD_FIELDS))
    if registered_on is not None:
        # Not versioned: it never changes, and ChildRegistered may arrive after newer events.
        db[storage.CHILDREN].update_one({"_id": data["child_id"]},
                                        {"$set": {"registered_on": iso_day(registered_on)}})


def apply_staff(db, data):
    upsert_if_newer(db[storage.STAFF], data["staff_id"], data["version"],
                    _pick(data, STAFF_FIELDS))


def apply_volunteer(db, data):
    upsert_if_newer(db[storage.VOLUNTEERS], data["volunteer_id"], data["version"],
                    _pick(data, VOLUNTEER_FIELDS))


def apply_class(db, data):
    upsert_if_newer(db[storage.CLASSES], data["class_id"], data["version"],
                    _pick(data, CLASS_FIELDS))


def apply_school(db, data):
    upsert_if_newer(db[storage.SCHOOLS], data["school_id"], data["version"],
                    _pick(data, SCHOOL_FIELDS))


# -- pairing ---------------------------------------------------------------------------------------
def _pairing_fields(kind, data):
    return {"kind": kind, "child_id": data["child_id"], "person_id": data[PAIRING_PERSON[kind]],
            "school_id": data["school_id"], "class_id": data.get("class_id"),
            "started_on": iso_day(data["started_on"])}


def _upsert(collection, key, update):
    try:
        collection.update_one({"_id": key}, update, upsert=True)
    except DuplicateKeyError:  # a concurrent handler created it first: now it exists
        collection.update_one({"_id": key}, update)


def pairing_started(db, kind, data):
    _upsert(db[storage.PAIRINGS], data["pairing_id"], {"$set": _pairing_fields(kind, data)})


def pairing_ended(db, kind, data):
    fields = dict(_pairing_fields(kind, data), ended_on=iso_day(data["ended_on"]),
                  end_reason=data["reason"])
    _upsert(db[storage.PAIRINGS], data["pairing_id"], {"$set": fields})


# -- lookups ---------------------------------------------------------------------------------------
def child(db, child_id):
    return db[storage.CHILDREN].find_one({"_id": child_id})


def children(db, ids):
    return {doc["_id"]: doc for doc in db[storage.CHILDREN].find({"_id": {"$in": list(ids)}})}


def children_of(db, school_id=None, class_id=None):
    query = {"class_id": class_id} if class_id else {"school_id": school_id}
    return list(db[storage.CHILDREN].find(query).sort("_id", 1))


def person(db, person_id):
    """A staff member or volunteer: {"type": staff|volunteer, **doc}, or None."""
    for kind, collection in (("staff", storage.STAFF), ("volunteer", storage.VOLUNTEERS)):
        doc = db[collection].find_one({"_id": person_id})
        if doc is not None:
            return dict(doc, type=kind, active=bool(doc.get("active")))
    return None


def staff(db, ids):
    docs = db[storage.STAFF].find({"_id": {"$in": list(ids)}})
    return {doc["_id"]: dict(doc, active=bool(doc.get("active"))) for doc in docs}


def pairings_of(db, child_id):
    return list(db[storage.PAIRINGS].find({"child_id": child_id,
                                           "kind": {"$in": list(PAIRING_PERSON)}}))


def school(db, school_id):
    return db[storage.SCHOOLS].find_one({"_id": school_id})


def classes(db, ids):
    return {doc["_id"]: doc for doc in db[storage.CLASSES].find({"_id": {"$in": list(ids)}})}
