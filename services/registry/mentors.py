"""The mentor teacher on a contact card: a projection of pairing's MentorAssigned/Released.

Keyed by pairing id. Both events set the pairing's descriptive fields; only the release sets
it ended, and an assignment never reopens it, so duplicates and any arrival order end in the
same state (an ended id stays ended even when its start arrives later).
"""
from registry import storage as st
from registry.views import plain


def _fields(data):
    return {"child_id": data["child_id"], "teacher_id": data["teacher_id"],
            "teacher_name": data.get("teacher_name"), "school_id": data["school_id"],
            "started_on": plain(data["started_on"])}


def assigned(db, data):
    db[st.MENTORS].update_one({"_id": data["pairing_id"]},
                              {"$set": _fields(data), "$setOnInsert": {"state": "active"}},
                              upsert=True)


def released(db, data):
    db[st.MENTORS].update_one({"_id": data["pairing_id"]},
                              {"$set": dict(_fields(data), state="ended",
                                            ended_on=plain(data["ended_on"]),
                                            end_reason=data["reason"])},
                              upsert=True)


def current(db, child_ids):
    """child_id -> the active mentor pairing (latest started) for each child that has one."""
    found = {}
    for doc in db[st.MENTORS].find({"child_id": {"$in": list(child_ids)}, "state": "active"}):
        if doc["child_id"] not in found or doc["started_on"] > found[doc["child_id"]]["started_on"]:
            found[doc["child_id"]] = doc
    return found
