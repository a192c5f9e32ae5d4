"""Create the care-network vhost, users and permissions on RabbitMQ (deployment step).

    python infra/rabbitmq/provision.py

Runs once per `docker compose up` (service `rabbitmq-init`) through the management HTTP API
with the admin account, and is idempotent: users, permissions and the public-stream exchange
are (re)declared, passwords are reset to what the environment says.
No password is ever written in a file: every one comes from an environment variable.

Accounts (least privilege; regexes are computed below and tested in tests/infra):

- `care-<service>` for each service: declare, bind, publish to and consume only what is its
  own (RPC queue and replies; `<service>.events|replay|requeue|dead-letters|retry.<ms>ms`
  exchanges; its handler queues, retry queues and DLQ queue, which it cannot read: DLQs are
  for ops). From other services it may only bind its own handler queues to the event
  exchanges it subscribes to, with exactly the event names it subscribes to (topic read
  permission), and to their replay exchanges with its own queues' names. A topic permission on `nameko-rpc` lets
  backend services call only their own RPCs (the container healthcheck) and bind only their
  own RPC and reply keys: services talk to each other through events, never RPC
  (DESIGN §3). Only the gateway may call every service. Services run with
  BROKER_TOPOLOGY=provisioned: they declare only their own entities.
- `care-topology`: declares exchanges, handler queues and DLQs and binds them (the one-shot
  `topology` service); it can neither publish to any exchange nor consume any queue.
- the public stream: the exchange `care.public` is declared here; the services whose events
  have public forms (carekit.config.PUBLIC_STREAM_PUBLISHERS) may publish to it, each only
  its own public event names (topic permission), never read from it. Bureaus (民政, 妇联,
  公安, 卫健 ...) are not provisioned here: `python -m carekit.bureaus onboard` creates a
  bureau's queue, bindings and read-only account when the bureau joins, and prints its
  credentials once (carekit/bureaus/README.md). The notifications service (which delivers
  webhooks to bureaus, carekit.config.WEBHOOK_SENDERS) may also consume the
  `webhook.<bureau>` queues: read only, nothing more on them.

Known limit, from how nameko declares things (not fixable here): nameko declares (not
passively) the `nameko-rpc` exchange, so every service needs configure (which includes
delete) on it.

Environment:
  RABBITMQ_MANAGEMENT_URL   http://rabbitmq:15672/api
  RABBITMQ_ADMIN_USER / RABBITMQ_ADMIN_PASSWORD   the broker's administrator (required)
  RABBITMQ_VHOST            care
  CARE_SERVICES             registry,pairing,activities,notifications,reporting,gateway
  RABBITMQ_PASSWORD_<SERVICE>, RABBITMQ_PASSWORD_TOPOLOGY      (required)
  SUBSCRIBER_MODULES        as for carekit (default: every product service module)
"""
import os
import re
import sys

from carekit.bureaus.broker import (PUBLIC_EXCHANGE, WEBHOOK_QUEUE_PATTERN, Api,  # noqa: F401
                                    ManagementError, bureau_permissions, bureau_queue, one_of,
                                    publisher_topic_permission, quoted)
from carekit.config import PUBLIC_STREAM_PUBLISHERS, WEBHOOK_SENDERS

DEFAULT_SERVICES = ("registry", "pairing", "activities", "notifications", "reporting", "gateway")
RPC_CALLERS = ("gateway",)            # may call any service's RPC
# The one backend-to-backend RPC: notifications asks the registry for a recipient's contact
# details at send time (events never carry them; the registry audits each reveal).
RPC_GRANTS = {"notifications": ("registry.notification_contacts",)}
USER_PREFIX = "care-"
# Passwords end up inside AMQP_URI / MONGO_URI: only URL-safe characters, and long enough.
PASSWORD_RULE = re.compile(r"[A-Za-z0-9._~-]{16,}")
NAME_RULE = re.compile(r"[a-z][a-z0-9_]*")
UUID = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"


class ProvisionError(ManagementError):
    pass


_one_of = one_of


def service_permissions(service, subscriptions=()):
    """({"configure","write","read"} regexes, [topic permissions]) for one service.
    `subscriptions`: carekit Subscription tuples (any service's).

    Everything a service declares, publishes to or consumes is its own: its RPC queue and
    reply queues, its events/replay/requeue/retry/dead-letter exchanges, its handler queues,
    retry queues and DLQ. From other services it may only bind its own handler queues to the
    exchanges of the events it subscribes to, with exactly those events' names (topic
    permissions), and to their replay exchanges (direct, routed by the queue's own name).
    It has no right on the default exchange, another service's queues, retry or dead-letter
    exchanges, nor any DLQ (those are for ops)."""
    if not NAME_RULE.fullmatch(service):
        raise ProvisionError("bad service name {!r}".format(service))
    own = re.escape(service)
    mine = [s for s in subscriptions if s.service == service]
    sources = sorted({s.source_service for s in mine})
    handler_queues = ["evt-[a-z][a-z0-9_]*-[A-Za-z0-9]+--" + own + r"\.[A-Za-z0-9_]+"]
    rpc_queues = ["rpc-" + own, r"rpc\.reply-" + own + "-" + UUID,
                  r"rpc\.reply-standalone_rpc_proxy-" + UUID]   # the healthcheck's proxy
    own_exchanges = [own + r"\.(events|replay|requeue|dead-letters)",
                     own + r"\.retry\.[0-9]+ms"]
    own_queues = handler_queues + [r"dlq\." + own, own + r"\.retry\.[0-9]+ms"]
    theirs = [re.escape(source) + r"\.(events|replay)" for source in sources]

    configure = ["nameko-rpc"] + rpc_queues + own_exchanges + own_queues
    write = ["nameko-rpc"] + rpc_queues + own_exchanges + own_queues
    read = (["nameko-rpc"] + rpc_queues + own_exchanges + theirs + handler_queues
            + [own + r"\.retry\.[0-9]+ms"])
    if service in PUBLIC_STREAM_PUBLISHERS:
        write.append(re.escape(PUBLIC_EXCHANGE))
    if service in WEBHOOK_SENDERS:
        read.append(WEBHOOK_QUEUE_PATTERN)
    own_rpc_keys = "^(" + own + r"\.(\*|[A-Za-z0-9_]+)|" + UUID + ")$"
    granted = "".join("|" + re.escape(key) for key in RPC_GRANTS.get(service, ()))
    rpc_topic = {"exchange": "nameko-rpc",
                 "write": ".*" if service in RPC_CALLERS else own_rpc_keys.replace(
                     "|" + UUID, granted + "|" + UUID),
                 "read": own_rpc_keys}
    topics = [rpc_topic, {"exchange": service + ".events", "write": ".*", "read": ".*"}]
    topics.append({"exchange": service + ".replay", "write": ".*", "read": ".*"})
    if service in PUBLIC_STREAM_PUBLISHERS:
        topics.append(publisher_topic_permission(public_event_names(service)))
    for source in sources:
        names = sorted({re.escape(s.event_name) for s in mine if s.source_service == source})
        topics.append({"exchange": source + ".events", "write": "^$", "read": _one_of(names)})
        topics.append({"exchange": source + ".replay", "write": "^$",
                       "read": _one_of(handler_queues)})
    return ({"configure": _one_of(configure), "write": _one_of(write), "read": _one_of(read)},
            topics)


def public_event_names(service):
    """The names of the events `service` publishes with a public form."""
    from carekit.events.catalogue import load_contracts
    return sorted({e["name"] for e in load_contracts().public_entries(service)})


def topology_permissions():
    """Declares every exchange, handler queue and DLQ and binds them; cannot publish to any
    exchange nor consume any queue (retry queues are declared by each service: a queue that
    dead-letters into an exchange needs the right to publish there)."""
    name = "[a-z][a-z0-9_]*"
    exchanges = name + r"\.(events|replay|requeue|dead-letters)"
    queues = ["evt-.+", r"dlq\." + name]
    return {"configure": _one_of([exchanges] + queues), "write": _one_of(queues),
            "read": _one_of([exchanges])}


_q = quoted


def _check_password(variable, password):
    if not password or not PASSWORD_RULE.fullmatch(password):
        raise ProvisionError(
            "{} must be set to at least 16 URL-safe characters [A-Za-z0-9._~-] "
            "(e.g. `openssl rand -hex 24`)".format(variable))


def provision(api, vhost, services, subscriptions, passwords, topology_password,
              user_prefix=USER_PREFIX, log=print):
    """Declare everything; `passwords`: {service: password}. Returns the user names it
    manages."""
    api.call("PUT", "/vhosts/" + _q(vhost), {"description": "care-network", "tracing": False})
    users = []

    def user(name, password, permissions, topics=()):
        api.put_user(vhost, name, password, permissions, topics)
        users.append(name)
        log("user {} ready".format(name))

    for service in services:
        permissions, topics = service_permissions(service, subscriptions)
        user(user_prefix + service, passwords[service], permissions, topics)
    user(user_prefix + "topology", topology_password, topology_permissions())
    api.declare_public_exchange(vhost)
    return users


def _names(value, default):
    names = [n.strip() for n in (value or "").split(",") if n.strip()]
    return names or list(default)


def main(environ=None):
    environ = os.environ if environ is None else environ
    try:
        services = _names(environ.get("CARE_SERVICES"), DEFAULT_SERVICES)
        passwords = {}
        for service in services:
            variable = "RABBITMQ_PASSWORD_" + service.upper()
            _check_password(variable, environ.get(variable))
            passwords[service] = environ[variable]
        _check_password("RABBITMQ_PASSWORD_TOPOLOGY", environ.get("RABBITMQ_PASSWORD_TOPOLOGY"))
        admin, admin_password = environ.get("RABBITMQ_ADMIN_USER"), environ.get(
            "RABBITMQ_ADMIN_PASSWORD")
        if not admin or not admin_password:
            raise ProvisionError("RABBITMQ_ADMIN_USER and RABBITMQ_ADMIN_PASSWORD must be set")

        from carekit.events import topology
        subscriptions = topology.subscriptions_in_modules(
            topology.subscriber_modules(dict(environ)))
        api = Api(environ.get("RABBITMQ_MANAGEMENT_URL", "http://rabbitmq:15672/api"),
                  admin, admin_password)
        api.wait_until_ready()
        provision(api, environ.get("RABBITMQ_VHOST", "care"), services, subscriptions,
                  passwords, environ["RABBITMQ_PASSWORD_TOPOLOGY"])
    except ManagementError as exc:
        print("rabbitmq provisioning failed: {}".format(exc), file=sys.stderr)
        return 1
    print("rabbitmq provisioned: {} service users, topology user; bureaus join with "
          "`python -m carekit.bureaus onboard`".format(len(services)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
