"""Webhook delivery: the notifications service consumes the `webhook.<bureau>` queues.

Each replica consumes every webhook bureau's queue (competing consumers: the broker gives
each message to one replica), POSTs it signed, and acks it once the bureau answered 2xx. A
failure is sent back to the queue after a delay through the service's own retry queues
(WEBHOOK_RETRY_DELAYS_MS, the kit's FailureRouter), then parked in the database after the
last one, for the county's administrator (RPC parked_bureau_webhooks /
requeue_bureau_webhooks). A replica
that dies mid-POST leaves the message unacked: another one sends it again (at least once;
the bureau deduplicates on the event id). Retried events may overtake later ones.

The list of webhook bureaus is read from the database every few seconds: a bureau onboarded
or removed needs no restart.
"""
import socket
import time
from functools import partial

import eventlet
from amqp.exceptions import ChannelError, ConsumerCancelled
from kombu import Connection, Consumer, Queue
from nameko.extensions import SharedExtension

from carekit.bureaus.broker import webhook_queue
from carekit.events.bus import PublishFailed
from carekit.events.handler import FailureRouter, attempts_of, raw_body
from carekit.logs import get_logger
from carekit.mongo import MongoConnection
from notifications.bureaus import storage
from notifications.bureaus.delivery import Endpoint, event_id_of, post

log = get_logger(__name__)
REFRESH_SECONDS = 2.0


class WebhookRetries(FailureRouter):
    """The kit's retry path with the webhook schedule (WEBHOOK_RETRY_DELAYS_MS)."""

    def setup(self):
        super().setup()
        self.delays = [int(d) for d in str(self.container.config.get(
            "WEBHOOK_RETRY_DELAYS_MS", "5000,30000,120000,600000,1800000")).split(",")
            if d.strip()]

    def _prune_now_and_then(self):
        """The event handlers' FailureRouter prunes the service's ledger: not twice."""


class WebhookConsumer(SharedExtension):

    mongo = MongoConnection()
    retries = WebhookRetries()

    def setup(self):
        config = self.container.config
        self.amqp_uri = config["AMQP_URI"]
        self.signing_key = config["WEBHOOK_SIGNING_KEY"]
        self.timeout = float(config.get("WEBHOOK_TIMEOUT_SECONDS", 10.0))
        self.endpoints = {}
        self._running = False
        self._gt = None
        self.delivered = 0

    def start(self):
        self._running = True
        self._gt = self.container.spawn_managed_thread(self._run, identifier="webhooks")

    def stop(self):
        self._running = False
        if self._gt is not None:
            self._gt.wait()
            self._gt = None

    def kill(self):
        self._running = False
        if self._gt is not None:
            self._gt.kill()
            self._gt = None

    def _run(self):
        failures = 0
        while self._running:
            try:
                with Connection(self.amqp_uri, heartbeat=0) as connection:
                    self._consume(connection)
                failures = 0
            except Exception as exc:  # broker, database or a queue gone: back off, again
                if not self._running:
                    break
                failures += 1
                log.warning("webhook_consumer_failed", error=repr(exc), failures=failures)
                eventlet.sleep(min(0.2 * 2 ** failures, 10))

    def _consume(self, connection):
        consumers, next_refresh = {}, 0.0   # bureau -> kombu Consumer on a channel of its own
        try:
            while self._running:
                if time.monotonic() >= next_refresh:
                    self._follow_directory(connection, consumers)
                    next_refresh = time.monotonic() + REFRESH_SECONDS
                if not consumers:
                    eventlet.sleep(0.5)
                    continue
                try:
                    connection.drain_events(timeout=0.5)
                except socket.timeout:
                    pass
                except ConsumerCancelled as exc:  # its queue was deleted (offboarded)
                    tag = exc.reply_text
                    for bureau, consumer in list(consumers.items()):
                        if tag in getattr(consumer, "_active_tags", {}).values():
                            self._drop(consumers, bureau)
        finally:
            for bureau in list(consumers):
                self._drop(consumers, bureau)

    def _follow_directory(self, connection, consumers):
        hooks = storage.active_webhooks(self.mongo.database)
        self.endpoints = {b: Endpoint.of(self.signing_key, b, hook) for b, hook in hooks.items()}
        for bureau in set(consumers) - set(hooks):
            self._drop(consumers, bureau)
        for bureau in sorted(set(hooks) - set(consumers)):
            # a channel per bureau: a queue gone (offboarding) closes only its channel
            channel = connection.channel()
            try:
                channel.basic_qos(0, 1, False)
                consumer = Consumer(channel, queues=[Queue(webhook_queue(bureau),
                                                           no_declare=True)],
                                    no_ack=False, on_message=partial(self._on_message, bureau))
                consumer.consume()
            except ChannelError as exc:
                log.warning("webhook_queue_unavailable", bureau=bureau, error=repr(exc))
                continue
            consumers[bureau] = consumer

    @staticmethod
    def _drop(consumers, bureau):
        consumer = consumers.pop(bureau)
        try:
            consumer.cancel()
            consumer.channel.close()
        except Exception:  # the channel is already closed by the broker
            pass

    def _on_message(self, bureau, message):
        endpoint = self.endpoints.get(bureau)
        if endpoint is None:  # removed since: it is in its queue for whoever serves it next
            message.requeue()
            return
        body = raw_body(message)
        event_id = message.properties.get("message_id") or event_id_of(body) or ""
        attempt = attempts_of(message) + 1
        error = post(endpoint, body, event_id, time.time(), self.timeout)
        try:
            if error is None:
                self.delivered += 1
            elif attempt <= len(self.retries.delays):
                self.retries.retry(message, webhook_queue(bureau), attempt)
                log.info("webhook_retry", bureau=bureau, event_id=event_id, attempt=attempt,
                         reason=error)
            else:
                storage.park(self.mongo.database, bureau, event_id, body, error, attempt)
                log.error("webhook_parked", bureau=bureau, event_id=event_id,
                          attempts=attempt, reason=error)
        except PublishFailed as exc:  # kept unacked: the broker gives it again
            log.warning("webhook_retry_not_sent", bureau=bureau, event_id=event_id,
                        error=repr(exc))
            eventlet.sleep(1)
            message.requeue()
            return
        message.ack()
