"""Names and declarations of every exchange and queue the services use.

Declaring from one place keeps the flags identical everywhere (RabbitMQ refuses a redeclare
with other flags). Event exchanges and handler queues use nameko's naming so plain nameko
tools still recognise them.
"""
import importlib
import inspect
from collections import namedtuple

from kombu import Exchange, Queue

PERSISTENT = 2
PRODUCT_SERVICE_MODULES = (
    "registry.service", "pairing.service", "activities.service",
    "notifications.service", "reporting.service",
)
DEAD_LETTER_EXCHANGE = Exchange("care.dead-letters", type="direct", durable=True,
                                delivery_mode=PERSISTENT)


def event_exchange(source_service):
    return Exchange("{}.events".format(source_service), type="topic", durable=True,
                    delivery_mode=PERSISTENT, auto_delete=False)


def handler_queue_name(source_service, event_name, service, method):
    return "evt-{}-{}--{}.{}".format(source_service, event_name, service, method)


def handler_queue(source_service, event_name, service, method):
    return Queue(handler_queue_name(source_service, event_name, service, method),
                 exchange=event_exchange(source_service), routing_key=event_name,
                 durable=True, auto_delete=False, exclusive=False)


def dead_letter_queue(service):
    return Queue("dlq.{}".format(service), exchange=DEAD_LETTER_EXCHANGE, routing_key=service,
                 durable=True, auto_delete=False)


def retry_exchange(delay_ms):
    return Exchange("care.retry.{}ms".format(delay_ms), type="fanout", durable=True,
                    delivery_mode=PERSISTENT)


def retry_queue(delay_ms):
    """Messages wait here `delay_ms`, then RabbitMQ dead-letters them through the default
    exchange with their routing key, i.e. straight back into the handler queue they name."""
    return Queue("care.retry.{}ms".format(delay_ms), exchange=retry_exchange(delay_ms),
                 durable=True, auto_delete=False,
                 queue_arguments={"x-message-ttl": int(delay_ms), "x-dead-letter-exchange": ""})


class Subscription(namedtuple("Subscription", "source_service event_name service method")):
    def queue(self):
        return handler_queue(*self)


def subscriptions_of(service_cls):
    """Every (source, event) a nameko service class handles with carekit's `subscribe`."""
    from carekit.events.handler import CareEventHandler
    found = []
    for method_name, method in inspect.getmembers(service_cls, inspect.isfunction):
        for entrypoint in getattr(method, "nameko_entrypoints", ()):
            if isinstance(entrypoint, CareEventHandler):
                found.append(Subscription(entrypoint.source_service, entrypoint.event_type,
                                          service_cls.name, method_name))
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
    """The publisher's exchange and every subscriber queue bound to it, so no event published
    before a subscriber first starts is dropped for lack of a queue."""
    return [event_exchange(service)] + [s.queue() for s in subscriptions
                                        if s.source_service == service]


def entities_for_failures(service, delays_ms):
    return ([DEAD_LETTER_EXCHANGE, dead_letter_queue(service)]
            + [e for d in delays_ms for e in (retry_exchange(d), retry_queue(d))])


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
        for service in ("registry", "pairing", "activities", "notifications", "reporting"):
            declare(channel, entities_for_publisher(service, subs)
                    + entities_for_failures(service, delays))
    for sub in subs:
        print("declared", sub.queue().name)


if __name__ == "__main__":
    main()
