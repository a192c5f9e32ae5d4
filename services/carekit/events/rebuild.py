"""Rebuild a service's read models from the publishers' event logs.

    python -m carekit.events.rebuild SERVICE [HANDLER ...] [--grace 10] [--wait 600]

Run with the service's own settings (MONGO_URI, MONGO_DATABASE, AMQP_URI), while the service
and the publishers run. For each chosen handler (default: every handler that declares
`owns=`), and every other handler sharing one of its collections:
1. drop the collections the handlers own (`@subscribe(..., owns=(...))`) and create their
   declared indexes again;
2. wait `--grace` seconds, so a handler run that started before the drop has finished;
3. forget the handlers' ledger entries (so every event runs them again);
4. ask each publisher (RPC `replay_events`) to republish its event log, in recorded order,
   into each handler's own queue only, marked as replays; other subscribers see nothing.
Live events keep flowing meanwhile: handlers are idempotent and order-tolerant. An event
replayed into a handler that was not rebuilt is a copy its ledger skips: nothing changes.
`--wait` waits until every handler has processed what was replayed to it.

`replay_events` (on every CareService) takes {"event": name, "queue": handler queue name,
"after": order of the last event of the previous page or null, "limit": n} and answers
{"count": n, "after": order}; it only replays events the service publishes, and only into a
queue that subscribes to that event.
"""
if __name__ == "__main__":
    # the command: patch before pymongo is imported (it picks select.poll at import, which
    # eventlet's green select lacks: "module 'select' has no attribute 'poll'")
    import eventlet
    eventlet.monkey_patch()

import argparse  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402

from marshmallow import Schema, fields, validate
from nameko.extensions import DependencyProvider

from carekit.errors import ValidationFailed, load_or_raise
from carekit.events import topology
from carekit.events.bus import ConfirmingPublisher
from carekit.events.catalogue import catalogue
from carekit.events.ledger import PROCESSED_EVENTS, forget_handler
from carekit.events.relay import replay
from carekit.mongo import Database

PAGE = 5000


class ReplayRequest(Schema):
    event = fields.String(required=True, validate=validate.Regexp(r"^[A-Za-z][A-Za-z0-9]{0,80}$"))
    queue = fields.String(required=True, validate=validate.Regexp(r"^evt-[A-Za-z0-9_.-]{1,200}$"))
    after = fields.String(load_default=None, allow_none=True,
                          validate=validate.Regexp(r"^[0-9]{1,40}$"))
    limit = fields.Integer(load_default=PAGE, strict=True, validate=validate.Range(min=1, max=PAGE))


class EventLogReplayer(DependencyProvider):
    """What a service's `replay_events` RPC uses: its own event log, a confirming publisher,
    and the subscriptions it knows of (to refuse a queue that does not subscribe)."""

    def setup(self):
        config = self.container.config
        self.service = self.container.service_name
        self.amqp_uri = config["AMQP_URI"]
        self.queues = {s.queue_name: s.event_name
                       for s in topology.subscriptions_in_modules(
                           topology.subscriber_modules(config))
                       if s.source_service == self.service}

    def get_dependency(self, worker_ctx):
        return self

    def replay(self, database, request):
        data = load_or_raise(ReplayRequest(), request if isinstance(request, dict) else {})
        published = {e["name"] for e in catalogue.entries() if e["source"] == self.service}
        if data["event"] not in published:
            raise ValidationFailed.single("event", "unknown_event", "本服务不发布此事件")
        if self.queues.get(data["queue"]) != data["event"]:
            raise ValidationFailed.single("queue", "not_a_subscriber", "该队列没有订阅此事件")
        publisher = ConfirmingPublisher(self.amqp_uri)
        try:
            count, after = replay(database, publisher, self.service, names=[data["event"]],
                                  to_queue=data["queue"], after=data["after"],
                                  limit=data["limit"])
        finally:
            publisher.close()
        return {"count": count, "after": after}


# -- the command -------------------------------------------------------------------------------
def chosen_handlers(service_cls, names=()):
    """{method: entrypoint} to rebuild: the named ones (all that own something when none is
    named), plus every handler sharing a collection with them."""
    handlers = dict(topology.handler_entrypoints(service_cls))
    unknown = [n for n in names if n not in handlers]
    if unknown:
        raise SystemExit("no handler {} in {}".format(", ".join(unknown), service_cls.name))
    chosen = {n for n in (names or handlers) if handlers[n].owns}
    blind = [n for n in names if not handlers[n].owns]
    if blind:
        raise SystemExit("handler(s) {} declare no read model (subscribe(..., owns=...)): "
                         "nothing to rebuild".format(", ".join(blind)))
    while True:
        owned = {c for n in chosen for c in handlers[n].owns}
        more = {n for n, e in handlers.items() if set(e.owns) & owned} - chosen
        if not more:
            return {n: handlers[n] for n in sorted(chosen)}
        chosen |= more


def declared_indexes(service_cls):
    """{collection: [IndexModel]} the service class declares (its `Database(indexes=...)`)."""
    provider = getattr(service_cls, "db", None)
    return dict(provider.indexes) if isinstance(provider, Database) else {}


def rebuild(service_cls, database, rpc_proxy, names=(), grace=10.0, say=print):
    """Steps 1-4 above; returns {handler: events replayed to it}."""
    handlers = chosen_handlers(service_cls, names)
    collections = sorted({c for e in handlers.values() for c in e.owns})
    indexes = declared_indexes(service_cls)
    for collection in collections:
        database.drop_collection(collection)
        if indexes.get(collection):
            database[collection].create_indexes(indexes[collection])
    say("dropped {}".format(", ".join(collections)))
    time.sleep(grace)
    for name in handlers:
        forget_handler(database, name)
    replayed = {}
    for name, entrypoint in handlers.items():
        queue = topology.handler_queue_name(entrypoint.source_service, entrypoint.event_type,
                                            service_cls.name, name)
        publisher = getattr(rpc_proxy, entrypoint.source_service)
        total, after = 0, None
        while True:
            page = publisher.replay_events({"event": entrypoint.event_type, "queue": queue,
                                            "after": after, "limit": PAGE})
            total += page["count"]
            after = page["after"]
            if page["count"] < PAGE:
                break
        replayed[name] = total
        say("{}: {} {} event(s) replayed from {}".format(
            name, total, entrypoint.event_type, entrypoint.source_service))
    return replayed


def wait_until_handled(database, replayed, timeout):
    """Until each handler's ledger holds at least as many done entries as events replayed."""
    deadline = time.monotonic() + timeout
    while True:
        behind = {h: n - database[PROCESSED_EVENTS].count_documents(
            {"handler": h, "status": "done"}) for h, n in replayed.items()}
        behind = {h: n for h, n in behind.items() if n > 0}
        if not behind:
            return {}
        if time.monotonic() > deadline:
            return behind
        time.sleep(0.5)


def main(argv=None):
    import eventlet
    eventlet.monkey_patch()
    from nameko.standalone.rpc import ClusterRpcProxy

    from carekit.config import load_settings
    from carekit.mongo import open_database
    from carekit.run import service_class

    parser = argparse.ArgumentParser(prog="python -m carekit.events.rebuild",
                                     description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("service")
    parser.add_argument("handlers", nargs="*")
    parser.add_argument("--grace", type=float, default=10.0)
    parser.add_argument("--wait", type=float, default=0.0,
                        help="seconds to wait for the handlers to catch up (0: do not wait)")
    args = parser.parse_args(argv)
    config = load_settings(args.service)
    cls = service_class(args.service)
    client, database = open_database(config)
    try:
        with ClusterRpcProxy(config, timeout=600) as proxy:
            replayed = rebuild(cls, database, proxy, args.handlers, args.grace)
        if args.wait:
            behind = wait_until_handled(database, replayed, args.wait)
            if behind:
                print("still behind after {}s: {}".format(args.wait, behind), file=sys.stderr)
                return 1
            print("every replayed event handled")
        return 0
    finally:
        client.close()


if __name__ == "__main__":
    sys.exit(main())
