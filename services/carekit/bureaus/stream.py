"""The public copies a publisher's relay sends, and the pages a replay reads.

The relay (carekit.events.relay) publishes, in the same confirmed batch as the domain events
of the documents it read, one de-identified copy of each public event for each bureau that
subscribes to it, to `care.public` with routing key `<bureau>.<Event>`; then it logs the
events, noting in each event_log entry which bureaus' copies the broker took
(`public.<bureau>` = the subscription's generation); then it clears the documents. A crash
before the log publishes domain events and copies again: a bureau may get a copy twice,
always with the same id (at-least-once; deduplicate on `id`).

A copy the broker returns (the bureau's queue is gone: offboarded) or refuses is not noted:
a replay for that bureau sends it (nothing for it is lost while it is subscribed).

A replay for a bureau reads the event log in recorded order and sends the public events of
the bureau's subscription not noted as delivered to its current generation, marked as
replays (`replay: true` in the event, header x-care-replay).
"""
from collections import namedtuple
from datetime import datetime, time, timezone

from pymongo import ASCENDING

from carekit import metrics
from carekit.bureaus.broker import PUBLIC_EXCHANGE, routing_key
from carekit.bureaus.directory import Directory
from carekit.clock import CHINA_TZ
from carekit.events.bus import Outgoing
from carekit.events.catalogue import catalogue
from carekit.events.envelope import CONTENT_TYPE, encode, split_type
from carekit.events.public import deidentify
from carekit.events.records import EVENT_LOG

REPLAY_HEADER = "x-care-replay"
MARKS = "public"

PublicCopy = namedtuple("PublicCopy", "event_id bureau generation outgoing")


def public_copy(envelope, subscriber, keyring, replay=False):
    """(routing key, public envelope) of `envelope` for `subscriber`, or None when the
    subscriber does not get this event."""
    name, version = split_type(envelope["type"])
    public = catalogue.public(name, version)
    if public is None or not subscriber.wants(name, public):
        return None
    source = envelope["source"].rsplit("/", 1)[-1]
    body = deidentify(envelope, public, name, version, source, subscriber.bureau,
                      subscriber.education, keyring, replay=replay)
    return routing_key(subscriber.bureau, name), body


def outgoing(key, body, replay=False):
    return Outgoing(message_id=body["id"], exchange=PUBLIC_EXCHANGE, routing_key=key,
                    body=encode(body), content_type=CONTENT_TYPE,
                    headers={REPLAY_HEADER: True} if replay else {})


class PublicStream:
    """What a service's relay needs to send public copies."""

    def __init__(self, service, database, keyring, directory_seconds):
        self.service = service
        self.keyring = keyring
        self.directory = Directory(database, directory_seconds)

    def copies(self, envelopes):
        """The copies of `envelopes` for the bureaus subscribed now. Call it after reading
        the documents that carry them (carekit.bureaus.directory says why)."""
        subscribers = self.directory.current() if envelopes else ()
        copies = []
        for subscriber in subscribers:
            for envelope in envelopes:
                made = public_copy(envelope, subscriber, self.keyring)
                if made is not None:
                    copies.append(PublicCopy(envelope["id"], subscriber.bureau,
                                             subscriber.generation, outgoing(*made)))
        return copies

    def marks(self, copies, outcome):
        """{event id: {bureau: generation}} of the copies the broker took."""
        marks, lost = {}, 0
        for copy in copies:
            message_id = copy.outgoing.message_id
            if message_id in outcome.nacked or message_id in outcome.returned:
                lost += 1
                continue
            marks.setdefault(copy.event_id, {})[copy.bureau] = copy.generation
        if copies:
            metrics.PUBLIC_COPIES.labels(self.service, "sent").inc(len(copies) - lost)
        if lost:
            metrics.PUBLIC_COPIES.labels(self.service, "not_taken").inc(lost)
        return marks


def since_order(day):
    """The event log's order key of the first moment of China date `day`."""
    start = datetime.combine(day, time(0), tzinfo=CHINA_TZ).astimezone(timezone.utc)
    return "{:020d}".format(int(start.timestamp() * 1e9))


def replay_page(database, keyring, service, subscriber, since=None, after=None, limit=500):
    """Up to `limit` event log entries from China date `since` (after order `after`) that
    `subscriber` should get and did not get live: {"events": [{order, routing_key, body}],
    "after": last order read, "more": whether to ask again}."""
    names = sorted({e["name"] for e in catalogue.public_entries(service)}
                   & set(subscriber.events))
    if not names:
        return {"events": [], "after": after, "more": False}
    query = {"name": {"$in": names},
             "{}.{}".format(MARKS, subscriber.bureau): {"$ne": subscriber.generation}}
    order = {}
    if since is not None:
        order["$gte"] = since_order(since)
    if after is not None:
        order["$gt"] = after
    if order:
        query["order"] = order
    docs = list(database[EVENT_LOG].find(query, {"envelope": 1, "order": 1})
                .sort([("order", ASCENDING), ("_id", ASCENDING)]).limit(limit))
    events = []
    for doc in docs:
        made = public_copy(doc["envelope"], subscriber, keyring, replay=True)
        if made is not None:
            events.append({"order": doc["order"], "routing_key": made[0], "body": made[1]})
    return {"events": events, "after": docs[-1]["order"] if docs else after,
            "more": len(docs) == limit}
