"""Pairing test fixtures: the desk on the real MongoDB stand-in (no broker), and helpers to
read the events a change recorded."""
import json
import uuid

import pytest
from kombu import Connection, Queue

from carekit.events import topology
from carekit.events.bus import ConfirmingPublisher, Outgoing
from carekit.events.catalogue import load_contracts
from carekit.events.envelope import CONTENT_TYPE, encode, new_envelope
from carekit.events.outbox import EventRecorder
from carekit.events.records import EVENT_LOG, OUTBOX_FIELD, carried
from pairing import intake
from pairing.desk import PairingDesk
from pairing.planning import Planning
from pairing.queries import PairingQueries
from pairing.storage import CARRIERS, INDEXES, PairingStore
from tests.pairing import factory

load_contracts()
TODAY = "2026-11-01"


@pytest.fixture
def db(mongo_client):
    name = "tpair_{}".format(uuid.uuid4().hex[:10])
    mongo_client.test_databases.append(name)
    return mongo_client[name]


class World:
    """The pairing domain over one database, fed like the service feeds it."""

    def __init__(self, db):
        self.db = db
        for collection, models in INDEXES.items():  # as the service's container does
            db[collection].create_indexes(models)
        self.store = PairingStore(db)
        self.desk = PairingDesk(self.store, EventRecorder("pairing", db, "test"), lambda: TODAY)
        self.planning = Planning(self.store, self.desk)
        self.queries = PairingQueries(self.store, lambda: TODAY)

    def feed(self, name, data, version=1):
        intake.take(self.desk, name, factory.loaded(name, data, version))

    def school(self, school_id="s1", classes=("c1",), teachers=2, children=4, heads=True):
        """A school with classes, teachers (t-<school>-<n>, teaching every class) and
        children spread over the classes."""
        self.feed("SchoolRegistered", factory.school(school_id))
        tids = ["t-{}-{}".format(school_id, i) for i in range(teachers)]
        for i, tid in enumerate(tids):
            self.feed("StaffRegistered", factory.staff(tid, school_id=school_id,
                                                       class_ids=classes))
        for i, cid in enumerate(classes):
            head = tids[i] if heads and i < len(tids) else None
            self.feed("ClassCreated", factory.klass(cid, school_id, head_teacher_id=head))
        kids = ["k-{}-{}".format(school_id, i) for i in range(children)]
        for i, kid in enumerate(kids):
            self.feed("ChildRegistered", factory.registered(
                kid, school_id=school_id, class_id=classes[i % len(classes)]))
        return tids, kids

    def policy(self, **values):
        """Set county-1's policy (the factory's schools are in county-1)."""
        return self.desk.set_policy(dict(values, county_id=factory.COUNTY), self.queries)

    def recommend(self, class_id, child_ids, by="head-teacher"):
        return self.desk.recommend_priority({"class_id": class_id, "child_ids": list(child_ids),
                                             "by": by})

    def items(self, answer):
        return answer["items"]

    def active(self, **where):
        """Active pairings as stored, [(kind, child_id, partner_id)] sorted."""
        return sorted((p.kind, p.child_id, p.partner_id)
                      for p in self.store.pairings.active(**where))

    def events(self, name=None):
        """Every event recorded so far (carried in documents or moved to the log), oldest
        first; [(name, data)]."""
        found = []
        for carrier in CARRIERS:
            for doc in self.db[carrier].find({}, {OUTBOX_FIELD: 1}):
                found.extend(carried(doc))
        found += [d["envelope"] for d in self.db[EVENT_LOG].find({})]
        pairs = [(e["type"].split(".")[-2], e["data"]) for e in found]
        return [p for p in pairs if name is None or p[0] == name]


@pytest.fixture
def world(db):
    return World(db)


# -- the service on the real broker ---------------------------------------------------------------
WATCH = "test-watch-pairing-events"


@pytest.fixture
def service_config(make_config):
    return make_config("pairing", SUBSCRIBER_MODULES="pairing.service")


@pytest.fixture
def service_db(service_config, mongo_client):
    return mongo_client[service_config["MONGO_DATABASE"]]


def registry_envelope(name, data):
    return new_envelope("registry", name, data, subject=next(iter(data.values())))


@pytest.fixture
def registry(service_config):
    """Publishes registry events as the registry's relay does (confirmed, routed by name):
    registry(name, data) one, registry.many([envelope...]) a burst in one confirmed batch."""
    publisher = ConfirmingPublisher(service_config["AMQP_URI"])

    def publish(name, data, envelope=None):
        return publish.many([envelope or registry_envelope(name, data)])[0]

    def many(envelopes):
        outcome = publisher.publish([Outgoing(e["id"], "registry.events",
                                              e["type"].split(".")[-2], encode(e), CONTENT_TYPE)
                                     for e in envelopes])
        assert sorted(outcome.confirmed) == sorted(e["id"] for e in envelopes)
        return envelopes
    publish.many = many
    yield publish
    publisher.close()


@pytest.fixture
def watch(service_config):
    """A queue bound to every pairing event, as a subscribing service would have."""
    with Connection(service_config["AMQP_URI"]) as conn:
        Queue(WATCH, exchange=topology.event_exchange("pairing"), routing_key="#",
              durable=False).bind(conn.default_channel).declare()
    received = []

    def events():
        with Connection(service_config["AMQP_URI"]) as conn:
            while True:
                message = conn.default_channel.basic_get(WATCH, no_ack=True)
                if message is None:
                    return received
                envelope = json.loads(message.body)
                received.append((envelope["type"].split(".")[-2], envelope["data"]))
    return events
