"""Where pending events live in a service's database, and the event log's shape."""
from pymongo import ASCENDING, IndexModel

OUTBOX_FIELD = "_outbox"
PENDING_FLAG = "_outbox_pending"
EVENT_LOG = "event_log"

EVENT_LOG_INDEXES = [
    IndexModel([("status", ASCENDING), ("recorded_at", ASCENDING)]),
    IndexModel([("recorded_at", ASCENDING)]),
    IndexModel([("name", ASCENDING), ("recorded_at", ASCENDING)]),
]
CARRIER_INDEXES = [IndexModel([(PENDING_FLAG, ASCENDING)], sparse=True)]


def with_events(update, envelopes):
    """Add the outbox push to a MongoDB update document (returns a new dict)."""
    update = {op: dict(args) for op, args in update.items()}
    if envelopes:
        update.setdefault("$push", {})[OUTBOX_FIELD] = {"$each": list(envelopes)}
        update.setdefault("$set", {})[PENDING_FLAG] = True
    return update


