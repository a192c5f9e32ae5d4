"""Supplies handed out to many children at once (学习用品 at 六一 or New Year): one command
records what each child present at an activity received and from whom.

One distribution per activity (recording it again is a correction naming the revision it
corrects), each child once. It is not a per-child aid record: counting aid (AidDistributed)
and supplies (SuppliesDistributed) together never counts a gift twice.
"""
from pymongo.errors import DuplicateKeyError

from activities import domain, storage
from activities.domain import Problems
from carekit import paging
from carekit.documents import NO_OUTBOX
from carekit.errors import Conflict, NotFound

KEY_SHAPE = (str, str)


def distribution_id(activity_id):
    return domain.stable_id("sd", activity_id)


def distribute(db, outbox, data):
    current = domain.now()
    activity = storage.load(db, storage.GROUP_ACTIVITIES, "找不到该活动",
                            activity_id=data["activity_id"])
    if activity["status"] != "held":
        raise Conflict("活动登记出勤后才能登记发放（发给出席的同学）", code="not_held")
    stored = db[storage.SUPPLIES].find_one({"_id": distribution_id(activity["_id"])})
    if stored is not None and data.get("revision") != stored["revision"]:
        raise Conflict("该活动已登记发放，请在最新版本上修改", code="stale_revision",
                       current_revision=stored["revision"])
    present = list(activity.get("present_child_ids") or [])
    child_ids = data.get("child_ids") or present
    problems = Problems()
    if data.get("child_ids"):
        for index, child_id in enumerate(child_ids):
            if child_id not in present:
                problems.add("child_ids.{}".format(index), "not_present",
                             "只能发给该活动出席的同学")
    if not child_ids:
        problems.add("child_ids", "required", "该活动没有出席的同学")
    problems.raise_if_any()
    roll = {m["child_id"]: m for m in activity.get("attendance") or []}
    items = [{"item": i["item"], "quantity_per_child": i["quantity_per_child"]}
             for i in data["items"]]
    doc = {"_id": distribution_id(activity["_id"]), "activity_id": activity["_id"],
           "school_id": activity["school_id"], "kind": activity["kind"],
           "occasion": activity.get("occasion"), "held_on": activity["held_on"],
           "title": activity["title"], "child_ids": list(child_ids),
           "left_behind_child_ids": [c for c in child_ids if roll.get(c, {}).get("left_behind")],
           "items": items, "value_fen_per_child": domain.to_fen(data.get("value_per_child")),
           "donor_type": data["donor_type"], "donor_name": data.get("donor_name"),
           "distributed_by": data["distributed_by"], "recorded_at": domain.stamp(current),
           "revision": (stored or {}).get("revision", 0) + 1}
    event = outbox.event("SuppliesDistributed", {
        "distribution_id": doc["_id"], "revision": doc["revision"],
        "activity_id": doc["activity_id"], "school_id": doc["school_id"], "kind": doc["kind"],
        "occasion": doc["occasion"], "held_on": doc["held_on"], "child_ids": doc["child_ids"],
        "child_count": len(doc["child_ids"]),
        "left_behind_count": len(doc["left_behind_child_ids"]), "item_kinds": len(items),
        "units_per_child": sum(i["quantity_per_child"] for i in items),
        "value_fen_per_child": doc["value_fen_per_child"], "donor_type": doc["donor_type"],
        "distributed_by": doc["distributed_by"]}, subject=doc["activity_id"])
    try:
        if stored is None:
            outbox.insert(storage.SUPPLIES, doc, [event])
            return supplies_view(doc)
        change = {k: v for k, v in doc.items() if k != "_id"}
        if outbox.update(storage.SUPPLIES, {"_id": doc["_id"], "revision": stored["revision"]},
                         {"$set": change}, [event]).matched_count:
            return supplies_view(doc)
    except DuplicateKeyError:
        pass
    raise Conflict("发放记录刚被他人修改，请刷新后再试", code="stale_revision")


def recipients(db, activity_id):
    """The children who received supplies at an activity (none: [])."""
    doc = db[storage.SUPPLIES].find_one({"_id": distribution_id(activity_id)}, {"child_ids": 1})
    return list((doc or {}).get("child_ids") or [])


def supplies_view(doc):
    out = storage.view(doc)
    out["child_count"] = len(doc["child_ids"])
    out["left_behind_count"] = len(doc.get("left_behind_child_ids") or [])
    out["kind_label"] = domain.ACTIVITY_KIND_LABELS[doc["kind"]]
    out["donor_type_label"] = domain.DONOR_TYPE_LABELS[doc["donor_type"]]
    out["value_per_child"] = domain.yuan(doc.get("value_fen_per_child"))
    return out


def get(db, activity_id):
    doc = db[storage.SUPPLIES].find_one({"_id": distribution_id(activity_id)}, NO_OUTBOX)
    if doc is None:
        raise NotFound("该活动没有发放记录", activity_id=activity_id)
    return supplies_view(doc)


def of_school(db, data):
    """A school's distributions between two dates (the activities' dates), oldest first."""
    docs = db[storage.SUPPLIES].find(
        {"school_id": data["school_id"], "held_on": {"$gte": data["date_from"].isoformat(),
                                                     "$lte": data["date_to"].isoformat()}},
        NO_OUTBOX)
    found = paging.page([supplies_view(d) for d in docs], lambda d: (d["held_on"], d["id"]),
                        KEY_SHAPE, data.get("cursor"), data["limit"])
    return {"school_id": data["school_id"], "distributions": found["items"],
            "next_cursor": found["next_cursor"]}
