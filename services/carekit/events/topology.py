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
`<source>.replay`, to which each handler queue is bound with its own name.
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


def _exchange(name, kind, **options):
    return Exchange(name, type=kind, durable=True, delivery_mode=PERSISTENT, auto_delete=False,
                    **options)


def _bound(exchange):
    """The exchange as a queue's binding names it: declared beforehand (ensure_exchanges),
    never by kombu while declaring the queue."""
    return _exchange(exchange.name, exchange.type, no_declare=True)


def event_exchange(source_service):
    return _exchange("{}.events".format(source_service), "topic")


def public_exchange():
    """The de-identified stream for other bureaus (carekit.bureaus); provisioned by the
    deployment, declared by publishers in development."""
    return _exchange("care.public", "topic")


def publishes_public_events(service):
    from carekit.events.catalogue import load_contracts
    return bool(load_contracts().public_entries(service))


def replay_exchange(source_service):
    # topic, not direct, though every binding key is a queue's exact name: topic permissions
    # then limit each service to binding its own queues' names
    return _exchange("{}.replay".format(source_service), "topic")


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
        binding(_bound(event_exchange(source_service)), routing_key=event_name),
        binding(_bound(replay_exchange(source_service)), routing_key=name),
        binding(_bound(requeue_exchange(service)), routing_key=name),
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


def provisioned(config):
    return config.get("BROKER_TOPOLOGY") == "provisioned"


def exchanges_for_subscriber(subscription, config):
    """The exchanges a handler queue binds to. The publisher's are checked passively when the
    topology was provisioned (declaring them would need rights on another service's
    exchanges); the service's own requeue exchange is declared."""
    theirs = [event_exchange(subscription.source_service),
              replay_exchange(subscription.source_service)]
    if provisioned(config):
        theirs = [_exchange(e.name, e.type, passive=True) for e in theirs]
    return theirs + [requeue_exchange(subscription.service)]


def entities_publisher_declares(service, subscriptions, config):
    """Provisioned: only the publisher's own exchanges (its account may not declare other
    services' queues: the topology step bound them). Otherwise every subscriber queue too."""
    public = [public_exchange()] if publishes_public_events(service) else []
    if provisioned(config):
        return [event_exchange(service), replay_exchange(service)] + [
            _exchange(e.name, e.type, passive=True) for e in public]
    return entities_for_publisher(service, subscriptions) + public


def ensure_exchanges(amqp_uri, exchanges):
    from kombu import Connection
    with Connection(amqp_uri) as conn:
        declare(conn.channel(), exchanges)


def main(argv=None):
    """Declare the whole topology (deployment step): python -m carekit.events.topology"""
    import argparse
    import os

    from kombu import Connection

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--amqp-uri", default=os.environ.get(
        "AMQP_URI", "amqp://guest:guest@127.0.0.1:5672//"))
    args = parser.parse_args(argv)
    config = dict(os.environ)
    subs = subscriptions_in_modules(subscriber_modules(config))
    with Connection(args.amqp_uri) as conn:
        channel = conn.channel()
        # retry queues are left to each service: declaring a queue that dead-letters into an
        # exchange needs the right to publish there, which the topology account has not
        services = sorted(set(PRODUCT_SERVICES) | {s.service for s in subs}
                          | {s.source_service for s in subs})
        for service in services:
            declare(channel, entities_for_failures(service, []))
        for service in services:
            declare(channel, entities_for_publisher(service, subs))
    for sub in subs:
        print("declared", sub.queue_name)


if __name__ == "__main__":
    main()
