"""How events ride in a service's documents until the relay moves them, and the event log.

A document that carries events keeps them in a map `_outbox` = {event id: {"o": order,
"envelope": ...}}, added with `$set` of `_outbox.<id>` (the stand-in stores a `$set`
sub-document faithfully, a `$push`ed one as JSON text). Every write that adds events also
raises `_outbox_seq` by one, flags `_outbox_pending` and notes `_outbox_at` (the writer's
clock, epoch seconds: only a hint for the relay's sweep of forgotten documents).

The relay clears exactly the ids it logged (`$unset _outbox.<id>`), and drops the pending
flag only if `_outbox_seq` is still what it read: a write that added events in between moved
the sequence on, so the flag stays and the new events are relayed next round. No interleaving
of relays and writers can erase an event another relay has not logged.
"""
import time

from pymongo import ASCENDING, IndexModel

OUTBOX_FIELD = "_outbox"
PENDING_FLAG = "_outbox_pending"
OUTBOX_SEQ = "_outbox_seq"
OUTBOX_AT = "_outbox_at"
OUTBOX_FIELDS = (OUTBOX_FIELD, PENDING_FLAG, OUTBOX_SEQ, OUTBOX_AT)
EVENT_LOG = "event_log"

# status of an event in event_log: sent (published, confirmed), pending (a publish failed or
# came back unroutable: retried with backoff), parked (gave up after the attempt cap; the DLQ
# CLI lists and re-queues them)
SENT, PENDING, PARKED = "sent", "pending", "parked"

EVENT_LOG_INDEXES = [
    IndexModel([("status", ASCENDING), ("next_attempt_at", ASCENDING)]),
    IndexModel([("order", ASCENDING)]),
    IndexModel([("name", ASCENDING), ("recorded_at", ASCENDING)]),
]
CARRIER_INDEXES = [IndexModel([(PENDING_FLAG, ASCENDING), (OUTBOX_AT, ASCENDING)], sparse=True)]


def _entries(envelopes):
    # order key: the writer's clock in ns and the position in this write (events of one
    # document are relayed in this order)
    stamp = time.time_ns()
    return {envelope["id"]: {"o": "{:020d}{:05d}".format(stamp, i), "envelope": envelope}
            for i, envelope in enumerate(envelopes)}


def carrying(document, envelopes):
    """A copy of a new `document` that carries `envelopes` for the relay."""
    document = dict(document)
    if envelopes:
        document[OUTBOX_FIELD] = _entries(envelopes)
        document[PENDING_FLAG] = True
        document[OUTBOX_SEQ] = 1
        document[OUTBOX_AT] = time.time()
    return document


def with_events(update, envelopes):
    """Add the events to a MongoDB update document (returns a new dict)."""
    update = {op: dict(args) for op, args in update.items()}
    if envelopes:
        sets = update.setdefault("$set", {})
        for event_id, entry in _entries(envelopes).items():
            sets["{}.{}".format(OUTBOX_FIELD, event_id)] = entry
        sets[PENDING_FLAG] = True
        sets[OUTBOX_AT] = time.time()
        update.setdefault("$inc", {})[OUTBOX_SEQ] = 1
    return update


def carried(document):
    """The envelopes a stored document carries, in the order they were written."""
    entries = (document or {}).get(OUTBOX_FIELD) or {}
    if isinstance(entries, list):  # written before the map form: relayed, then converted
        return [_legacy(e) for e in entries]
    return [entry["envelope"] for entry in sorted(entries.values(), key=lambda e: e["o"])]


def _legacy(envelope):
    import json
    # the stand-in stored `$push`ed envelopes as JSON text
    return json.loads(envelope) if isinstance(envelope, str) else envelope
