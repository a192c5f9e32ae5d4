"""The outbox relay: events carried by documents -> RabbitMQ (confirmed) -> event_log.

One round of a carrier collection, for up to OUTBOX_BATCH_SIZE documents: one find, one
confirmed publish of every event they carry, one insert_many into event_log (each event with
the status its publish earned), one bulk_write clearing exactly the events logged. Nothing is
marked sent afterwards: an event reaches event_log already published.

A crash at any point loses nothing: events still carried are published and logged again (the
event_log's unique _id keeps one copy; consumers skip the second delivery). Several relays
(one per replica) may work on the same documents at once; the clear is exact (see
carekit.events.records), so none erases an event another has not logged.

An event the broker did not take (returned as unroutable while someone subscribes, nacked) is
logged `pending` and retried with backoff, oldest due first, in small batches that never hold
back new events; after OUTBOX_MAX_ATTEMPTS it is `parked` (python -m carekit.events.dlq
parked / requeue-parked).
"""
import threading
import time
from datetime import datetime, timezone

import eventlet
from nameko.extensions import SharedExtension
from pymongo import ASCENDING, UpdateOne
from pymongo.errors import BulkWriteError

from carekit import metrics
from carekit.events import topology
from carekit.events.bus import ConfirmingPublisher, Outgoing, PublishFailed
from carekit.events.envelope import CONTENT_TYPE, encode, split_type
from carekit.events.records import (CARRIER_INDEXES, EVENT_LOG, EVENT_LOG_INDEXES, OUTBOX_AT,
                                    OUTBOX_FIELD, OUTBOX_SEQ, PARKED, PENDING, PENDING_FLAG,
                                    SENT, carried)
from carekit.logs import get_logger
from carekit.mongo import MongoConnection

log = get_logger(__name__)
DUPLICATE_KEY = 11000
REPLAY_HEADER = "x-care-replay"


def retry_backoff_seconds(attempts):
    """Wait before publishing a failed event again: 2, 4, 8 ... seconds, at most 5 minutes."""
    return min(2 ** max(attempts, 1), 300)


def _order_of(carrier_doc, envelope):
    entries = carrier_doc.get(OUTBOX_FIELD)
    if isinstance(entries, dict) and envelope["id"] in entries:
        return entries[envelope["id"]]["o"]
    return "{:020d}{:05d}".format(time.time_ns(), 0)


class Relay:
    """Plain relay logic over a pymongo Database and a ConfirmingPublisher."""

    def __init__(self, service, database, publisher, carriers, batch_size=200,
                 subscribed_names=(), max_attempts=10, redeclare=None):
        self.service = service
        self.database = database
        self.publisher = publisher
        self.carriers = list(carriers)
        self.batch_size = batch_size
        self.subscribed_names = set(subscribed_names)
        self.max_attempts = max_attempts
        self.redeclare = redeclare or (lambda: None)
        self.exchange = topology.event_exchange(service).name

    # -- carried events ----------------------------------------------------------------------
    def pending_documents(self, carrier, ids=None, older_than=None):
        query = {PENDING_FLAG: True}
        if ids is not None:
            query["_id"] = {"$in": list(ids)}
        if older_than is not None:
            query[OUTBOX_AT] = {"$lt": time.time() - older_than}
        return list(self.database[carrier].find(query, {OUTBOX_FIELD: 1, OUTBOX_SEQ: 1})
                    .limit(self.batch_size).batch_size(self.batch_size))

    def relay_carrier(self, carrier, ids=None, older_than=None):
        """Publish, log and clear the events of up to a batch of documents. Returns the
        number of documents handled (a full batch: call again)."""
        return self.forward(carrier, self.pending_documents(carrier, ids, older_than))

    def forward(self, carrier, docs):
        """Publish, log and clear the events the documents `docs` (as read) carried."""
        if not docs:
            return 0
        envelopes, order = [], {}
        for doc in docs:
            for envelope in carried(doc):
                envelopes.append(envelope)
                order[envelope["id"]] = _order_of(doc, envelope)
        outcome = self._publish(envelopes)  # PublishFailed: nothing written, all still carried
        self._log(carrier, envelopes, order, outcome)
        self._clear(carrier, docs)
        return len(docs)

    def _publish(self, envelopes):
        if not envelopes:
            return None
        return self.publisher.publish([
            Outgoing(message_id=e["id"], exchange=self.exchange,
                     routing_key=split_type(e["type"])[0], body=encode(e),
                     content_type=CONTENT_TYPE) for e in envelopes])

    def _verdict(self, envelope, outcome):
        """(status, routed, error) an event earned from the broker."""
        event_id = envelope["id"]
        if event_id in outcome.nacked:
            return PENDING, False, "nacked by broker"
        if event_id in outcome.returned:
            if split_type(envelope["type"])[0] in self.subscribed_names:
                return PENDING, False, outcome.returned[event_id]  # a subscriber should be there
            return SENT, False, None  # nobody subscribes (yet); kept in event_log for replay
        return SENT, True, None

    def _log(self, carrier, envelopes, order, outcome):
        if not envelopes:
            return
        now, clock = datetime.now(timezone.utc), time.time()
        entries, failed = [], 0
        for envelope in envelopes:
            status, routed, error = self._verdict(envelope, outcome)
            name, version = split_type(envelope["type"])
            entry = {"_id": envelope["id"], "envelope": envelope, "name": name,
                     "version": version, "status": status, "routed": routed,
                     "carrier": carrier, "order": order[envelope["id"]], "recorded_at": now,
                     "attempts": 0 if status == SENT else 1}
            if status == PENDING:
                failed += 1
                entry.update(last_error=error, next_attempt_at=clock + retry_backoff_seconds(1))
                log.error("event_not_delivered", event_id=envelope["id"], reason=error)
            entries.append(entry)
        duplicates = []
        try:
            self.database[EVENT_LOG].insert_many(entries, ordered=False)
        except BulkWriteError as exc:
            for error in exc.details.get("writeErrors", []):
                if error.get("code") != DUPLICATE_KEY:
                    raise
                duplicates.append(entries[error["index"]])
        # another relay logged these first; if its publish failed and ours went through,
        # the log should say so
        delivered_again = [e["_id"] for e in duplicates if e["status"] == SENT]
        if delivered_again:
            self.database[EVENT_LOG].update_many(
                {"_id": {"$in": delivered_again}, "status": {"$ne": SENT}},
                {"$set": {"status": SENT, "routed": True}, "$unset": {"next_attempt_at": ""}})
        metrics.EVENTS_PUBLISHED.labels(self.service).inc(len(entries) - failed)
        if failed:
            self.redeclare()

    def _clear(self, carrier, docs):
        """Unset exactly the events read; drop the pending flag only if no write added
        events since (the sequence is unchanged)."""
        operations = []
        for doc in docs:
            entries = doc.get(OUTBOX_FIELD)
            if isinstance(entries, list):  # the old array form: drop it whole if unchanged
                operations.append(UpdateOne(
                    {"_id": doc["_id"], OUTBOX_FIELD: {"$size": len(entries)}},
                    {"$unset": {OUTBOX_FIELD: "", PENDING_FLAG: ""}}))
                continue
            ids = {"{}.{}".format(OUTBOX_FIELD, event_id): "" for event_id in entries or {}}
            seq = doc.get(OUTBOX_SEQ)
            operations.append(UpdateOne({"_id": doc["_id"], OUTBOX_SEQ: seq},
                                        {"$unset": dict(ids, **{PENDING_FLAG: ""})}))
            if ids:
                operations.append(UpdateOne({"_id": doc["_id"], OUTBOX_SEQ: {"$ne": seq}},
                                            {"$unset": ids}))
        self.database[carrier].bulk_write(operations, ordered=False)

    # -- events whose publish failed -----------------------------------------------------------
    def retry_pending(self):
        """Publish again the pending events that are due, oldest due first. Returns how many
        were taken by the broker."""
        clock = time.time()
        due = list(self.database[EVENT_LOG].find(
            {"status": PENDING, "next_attempt_at": {"$lte": clock}},
            {"envelope": 1, "attempts": 1}).sort("next_attempt_at", ASCENDING)
            .limit(self.batch_size))
        if not due:
            return 0
        self.redeclare()  # a queue deleted by hand is there again before we retry
        envelopes = [d["envelope"] for d in due]
        try:
            outcome = self._publish(envelopes)
        except PublishFailed as exc:
            self._note_failures(due, {d["_id"]: str(exc) for d in due}, clock)
            raise
        sent, routed_nowhere, failures = [], [], {}
        for envelope in envelopes:
            status, routed, error = self._verdict(envelope, outcome)
            if status == SENT:
                (sent if routed else routed_nowhere).append(envelope["id"])
            else:
                failures[envelope["id"]] = error
        for ids, routed in ((sent, True), (routed_nowhere, False)):
            if ids:
                self.database[EVENT_LOG].update_many(
                    {"_id": {"$in": ids}},
                    {"$set": {"status": SENT, "routed": routed},
                     "$unset": {"next_attempt_at": ""}})
        self._note_failures(due, failures, clock)
        metrics.EVENTS_PUBLISHED.labels(self.service).inc(len(sent) + len(routed_nowhere))
        return len(sent) + len(routed_nowhere)

    def _note_failures(self, due, failures, clock):
        if not failures:
            return
        operations = []
        for doc in due:
            if doc["_id"] not in failures:
                continue
            attempts = int(doc.get("attempts") or 0) + 1
            change = {"attempts": attempts, "last_error": failures[doc["_id"]]}
            if attempts >= self.max_attempts:
                change["status"] = PARKED
                log.error("event_parked", event_id=doc["_id"], attempts=attempts,
                          reason=failures[doc["_id"]])
            else:
                change["next_attempt_at"] = clock + retry_backoff_seconds(attempts)
            operations.append(UpdateOne({"_id": doc["_id"], "status": PENDING},
                                        {"$set": change}))
        self.database[EVENT_LOG].bulk_write(operations, ordered=False)

    def parked_count(self):
        return self.database[EVENT_LOG].count_documents({"status": PARKED})


def parked_events(database, limit=100):
    return list(database[EVENT_LOG].find({"status": PARKED}, {"envelope": 0})
                .sort("order", ASCENDING).limit(limit))


def requeue_parked(database, ids=None):
    """Parked events (all, or these ids) become pending and due now: the relay publishes them
    again. Returns how many."""
    query = {"status": PARKED}
    if ids is not None:
        query["_id"] = {"$in": list(ids)}
    return database[EVENT_LOG].update_many(
        query, {"$set": {"status": PENDING, "attempts": 0, "next_attempt_at": time.time()}}
    ).modified_count


def replay(database, publisher, service, names=None, since=None, to_queue=None, after=None,
           limit=None):
    """Publish logged events again in the order they were recorded, marked as replays: to
    every subscriber (the service's exchange) or to one handler queue only (through the
    service's replay exchange). `since`: a datetime; `after`: the `order` of the last event a
    previous call replayed (paging). Returns (count, last order)."""
    query = {}
    if names:
        query["name"] = {"$in": list(names)}
    if since is not None:
        query["order"] = {"$gte": "{:020d}".format(int(since.timestamp() * 1e9))}
    if after is not None:
        query.setdefault("order", {})["$gt"] = after
    cursor = database[EVENT_LOG].find(query, {"envelope": 1, "order": 1}).sort(
        [("order", ASCENDING), ("_id", ASCENDING)])
    if limit:
        cursor = cursor.limit(limit)
    if to_queue:
        exchange, route = topology.replay_exchange(service).name, (lambda name: to_queue)
    else:
        exchange, route = topology.event_exchange(service).name, (lambda name: name)
    count, last, batch = 0, after, []

    def flush():
        outcome = publisher.publish(batch)
        if outcome.nacked or outcome.returned:
            raise PublishFailed("replay not taken by the broker: {}".format(
                sorted(set(outcome.nacked) | set(outcome.returned))[:5]))
        return len(batch)
    for doc in cursor:
        env = doc["envelope"]
        batch.append(Outgoing(message_id=env["id"], exchange=exchange,
                              routing_key=route(split_type(env["type"])[0]), body=encode(env),
                              content_type=CONTENT_TYPE, headers={REPLAY_HEADER: True}))
        last = doc.get("order")
        if len(batch) >= 200:
            count += flush()
            batch = []
    if batch:
        count += flush()
    return count, last


class RelayRunner(SharedExtension):
    """Runs the relay in the service process: woken by this process's writes (it is told
    which documents), sweeping documents other processes left (older than ORPHAN_SECONDS),
    and retrying failed publishes."""

    connection = MongoConnection()
    orphan_seconds = 5.0
    retry_every_seconds = 2.0
    parked_every_seconds = 30.0

    def __init__(self):
        super().__init__()
        self.carriers = set()
        self._wake_event = threading.Event()
        self._notes = {}
        self._running = False
        self._gt = None
        self.relay = None

    @property
    def database(self):
        return self.connection.database

    def add_carriers(self, carriers):
        self.carriers.update(carriers)

    def notify(self, collection, ids):
        """`ids` of documents in `collection` now carry events (None: look at every one)."""
        noted = self._notes.get(collection, set())
        if noted is not None:
            self._notes[collection] = None if ids is None else noted | set(ids)
        self._wake_event.set()

    def setup(self):
        self.connection.declare_indexes({EVENT_LOG: EVENT_LOG_INDEXES})
        self.connection.declare_indexes({c: CARRIER_INDEXES for c in self.carriers})

    def start(self):
        config = self.container.config
        service = self.container.service_name
        subscriptions = topology.subscriptions_in_modules(topology.subscriber_modules(config))
        publisher = ConfirmingPublisher(config["AMQP_URI"])
        entities = topology.entities_publisher_declares(service, subscriptions, config)
        publisher.declare(entities)
        self.relay = Relay(service, self.database, publisher, sorted(self.carriers),
                           batch_size=int(config.get("OUTBOX_BATCH_SIZE", 200)),
                           subscribed_names={s.event_name for s in subscriptions
                                             if s.source_service == service},
                           max_attempts=int(config.get("OUTBOX_MAX_ATTEMPTS", 10)),
                           redeclare=lambda: publisher.declare(entities))
        self._running = True
        self._gt = self.container.spawn_managed_thread(self._run, identifier="outbox_relay")

    def _take_notes(self):
        notes, self._notes = self._notes, {}
        return notes

    def _round(self, notes, sweep, orphans_older_than):
        busy = False
        for carrier, ids in notes.items():
            if carrier in self.carriers:
                while self.relay.relay_carrier(carrier, ids) >= self.relay.batch_size:
                    busy = True
        if sweep:
            for carrier in self.relay.carriers:
                if self.relay.relay_carrier(carrier, older_than=orphans_older_than) \
                        >= self.relay.batch_size:
                    busy = True
        return busy

    def _run(self):
        poll = float(self.container.config.get("OUTBOX_POLL_SECONDS", 1.0))
        # The first sweep takes everything an earlier process left, however fresh.
        orphans_older_than, next_sweep, next_retry, next_parked, failures = None, 0.0, 0.0, 0.0, 0
        while self._running:
            self._wake_event.clear()
            notes = self._take_notes()
            busy = False
            try:
                now = time.monotonic()
                sweep = now >= next_sweep
                busy = self._round(notes, sweep, orphans_older_than)
                if sweep and not busy:
                    next_sweep, orphans_older_than = now + poll, self.orphan_seconds
                if now >= next_retry:
                    if self.relay.retry_pending() < self.relay.batch_size:
                        next_retry = now + self.retry_every_seconds
                if now >= next_parked:
                    metrics.EVENTS_PARKED.labels(self.relay.service).set(
                        self.relay.parked_count())
                    next_parked = now + self.parked_every_seconds
                failures = 0
            except Exception as exc:  # broker or database trouble: back off, try again
                for carrier, ids in notes.items():  # those documents still carry their events
                    self.notify(carrier, ids)
                if not self._running:
                    break  # stopping: the database client may already be closed
                failures += 1
                log.warning("outbox_relay_failed", error=repr(exc), failures=failures)
                eventlet.sleep(min(0.2 * 2 ** failures, 10))
                continue
            if not busy and self._running:
                self._wake_event.wait(poll)

    def stop(self):
        self._running = False
        self._wake_event.set()
        if self._gt is not None:
            self._gt.wait()
            self._gt = None
        if self.relay is not None:
            self.relay.publisher.close()

    def kill(self):
        self._running = False
        self._wake_event.set()
        if self._gt is not None:
            self._gt.kill()
            self._gt = None
