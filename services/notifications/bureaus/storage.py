"""Bureau webhooks in the notifications database: endpoints and parked deliveries (their
collections prefixed `bureau_`)."""
import time

from carekit.documents import index

WEBHOOKS = "bureau_webhooks"
PARKED = "bureau_parked_deliveries"
INDEXES = {PARKED: [index("bureau", "key")]}


def save_webhook(db, data):
    db[WEBHOOKS].update_one({"_id": data["bureau"]}, {"$set": {
        "url": data["url"], "generation": data["generation"], "active": True,
        "changed_at": time.time()}}, upsert=True)


def remove_webhook(db, bureau):
    return db[WEBHOOKS].update_one({"_id": bureau}, {"$set": {
        "active": False, "changed_at": time.time()}}).matched_count == 1


def active_webhooks(db):
    """{bureau: {"url", "generation"}} of the bureaus served by webhooks now."""
    return {doc["_id"]: {"url": doc["url"], "generation": int(doc["generation"])}
            for doc in db[WEBHOOKS].find({"active": True})}


def webhooks(db):
    return list(db[WEBHOOKS].find().sort("_id", 1))


def park(db, bureau, event_id, body, error, attempts):
    """Keep a delivery given up on, for the county's administrator (idempotent)."""
    db[PARKED].update_one({"_id": "{}:{}".format(bureau, event_id)}, {
        "$set": {"bureau": bureau, "event_id": event_id, "body": body.decode("utf-8"),
                 "error": error, "attempts": attempts},
        "$setOnInsert": {"key": "{:020d}:{}".format(time.time_ns(), event_id),
                         "parked_at": time.time()}}, upsert=True)


def parked_page(db, bureau, after, limit):
    query = {"bureau": bureau}
    if after:
        query["key"] = {"$gt": after}
    return list(db[PARKED].find(query, {"body": 0}).sort("key", 1).limit(limit))


def parked(db, bureau, ids=None, limit=1000):
    query = {"bureau": bureau}
    if ids is not None:
        query["event_id"] = {"$in": list(ids)}
    return list(db[PARKED].find(query).sort("key", 1).limit(limit))


def unpark(db, keys):
    return db[PARKED].delete_many({"_id": {"$in": list(keys)}}).deleted_count


def parked_counts(db):
    counts = {}
    for doc in db[PARKED].find({}, {"bureau": 1}):
        counts[doc["bureau"]] = counts.get(doc["bureau"], 0) + 1
    return counts
