"""Several relays and writers on the same documents: no event is lost, stranded or logged
twice (issue: 35 of 2,442 events lost with three pairing replicas on one school)."""
import eventlet
import pytest
from kombu import Connection

from carekit.events.bus import ConfirmingPublisher
from carekit.events.outbox import EventRecorder
from carekit.events.records import EVENT_LOG, PENDING_FLAG, carried
from carekit.events.relay import Relay
from carekit.testing.plugin import wait_for, wait_queues_empty
from tests.kit.sample_services import Counter, Sampler

QUEUE = "evt-sampler-ThingRecorded--counter.on_thing_recorded"


class PausingDatabase:
    """A relay's view of the database whose first read of `carrier` returns, then waits
    until the test lets it go on: the relay is stopped right after it read the documents."""

    def __init__(self, database, carrier):
        self.database, self.carrier = database, carrier
        self.read_done, self.go_on = eventlet.event.Event(), eventlet.event.Event()

    def __getitem__(self, name):
        collection = self.database[name]
        if name != self.carrier or self.read_done.ready():
            return collection
        outer = self

        class Paused:
            def __getattr__(self, attr):
                return getattr(collection, attr)

            def find(self, *args, **kwargs):
                docs = list(collection.find(*args, **kwargs))
                outer.read_done.send(True)
                outer.go_on.wait()
                return _Listing(docs)
        return Paused()


class _Listing(list):
    """What find() returns, for a relay that chains cursor calls."""

    def limit(self, n):
        return self

    def batch_size(self, n):
        return self


@pytest.fixture
def declared(amqp_uri):
    """The subscriber's queue exists (a Counter would declare it); nothing consumes."""
    with Connection(amqp_uri) as conn:
        channel = conn.channel()
        for entity in Counter_subscription_entities():
            entity.bind(channel).declare()
    return amqp_uri


def Counter_subscription_entities():
    from carekit.events import topology
    [subscription] = topology.subscriptions_of(Counter)
    return topology.entities_for_publisher("sampler", [subscription])


def test_a_relay_that_read_before_another_cleared_does_not_erase_a_new_event(
        declared, make_config, mongo_client):
    """Relays A and B both read a document carrying [e1]; B logs e1 and clears; a command
    adds e2; A, going on, must neither log e1 twice nor erase e2."""
    db = mongo_client[make_config("registry")["MONGO_DATABASE"]]
    recorder = EventRecorder("sampler", db, correlation_id="race")
    e1 = recorder.event("ThingRecorded", {"thing_id": "busy", "label": "1"})
    recorder.insert("things", {"_id": "busy", "label": "1"}, [e1])
    publishers = [ConfirmingPublisher(declared) for _ in range(2)]
    paused = PausingDatabase(db, "things")
    relay_a = Relay("sampler", paused, publishers[0], ["things"])
    relay_b = Relay("sampler", db, publishers[1], ["things"])
    try:
        a = eventlet.spawn(relay_a.relay_carrier, "things")
        paused.read_done.wait()                       # A has read [e1]
        assert relay_b.relay_carrier("things") == 1   # B logs e1 and clears it
        e2 = recorder.event("ThingRecorded", {"thing_id": "busy", "label": "2"})
        recorder.update("things", {"_id": "busy"}, {"$set": {"label": "2"}}, [e2])
        paused.go_on.send(True)                       # A goes on with what it read
        a.wait()
        doc = db.things.find_one({"_id": "busy"})
        assert [e["id"] for e in carried(doc)] == [e2["id"]], "e2 was erased"
        assert doc.get(PENDING_FLAG)
        relay_b.relay_carrier("things")
        logged = sorted(d["_id"] for d in db[EVENT_LOG].find())
        assert logged == sorted([e1["id"], e2["id"]])
        assert not carried(db.things.find_one({"_id": "busy"}))
    finally:
        for publisher in publishers:
            publisher.close()


def test_three_relays_and_concurrent_writers_on_a_few_documents_lose_nothing(
        run_service, rpc, make_config, mongo_client, amqp_uri):
    """Three publisher replicas (each with its relay) take relabel commands for five busy
    documents from twenty concurrent clients; three subscriber replicas compete for the
    events. Every event written is logged exactly once and reaches the subscriber, whose
    handler runs once per event across the replicas."""
    sampler = make_config("registry", SUBSCRIBER_MODULES="tests.kit.sample_services",
                          OUTBOX_BATCH_SIZE=7)  # small batches: more rounds, more overlap
    counter = make_config("pairing")
    for _ in range(3):  # three competing subscriber replicas, three relays
        run_service(Counter, counter)
        run_service(Sampler, sampler)
    things = ["busy{}".format(i) for i in range(5)]
    written = []
    with rpc(sampler) as proxy:
        for thing in things:
            written.append(proxy.sampler.record_thing(thing, "0"))

    def client(n):
        with rpc(sampler) as proxy:  # a client of its own: one socket per greenthread
            return [proxy.sampler.relabel_thing(things[(n + i) % len(things)],
                                                "{}-{}".format(n, i)) for i in range(25)]
    for ids in eventlet.GreenPool(20).imap(client, range(20)):
        written.extend(ids)
    assert len(written) == 5 + 20 * 25 and None not in written
    sampler_db = mongo_client[sampler["MONGO_DATABASE"]]
    counter_db = mongo_client[counter["MONGO_DATABASE"]]
    wait_for(lambda: sampler_db[EVENT_LOG].count_documents({}) >= len(written), timeout=60,
             message="every event logged")
    wait_for(lambda: counter_db.processed_events.count_documents({"status": "done"})
             >= len(written), timeout=60, message="every event handled")
    wait_queues_empty(amqp_uri, [QUEUE])
    logged = [d["_id"] for d in sampler_db[EVENT_LOG].find({}, {"_id": 1})]
    assert sorted(logged) == sorted(written)                       # once each, none extra
    assert sampler_db[EVENT_LOG].count_documents({"status": {"$ne": "sent"}}) == 0
    assert sampler_db.things.count_documents({PENDING_FLAG: True}) == 0
    invocations = {d["_id"]: d["n"] for d in counter_db.attempts.find()}
    assert sorted(invocations) == sorted(written)                 # every event delivered
    assert set(invocations.values()) == {1}                        # each handler run once
