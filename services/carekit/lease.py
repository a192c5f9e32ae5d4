"""Leases in MongoDB, so N replicas share timed work and each item is worked on by one.

A claimable document keeps `lease_until` (epoch seconds; 0 when free) and `lease_owner`.
`claim` takes up to `limit` due documents in three round trips whatever the batch size: read
candidates, mark the free ones as ours under a fresh owner token in one update_many (each
document's filter is re-checked atomically as it is written, so two replicas never both win
one), then read back which ones carry our token. A replica that dies holding a lease loses
it when the lease expires.

Lease times are the database server's clock (as the event ledger's: hosts' clocks need not
agree), never a service's injectable clock: a test that moves its clock by days must not
expire every lease at once. Epoch numbers, not datetimes, because the MongoDB stand-in
stores a $set datetime as text.
"""
import uuid

from carekit.clock import ServerClock

FREE = 0
_clocks = {}


def server_now(collection):
    """The database server's time in epoch seconds (one measured offset per database)."""
    database = collection.database
    key = (id(database.client), database.name)
    if key not in _clocks:
        _clocks[key] = ServerClock(database)
    return _clocks[key].now()


def claimable(extra=None):
    """Fields a new claimable document starts with ($setOnInsert them)."""
    return dict(extra or {}, lease_until=FREE, lease_owner=None)


def claim(collection, due, limit, seconds, projection=None, mark=None):
    """Claim up to `limit` documents matching `due` whose lease has expired, setting `mark`
    ($set) on them in the same write.

    Returns (owner token, claimed documents). `due` must not use `lease_until` itself."""
    now = server_now(collection)
    free = dict(due, lease_until={"$lt": now})
    candidates = [doc["_id"] for doc in collection.find(free, {"_id": 1}).limit(limit)]
    owner = uuid.uuid4().hex
    if not candidates:
        return owner, []
    collection.update_many(dict(free, _id={"$in": candidates}),
                           {"$set": dict(mark or {}, lease_owner=owner,
                                         lease_until=now + seconds)})
    return owner, list(collection.find({"_id": {"$in": candidates}, "lease_owner": owner},
                                       projection))


def release(collection, owner, ids, changes=None, unset=None, match=None):
    """Give back the leases of `ids` still held by `owner` (and matching `match`), applying
    `changes` ($set) and `unset` in the same write. Returns how many were still ours."""
    update = {"$set": dict(changes or {}, lease_until=FREE, lease_owner=None)}
    if unset:
        update["$unset"] = {field: "" for field in unset}
    return collection.update_many(dict(match or {}, _id={"$in": list(ids)}, lease_owner=owner),
                                  update).modified_count


def renew(collection, owner, doc_id, seconds):
    """Extend `owner`'s lease on `doc_id` by `seconds` from now, if it still holds it: call
    before each slow step, so a batch that takes long never outlives its leases. True if
    still ours."""
    return collection.update_one(still_mine(collection, owner, doc_id),
                                 {"$set": {"lease_until": server_now(collection) + seconds}}
                                 ).matched_count == 1


def still_mine(collection, owner, doc_id):
    """A filter matching `doc_id` only while `owner` holds its lease (guarded writes)."""
    return {"_id": doc_id, "lease_owner": owner, "lease_until": {"$gt": server_now(collection)}}
