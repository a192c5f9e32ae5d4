"""The county's commands for other bureaus: onboard, offboard, list, replay.

They run with an administrator's RabbitMQ account (management API for queues, bindings and
users; AMQP for RPC and for publishing replays) and talk to the services only through their
RPCs: each publisher keeps its own list of subscribers (carekit.bureaus.directory), the
notifications service keeps the webhook endpoints (notifications.bureaus).

Onboarding, in this order, so that nothing published from the moment it returns is missed:
1. the bureau's durable queue (`public.<bureau>`, or `webhook.<bureau>` for a bureau served by
   webhooks), bound to care.public with `<bureau>.<Event>` for exactly its events;
2. every publishing service records the subscription and answers once all its relays have
   read it (from then on every event they relay is copied to the bureau);
3. the bureau's read-only RabbitMQ account with a fresh password, or its webhook secret:
   printed once, kept nowhere in clear.
Running it again is safe: it changes the subscription to what it says and renews the
credentials. Offboarding stops the copies (and the POSTs), then removes the queue and the
account.
"""
import heapq
import secrets
import time

from carekit.bureaus import directory
from carekit.bureaus.broker import (BUREAU_NAME, PUBLIC_EXCHANGE, bureau_permissions,
                                    bureau_queue, bureau_user, routing_key, webhook_queue)
from carekit.bureaus.broker import quoted as _q
from carekit.bureaus.stream import outgoing
from carekit.config import PUBLIC_STREAM_PUBLISHERS
from carekit.events import topology
from carekit.events.bus import ConfirmingPublisher, PublishFailed
from carekit.events.catalogue import load_contracts

WEBHOOK_SERVICE = "notifications"  # delivers to bureaus served by webhooks
REPLAY_BATCH = 200


class OnboardingError(Exception):
    pass


class County:
    """What the commands act on. `rpc`: a started nameko ClusterRpcProxy (administrator)."""

    def __init__(self, api, vhost, amqp_uri, rpc, publishers=PUBLIC_STREAM_PUBLISHERS,
                 webhook_service=WEBHOOK_SERVICE, bureau_prefix="bureau-", clock=time.time):
        self.api = api
        self.vhost = vhost
        self.amqp_uri = amqp_uri
        self.rpc = rpc
        self.publishers = tuple(publishers)
        self.webhook_service = webhook_service
        self.bureau_prefix = bureau_prefix
        self.clock = clock

    def user(self, bureau):
        return bureau_user(bureau, self.bureau_prefix)

    def each_publisher(self, method, payload=None):
        """Call `method` on every publisher at once; {service: answer}, or OnboardingError
        naming the ones that failed."""
        calls = {}
        for service in self.publishers:
            endpoint = getattr(self.rpc[service], method)
            calls[service] = (endpoint.call_async(payload) if payload is not None
                              else endpoint.call_async())
        answers, failed = {}, {}
        for service, call in calls.items():
            try:
                answers[service] = call.result()
            except Exception as exc:  # down, refused, timed out: say which, rerun is safe
                failed[service] = "{}: {}".format(type(exc).__name__, str(exc)[:300])
        if failed:
            raise OnboardingError("{} failed on {}; nothing is lost: run the command again "
                                  "once they answer".format(method, failed))
        return answers


def available_events(education):
    """Public event names a bureau may subscribe to (education-side ones only if it is)."""
    names = {}
    for entry in load_contracts().public_entries():
        names.setdefault(entry["name"], []).append(entry["public"].education_only)
    return sorted(n for n, only in names.items() if education or not all(only))


def resolve_events(requested, education):
    available = available_events(education)
    requested = [e.strip() for e in requested if e.strip()]
    if requested == ["all"]:
        return available
    unknown = sorted(set(requested) - set(available))
    if unknown or not requested:
        raise OnboardingError("cannot subscribe to {} (public events{}: {})".format(
            unknown or "nothing", "" if education else " for a non-education bureau",
            ", ".join(available)))
    return sorted(set(requested))


def _check_name(bureau):
    if not BUREAU_NAME.fullmatch(bureau or ""):
        raise OnboardingError("a bureau's name is 2-31 lower-case letters, digits or _, "
                              "starting with a letter (e.g. minzheng): {!r}".format(bureau))


def sync_bindings(api, vhost, queue, keys):
    """Bind `queue` to care.public with exactly `keys`."""
    existing = api.bindings_from(vhost, PUBLIC_EXCHANGE, queue)
    for key in sorted(set(keys) - set(existing)):
        api.bind(vhost, PUBLIC_EXCHANGE, queue, key)
    for key, properties in existing.items():
        if key not in keys:
            api.unbind(vhost, PUBLIC_EXCHANGE, queue, properties)


def prepare_queue(api, vhost, bureau, names, webhook_service=None):
    """The bureau's durable queue bound to care.public for exactly `names` (and, for a
    webhook bureau, to the webhook service's requeue exchange). Returns the queue's name."""
    queue = webhook_queue(bureau) if webhook_service else bureau_queue(bureau)
    api.declare_public_exchange(vhost)
    api.declare_queue(vhost, queue)
    sync_bindings(api, vhost, queue, [routing_key(bureau, name) for name in names])
    if webhook_service:
        # failed deliveries come back to the queue through the webhook service's retries
        requeue = topology.requeue_exchange(webhook_service).name
        api.call("PUT", "/exchanges/{}/{}".format(_q(vhost), _q(requeue)),
                 {"type": "direct", "durable": True, "auto_delete": False, "internal": False,
                  "arguments": {}})
        api.bind(vhost, requeue, queue, queue)
    return queue


def create_account(api, vhost, user, bureau):
    """The bureau's read-only account with a fresh password (returned: print it once)."""
    password = secrets.token_urlsafe(24)
    api.put_user(vhost, user, password, bureau_permissions(bureau))
    return password


def onboard(county, bureau, events, education=False, webhook=None):
    """Steps 1-3 above; returns what to tell the bureau (once)."""
    _check_name(bureau)
    names = resolve_events(events, education)
    generation = int(county.clock() * 1000)
    api, vhost = county.api, county.vhost
    queue = prepare_queue(api, vhost, bureau, names,
                          county.webhook_service if webhook else None)
    county.each_publisher("subscribe_bureau", {
        "bureau": bureau, "events": names, "education": bool(education),
        "delivery": "webhook" if webhook else "amqp", "generation": generation})
    told = {"bureau": bureau, "events": names, "education": bool(education),
            "generation": generation, "queue": queue}
    if webhook:
        answer = county.rpc[county.webhook_service].register_bureau_webhook(
            {"bureau": bureau, "url": webhook, "generation": generation})
        told.update(delivery="webhook", url=webhook, secret=answer["secret"])
        api.delete("/queues/{}/{}".format(_q(vhost), _q(bureau_queue(bureau))))
        api.delete("/users/" + _q(county.user(bureau)))
    else:
        told.update(delivery="amqp", user=county.user(bureau), vhost=vhost,
                    password=create_account(api, vhost, county.user(bureau), bureau))
        if api.delete("/queues/{}/{}".format(_q(vhost), _q(webhook_queue(bureau)))):
            county.rpc[county.webhook_service].remove_bureau_webhook({"bureau": bureau})
    return told


def offboard(county, bureau):
    """Stop the copies and the webhook's POSTs, then remove the queue and the account."""
    _check_name(bureau)
    county.each_publisher("unsubscribe_bureau", {"bureau": bureau,
                                                 "generation": int(county.clock() * 1000)})
    api, vhost = county.api, county.vhost
    if api.queue(vhost, webhook_queue(bureau)) is not None:  # stop POSTing, then delete
        county.rpc[county.webhook_service].remove_bureau_webhook({"bureau": bureau})
    for queue in (bureau_queue(bureau), webhook_queue(bureau)):
        api.delete("/queues/{}/{}".format(_q(vhost), _q(queue)))
    api.delete("/users/" + _q(county.user(bureau)))
    return {"bureau": bureau, "removed": True}


def listing(county, with_webhooks=True):
    """One row per bureau: delivery, queue, messages waiting, consumers, subscribed events
    (as the broker routes them), education-side or not, whether every publisher agrees."""
    api, vhost = county.api, county.vhost
    queues = {q["name"]: q for q in api.queues(vhost)
              if q["name"].startswith(("public.", "webhook."))}
    subscriptions = directory.merged(county.each_publisher("bureau_subscriptions"),
                                     county.publishers)
    webhooks = {}
    if with_webhooks and any(name.startswith("webhook.") for name in queues):
        webhooks = {w["bureau"]: w
                    for w in county.rpc[county.webhook_service].bureau_webhooks()}
    bureaus = {name.split(".", 1)[1] for name in queues} | {
        b for b, entry in subscriptions.items() if entry["active"]}
    rows = []
    for bureau in sorted(bureaus):
        queue = queues.get(bureau_queue(bureau)) or queues.get(webhook_queue(bureau))
        subscription = subscriptions.get(bureau, {})
        keys = api.bindings_from(vhost, PUBLIC_EXCHANGE, queue["name"]) if queue else {}
        rows.append({
            "bureau": bureau, "queue": queue["name"] if queue else None,
            "delivery": "webhook" if queue and queue["name"].startswith("webhook.")
            else "amqp",
            "messages": int((queue or {}).get("messages") or 0),
            "consumers": int((queue or {}).get("consumers") or 0),
            "events": sorted(k.split(".", 1)[1] for k in keys),
            "education": bool(subscription.get("education")),
            "publishers_agree": bool(subscription.get("publishers_agree")),
            "account": api.user_exists(county.user(bureau)),
            "webhook": webhooks.get(bureau),
        })
    return rows


def _pages(county, service, bureau, since):
    after = None
    while True:
        page = county.rpc[service].public_events({"bureau": bureau, "since": since,
                                                  "after": after})
        for event in page["events"]:
            yield event
        if not page["more"]:
            return
        after = page["after"]


def replay(county, bureau, since=None):
    """Every public event of the bureau's subscription from China date `since` (ISO text, or
    None: the whole log) that it did not get live, into its queue, marked as replays, in
    recorded order (merged across publishers). Returns how many."""
    _check_name(bureau)
    queues = [q for q in (bureau_queue(bureau), webhook_queue(bureau))
              if county.api.queue(county.vhost, q) is not None]
    if not queues:
        raise OnboardingError("{} is not onboarded (no queue)".format(bureau))
    merged = heapq.merge(*[_pages(county, s, bureau, since) for s in county.publishers],
                         key=lambda e: (e["order"], e["body"]["id"]))
    publisher = ConfirmingPublisher(county.amqp_uri)
    count, batch = 0, []
    try:
        for event in merged:
            batch.append(outgoing(event["routing_key"], event["body"], replay=True))
            if len(batch) >= REPLAY_BATCH:
                count += _publish(publisher, batch)
                batch = []
        if batch:
            count += _publish(publisher, batch)
    finally:
        publisher.close()
    return count


def _publish(publisher, batch):
    outcome = publisher.publish(batch)
    if outcome.nacked or outcome.returned:
        raise PublishFailed("replay not taken by the broker (queue gone?): {}".format(
            sorted(set(outcome.nacked) | set(outcome.returned))[:5]))
    return len(batch)
