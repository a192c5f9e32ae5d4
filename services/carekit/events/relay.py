"""The outbox relay: pending events -> event_log -> RabbitMQ (confirmed) -> marked sent.

Round trips per batch of up to OUTBOX_BATCH_SIZE events from one carrier collection: one
find, one insert_many into event_log, one bulk_write clearing the carried events, one
update_many marking them sent, and a single confirmed publish of the whole batch.

A crash at any point loses nothing: events still in a document are moved again (the
event_log's unique _id drops the copy), events logged but not marked sent are swept and
published again. Consumers are idempotent, so a second publish changes nothing.
"""
import json
import threading
import time
from datetime import datetime, timedelta, timezone

import eventlet
from nameko.extensions import SharedExtension
from pymongo import ASCENDING, UpdateOne
from pymongo.errors import BulkWriteError

from carekit import metrics
from carekit.config import retry_delays_ms
from carekit.events import topology
from carekit.events.bus import ConfirmingPublisher, Outgoing, PublishFailed
from carekit.events.envelope import CONTENT_TYPE, encode, split_type
from carekit.events.records import (CARRIER_INDEXES, EVENT_LOG, EVENT_LOG_INDEXES,
                                    OUTBOX_FIELD, PENDING_FLAG)
from carekit.logs import get_logger
from carekit.mongo import MongoConnection

log = get_logger(__name__)
DUPLICATE_KEY = 11000


def _now():
    return datetime.now(timezone.utc)


def _as_envelope(carried):
    """The MongoDB stand-in (nx-27017 0.8.1) stores documents `$push`ed onto an existing array
    as JSON text; real MongoDB keeps them as documents. Accept both."""
    return json.loads(carried) if isinstance(carried, str) else carried


class Relay:
    """Plain relay logic over a pymongo Database and a ConfirmingPublisher."""

    def __init__(self, service, database, publisher, carriers, batch_size=200,
                 subscribed_names=()):
        self.service = service
        self.database = database
        self.publisher = publisher
        self.carriers = list(carriers)
        self.batch_size = batch_size
        self.subscribed_names = set(subscribed_names)

    def move_to_log(self):
        """Copy carried events into event_log; return the envelopes this call logged."""
        logged = []
        for carrier in self.carriers:
            docs = list(self.database[carrier].find({PENDING_FLAG: True}, {OUTBOX_FIELD: 1})
                        .limit(self.batch_size).batch_size(self.batch_size))
            if not docs:
                continue
            now = _now()
            entries = []
            for doc in docs:
                for envelope in doc.get(OUTBOX_FIELD) or []:
                    envelope = _as_envelope(envelope)
                    name, version = split_type(envelope["type"])
                    entries.append({"_id": envelope["id"], "envelope": envelope, "name": name,
                                    "version": version, "status": "pending", "carrier": carrier,
                                    "recorded_at": now, "attempts": 0})
            mine = set(e["_id"] for e in entries)
            if entries:
                try:
                    self.database[EVENT_LOG].insert_many(entries, ordered=False)
                except BulkWriteError as exc:
                    for error in exc.details.get("writeErrors", []):
                        if error.get("code") != DUPLICATE_KEY:
                            raise
                        mine.discard(entries[error["index"]]["_id"])
            # Clear exactly what we read; a document that gained events since keeps them all
            # and is moved again next round (the copies already logged are dropped as dupes).
            self.database[carrier].bulk_write([
                UpdateOne({"_id": doc["_id"],
                           OUTBOX_FIELD: {"$size": len(doc.get(OUTBOX_FIELD) or [])}},
                          {"$set": {OUTBOX_FIELD: []}, "$unset": {PENDING_FLAG: ""}})
                for doc in docs], ordered=False)
            logged.extend(e["envelope"] for e in entries if e["_id"] in mine)
        return logged

    def stale_pending(self, older_than_seconds):
        cutoff = _now() - timedelta(seconds=older_than_seconds)
        return [d["envelope"] for d in self.database[EVENT_LOG].find(
            {"status": "pending", "recorded_at": {"$lte": cutoff}}, {"envelope": 1})
            .sort("recorded_at", ASCENDING).limit(self.batch_size)]

    def publish(self, envelopes):
        """Publish with confirms; mark confirmed ones sent. Returns the number sent."""
        if not envelopes:
            return 0
        exchange = topology.event_exchange(self.service).name
        messages = [Outgoing(message_id=e["id"], exchange=exchange,
                             routing_key=split_type(e["type"])[0], body=encode(e),
                             content_type=CONTENT_TYPE) for e in envelopes]
        by_id = {e["id"]: e for e in envelopes}
        try:
            outcome = self.publisher.publish(messages)
        except PublishFailed as exc:
            self.database[EVENT_LOG].update_many(
                {"_id": {"$in": list(by_id)}},
                {"$set": {"last_error": str(exc)}, "$inc": {"attempts": 1}})
            raise
        unrouted_ok, failed = [], {}
        for message_id, reason in outcome.returned.items():
            name = split_type(by_id[message_id]["type"])[0]
            if name in self.subscribed_names:
                failed[message_id] = reason  # a subscriber should be there: keep pending
            else:
                unrouted_ok.append(message_id)  # nobody subscribes (yet); kept in event_log
        for message_id in outcome.nacked:
            failed[message_id] = "nacked by broker"
        now = _now()
        if outcome.confirmed:
            self.database[EVENT_LOG].update_many(
                {"_id": {"$in": outcome.confirmed}},
                {"$set": {"status": "sent", "sent_at": now, "routed": True}})
        if unrouted_ok:
            self.database[EVENT_LOG].update_many(
                {"_id": {"$in": unrouted_ok}},
                {"$set": {"status": "sent", "sent_at": now, "routed": False}})
        for message_id, reason in failed.items():
            log.error("event_not_delivered", event_id=message_id, reason=reason)
            self.database[EVENT_LOG].update_one(
                {"_id": message_id}, {"$set": {"last_error": reason}, "$inc": {"attempts": 1}})
        metrics.EVENTS_PUBLISHED.labels(self.service).inc(len(outcome.confirmed) + len(unrouted_ok))
        return len(outcome.confirmed) + len(unrouted_ok)

    def relay_once(self, sweep_older_than=None):
        envelopes = self.move_to_log()
        if sweep_older_than is not None:
            seen = {e["id"] for e in envelopes}
            envelopes += [e for e in self.stale_pending(sweep_older_than) if e["id"] not in seen]
        return self.publish(envelopes)

    def pending_count(self):
        return self.database[EVENT_LOG].count_documents({"status": "pending"})


def replay(database, publisher, service, names=None, since=None, to_queue=None, limit=None):
    """Publish logged events again, oldest first: to the service's exchange (every
    subscriber), or to one queue only (a new subscriber or a rebuilt read model)."""
    query = {"status": "sent"}
    if names:
        query["name"] = {"$in": list(names)}
    if since:
        query["recorded_at"] = {"$gte": since}
    cursor = database[EVENT_LOG].find(query, {"envelope": 1}).sort("recorded_at", ASCENDING)
    if limit:
        cursor = cursor.limit(limit)
    exchange = "" if to_queue else topology.event_exchange(service).name
    count, batch = 0, []
    for doc in cursor:
        env = doc["envelope"]
        batch.append(Outgoing(message_id=env["id"], exchange=exchange,
                              routing_key=to_queue or split_type(env["type"])[0],
                              body=encode(env), content_type=CONTENT_TYPE,
                              headers={"x-care-replay": True}))
        if len(batch) >= 200:
            count += len(publisher.publish(batch).confirmed)
            batch = []
    if batch:
        count += len(publisher.publish(batch).confirmed)
    return count


class OutboxRelay(SharedExtension):
    """Runs the relay in the service process: woken by every recorded event, and polling."""

    connection = MongoConnection()
    sweep_every_seconds = 30.0

    def __init__(self):
        super().__init__()
        self.carriers = set()
        self._wake_event = threading.Event()
        self._running = False
        self._gt = None
        self.relay = None

    @property
    def database(self):
        return self.connection.database

    def add_carriers(self, carriers):
        self.carriers.update(carriers)

    def wake(self):
        self._wake_event.set()

    def setup(self):
        self.connection.declare_indexes({EVENT_LOG: EVENT_LOG_INDEXES})
        self.connection.declare_indexes({c: CARRIER_INDEXES for c in self.carriers})

    def start(self):
        config = self.container.config
        service = self.container.service_name
        subscriptions = topology.subscriptions_in_modules(topology.subscriber_modules(config))
        publisher = ConfirmingPublisher(config["AMQP_URI"])
        publisher.declare(topology.entities_for_publisher(service, subscriptions)
                          + topology.entities_for_failures(service, retry_delays_ms(config)))
        self.relay = Relay(service, self.database, publisher, sorted(self.carriers),
                           batch_size=int(config.get("OUTBOX_BATCH_SIZE", 200)),
                           subscribed_names={s.event_name for s in subscriptions
                                             if s.source_service == service})
        self._running = True
        self._gt = self.container.spawn_managed_thread(self._run, identifier="outbox_relay")

    def _run(self):
        poll = float(self.container.config.get("OUTBOX_POLL_SECONDS", 1.0))
        batch = self.relay.batch_size
        # The first sweeps take everything an earlier process left pending, however fresh.
        sweep_age, next_sweep, failures = 0.0, 0.0, 0
        while self._running:
            self._wake_event.clear()
            sent = 0
            try:
                sweep = time.monotonic() >= next_sweep
                sent = self.relay.relay_once(sweep_older_than=sweep_age if sweep else None)
                if sweep and sent < batch:
                    next_sweep = time.monotonic() + self.sweep_every_seconds
                    sweep_age = self.sweep_every_seconds
                failures = 0
            except Exception as exc:  # broker or database trouble: back off, try again
                if not self._running:
                    break  # stopping: the database client may already be closed
                failures += 1
                log.warning("outbox_relay_failed", error=repr(exc), failures=failures)
                eventlet.sleep(min(0.2 * 2 ** failures, 10))
            if not sent and self._running:
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
