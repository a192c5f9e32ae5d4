"""Idempotent consumption: a ledger of processed event ids under a unique key.

The key is event id + handler, so two handlers of one service each process an event once.
Handlers should still write idempotently (upserts, version checks: see `projection`), since
a process can die between its own write and the ledger record; the ledger then makes the
redelivery a no-op for everything after.
"""
from datetime import datetime, timezone

from pymongo import ASCENDING, IndexModel
from pymongo.errors import DuplicateKeyError

PROCESSED_EVENTS = "processed_events"
LEDGER_INDEXES = {PROCESSED_EVENTS: [IndexModel([("handled_at", ASCENDING)])]}


class ProcessedEvents:
    def __init__(self, database, handler):
        self.collection = database[PROCESSED_EVENTS]
        self.handler = handler

    def key(self, event_id):
        return "{}:{}".format(event_id, self.handler)

    def seen(self, event_id):
        return self.collection.find_one({"_id": self.key(event_id)}, {"_id": 1}) is not None

    def record(self, event):
        try:
            self.collection.insert_one({
                "_id": self.key(event.id), "event_id": event.id, "handler": self.handler,
                "type": event.name, "version": event.version, "source": event.source,
                "handled_at": datetime.now(timezone.utc)})
            return True
        except DuplicateKeyError:  # a replica processed the same delivery concurrently
            return False
