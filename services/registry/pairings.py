"""Who is paired with a child, for the contact card and the forms: a projection of pairing's
events. Mentor teacher: MentorAssigned / MentorReleased; hand-in-hand friends (手拉手好朋友):
BuddyPaired / BuddyUnpaired; proxy parent (代理家长): ProxyParentAssigned / ProxyParentReleased.

One collection per kind, keyed by pairing id. A start and its end carry the same descriptive
fields; only the end sets it ended and a start never reopens it, so duplicates and any arrival
order end in the same state (an ended id stays ended even when its start arrives later).
PairingEnded is not needed here: pairing emits the kind's own end event for every end.
"""
from carekit.events.projection import upsert
from registry import storage as st
from registry.views import plain

# kind -> (collection, the partner's fields in the events)
KINDS = {
    "mentor": (st.MENTORS, ("teacher_id", "teacher_name")),
    "buddy": (st.BUDDIES, ("buddy_child_id", "buddy_name", "buddy_class_id")),
    "proxy_parent": (st.PROXY_PARENTS, ("volunteer_id", "volunteer_name")),
}


def _fields(kind, data):
    fields = {"child_id": data["child_id"], "school_id": data["school_id"],
              "class_id": data.get("class_id"), "started_on": plain(data["started_on"])}
    fields.update({key: data.get(key) for key in KINDS[kind][1]})
    return fields


def started(db, kind, data):
    upsert(db[KINDS[kind][0]], data["pairing_id"],
           {"$set": _fields(kind, data), "$setOnInsert": {"state": "active"}})


def ended(db, kind, data):
    upsert(db[KINDS[kind][0]], data["pairing_id"],
           {"$set": dict(_fields(kind, data), state="ended", ended_on=plain(data["ended_on"]),
                         end_reason=data["reason"])})


def current(db, kind, child_ids):
    """child_id -> the child's active pairings of `kind`, latest started first."""
    found = {}
    for doc in db[KINDS[kind][0]].find({"child_id": {"$in": list(child_ids)},
                                        "state": "active"}):
        found.setdefault(doc["child_id"], []).append(doc)
    for docs in found.values():
        docs.sort(key=lambda d: (d["started_on"], d["_id"]), reverse=True)
    return found
