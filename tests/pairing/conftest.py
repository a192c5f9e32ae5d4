"""Pairing test fixtures: the desk on the real MongoDB stand-in (no broker), and helpers to
read the events a change recorded."""
import uuid

import pytest

from carekit.events.catalogue import load_contracts
from carekit.events.outbox import EventRecorder
from carekit.events.records import EVENT_LOG, OUTBOX_FIELD, carried
from pairing import intake
from pairing.desk import PairingDesk
from pairing.planning import Planning
from pairing.queries import PairingQueries
from pairing.storage import CARRIERS, PairingStore
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
        self.store = PairingStore(db)
        self.desk = PairingDesk(self.store, EventRecorder("pairing", db, "test"), lambda: TODAY)
        self.planning = Planning(self.store, self.desk)
        self.queries = PairingQueries(self.store, lambda: TODAY)

    def feed(self, name, data):
        intake.take(self.desk, name, factory.loaded(name, data))

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
