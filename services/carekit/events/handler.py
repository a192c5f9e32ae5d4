"""`subscribe`: the event handler entrypoint every service uses.

Compared with nameko's plain event_handler it
- validates the CloudEvents envelope and the data against the catalogue before any work;
- skips events this handler already processed (ledger), and records success;
- on failure retries with backoff through delay queues, then dead-letters with the error;
- sends malformed or undecodable messages straight to the service's dead-letter queue
  (nameko would ack and drop them), and never blocks the queue behind a poison message.
A message is acked only after its retry or dead letter is confirmed by the broker.
"""
import json
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

from carekit import metrics
from carekit.config import retry_delays_ms
from carekit.events import topology
from carekit.events.bus import ConfirmingPublisher, Outgoing, PublishFailed
from carekit.events.envelope import InvalidEvent, parse
from carekit.events.ledger import BUSY, DONE, LEDGER_INDEXES, ProcessedEvents
from carekit.logs import get_logger
from carekit.mongo import MongoConnection

log = get_logger(__name__)
ATTEMPTS_HEADER = "x-care-attempts"
ACCEPTED_CONTENT = ["cloudevents", "json"]


class PermanentError(Exception):
    """Raise from a handler when retrying cannot help: the event is dead-lettered at once."""

    code = "permanent_error"


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
    return bytes(body) if isinstance(body, (bytes, bytearray)) else str(body).encode("utf-8")


def dead_letter_record(service, queue, message, code, error_message, attempts, errors=None,
                       trace=None, event=None):
    raw = raw_body(message)
    try:
        original = {"body": raw.decode("utf-8")}
    except UnicodeDecodeError:
        original = {"body_base64": b64encode(raw).decode("ascii")}
    original.update(content_type=message.content_type,
                    headers={k: v for k, v in (message.headers or {}).items()})
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
    """Publishes retries and dead letters (confirmed) for the container's handlers."""

    def setup(self):
        self.delays = retry_delays_ms(self.container.config)
        self.service = self.container.service_name
        self._lock = Semaphore(1)
        self._publisher = ConfirmingPublisher(self.container.config["AMQP_URI"])

    def start(self):
        with self._lock:
            self._publisher.declare(topology.entities_for_failures(self.service, self.delays))

    def stop(self):
        self._publisher.close()

    kill = stop

    def retry(self, message, queue, attempt):
        delay = self.delays[min(max(attempt, 1), len(self.delays)) - 1]
        headers = dict(message.headers or {})
        headers[ATTEMPTS_HEADER] = attempt
        headers.pop("x-death", None)
        with self._lock:
            self._publisher.publish_one(Outgoing(
                message_id=message.properties.get("message_id") or str(uuid.uuid4()),
                exchange=topology.retry_exchange(delay).name, routing_key=queue,
                body=raw_body(message), content_type=message.content_type or "",
                headers=headers))
        return delay

    def dead_letter(self, record):
        body = json.dumps(record, ensure_ascii=False, default=str).encode("utf-8")
        with self._lock:
            self._publisher.publish_one(Outgoing(
                message_id=record["id"], exchange=topology.DEAD_LETTER_EXCHANGE.name,
                routing_key=self.service, body=body, content_type="application/json",
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

    def setup(self):
        self.mongo.declare_indexes(LEDGER_INDEXES)
        self._ledger = None  # made on first use, once the container's database is open
        self.queue = topology.handler_queue(self.source_service, self.event_type,
                                            self.container.service_name, self.method_name)
        Consumer.setup(self)

    def ledger(self):  # a method, not a property: nameko inspects attributes while binding
        # one per handler and container: concurrent deliveries share its grouped writes
        if self._ledger is None:
            self._ledger = ProcessedEvents(self.mongo.database, self.method_name)
        return self._ledger

    # -- arrival ----------------------------------------------------------------------------
    def handle_message(self, body, message):
        attempts = int((message.headers or {}).get(ATTEMPTS_HEADER, 0))
        try:
            event = parse(body)
            if event.name != self.event_type:
                raise InvalidEvent("unexpected_type", "此队列只接收 {} 事件，收到 {}".format(
                    self.event_type, event.name))
        except InvalidEvent as exc:
            log.warning("event_rejected", code=exc.code, reason=exc.message,
                        queue=self.queue.name)
            return self._dead_letter(message, exc.code, exc.message, attempts, errors=exc.errors)
        try:
            claim = self.ledger().claim(event)
        except Exception as failure:  # database unreachable: keep the message for later
            return self._requeue_later(message, failure)
        if claim == DONE:
            log.info("event_duplicate_skipped", event_id=event.id, event_type=event.name,
                     handler=self.method_name)
            metrics.EVENTS_HANDLED.labels(self.container.service_name, event.name,
                                          "duplicate").inc()
            return self.queue_consumer.ack_message(message)
        if claim == BUSY:  # a copy is being processed right now: look again after a delay
            return self._retry(message, event, attempts, "in progress elsewhere")
        context_data = {"correlation_id": event.correlation_id or event.id,
                        "event_id": event.id, "event_type": event.name}
        try:
            self.container.spawn_worker(
                self, (event,), {}, context_data=context_data,
                handle_result=partial(self.handle_result, message, event, attempts))
        except ContainerBeingKilled:
            self.ledger().release(event)  # let the redelivery claim it without waiting
            self.queue_consumer.requeue_message(message)

    def handle_undecodable(self, message, exc):
        self._dead_letter(message, "not_decodable", "消息无法解码: {!r}".format(exc),
                          int((message.headers or {}).get(ATTEMPTS_HEADER, 0)))

    # -- outcome ----------------------------------------------------------------------------
    def handle_result(self, message, event, attempts, worker_ctx, result=None, exc_info=None):
        try:
            self._settle(message, event, attempts, exc_info)
        except Exception as failure:  # e.g. the database went away: keep the message
            self._requeue_later(message, failure)
        return result, exc_info

    def _settle(self, message, event, attempts, exc_info):
        service = self.container.service_name
        if exc_info is None:
            self.ledger().done(event)
            metrics.EVENTS_HANDLED.labels(service, event.name, "ok").inc()
            self.queue_consumer.ack_message(message)
            return
        exc = exc_info[1]
        self.ledger().release(event)
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

    def _retry(self, message, event, attempt, reason):
        try:
            delay = self.failures.retry(message, self.queue.name, attempt)
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
        # Broker trouble: keep the message (never lost); pause so a dead broker is not spun on.
        log.error("event_failure_routing_failed", error=str(failure))
        eventlet.sleep(1.0)
        self.queue_consumer.requeue_message(message)


subscribe = CareEventHandler.decorator
