"""Names and declarations of every exchange and queue the services use.

Declaring from one place keeps the flags identical everywhere (RabbitMQ refuses a redeclare
with other flags). Event exchanges and handler queues use nameko's naming so plain nameko
tools still recognise them.

Everything a service's failures travel through is its own, so a service account needs no
right on another service's queues nor on the default exchange:
- `<service>.retry.<ms>ms` (fanout exchange and queue): a failed event waits there
  `<ms>` milliseconds, then RabbitMQ dead-letters it to
- `<service>.requeue` (direct): every handler queue of the service is bound to it with its
  own name as routing key, so the retried message goes back to the queue it failed on;
- `<service>.dead-letters` (fanout) -> `dlq.<service>`.
And a publisher replays its event log into one subscriber's queue through
`<source>.replay` (direct), to which each handler queue is bound with its own name.
"""
import importlib
import inspect
from collections import namedtuple

from kombu import Exchange, Queue, binding

PERSISTENT = 2
PRODUCT_SERVICE_MODULES = (
    "registry.service", "pairing.service", "activities.service",
    "notifications.service", "reporting.service",
)
PRODUCT_SERVICES = ("registry", "pairing", "activities", "notifications", "reporting")


def _exchange(name, kind):
    return Exchange(name, type=kind, durable=True, delivery_mode=PERSISTENT, auto_delete=False)


def event_exchange(source_service):
    return _exchange("{}.events".format(source_service), "topic")


def replay_exchange(source_service):
    return _exchange("{}.replay".format(source_service), "direct")


def requeue_exchange(service):
    return _exchange("{}.requeue".format(service), "direct")


def dead_letter_exchange(service):
    return _exchange("{}.dead-letters".format(service), "fanout")


def retry_exchange(service, delay_ms):
    return _exchange("{}.retry.{}ms".format(service, delay_ms), "fanout")


def handler_queue_name(source_service, event_name, service, method):
    return "evt-{}-{}--{}.{}".format(source_service, event_name, service, method)


def handler_queue(source_service, event_name, service, method):
    name = handler_queue_name(source_service, event_name, service, method)
    return Queue(name, bindings=[
        binding(event_exchange(source_service), routing_key=event_name),
        binding(replay_exchange(source_service), routing_key=name),
        binding(requeue_exchange(service), routing_key=name),
    ], durable=True, auto_delete=False, exclusive=False)


def dead_letter_queue(service):
    return Queue("dlq.{}".format(service), exchange=dead_letter_exchange(service),
                 durable=True, auto_delete=False)


def retry_queue(service, delay_ms):
    """Messages wait here `delay_ms`, then RabbitMQ dead-letters them to the service's requeue
    exchange with their routing key (the handler queue's name): back where they failed."""
    return Queue("{}.retry.{}ms".format(service, delay_ms),
                 exchange=retry_exchange(service, delay_ms), durable=True, auto_delete=False,
                 queue_arguments={"x-message-ttl": int(delay_ms),
                                  "x-dead-letter-exchange": requeue_exchange(service).name})


class Subscription(namedtuple("Subscription", "source_service event_name service method")):
    def queue(self):
        return handler_queue(*self)

    @property
    def queue_name(self):
        return handler_queue_name(*self)


def subscriptions_of(service_cls):
    """Every (source, event) a nameko service class handles with carekit's `subscribe`."""
    return [Subscription(e.source_service, e.event_type, service_cls.name, method)
            for method, e in handler_entrypoints(service_cls)]


def handler_entrypoints(service_cls):
    """(method name, CareEventHandler) of every `subscribe` on a service class."""
    from carekit.events.handler import CareEventHandler
    found = []
    for method_name, method in inspect.getmembers(service_cls, inspect.isfunction):
        for entrypoint in getattr(method, "nameko_entrypoints", ()):
            if isinstance(entrypoint, CareEventHandler):
                found.append((method_name, entrypoint))
    return found


def subscriptions_in_modules(module_paths):
    subs = set()
    for path in module_paths:
        module = importlib.import_module(path)
        for _, obj in inspect.getmembers(module, inspect.isclass):
            if obj.__module__ == module.__name__ and isinstance(getattr(obj, "name", None), str):
                subs.update(subscriptions_of(obj))
    return sorted(subs)


def subscriber_modules(config):
    configured = [m.strip() for m in str(config.get("SUBSCRIBER_MODULES") or "").split(",")
                  if m.strip()]
    return configured or list(PRODUCT_SERVICE_MODULES)


def declare(channel, entities):
    for entity in entities:
        entity.bind(channel).declare()  # bind() clones: module-level entities stay unbound


def entities_for_publisher(service, subscriptions):
    """The publisher's exchanges and every subscriber queue bound to them, so no event
    published before a subscriber first starts is dropped for lack of a queue."""
    subscribers = {s.service for s in subscriptions if s.source_service == service}
    return ([event_exchange(service), replay_exchange(service)]
            + [requeue_exchange(s) for s in sorted(subscribers)]
            + [s.queue() for s in subscriptions if s.source_service == service])


def entities_for_failures(service, delays_ms):
    return ([dead_letter_exchange(service), dead_letter_queue(service),
             requeue_exchange(service)]
            + [e for d in delays_ms for e in (retry_exchange(service, d),
                                              retry_queue(service, d))])


def entities_for_subscriber(subscription):
    """What a handler needs before it consumes: its queue and every exchange it binds to."""
    return [event_exchange(subscription.source_service),
            replay_exchange(subscription.source_service),
            requeue_exchange(subscription.service), subscription.queue()]


def main(argv=None):
    """Declare the whole topology (deployment step): python -m carekit.events.topology"""
    import argparse
    import os

    from kombu import Connection

    from carekit.config import retry_delays_ms

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--amqp-uri", default=os.environ.get(
        "AMQP_URI", "amqp://guest:guest@127.0.0.1:5672//"))
    args = parser.parse_args(argv)
    config = dict(os.environ)
    subs = subscriptions_in_modules(subscriber_modules(config))
    delays = retry_delays_ms(config)
    with Connection(args.amqp_uri) as conn:
        channel = conn.channel()
        for service in PRODUCT_SERVICES:
            declare(channel, entities_for_failures(service, delays))
        for service in PRODUCT_SERVICES:
            declare(channel, entities_for_publisher(service, subs))
    for sub in subs:
        print("declared", sub.queue_name)


if __name__ == "__main__":
    main()
