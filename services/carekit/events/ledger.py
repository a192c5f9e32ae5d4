"""Idempotent consumption: a ledger of processed event ids under a unique key.

Before a handler runs, its delivery claims the event (insert under the unique _id); after
success the claim becomes `done`. A copy arriving while the first is being processed (two
replicas, a relay republish) sees the live claim and is retried later; a copy arriving
after is skipped. A claim left by a process that died expires after LEASE_SECONDS.
The key is event id + handler, so two handlers of one service each process an event once.

Claims and done marks of events in flight at the same time share a round trip (GroupWrite):
one insert_many, one update_many. Each caller still waits for, and sees, its own outcome.
"""
import time
from datetime import datetime, timezone

from eventlet import spawn_n
from eventlet.event import Event
from pymongo import ASCENDING, IndexModel
from pymongo.errors import BulkWriteError, DuplicateKeyError, WriteError

PROCESSED_EVENTS = "processed_events"
LEDGER_INDEXES = {PROCESSED_EVENTS: [IndexModel([("handled_at", ASCENDING)])]}
LEASE_SECONDS = 60

NEW, DONE, BUSY = "new", "done", "busy"
# Leases are epoch seconds, not datetimes: the stand-in stores a $set datetime as text, which
# would then never compare as expired.


def _now():
    return datetime.now(timezone.utc)


class GroupWrite:
    """Calls write(items) -> [outcome per item] once for all the items submitted meanwhile.

    submit(item) queues the item and waits. A flusher greenthread runs while items are
    queued: it writes whatever has accumulated, hands each caller its outcome (an exception
    outcome is raised in that caller), and loops; it never waits to fill a batch."""

    def __init__(self, write):
        self._write = write
        self._queued = []
        self._flushing = False

    def submit(self, item):
        result = Event()
        self._queued.append((item, result))
        if not self._flushing:
            self._flushing = True
            spawn_n(self._flush)
        outcome = result.wait()
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome

    def _flush(self):
        try:
            while self._queued:
                batch, self._queued = self._queued, []
                try:
                    outcomes = self._write([item for item, _ in batch])
                except BaseException as exc:  # the whole write failed: so does every caller
                    outcomes = [exc] * len(batch)
                for (_, result), outcome in zip(batch, outcomes):
                    result.send(outcome)
        finally:
            self._flushing = False


class ProcessedEvents:
    def __init__(self, database, handler):
        self.collection = database[PROCESSED_EVENTS]
        self.handler = handler
        self._inserts = GroupWrite(self._insert_claims)
        self._dones = GroupWrite(self._mark_done)

    def key(self, event_id):
        return "{}:{}".format(event_id, self.handler)

    def claim(self, event):
        """NEW: go ahead. DONE: already processed, skip. BUSY: being processed elsewhere."""
        now = time.time()
        try:
            self._inserts.submit({
                "_id": self.key(event.id), "event_id": event.id, "handler": self.handler,
                "type": event.name, "version": event.version, "source": event.source,
                "status": "processing", "lease_until": now + LEASE_SECONDS})
            return NEW
        except DuplicateKeyError:
            pass
        taken_over = self.collection.find_one_and_update(
            {"_id": self.key(event.id), "status": "processing", "lease_until": {"$lt": now}},
            {"$set": {"lease_until": now + LEASE_SECONDS}})
        if taken_over is not None:
            return NEW
        existing = self.collection.find_one({"_id": self.key(event.id)}, {"status": 1})
        if existing is None:  # the claimant failed and released it just now
            return self.claim(event)
        return DONE if existing.get("status") == "done" else BUSY

    def _insert_claims(self, documents):
        """Per document: None if inserted, else the error insert_one would have raised."""
        try:
            self.collection.insert_many(documents, ordered=False)
            return [None] * len(documents)
        except BulkWriteError as exc:
            if exc.details.get("writeConcernErrors"):
                raise
            outcomes = [None] * len(documents)
            for error in exc.details["writeErrors"]:
                kind = DuplicateKeyError if error["code"] == 11000 else WriteError
                outcomes[error["index"]] = kind(error.get("errmsg"), error["code"], error)
            return outcomes

    def done(self, event):
        self._dones.submit(self.key(event.id))

    def _mark_done(self, keys):
        self.collection.update_many({"_id": {"$in": keys}},
                                    {"$set": {"status": "done", "handled_at": _now()},
                                     "$unset": {"lease_until": ""}})
        return [None] * len(keys)

    def release(self, event):
        """The handler failed: let the retry claim it again."""
        self.collection.delete_one({"_id": self.key(event.id), "status": "processing"})

    def seen(self, event_id):
        return self.collection.find_one({"_id": self.key(event_id), "status": "done"},
                                        {"_id": 1}) is not None
