"""RabbitMQ's management HTTP API, and the public stream's names and permissions on the broker.

Shared by the deployment step (infra/rabbitmq/provision.py) and the bureau commands
(carekit.bureaus.onboarding): one client, one place for the names.

The public stream: publishers send each bureau its own copy of a public event to the topic
exchange `care.public` with routing key `<bureau>.<Event>`. A bureau's queue is bound with
exactly the keys of the events it subscribes to, so the broker routes to it only its own
copies of those events. A bureau that speaks AMQP reads `public.<bureau>` as the user
`bureau-<bureau>`, which may read that queue and nothing else: it can neither declare, bind
nor publish anything. A bureau served by webhooks has `webhook.<bureau>` instead, read by
the notifications service only (notifications.bureaus).
"""
import base64
import json
import re
import time
import urllib.error
import urllib.parse
import urllib.request

PUBLIC_EXCHANGE = "care.public"
BUREAU_USER_PREFIX = "bureau-"
BUREAU_NAME = re.compile(r"[a-z][a-z0-9_]{1,30}")
WEBHOOK_QUEUE_PATTERN = r"webhook\.[a-z][a-z0-9_]{1,30}"


class ManagementError(Exception):
    """The management API refused a call or could not be reached; `status` is the HTTP
    status (None when there was no answer)."""

    def __init__(self, message, status=None):
        super().__init__(message)
        self.status = status


def one_of(patterns):
    """A regex matching exactly one of `patterns` (each itself a regex); none: nothing."""
    patterns = sorted(set(patterns))
    return "^(" + "|".join(patterns) + ")$" if patterns else "^$"


def quoted(name):
    return urllib.parse.quote(name, safe="")


def bureau_queue(bureau):
    return "public.{}".format(bureau)


def webhook_queue(bureau):
    return "webhook.{}".format(bureau)


def bureau_user(bureau, prefix=BUREAU_USER_PREFIX):
    return prefix + bureau


def routing_key(bureau, event_name):
    return "{}.{}".format(bureau, event_name)


def bureau_permissions(bureau):
    """Read its own queue; nothing else (binding needs write on the queue: refused too)."""
    return {"configure": "^$", "write": "^$", "read": one_of([re.escape(bureau_queue(bureau))])}


def publisher_topic_permission(event_names):
    """A publisher may send to `care.public` only its own public events, to any bureau."""
    return {"exchange": PUBLIC_EXCHANGE, "read": "^$",
            "write": "^[a-z][a-z0-9_]*\\." + one_of([re.escape(n) for n in event_names])[1:]}


class Api:
    """The management HTTP API with one account (an administrator's)."""

    def __init__(self, base_url, user, password, timeout=15):
        self.base = base_url.rstrip("/")
        self.timeout = timeout
        self.auth = "Basic " + base64.b64encode(
            "{}:{}".format(user, password).encode()).decode()

    # The management plugin answers 500/503 now and then on a busy broker (a queue process
    # that does not answer its statistics call in time); a read is safe to ask again.
    READ_ATTEMPTS = 5

    def call(self, method, path, body=None):
        attempts = self.READ_ATTEMPTS if method == "GET" else 1
        for attempt in range(1, attempts + 1):
            try:
                return self._call_once(method, path, body)
            except ManagementError as exc:
                if attempt == attempts or exc.status not in (500, 503):
                    raise
                time.sleep(0.5 * attempt)

    def _call_once(self, method, path, body=None):
        request = urllib.request.Request(
            self.base + path, method=method,
            data=None if body is None else json.dumps(body).encode("utf-8"))
        request.add_header("Authorization", self.auth)
        request.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                text = response.read()
        except urllib.error.HTTPError as exc:
            raise ManagementError("{} {} -> HTTP {}: {}".format(
                method, path, exc.code, exc.read().decode("utf-8", "replace")[:300]),
                status=exc.code)
        except (urllib.error.URLError, OSError) as exc:
            raise ManagementError("{} {}: {}".format(method, path, exc))
        return json.loads(text) if text else None

    def delete(self, path):
        """DELETE, taking an absent thing as deleted. True if it was there."""
        try:
            self.call("DELETE", path)
            return True
        except ManagementError as exc:
            if exc.status == 404:
                return False
            raise

    def get(self, path, default=None):
        """GET, or `default` when the thing is absent (404)."""
        try:
            return self.call("GET", path)
        except ManagementError as exc:
            if exc.status == 404:
                return default
            raise

    def wait_until_ready(self, seconds=90):
        deadline = time.monotonic() + seconds
        while True:
            try:
                return self.call("GET", "/overview")
            except ManagementError as exc:
                if time.monotonic() > deadline:
                    raise ManagementError("management API {} not ready: {}".format(
                        self.base, exc))
                time.sleep(2)

    # -- what the public stream needs ---------------------------------------------------------
    def declare_public_exchange(self, vhost):
        self.call("PUT", "/exchanges/{}/{}".format(quoted(vhost), quoted(PUBLIC_EXCHANGE)),
                  {"type": "topic", "durable": True, "auto_delete": False, "internal": False,
                   "arguments": {}})

    def declare_queue(self, vhost, queue):
        self.call("PUT", "/queues/{}/{}".format(quoted(vhost), quoted(queue)),
                  {"durable": True, "auto_delete": False, "arguments": {}})

    def queue(self, vhost, queue):
        return self.get("/queues/{}/{}".format(quoted(vhost), quoted(queue)))

    def queues(self, vhost):
        return self.call("GET", "/queues/{}".format(quoted(vhost))) or []

    def bindings_from(self, vhost, exchange, queue):
        """Routing keys binding `queue` to `exchange`: {key: properties_key}."""
        found = self.get("/bindings/{}/e/{}/q/{}".format(quoted(vhost), quoted(exchange),
                                                         quoted(queue)), default=[])
        return {b["routing_key"]: b["properties_key"] for b in found}

    def bind(self, vhost, exchange, queue, key):
        self.call("POST", "/bindings/{}/e/{}/q/{}".format(quoted(vhost), quoted(exchange),
                                                          quoted(queue)),
                  {"routing_key": key, "arguments": {}})

    def unbind(self, vhost, exchange, queue, properties_key):
        return self.delete("/bindings/{}/e/{}/q/{}/{}".format(
            quoted(vhost), quoted(exchange), quoted(queue), quoted(properties_key)))

    def put_user(self, vhost, user, password, permissions, topics=()):
        self.call("PUT", "/users/" + quoted(user), {"password": password, "tags": ""})
        self.call("PUT", "/permissions/{}/{}".format(quoted(vhost), quoted(user)), permissions)
        for topic in topics:
            self.call("PUT", "/topic-permissions/{}/{}".format(quoted(vhost), quoted(user)),
                      topic)

    def user_exists(self, user):
        return self.get("/users/" + quoted(user)) is not None
