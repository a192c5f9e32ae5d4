"""`subscribe`: the event handler entrypoint every service uses.

Compared with nameko's plain event_handler it
- validates the CloudEvents envelope and the data against the catalogue before any work;
- skips events this handler already processed (ledger), and records success;
- on failure retries with backoff through the service's delay queues, then dead-letters with
  the error;
- sends malformed, oversized or undecodable messages straight to the service's dead-letter
  queue (nameko would ack and drop them), and never blocks the queue behind a poison message;
- never lets anything unexpected in a message (headers, properties, body) or a bug of its
  own stop the consumer: such a message is dead-lettered with the reason `kit_error`.
A message is acked only after its retry or dead letter is confirmed by the broker.
"""
import json
import time
import traceback
import uuid
from base64 import b64encode
from datetime import datetime, timezone
from functools import partial

import eventlet
from eventlet.semaphore import Semaphore
from nameko.events import EventHandler
from nameko.exceptions import ContainerBeingKilled
from nameko.extensions import SharedExtension
from nameko.messaging import Consumer, QueueConsumer
from pymongo.errors import PyMongoError

from carekit import metrics
from carekit.config import retry_delays_ms
from carekit.events import topology
from carekit.events.bus import ConfirmingPublisher, Outgoing, PublishFailed
from carekit.events.envelope import CONTENT_TYPE, InvalidEvent, parse
from carekit.events.ledger import BUSY, DONE, LEDGER_INDEXES, ProcessedEvents, prune
from carekit.events.relay import REPLAY_HEADER
from carekit.logs import get_logger
from carekit.mongo import MongoConnection

log = get_logger(__name__)
ATTEMPTS_HEADER = "x-care-attempts"
ACCEPTED_CONTENT = ["cloudevents", "json"]
ACCEPTED_TYPES = (CONTENT_TYPE, "application/json")
MAX_EVENT_BYTES = 1024 * 1024          # an event is a few hundred bytes; a megabyte is garbage
KEPT_BODY_BYTES = 64 * 1024            # what a dead letter keeps of an oversized body
PRUNE_EVERY_SECONDS = 3600


class PermanentError(Exception):
    """Raise from a handler when retrying cannot help: the event is dead-lettered at once."""

    code = "permanent_error"


# Trouble of the database or the broker: keep the message and try later. Anything else that
# goes wrong in the kit is a bug or garbage: dead-letter it and carry on.
TRANSIENT = (PyMongoError, PublishFailed, ConnectionError, OSError)


class CareQueueConsumer(QueueConsumer):
    """nameko's queue consumer, but undecodable messages go to the provider, not the void."""

    def get_consumers(self, consumer_cls, channel):
        for provider in self._providers:
            consumer = consumer_cls(queues=[provider.queue],
                                    callbacks=[partial(self.handle_message, provider)],
                                    accept=ACCEPTED_CONTENT,
                                    on_decode_error=partial(self._undecodable, provider))
            consumer.qos(prefetch_count=self.prefetch_count)
            self._consumers[provider] = consumer
        return self._consumers.values()

    def _undecodable(self, provider, message, exc):
        self.container.spawn_managed_thread(partial(provider.handle_undecodable, message, exc))


def raw_body(message):
    """The message body as it arrived (kombu hands text bodies over as str)."""
    body = message.body
    if isinstance(body, (bytes, bytearray, memoryview)):
        return bytes(body)
    return str(body).encode("utf-8", "surrogateescape")


def attempts_of(message):
    """How many times this message was handled before (0 if the header is absent or bad)."""
    try:
        value = int((message.headers or {}).get(ATTEMPTS_HEADER, 0))
    except (TypeError, ValueError, AttributeError):
        return 0
    return value if 0 <= value < 1000 else 0


def _plain_headers(message):
    try:
        return {str(k): v if isinstance(v, (str, int, float, bool, type(None))) else repr(v)
                for k, v in (message.headers or {}).items()}
    except AttributeError:
        return {"unreadable": repr(message.headers)}


def dead_letter_record(service, queue, message, code, error_message, attempts, errors=None,
                       trace=None, event=None):
    raw = raw_body(message)
    original = {}
    if len(raw) > MAX_EVENT_BYTES:
        original["truncated_from_bytes"] = len(raw)
        raw = raw[:KEPT_BODY_BYTES]
    try:
        original["body"] = raw.decode("utf-8")
    except UnicodeDecodeError:
        original["body_base64"] = b64encode(raw).decode("ascii")
    original.update(content_type=getattr(message, "content_type", None),
                    headers=_plain_headers(message))
    return {
        "id": str(uuid.uuid4()), "service": service, "queue": queue,
        "failed_at": datetime.now(timezone.utc).isoformat(), "attempts": attempts,
        "error": {"code": code, "message": error_message, "errors": errors or [],
                  "traceback": trace},
        "event": {"id": event.id, "type": event.name, "version": event.version}
        if event else None,
        "original": original,
    }


class FailureRouter(SharedExtension):
    """Publishes retries and dead letters (confirmed) for the container's handlers, and
    prunes the ledger now and then."""

    mongo = MongoConnection()

    def setup(self):
        self.delays = retry_delays_ms(self.container.config)
        self.service = self.container.service_name
        self._lock = Semaphore(1)
        self._publisher = ConfirmingPublisher(self.container.config["AMQP_URI"])
        self._pruner = None

    def start(self):
        with self._lock:
            self._publisher.declare(topology.entities_for_failures(self.service, self.delays))
        self._pruner = self.container.spawn_managed_thread(self._prune_now_and_then,
                                                           identifier="ledger_pruner")

    def _prune_now_and_then(self):
        days = float(self.container.config.get("LEDGER_RETENTION_DAYS", 30))
        while True:
            try:
                pruned = prune(self.mongo.database, days)
                if pruned:
                    log.info("ledger_pruned", entries=pruned, retention_days=days)
            except Exception as exc:  # the database may be away; next time
                log.warning("ledger_prune_failed", error=repr(exc))
            eventlet.sleep(PRUNE_EVERY_SECONDS)

    def stop(self):
        if self._pruner is not None:
            self._pruner.kill()
            self._pruner = None
        self._publisher.close()

    kill = stop

    def retry(self, message, queue, attempt, longest=False):
        """Send the message back to `queue` after a delay: the attempt's own, or the longest
        (a copy of an event another replica is processing: it will most likely be done)."""
        delay = self.delays[-1] if longest else \
            self.delays[min(max(attempt, 1), len(self.delays)) - 1]
        headers = _plain_headers(message)
        headers[ATTEMPTS_HEADER] = attempt
        headers.pop("x-death", None)
        with self._lock:
            self._publisher.publish_one(Outgoing(
                message_id=message.properties.get("message_id") or str(uuid.uuid4()),
                exchange=topology.retry_exchange(self.service, delay).name, routing_key=queue,
                body=raw_body(message), content_type=message.content_type or "",
                headers=headers))
        return delay

    def dead_letter(self, record):
        body = json.dumps(record, ensure_ascii=False, default=str).encode("utf-8")
        with self._lock:
            self._publisher.publish_one(Outgoing(
                message_id=record["id"], exchange=topology.dead_letter_exchange(
                    self.service).name, routing_key=self.service, body=body,
                content_type="application/json",
                headers={"x-care-error-code": record["error"]["code"],
                         "x-care-queue": record["queue"]}))
        metrics.DEAD_LETTERED.labels(self.service, record["error"]["code"]).inc()


class CareEventHandler(EventHandler):
    """`owns`: the collections (in the service's database) this handler's read model lives
    in; `python -m carekit.events.rebuild` drops them before replaying the events."""

    queue_consumer = CareQueueConsumer()
    failures = FailureRouter()
    mongo = MongoConnection()

    def __init__(self, source_service, event_type, owns=(), **kwargs):
        super().__init__(source_service, event_type, **kwargs)
        self.owns = tuple(owns)
        self._stopping = False
        self._in_hand = 0
        self._all_settled = None

    def stop(self):
        """Finish the events in hand and ack them before the consumer goes away (nameko
        would stop consuming first, and the acks of workers finishing after that are lost:
        each such event would be delivered again). New arrivals go back to the queue."""
        self._stopping = True
        if self._in_hand:
            self._all_settled = eventlet.event.Event()
            self._all_settled.wait()
        if self._ledger is not None:
            self._ledger.flush()
        super().stop()

    def _settled_one(self):
        self._in_hand -= 1
        if self._in_hand == 0 and self._all_settled is not None \
                and not self._all_settled.ready():
            self._all_settled.send(True)

    def setup(self):
        self.mongo.declare_indexes(LEDGER_INDEXES)
        self._ledger = None  # made on first use, once the container's database is open
        subscription = topology.Subscription(self.source_service, self.event_type,
                                             self.container.service_name, self.method_name)
        self.queue = subscription.queue()
        config = self.container.config
        topology.ensure_exchanges(config["AMQP_URI"],
                                  topology.exchanges_for_subscriber(subscription, config))
        Consumer.setup(self)

    def ledger(self):  # a method, not a property: nameko inspects attributes while binding
        # one per handler and container: concurrent deliveries share its grouped writes
        if self._ledger is None:
            self._ledger = ProcessedEvents(self.mongo.database, self.method_name)
        return self._ledger

    # -- arrival ----------------------------------------------------------------------------
    def handle_message(self, body, message):
        if self._stopping:  # another replica (or this one, restarted) will take it
            return self.queue_consumer.requeue_message(message)
        try:
            self._arrive(body, message)
        except Exception as exc:  # a bug of ours or a message nobody foresaw: never die on it
            log.exception("event_handling_failed_unexpectedly", queue=self.queue.name)
            self._dead_letter(message, "kit_error", "处理消息时出现意外错误: {!r}".format(exc)[:500],
                              attempts_of(message), trace=traceback.format_exc())

    def _arrive(self, body, message):
        attempts = attempts_of(message)
        try:
            if message.content_type not in ACCEPTED_TYPES:
                raise InvalidEvent("bad_content_type", "消息类型应为 {}，收到 {!r}".format(
                    CONTENT_TYPE, message.content_type))
            size = len(raw_body(message))
            if size > MAX_EVENT_BYTES:
                raise InvalidEvent("too_large", "消息太大（{} 字节，上限 {}）".format(
                    size, MAX_EVENT_BYTES))
            event = parse(body)
            if event.name != self.event_type:
                raise InvalidEvent("unexpected_type", "此队列只接收 {} 事件，收到 {}".format(
                    self.event_type, event.name))
            if event.source_service != self.source_service:
                raise InvalidEvent("unexpected_source", "{} 事件只能来自 {}，收到来自 {}".format(
                    self.event_type, self.source_service, event.source))
        except InvalidEvent as exc:
            log.warning("event_rejected", code=exc.code, reason=exc.message,
                        queue=self.queue.name)
            return self._dead_letter(message, exc.code, exc.message, attempts, errors=exc.errors)
        try:
            claim = self.ledger().claim(event)
        except TRANSIENT as failure:  # database unreachable: keep the message for later
            return self._requeue_later(message, failure)
        if claim.outcome == DONE:
            log.info("event_duplicate_skipped", event_id=event.id, event_type=event.name,
                     handler=self.method_name,
                     replay=bool((message.headers or {}).get(REPLAY_HEADER)))
            metrics.EVENTS_HANDLED.labels(self.container.service_name, event.name,
                                          "duplicate").inc()
            return self.queue_consumer.ack_message(message)
        if claim.outcome == BUSY:  # a copy is being processed right now: look again later
            return self._retry(message, event, attempts, "in progress elsewhere", longest=True)
        context_data = {"correlation_id": event.correlation_id or event.id,
                        "event_id": event.id, "event_type": event.name}
        self._in_hand += 1
        try:
            self.container.spawn_worker(
                self, (event,), {}, context_data=context_data,
                handle_result=partial(self.handle_result, message, event, claim, attempts,
                                      time.monotonic()))
        except ContainerBeingKilled:
            self._settled_one()
            self.ledger().release(claim)  # let the redelivery claim it without waiting
            self.queue_consumer.requeue_message(message)

    def handle_undecodable(self, message, exc):
        try:
            self._dead_letter(message, "not_decodable", "消息无法解码: {!r}".format(exc)[:500],
                              attempts_of(message))
        except Exception:  # even the dead letter failed: keep it rather than lose it
            log.exception("dead_letter_of_undecodable_failed", queue=self.queue.name)
            self._requeue_later(message, exc)

    # -- outcome ----------------------------------------------------------------------------
    def handle_result(self, message, event, claim, attempts, started, worker_ctx, result=None,
                      exc_info=None):
        metrics.HANDLER_SECONDS.labels(self.container.service_name, event.name).observe(
            time.monotonic() - started)
        try:
            self._conclude(message, event, claim, attempts, exc_info)
        except TRANSIENT as failure:  # e.g. the database went away: keep the message
            self._requeue_later(message, failure)
        except Exception as bug:
            log.exception("event_outcome_failed_unexpectedly", event_id=event.id)
            self._dead_letter(message, "kit_error", repr(bug)[:500], attempts + 1,
                              trace=traceback.format_exc(), event=event)
        finally:
            self._settled_one()
        return result, exc_info

    def _conclude(self, message, event, claim, attempts, exc_info):
        service = self.container.service_name
        if exc_info is None:
            self.ledger().done(claim, wait=False)
            metrics.EVENTS_HANDLED.labels(service, event.name, "ok").inc()
            self.queue_consumer.ack_message(message)
            return
        exc = exc_info[1]
        self.ledger().release(claim)
        attempt = attempts + 1
        trace = "".join(traceback.format_exception(*exc_info))
        if isinstance(exc, PermanentError) or attempt > len(self.failures.delays):
            code = getattr(exc, "code", None) or "handler_failed"
            metrics.EVENTS_HANDLED.labels(service, event.name, "dead_lettered").inc()
            self._dead_letter(message, code, "{}: {}".format(type(exc).__name__, exc), attempt,
                              trace=trace, event=event)
        else:
            metrics.EVENTS_HANDLED.labels(service, event.name, "retried").inc()
            self._retry(message, event, attempt, repr(exc))

    def _retry(self, message, event, attempt, reason, longest=False):
        try:
            delay = self.failures.retry(message, self.queue.name, attempt, longest)
        except PublishFailed as failure:
            return self._requeue_later(message, failure)
        log.warning("event_retry_scheduled", event_id=event.id, event_type=event.name,
                    attempt=attempt, delay_ms=delay, reason=reason)
        self.queue_consumer.ack_message(message)

    def _dead_letter(self, message, code, error_message, attempts, **details):
        record = dead_letter_record(self.container.service_name, self.queue.name, message,
                                    code, error_message, attempts, **details)
        try:
            self.failures.dead_letter(record)
        except PublishFailed as failure:
            return self._requeue_later(message, failure)
        log.error("event_dead_lettered", code=code, reason=error_message, queue=self.queue.name,
                  dead_letter_id=record["id"],
                  event_id=(record["event"] or {}).get("id"))
        self.queue_consumer.ack_message(message)

    def _requeue_later(self, message, failure):
        # Broker or database trouble: keep the message (never lost); pause so a dead broker
        # is not spun on.
        log.error("event_failure_routing_failed", error=str(failure))
        eventlet.sleep(1.0)
        self.queue_consumer.requeue_message(message)


subscribe = CareEventHandler.decorator
