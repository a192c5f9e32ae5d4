"""Helpers every service's storage module uses: index declarations, versioned saves, and
stored documents turned into JSON-ready answers."""
from datetime import date, datetime
from decimal import Decimal

from pymongo import ASCENDING, IndexModel

from carekit.events.records import OUTBOX_FIELDS

# A find() projection that leaves out the events a document carries for the relay.
NO_OUTBOX = {field: 0 for field in OUTBOX_FIELDS}


def index(*keys, **options):
    """An ascending IndexModel over `keys` (IndexModel options such as unique=True pass on)."""
    return IndexModel([(key, ASCENDING) for key in keys], **options)


def plain(value):
    """A stored value as JSON-ready data: instants as ISO text to the millisecond (what BSON
    keeps), dates as ISO text, decimals as text. (The stand-in returns booleans as 1/0:
    callers convert known booleans with `bool`.)"""
    if isinstance(value, datetime):
        return value.isoformat(timespec="milliseconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value


def save_if_version(recorder, collection, key, expected, update, envelopes,
                    version_field="version"):
    """Write `update` and its events to document `key` only if its `version_field` still
    equals `expected` (optimistic concurrency); the update should move the version on.
    True if written, False if someone changed the document since it was read."""
    result = recorder.update(collection, {"_id": key, version_field: expected}, update,
                             envelopes)
    return bool(result.matched_count)
