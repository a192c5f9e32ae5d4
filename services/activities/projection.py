"""The activities service's own view of registry and pairing data, built from their events.

Only what activities needs: a child's school, class, status and registration date; who
mentors or proxy-parents a child and when; staff and volunteers (school, active); classes
and schools. No names, ID numbers or phones.

Idempotent and order-tolerant: registry entities carry a version (`upsert_if_newer`);
a pairing is keyed by pairing_id and built from its start or end event, whichever comes
first, and an ended pairing stays ended when its start arrives late (the start event never
touches the end fields).
"""

from activities import domain, storage
from activities.domain import Problems, iso_day
from carekit.events.projection import upsert, upsert_if_newer

# what is kept of each registry entity: (collection, id field, fields)
ENTITIES = {
    "child": (storage.CHILDREN, "child_id",
              ("school_id", "class_id", "township_id", "grade", "status", "left_behind_type")),
    "staff": (storage.STAFF, "staff_id",
              ("school_id", "township_id", "roles", "class_ids", "head_teacher_class_ids",
               "active")),
    "volunteer": (storage.VOLUNTEERS, "volunteer_id",
                  ("school_id", "township_id", "kind", "active")),
    "class": (storage.CLASSES, "class_id",
              ("school_id", "township_id", "grade", "class_number", "head_teacher_id")),
    "school": (storage.SCHOOLS, "school_id", ("county_id", "township_id")),
}

PAIRING_PERSON = {"mentor": "teacher_id", "proxy_parent": "volunteer_id"}


# -- registry ------------------------------------------------------------------------------------
def apply(db, entity, data):
    collection, key, names = ENTITIES[entity]
    upsert_if_newer(db[collection], data[key], data["version"],
                    {name: data.get(name) for name in names})


def apply_child(db, data, registered_on=None):
    apply(db, "child", data)
    if registered_on is not None:
        # Not versioned: it never changes, and ChildRegistered may arrive after newer events.
        db[storage.CHILDREN].update_one({"_id": data["child_id"]},
                                        {"$set": {"registered_on": iso_day(registered_on)}})


# -- pairing ---------------------------------------------------------------------------------------
def _pairing_fields(kind, data):
    return {"kind": kind, "child_id": data["child_id"], "person_id": data[PAIRING_PERSON[kind]],
            "school_id": data["school_id"], "class_id": data.get("class_id"),
            "started_on": iso_day(data["started_on"])}


def pairing_started(db, kind, data):
    upsert(db[storage.PAIRINGS], data["pairing_id"], {"$set": _pairing_fields(kind, data)})


def pairing_ended(db, kind, data):
    fields = dict(_pairing_fields(kind, data), ended_on=iso_day(data["ended_on"]),
                  end_reason=data["reason"])
    upsert(db[storage.PAIRINGS], data["pairing_id"], {"$set": fields})


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


# -- checks against what is known ----------------------------------------------------------------
UNKNOWN_CHILD = "找不到该儿童（档案可能尚未同步）"


def check_child(db, problems, child_id):
    """The child, or None and an unknown_child problem (the file may not be synced yet)."""
    found = child(db, child_id)
    if found is None:
        problems.add("child_id", "unknown_child", UNKNOWN_CHILD)
    return found


def known_child(db, child_id):
    """The child a command is about: without it nothing else can be checked."""
    problems = Problems()
    found = check_child(db, problems, child_id)
    problems.raise_if_any()
    return found


def known_school(db, school_id):
    problems = Problems()
    found = school(db, school_id)
    if found is None:
        problems.add("school_id", "unknown_school", "找不到该学校（信息可能尚未同步）")
    problems.raise_if_any()
    return found


def check_staff_on_duty(db, problems, named, school_id):
    """named: [(field, staff_id)]. Staff on duty must be active staff of the school: a
    problem per one who is not. -> the known staff by id."""
    known = staff(db, {staff_id for _, staff_id in named})
    for field, staff_id in named:
        member = known.get(staff_id)
        if member is None or member.get("school_id") != school_id:
            problems.add(field, "unknown_staff", "值日教师应为本校教师")
        elif not member["active"]:
            problems.add(field, "staff_inactive", "该教师已离职或调离")
    return known


def check_children_of(db, problems, field, child_ids, school_id):
    """Children named in a school's record: each known and of that school. -> by id."""
    known = children(db, child_ids)
    for index, child_id in enumerate(child_ids):
        found = known.get(child_id)
        where = "{}.{}".format(field, index)
        if found is None:
            problems.add(where, "unknown_child", UNKNOWN_CHILD)
        elif found.get("school_id") != school_id:
            problems.add(where, "other_school", "该儿童不是本校学生")
    return known


def check_author(db, problems, by_id):
    """The staff member or volunteer writing, or None and an unknown_person problem."""
    author = person(db, by_id)
    if author is None:
        problems.add("by_id", "unknown_person", "找不到该教师或志愿者（信息可能尚未同步）")
    return author


def authorship(db, child_id, by_id, day, author):
    """by_role, flagged and flag_reasons of a record about the child by by_id on that day."""
    registered_on = (child(db, child_id) or {}).get("registered_on")
    role = domain.author_role(pairings_of(db, child_id), by_id, iso_day(day), registered_on)
    flags = domain.flags_for(role, author)
    return {"by_role": role, "flagged": bool(flags), "flag_reasons": flags}
