"""Order-tolerant projection writes: apply a change only if it is newer than what is stored.

A document keeps the version of the source entity it reflects; an older or repeated event
matches nothing and the conditional upsert then collides with the existing _id, which is
exactly "already have something newer": ignored.
"""
from pymongo.errors import DuplicateKeyError


def upsert_if_newer(collection, key, version, fields, version_field="version"):
    """Set `fields` on document `key` if `version` is newer. True if applied."""
    newer = {"_id": key, "$or": [{version_field: {"$lt": version}},
                                 {version_field: {"$exists": False}}]}
    change = {"$set": dict(fields, **{version_field: version})}
    try:
        result = collection.update_one(newer, change, upsert=True)
    except DuplicateKeyError:
        # Either what is stored is as new or newer, or a concurrent handler inserted the
        # document between our match and our insert: match once more against what exists.
        return bool(collection.update_one(newer, change).modified_count)
    return bool(result.modified_count or result.upserted_id is not None)
