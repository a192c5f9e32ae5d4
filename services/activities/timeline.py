"""Reading across the service: a child's timeline, last contact per child and kind, and the
flagged records a school should look at.

Timeline paging is keyset paging on (at, _id), newest first: each source collection is
asked for its next `limit` items after the cursor, the batches are merged and cut. Ids are
unique across collections, so the order is total and a page boundary never skips or repeats
an item, however many share a timestamp and whatever is added meanwhile.
"""
from activities import care, diary, domain, groups, honours, projection, storage
from carekit.documents import plain
from carekit.errors import NotFound, ValidationFailed

NOT_DELETED = {"deleted": {"$ne": True}}
SOURCES = {
    "care_record": (storage.CARE_RECORDS, lambda child_id: dict(NOT_DELETED, child_id=child_id)),
    "diary": (storage.DIARY_ENTRIES, lambda child_id: dict(NOT_DELETED, child_id=child_id)),
    "activity": (storage.GROUP_ACTIVITIES,
                 lambda child_id: {"$or": [{"present_child_ids": child_id},
                                           {"celebrated_child_ids": child_id}],
                                   "status": "held"}),
    # a revoked award stays, marked revoked: the timeline tells what happened
    "award": (storage.AWARDS, lambda child_id: {"child_id": child_id}),
}
OMIT = {"_outbox": 0, "history": 0}


def _cursor(data):
    """The (at, _id) after which a page starts, or None for the first page."""
    if not data.get("cursor"):
        return None
    try:
        return domain.decode_cursor(data["cursor"])
    except domain.BadCursor:
        raise ValidationFailed.single("cursor", "bad_cursor", "翻页标记无效，请从第一页重新查询")


def _page(docs, limit):
    """The first `limit` of up to limit + 1 docs, and the cursor of the next page if any."""
    page = docs[:limit]
    more = len(docs) > limit
    return page, domain.encode_cursor(page[-1]["at"], page[-1]["_id"]) if more else None


def _after(query, cursor):
    if cursor is None:
        return query
    at, item_id = cursor
    return {"$and": [query, {"$or": [{"at": {"$lt": at}},
                                     {"at": at, "_id": {"$lt": item_id}}]}]}


def _item(kind, doc, child_id):
    if kind == "care_record":
        body = care.care_view(doc)
    elif kind == "diary":
        body = diary.diary_view(doc)
    elif kind == "activity":
        body = groups.activity_view(doc)
        celebrated = child_id in (body.get("celebrated_child_ids") or [])
        for roll in ("attendance", "present_child_ids", "celebrated_child_ids"):
            body.pop(roll, None)  # other children's: not shown here
        body["attendance_status"] = "present" if child_id in (doc.get("present_child_ids")
                                                               or []) else None
        body["celebrated"] = celebrated
    else:
        body = honours.award_view(doc)
    return {"type": kind, "type_label": domain.TIMELINE_TYPE_LABELS[kind], "id": doc["_id"],
            "at": plain(doc["at"]), "item": body}


def timeline(db, data):
    child_id, limit = data["child_id"], data["limit"]
    cursor = _cursor(data)
    if cursor is None and projection.child(db, child_id) is None and not db[storage.CARE_RECORDS].find_one(
            {"child_id": child_id}, {"_id": 1}):
        raise NotFound("找不到该儿童", child_id=child_id)
    batches = []
    for kind in data.get("types") or domain.TIMELINE_TYPES:
        collection, query = SOURCES[kind]
        docs = db[collection].find(_after(query(child_id), cursor), OMIT).sort(
            [("at", -1), ("_id", -1)]).limit(limit + 1)
        batches.append([dict(doc, _kind=kind) for doc in docs])
    page, next_cursor = _page(domain.newest_first(batches, limit + 1), limit)
    items = [_item(doc.pop("_kind"), doc, child_id) for doc in page]
    return {"child_id": child_id, "items": items, "next_cursor": next_cursor}


def last_contacts(db, data):
    """For each child: the latest non-deleted care record of each kind, and of any kind.
    Children of the school or class with no contact at all are listed too (last: None)."""
    if data.get("child_ids"):
        ids = list(dict.fromkeys(data["child_ids"]))
        known = projection.children(db, ids)
    else:
        known = {c["_id"]: c for c in projection.children_of(db, data.get("school_id"),
                                                             data.get("class_id"))}
        ids = list(known)
    # status lets a caller skip children who are no longer left-behind or have graduated
    result = {child_id: {"child_id": child_id, "status": known.get(child_id, {}).get("status"),
                         "last": None, "by_kind": {}} for child_id in ids}
    docs = db[storage.CARE_RECORDS].find(
        dict(NOT_DELETED, child_id={"$in": ids}),
        {"child_id": 1, "kind": 1, "occurred_at": 1, "by_id": 1})
    for doc in docs:
        entry = result[doc["child_id"]]
        moment = doc["occurred_at"]  # stamp text: text order is time order
        contact = {"at": moment, "record_id": doc["_id"], "by_id": doc["by_id"],
                   "kind": doc["kind"], "_at": moment}
        best = entry["by_kind"].get(doc["kind"])
        if best is None or (moment, doc["_id"]) > (best["_at"], best["record_id"]):
            entry["by_kind"][doc["kind"]] = contact
        if entry["last"] is None or (moment, doc["_id"]) > (entry["last"]["_at"],
                                                            entry["last"]["record_id"]):
            entry["last"] = contact
    for entry in result.values():
        for contact in [entry["last"]] + list(entry["by_kind"].values()):
            if contact:
                contact.pop("_at", None)
    return {"children": [result[child_id] for child_id in ids]}


def flagged_records(db, data):
    """Records accepted though their author was not the child's mentor or proxy parent."""
    query = dict(NOT_DELETED, school_id=data["school_id"], flagged=True)
    docs = list(db[storage.CARE_RECORDS].find(_after(query, _cursor(data)), OMIT).sort(
        [("at", -1), ("_id", -1)]).limit(data["limit"] + 1))
    page, next_cursor = _page(docs, data["limit"])
    return {"records": [care.care_view(doc) for doc in page], "next_cursor": next_cursor}
