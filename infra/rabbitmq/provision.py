"""Create the care-network vhost, users and permissions on RabbitMQ (deployment step).

    python infra/rabbitmq/provision.py

Runs once per `docker compose up` (service `rabbitmq-init`) through the management HTTP API
with the admin account, and is idempotent: users, permissions, the public-stream exchange and
the bureau queues are (re)declared, passwords are reset to what the environment says.
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
- `bureau-<name>` for each other bureau (民政, 妇联, 公安, 卫健 ...): read-only consumer of its own
  queue `public.<name>`, bound to the de-identified public stream exchange `care.public`.
  It cannot declare, bind or publish anything; clients must declare the queue passively.

Known limit, from how nameko declares things (not fixable here): nameko declares (not
passively) the `nameko-rpc` exchange, so every service needs configure (which includes
delete) on it.

Environment:
  RABBITMQ_MANAGEMENT_URL   http://rabbitmq:15672/api
  RABBITMQ_ADMIN_USER / RABBITMQ_ADMIN_PASSWORD   the broker's administrator (required)
  RABBITMQ_VHOST            care
  CARE_SERVICES             registry,pairing,activities,notifications,reporting,gateway
  RABBITMQ_PASSWORD_<SERVICE>, RABBITMQ_PASSWORD_TOPOLOGY      (required)
  PUBLIC_STREAM_BUREAUS     minzheng,fulian,gongan,weijian
  RABBITMQ_PASSWORD_BUREAU_<NAME>                              (required per bureau)
  SUBSCRIBER_MODULES        as for carekit (default: every product service module)
"""
import base64
import json
import os
import re
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

DEFAULT_SERVICES = ("registry", "pairing", "activities", "notifications", "reporting", "gateway")
DEFAULT_BUREAUS = ("minzheng", "fulian", "gongan", "weijian")
RPC_CALLERS = ("gateway",)            # may call any service's RPC
# The one backend-to-backend RPC: notifications asks the registry for a recipient's contact
# details at send time (events never carry them; the registry audits each reveal).
RPC_GRANTS = {"notifications": ("registry.notification_contacts",)}
PUBLIC_EXCHANGE = "care.public"       # the de-identified stream for other bureaus (DESIGN §4.4)
PUBLIC_STREAM_PUBLISHERS = ()         # services allowed to publish to it; none is built yet
USER_PREFIX = "care-"
BUREAU_PREFIX = "bureau-"
# Passwords end up inside AMQP_URI / MONGO_URI: only URL-safe characters, and long enough.
PASSWORD_RULE = re.compile(r"[A-Za-z0-9._~-]{16,}")
NAME_RULE = re.compile(r"[a-z][a-z0-9_]*")
UUID = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"


class ProvisionError(Exception):
    pass


def _one_of(patterns):
    patterns = sorted(set(patterns))
    return "^(" + "|".join(patterns) + ")$" if patterns else "^$"


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
        configure.append(re.escape(PUBLIC_EXCHANGE))
        write.append(re.escape(PUBLIC_EXCHANGE))
    own_rpc_keys = "^(" + own + r"\.(\*|[A-Za-z0-9_]+)|" + UUID + ")$"
    granted = "".join("|" + re.escape(key) for key in RPC_GRANTS.get(service, ()))
    rpc_topic = {"exchange": "nameko-rpc",
                 "write": ".*" if service in RPC_CALLERS else own_rpc_keys.replace(
                     "|" + UUID, granted + "|" + UUID),
                 "read": own_rpc_keys}
    topics = [rpc_topic, {"exchange": service + ".events", "write": ".*", "read": ".*"}]
    topics.append({"exchange": service + ".replay", "write": ".*", "read": ".*"})
    for source in sources:
        names = sorted({re.escape(s.event_name) for s in mine if s.source_service == source})
        topics.append({"exchange": source + ".events", "write": "^$", "read": _one_of(names)})
        topics.append({"exchange": source + ".replay", "write": "^$",
                       "read": _one_of(handler_queues)})
    return ({"configure": _one_of(configure), "write": _one_of(write), "read": _one_of(read)},
            topics)


def topology_permissions():
    """Declares every exchange, handler queue and DLQ and binds them; cannot publish to any
    exchange nor consume any queue (retry queues are declared by each service: a queue that
    dead-letters into an exchange needs the right to publish there)."""
    name = "[a-z][a-z0-9_]*"
    exchanges = name + r"\.(events|replay|requeue|dead-letters)"
    queues = ["evt-.+", r"dlq\." + name]
    return {"configure": _one_of([exchanges] + queues), "write": _one_of(queues),
            "read": _one_of([exchanges])}


def bureau_queue(bureau):
    return "public.{}".format(bureau)


def bureau_permissions(bureau):
    return {"configure": "^$", "write": "^$", "read": _one_of([re.escape(bureau_queue(bureau))])}


# -- management API ------------------------------------------------------------------------------
class Api:
    def __init__(self, base_url, user, password, timeout=15):
        self.base = base_url.rstrip("/")
        self.timeout = timeout
        self.auth = "Basic " + base64.b64encode(
            "{}:{}".format(user, password).encode()).decode()

    def call(self, method, path, body=None):
        request = urllib.request.Request(
            self.base + path, method=method,
            data=None if body is None else json.dumps(body).encode("utf-8"))
        request.add_header("Authorization", self.auth)
        request.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                text = response.read()
        except urllib.error.HTTPError as exc:
            raise ProvisionError("{} {} -> HTTP {}: {}".format(
                method, path, exc.code, exc.read().decode("utf-8", "replace")[:300]))
        return json.loads(text) if text else None

    def wait_until_ready(self, seconds=90):
        deadline = time.monotonic() + seconds
        while True:
            try:
                return self.call("GET", "/overview")
            except (urllib.error.URLError, OSError, ProvisionError) as exc:
                if time.monotonic() > deadline:
                    raise ProvisionError("management API {} not ready: {}".format(self.base, exc))
                time.sleep(2)


def _q(name):
    return urllib.parse.quote(name, safe="")


def _check_password(variable, password):
    if not password or not PASSWORD_RULE.fullmatch(password):
        raise ProvisionError(
            "{} must be set to at least 16 URL-safe characters [A-Za-z0-9._~-] "
            "(e.g. `openssl rand -hex 24`)".format(variable))


def provision(api, vhost, services, subscriptions, bureaus, passwords, topology_password,
              user_prefix=USER_PREFIX, bureau_prefix=BUREAU_PREFIX, log=print):
    """Declare everything; `passwords`: {service or "bureau:<name>": password}. Returns the
    user names it manages."""
    vh = _q(vhost)
    api.call("PUT", "/vhosts/" + vh, {"description": "care-network", "tracing": False})
    users = []

    def user(name, password, permissions, topics=()):
        api.call("PUT", "/users/" + _q(name), {"password": password, "tags": ""})
        api.call("PUT", "/permissions/{}/{}".format(vh, _q(name)), permissions)
        for topic in topics:
            api.call("PUT", "/topic-permissions/{}/{}".format(vh, _q(name)), topic)
        users.append(name)
        log("user {} ready".format(name))

    for service in services:
        permissions, topics = service_permissions(service, subscriptions)
        user(user_prefix + service, passwords[service], permissions, topics)
    user(user_prefix + "topology", topology_password, topology_permissions())

    api.call("PUT", "/exchanges/{}/{}".format(vh, _q(PUBLIC_EXCHANGE)),
             {"type": "topic", "durable": True, "auto_delete": False, "internal": False,
              "arguments": {}})
    for bureau in bureaus:
        if not NAME_RULE.fullmatch(bureau):
            raise ProvisionError("bad bureau name {!r}".format(bureau))
        queue = bureau_queue(bureau)
        api.call("PUT", "/queues/{}/{}".format(vh, _q(queue)),
                 {"durable": True, "auto_delete": False, "arguments": {}})
        api.call("POST", "/bindings/{}/e/{}/q/{}".format(vh, _q(PUBLIC_EXCHANGE), _q(queue)),
                 {"routing_key": "#", "arguments": {}})
        user(bureau_prefix + bureau, passwords["bureau:" + bureau], bureau_permissions(bureau))
    return users


def _names(value, default):
    names = [n.strip() for n in (value or "").split(",") if n.strip()]
    return names or list(default)


def main(environ=None):
    environ = os.environ if environ is None else environ
    try:
        services = _names(environ.get("CARE_SERVICES"), DEFAULT_SERVICES)
        bureaus = _names(environ.get("PUBLIC_STREAM_BUREAUS"), DEFAULT_BUREAUS)
        passwords = {}
        for service in services:
            variable = "RABBITMQ_PASSWORD_" + service.upper()
            _check_password(variable, environ.get(variable))
            passwords[service] = environ[variable]
        for bureau in bureaus:
            variable = "RABBITMQ_PASSWORD_BUREAU_" + bureau.upper()
            _check_password(variable, environ.get(variable))
            passwords["bureau:" + bureau] = environ[variable]
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
        provision(api, environ.get("RABBITMQ_VHOST", "care"), services, subscriptions, bureaus,
                  passwords, environ["RABBITMQ_PASSWORD_TOPOLOGY"])
    except ProvisionError as exc:
        print("rabbitmq provisioning failed: {}".format(exc), file=sys.stderr)
        return 1
    print("rabbitmq provisioned: {} service users, topology user, {} bureau users".format(
        len(services), len(bureaus)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
