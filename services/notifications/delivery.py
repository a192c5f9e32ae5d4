"""Delivering notifications: leased, once per notification and channel, at the right hour.

A notification (one reminder for one recipient; its _id is the dedup key) is claimed under a
lease, so of N replicas exactly one works on it. For each channel the recipient wants
(preferences, else the defaults for the recipient type) it is sent, held (quiet hours: no
SMS or group-bot message at night, China time), retried with backoff, or given up; the
outcome of every channel, and its NotificationSent / NotificationFailed event, are written in
ONE guarded update of the notification (the outbox rides in it). An opted-out recipient gets
nothing. Contact details are asked for at send time and dropped when the batch is done.
"""
from collections import defaultdict

from carekit import lease
from carekit.logs import get_logger
from notifications import policy as policies
from notifications import storage as st
from notifications import templates
from notifications.channels import DeliveryError, Message
from notifications.clock import from_epoch

log = get_logger(__name__)
BATCH = 100
LEASE_SECONDS = 120   # renewed before each notification: longer than its channels' timeouts
FINAL = ("sent", "failed", "skipped")

AVAILABLE = {"staff": ("inbox", "sms", "email"), "volunteer": ("inbox", "sms", "email"),
             "county": ("inbox", "bot"), "parent": ("sms",)}
DEFAULT_CHANNELS = {"staff": ("inbox", "sms"), "volunteer": ("inbox", "sms"),
                    "county": ("inbox", "bot"), "parent": ("sms",)}


class ContactsUnavailable(Exception):
    """The registry could not be asked (down, slow): try again later."""


def chosen_channels(recipient_type, preference):
    wanted = (preference or {}).get("channels") or DEFAULT_CHANNELS[recipient_type]
    return [c for c in wanted if c in AVAILABLE[recipient_type]]


def opted_out(preference, rule):
    preference = preference or {}
    return bool(preference.get("opt_out")) or rule in (preference.get("muted_rules") or [])


class Dispatcher:
    """One delivery round: `run(now)` sends what has fallen due. `lookup(recipients, rule)`
    returns {recipient_key: {"phone", "email"}} from the registry or raises
    ContactsUnavailable."""

    def __init__(self, db, outbox, channels, lookup, retry_seconds):
        self.db, self.outbox, self.channels = db, outbox, channels
        self.lookup, self.retry_seconds = lookup, list(retry_seconds)
        self._policies = {}

    def policy(self, county_id):
        if county_id not in self._policies:
            doc = self.db[st.COUNTY_RULES].find_one({"_id": county_id}) if county_id else None
            self._policies[county_id] = (policies.merged((doc or {}).get("rules")),
                                         (doc or {}).get("templates") or {})
        return self._policies[county_id]

    def run(self, now, max_batches=20, batch=BATCH):
        stats = defaultdict(int)
        for _ in range(max_batches):
            owner, docs = lease.claim(
                self.db[st.NOTIFICATIONS],
                {"status": "pending", "next_attempt_at": {"$lte": now.timestamp()}},
                batch, LEASE_SECONDS)
            if not docs:
                break
            preferences = {d["_id"]: d for d in self.db[st.PREFERENCES].find(
                {"_id": {"$in": list({doc["recipient_key"] for doc in docs})}})}
            addresses = self._addresses(docs, preferences, now)
            for doc in docs:
                # a slow channel must not let the lease lapse while others wait their turn
                if not lease.renew(self.db[st.NOTIFICATIONS], owner, doc["_id"], LEASE_SECONDS):
                    stats["lease_lost"] += 1
                    continue
                for outcome in self.deliver(doc, owner, preferences.get(doc["recipient_key"]),
                                            addresses, now):
                    stats[outcome] += 1
        return dict(stats)

    # -- contact details, for the whole batch in one question -------------------------------------
    def _addresses(self, docs, preferences, now):
        wanted = set()
        for doc in docs:
            recipient = doc["recipient"]
            if opted_out(preferences.get(doc["recipient_key"]), doc["rule"]):
                continue
            for name in self._to_try(doc, preferences.get(doc["recipient_key"])):
                channel = self.channels.get(name)
                if channel and channel.address in ("phone", "email") and not (
                        channel.quiet and self._quiet(doc, now)):
                    wanted.add((recipient["type"], recipient["id"]))
        if not wanted:
            return {}
        try:
            return self.lookup(sorted(wanted), "notification")
        except ContactsUnavailable as exc:
            log.warning("contacts_unavailable", error=str(exc), recipients=len(wanted))
            return None

    def _to_try(self, doc, preference):
        done = doc.get("deliveries") or {}
        return [c for c in chosen_channels(doc["recipient"]["type"], preference)
                if (done.get(c) or {}).get("status") not in FINAL]

    def _quiet(self, doc, now):
        return policies.in_quiet_hours(now, self.policy(doc.get("county_id"))[0]["schedule"])

    # -- one notification -----------------------------------------------------------------------
    def deliver(self, doc, owner, preference, addresses, now):
        """Try every channel still open; write all outcomes and events at once."""
        rules, county_templates = self.policy(doc.get("county_id"))
        changes, events, waits, outcomes = {}, [], [], []
        if opted_out(preference, doc["rule"]):
            for name in self._to_try(doc, preference) or ["inbox"]:
                changes["deliveries." + name] = {"status": "skipped", "reason": "opted_out"}
                outcomes.append("skipped")
        else:
            message = self._message(doc, county_templates)
            for name in self._to_try(doc, preference):
                state = dict((doc.get("deliveries") or {}).get(name) or {"attempts": 0})
                state, event = self._one(name, state, doc, message, rules, addresses, now)
                changes["deliveries." + name] = state
                outcomes.append(state["status"])
                if event:
                    events.append(event)
                if state.get("retry_at"):
                    waits.append(state["retry_at"])
        changes.update(status="pending" if waits else "done",
                       next_attempt_at=min(waits) if waits else doc["next_attempt_at"],
                       lease_until=lease.FREE, lease_owner=None)
        result = self.outbox.update(st.NOTIFICATIONS,
                                    lease.still_mine(self.db[st.NOTIFICATIONS], owner, doc["_id"]),
                                    {"$set": changes}, events)
        if not result.matched_count:
            log.warning("notification_lease_lost", notification_id=doc["_id"])
        return outcomes

    def _message(self, doc, county_templates):
        params = dict(doc.get("params") or {}, level=doc.get("level", 0))
        try:
            title, body = templates.render(doc["rule"], params, county_templates.get(doc["rule"]))
        except Exception as exc:  # a county's template that fails on real data: use ours
            log.warning("county_template_failed", rule=doc["rule"], error=str(exc))
            title, body = templates.render(doc["rule"], params)
        return Message(doc["_id"], doc["rule"], doc["recipient_key"], title, body,
                       doc.get("child_id"), doc.get("created_at", 0.0))

    def _one(self, name, state, doc, message, rules, addresses, now):
        channel = self.channels.get(name)
        if channel is None or (channel.address == "webhook" and not rules.get("bot_webhook_url")):
            # no SMTP server here, or no group bot in this county: nothing to fail at
            return dict(state, status="skipped", reason="not_configured"), None
        if channel.quiet and policies.in_quiet_hours(now, rules["schedule"]):
            until = policies.quiet_hours_end(now, rules["schedule"]).timestamp()
            return dict(state, status="held", held_until=until, retry_at=until), None
        try:
            address = self._address(channel, doc, rules, addresses)
            channel.send(message, address)
        except DeliveryError as exc:
            return self._failed(name, state, doc, exc, now)
        sent = dict(state, status="sent", attempts=state["attempts"] + 1, sent_at=now.timestamp())
        sent.pop("retry_at", None)
        return sent, self._event("NotificationSent", name, doc, sent, sent_at=now,
                                 held_until=from_epoch(state["held_until"])
                                 if state.get("held_until") else None)

    def _address(self, channel, doc, rules, addresses):
        if channel.address is None:
            return None
        if channel.address == "webhook":
            return rules["bot_webhook_url"]
        if addresses is None:
            raise DeliveryError("unreachable", "registry did not answer")
        found = (addresses.get(doc["recipient_key"]) or {}).get(channel.address)
        if not found:
            raise DeliveryError("no_address", "no {} on file".format(channel.address),
                                transient=False)
        return found

    def _failed(self, name, state, doc, exc, now):
        attempts = state["attempts"] + 1
        state = dict(state, attempts=attempts, error=exc.code)
        if exc.transient and attempts <= len(self.retry_seconds):
            retry_at = now.timestamp() + self.retry_seconds[attempts - 1]
            return dict(state, status="retrying", retry_at=retry_at), None
        state.pop("retry_at", None)
        failed = dict(state, status="failed", failed_at=now.timestamp())
        log.warning("notification_failed", notification_id=doc["_id"], channel=name,
                    error_code=exc.code, attempts=attempts)
        return failed, self._event("NotificationFailed", name, doc, failed, failed_at=now,
                                   error_code=exc.code)

    def _event(self, name, channel, doc, state, **extra):
        data = {"notification_id": doc["_id"], "rule": doc["rule"],
                "level": doc.get("level", 0), "channel": channel,
                "recipient_type": doc["recipient"]["type"],
                "recipient_id": doc["recipient"]["id"], "child_id": doc.get("child_id"),
                "school_id": doc.get("school_id"), "county_id": doc.get("county_id"),
                "attempts": max(state["attempts"], 1)}
        data.update(extra)
        return self.outbox.event(name, data, subject=doc["_id"])
