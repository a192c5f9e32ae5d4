"""Idempotent consumption: a ledger of processed event ids under a unique key.

Before a handler runs, its delivery claims the event: an insert under the unique _id (event
id + handler) with an owner token and a lease. After success the owner marks it `done`; after
a failure the owner releases it (deleted) so the retry can claim it. Both are conditional on
the owner token: a claimant whose lease ran out and was taken over can neither erase the new
owner's claim nor overwrite it.

A copy arriving while the claim is live (two replicas, a relay republish) is BUSY and retried
later; a copy arriving after `done` is skipped. A claim left by a process that died is taken
over once its lease has expired. Leases are kept in the database server's clock (each process
measures its offset to it), so they do not depend on the hosts' clocks agreeing.

Claims and done marks of events in flight at the same time share one bulk_write. Done entries
are kept LEDGER_RETENTION_DAYS (default 30: far longer than any redelivery, retry or replay
window; a copy older than that runs its handler again, which handlers tolerate by design).
"""
import time
import uuid
from datetime import datetime, timezone

from eventlet import spawn_n
from eventlet.event import Event
from pymongo import ASCENDING, DeleteMany, IndexModel, InsertOne, UpdateOne
from pymongo.errors import BulkWriteError, DuplicateKeyError, WriteError

from carekit.clock import ServerClock
from carekit.logs import get_logger

log = get_logger(__name__)

PROCESSED_EVENTS = "processed_events"
LEDGER_INDEXES = {PROCESSED_EVENTS: [IndexModel([("handler", ASCENDING)]),
                                     IndexModel([("status", ASCENDING),
                                                 ("settled_at", ASCENDING)])]}
LEASE_SECONDS = 60
RETENTION_DAYS = 30

NEW, DONE, BUSY = "new", "done", "busy"
PROCESSING = "processing"


class GroupWrite:
    """Calls write(items) -> [outcome per item] once for all the items submitted meanwhile.

    submit(item) queues the item and waits. A flusher greenthread runs while items are
    queued: it writes whatever has accumulated, hands each caller its outcome (an exception
    outcome is raised in that caller), and loops; it never waits to fill a batch."""

    def __init__(self, write):
        self._write = write
        self._queued = []
        self._flushing = False
        self._idle = None

    def submit(self, item, wait=True):
        """Queue `item` for the next write; with wait, return its outcome (raise it if it is
        an exception), else return at once (a failure is only logged)."""
        result = Event()
        self._queued.append((item, result))
        if not self._flushing:
            self._flushing = True
            self._idle = Event()
            spawn_n(self._flush)
        if not wait:
            return None
        outcome = result.wait()
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome

    def flush(self):
        """Wait until everything queued so far has been written."""
        if self._flushing:
            self._idle.wait()

    def _flush(self):
        try:
            while self._queued:
                batch, self._queued = self._queued, []
                try:
                    outcomes = self._write([item for item, _ in batch])
                except BaseException as exc:  # the whole write failed: so does every caller
                    log.warning("ledger_write_failed", error=repr(exc), entries=len(batch))
                    outcomes = [exc] * len(batch)
                for (_, result), outcome in zip(batch, outcomes):
                    result.send(outcome)
        finally:
            self._flushing = False
            self._idle.send(True)


class Claim:
    """A handler's hold on one event: its ledger key and the owner token."""

    __slots__ = ("key", "owner", "outcome")

    def __init__(self, key, owner, outcome):
        self.key, self.owner, self.outcome = key, owner, outcome


class ProcessedEvents:
    """The ledger of one handler. Several instances (one per replica) share the collection."""

    def __init__(self, database, handler, clock=None, lease_seconds=LEASE_SECONDS):
        self.collection = database[PROCESSED_EVENTS]
        self.handler = handler
        self.clock = clock or ServerClock(database)
        self.lease_seconds = lease_seconds
        self._writes = GroupWrite(self._write)

    def key(self, event_id):
        return "{}:{}".format(event_id, self.handler)

    def claim(self, event):
        """A Claim whose outcome is NEW (go ahead), DONE (already processed: skip) or BUSY
        (being processed elsewhere: look again later)."""
        key, owner = self.key(event.id), uuid.uuid4().hex
        lease_until = self.clock.now() + self.lease_seconds
        try:
            self._writes.submit(InsertOne({
                "_id": key, "event_id": event.id, "handler": self.handler,
                "type": event.name, "version": event.version, "source": event.source,
                "status": PROCESSING, "owner": owner, "lease_until": lease_until}))
            return Claim(key, owner, NEW)
        except DuplicateKeyError:
            pass
        # someone holds or held it: take it over if their lease ran out
        taken = self.collection.find_one_and_update(
            {"_id": key, "status": PROCESSING, "lease_until": {"$lt": self.clock.now()}},
            {"$set": {"owner": owner, "lease_until": lease_until}}, projection={"_id": 1})
        if taken is not None:
            return Claim(key, owner, NEW)
        existing = self.collection.find_one({"_id": key}, {"status": 1})
        if existing is None:  # the claimant failed and released it just now
            return self.claim(event)
        return Claim(key, None, DONE if existing.get("status") == "done" else BUSY)

    def done(self, claim, wait=True):
        """Record success. If the claim was taken over meanwhile, this matches nothing: the
        new owner records its own outcome. Without `wait` the mark joins the next grouped
        write and this returns at once: the handler's effect is already stored, so a mark
        lost to a crash only means a later copy runs the (idempotent) handler again."""
        self._writes.submit(UpdateOne(
            {"_id": claim.key, "owner": claim.owner},
            {"$set": {"status": "done", "settled_at": time.time(),
                      "handled_at": datetime.now(timezone.utc)},
             "$unset": {"lease_until": ""}}), wait=wait)

    def flush(self):
        """Wait until the marks queued so far are written (before the database goes)."""
        self._writes.flush()

    def release(self, claim):
        """The handler failed: let the retry claim it again (only if we still own it)."""
        self.collection.delete_one({"_id": claim.key, "owner": claim.owner,
                                    "status": PROCESSING})

    def seen(self, event_id):
        return self.collection.find_one({"_id": self.key(event_id), "status": "done"},
                                        {"_id": 1}) is not None

    def _write(self, operations):
        """One bulk_write for claims (InsertOne) and done marks (UpdateOne); per operation
        None, or the error an insert_one would have raised."""
        outcomes = [None] * len(operations)
        try:
            self.collection.bulk_write(operations, ordered=False)
        except BulkWriteError as exc:
            if exc.details.get("writeConcernErrors"):
                raise
            for error in exc.details["writeErrors"]:
                kind = DuplicateKeyError if error["code"] == 11000 else WriteError
                outcomes[error["index"]] = kind(error.get("errmsg"), error["code"], error)
        return outcomes


def prune(database, retention_days=RETENTION_DAYS, now=None):
    """Delete ledger entries settled longer ago than the retention; returns how many."""
    cutoff = (now or time.time()) - retention_days * 86400
    # a claim whose process died and whose event never came back is as old as its lease
    return database[PROCESSED_EVENTS].bulk_write([
        DeleteMany({"status": "done", "settled_at": {"$lt": cutoff}}),
        DeleteMany({"status": PROCESSING, "lease_until": {"$lt": cutoff}}),
    ], ordered=False).deleted_count


def forget_handler(database, handler):
    """Drop every ledger entry of one handler (a rebuild runs it again on every event)."""
    return database[PROCESSED_EVENTS].delete_many({"handler": handler}).deleted_count
