"""Order-tolerant projection writes: apply a change only if it is newer than what is stored.

A document keeps the version of the source entity it reflects; an older or repeated event
matches nothing and the conditional upsert then collides with the existing _id, which is
exactly "already have something newer": ignored.
"""
from pymongo.errors import DuplicateKeyError


def upsert_if_newer(collection, key, version, fields, version_field="version", always=None):
    """Set `fields` on document `key` if `version` is newer. True if applied.

    `always` (an update such as {"$max": {"eligible_since": day}}) is applied with a newer
    version, and on its own when the event is older: for facts that only ever move one way
    whatever order events arrive in."""
    newer = {"_id": key, "$or": [{version_field: {"$lt": version}},
                                 {version_field: {"$exists": False}}]}
    change = {op: dict(args) for op, args in (always or {}).items()}
    change.setdefault("$set", {}).update(fields, **{version_field: version})
    try:
        result = collection.update_one(newer, change, upsert=True)
        applied = bool(result.modified_count or result.upserted_id is not None)
    except DuplicateKeyError:
        # Either what is stored is as new or newer, or a concurrent handler inserted the
        # document between our match and our insert: match once more against what exists.
        applied = bool(collection.update_one(newer, change).modified_count)
    if not applied and always:
        collection.update_one({"_id": key}, always)
    return applied


def upsert(collection, key, update):
    """update_one with upsert, tolerating a concurrent handler creating the document first
    (MongoDB then raises a duplicate key on our insert: the document exists, update it)."""
    try:
        collection.update_one({"_id": key}, update, upsert=True)
    except DuplicateKeyError:
        collection.update_one({"_id": key}, update)


def apply_once(collection, key, event_id, update):
    """Apply `update` (e.g. a counter's $inc) to document `key` at most once per event.

    The event id is recorded inside the same document by the same write, so the effect and
    the record of it cannot be separated: a process killed after this write but before the
    ledger marked the event done re-runs the handler, and the re-run changes nothing. (The
    ids are kept as keys of `_applied`, not in an array: the stand-in cannot test array
    membership reliably.) True if applied now."""
    marker = "_applied." + str(event_id).replace(".", "_")
    change = {op: dict(args) for op, args in update.items()}
    change.setdefault("$set", {})[marker] = 1
    unapplied = {"_id": key, marker: {"$exists": False}}
    try:
        result = collection.update_one(unapplied, change, upsert=True)
    except DuplicateKeyError:
        # already applied, or another event created the document since we matched
        return bool(collection.update_one(unapplied, change).modified_count)
    return bool(result.modified_count or result.upserted_id is not None)
