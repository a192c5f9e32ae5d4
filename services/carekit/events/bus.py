"""Publishing to RabbitMQ with publisher confirms, many messages per round trip.

A batch is published on a confirm-mode channel with `mandatory`; we then wait until the
broker has acked or nacked every delivery tag. A message the broker returns (no queue bound)
is reported as returned, not as sent: an unroutable event is detected, never silently lost.
"""
import socket
import time
from dataclasses import dataclass, field

import amqp
from kombu import Connection

from carekit.logs import get_logger

log = get_logger(__name__)


class PublishFailed(Exception):
    pass


@dataclass
class Outgoing:
    message_id: str
    exchange: str
    routing_key: str
    body: bytes
    content_type: str = "application/cloudevents+json"
    headers: dict = field(default_factory=dict)


@dataclass
class Outcome:
    confirmed: list = field(default_factory=list)   # message ids the broker took and routed
    returned: dict = field(default_factory=dict)    # message id -> reason (unroutable)
    nacked: list = field(default_factory=list)      # message ids the broker refused


class ConfirmingPublisher:
    """One connection and one confirm-mode channel; not shared between greenthreads."""

    def __init__(self, amqp_uri, confirm_timeout=15.0):
        self.amqp_uri = amqp_uri
        self.confirm_timeout = confirm_timeout
        self._conn = None
        self._channel = None
        self._next_tag = 1
        self._settled = {}
        self._returned = {}

    # -- connection -------------------------------------------------------------------
    def _ensure_channel(self):
        if self._channel is not None and self._conn is not None and self._conn.connected:
            return self._channel
        self.close()
        self._conn = Connection(self.amqp_uri, heartbeat=0)
        self._conn.ensure_connection(max_retries=3)
        channel = self._conn.channel()
        channel.confirm_select()
        channel.events["basic_ack"].add(self._on_ack)
        channel.events["basic_nack"].add(self._on_nack)
        channel.events["basic_return"].add(self._on_return)
        self._channel = channel
        self._next_tag = 1
        return channel

    def close(self):
        if self._conn is not None:
            try:
                self._conn.release()
            except Exception:  # closing a broken connection: nothing more to do
                pass
        self._conn = None
        self._channel = None

    def declare(self, entities):
        from carekit.events.topology import declare
        channel = self._ensure_channel()
        declare(channel, entities)

    # -- broker callbacks ---------------------------------------------------------------
    def _record_confirm(self, delivery_tag, multiple, ok):
        tags = [t for t in self._settled if (t <= delivery_tag if multiple else t == delivery_tag)]
        for tag in tags:
            if self._settled[tag] is None:
                self._settled[tag] = ok

    def _on_ack(self, delivery_tag, multiple):
        self._record_confirm(delivery_tag, multiple, True)

    def _on_nack(self, delivery_tag, multiple):
        self._record_confirm(delivery_tag, multiple, False)

    def _on_return(self, exc, exchange, routing_key, message):
        message_id = message.properties.get("message_id")
        self._returned[message_id] = "unroutable: no queue bound to {} for {} ({})".format(
            exchange or "(default exchange)", routing_key, exc)

    # -- publishing -----------------------------------------------------------------------
    def publish(self, messages):
        """Publish and wait for every confirm. Raises PublishFailed on broker/connection
        trouble, in which case no message of the batch may be taken as sent."""
        if not messages:
            return Outcome()
        try:
            channel = self._ensure_channel()
            self._settled = {}
            self._returned = {}
            tag_to_id = {}
            for message in messages:
                tag = self._next_tag
                self._next_tag += 1
                tag_to_id[tag] = message.message_id
                self._settled[tag] = None
                channel.basic_publish(
                    amqp.Message(message.body, content_type=message.content_type,
                                 content_encoding="utf-8", delivery_mode=2,
                                 message_id=message.message_id,
                                 application_headers=dict(message.headers or {})),
                    exchange=message.exchange, routing_key=message.routing_key, mandatory=True)
            deadline = time.monotonic() + self.confirm_timeout
            while any(v is None for v in self._settled.values()):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise PublishFailed("no publisher confirm within {}s".format(
                        self.confirm_timeout))
                try:
                    self._conn.drain_events(timeout=min(remaining, 1.0))
                except socket.timeout:
                    continue
        except PublishFailed:
            self.close()
            raise
        except Exception as exc:
            self.close()
            raise PublishFailed("publish failed: {!r}".format(exc)) from exc
        outcome = Outcome()
        for tag, message_id in tag_to_id.items():
            if not self._settled[tag]:
                outcome.nacked.append(message_id)
            elif message_id in self._returned:
                outcome.returned[message_id] = self._returned[message_id]
            else:
                outcome.confirmed.append(message_id)
        return outcome

    def publish_one(self, message):
        outcome = self.publish([message])
        if outcome.confirmed:
            return True
        raise PublishFailed(outcome.returned.get(message.message_id) or "broker refused (nack)")
