"""Idempotent consumption: a ledger of processed event ids under a unique key.

Before a handler runs, its delivery claims the event (insert under the unique _id); after
success the claim becomes `done`. A copy arriving while the first is being processed (two
replicas, a relay republish) sees the live claim and is retried later; a copy arriving
after is skipped. A claim left by a process that died expires after LEASE_SECONDS.
The key is event id + handler, so two handlers of one service each process an event once.
"""
import time
from datetime import datetime, timezone

from pymongo import ASCENDING, IndexModel
from pymongo.errors import DuplicateKeyError

PROCESSED_EVENTS = "processed_events"
LEDGER_INDEXES = {PROCESSED_EVENTS: [IndexModel([("handled_at", ASCENDING)])]}
LEASE_SECONDS = 60

NEW, DONE, BUSY = "new", "done", "busy"
# Leases are epoch seconds, not datetimes: the stand-in stores a $set datetime as text, which
# would then never compare as expired.


def _now():
    return datetime.now(timezone.utc)


class ProcessedEvents:
    def __init__(self, database, handler):
        self.collection = database[PROCESSED_EVENTS]
        self.handler = handler

    def key(self, event_id):
        return "{}:{}".format(event_id, self.handler)

    def claim(self, event):
        """NEW: go ahead. DONE: already processed, skip. BUSY: being processed elsewhere."""
        now = time.time()
        try:
            self.collection.insert_one({
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

    def done(self, event):
        self.collection.update_one({"_id": self.key(event.id)},
                                   {"$set": {"status": "done", "handled_at": _now()},
                                    "$unset": {"lease_until": ""}})

    def release(self, event):
        """The handler failed: let the retry claim it again."""
        self.collection.delete_one({"_id": self.key(event.id), "status": "processing"})

    def seen(self, event_id):
        return self.collection.find_one({"_id": self.key(event_id), "status": "done"},
                                        {"_id": 1}) is not None
