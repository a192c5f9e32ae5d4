"""Events travel command -> outbox -> relay -> broker -> idempotent handler, on real parts."""
import pytest
from nameko.exceptions import RemoteError

from carekit.events.bus import ConfirmingPublisher, Outgoing
from carekit.events.dlq import DeadLetters
from carekit.events.envelope import CONTENT_TYPE, encode, new_envelope
from carekit.events.records import EVENT_LOG, carried
from carekit.events.relay import replay
from carekit.testing.plugin import wait_for, wait_handled, wait_queues_empty
from tests.kit.sample_services import Counter, Sampler

SUBSCRIBERS = "tests.kit.sample_services"
QUEUE = "evt-sampler-ThingRecorded--counter.on_thing_recorded"


@pytest.fixture
def sampler_config(make_config):
    return make_config("registry", SUBSCRIBER_MODULES=SUBSCRIBERS)


@pytest.fixture
def counter_config(make_config):
    return make_config("pairing")


def db_of(mongo_client, config):
    return mongo_client[config["MONGO_DATABASE"]]


def count_of(mongo_client, config, thing_id):
    doc = db_of(mongo_client, config).counts.find_one({"_id": thing_id})
    return doc["n"] if doc else 0


def test_command_event_reaches_handler_once_with_correlation(
        run_service, rpc, sampler_config, counter_config, mongo_client):
    run_service(Sampler, sampler_config)
    run_service(Counter, counter_config)
    with rpc(sampler_config, context_data={"correlation_id": "req-42"}) as proxy:
        event_id = proxy.sampler.record_thing("t1", "书包")
    wait_for(lambda: count_of(mongo_client, counter_config, "t1") == 1, message="count")
    counted = db_of(mongo_client, counter_config).counts.find_one({"_id": "t1"})
    assert counted["correlation_id"] == "req-42"
    logged = wait_for(lambda: db_of(mongo_client, sampler_config)[EVENT_LOG].find_one(
        {"_id": event_id, "status": "sent"}), message="event marked sent")
    assert logged["envelope"]["correlationid"] == "req-42"
    assert logged["routed"]  # (the stand-in returns booleans as 1)
    thing = db_of(mongo_client, sampler_config).things.find_one({"_id": "t1"})
    assert not thing["_outbox"] and "_outbox_pending" not in thing


def test_invalid_event_raises_and_changes_nothing(run_service, rpc, sampler_config,
                                                   mongo_client):
    run_service(Sampler, sampler_config)
    with rpc(sampler_config) as proxy:
        with pytest.raises(RemoteError) as info:
            proxy.sampler.record_broken_thing("t9")
    assert "invalid_data" in str(info.value)
    db = db_of(mongo_client, sampler_config)
    assert db.things.find_one({"_id": "t9"}) is None
    assert db[EVENT_LOG].count_documents({}) == 0


def test_redelivered_event_is_counted_once(run_service, sampler_config, counter_config,
                                           mongo_client):
    run_service(Counter, counter_config)
    envelope = new_envelope("sampler", "ThingRecorded", {"thing_id": "t2", "label": "x"})
    other = new_envelope("sampler", "ThingRecorded", {"thing_id": "t2", "label": "y"})
    publisher = ConfirmingPublisher(sampler_config["AMQP_URI"])
    try:
        for env in (envelope, envelope, envelope, other):
            outcome = publisher.publish([Outgoing(env["id"], "sampler.events", "ThingRecorded",
                                                  encode(env), CONTENT_TYPE)])
            assert outcome.confirmed == [env["id"]]
    finally:
        publisher.close()
    db = db_of(mongo_client, counter_config)
    wait_for(lambda: db.processed_events.count_documents({"status": "done"}) == 2, message="both handled")
    wait_for(lambda: db.attempts.count_documents({}) == 2, message="attempts")
    wait_queues_empty(sampler_config["AMQP_URI"], [QUEUE])  # every copy consumed, none held
    # the ledger skipped the copies: the handler ran once per event
    assert sorted(d["n"] for d in db.attempts.find()) == [1, 1]
    assert count_of(mongo_client, counter_config, "t2") == 2  # x and y, each once


def test_events_recorded_before_a_subscriber_exists_are_kept(
        run_service, rpc, sampler_config, counter_config, mongo_client):
    run_service(Sampler, sampler_config)  # declares the subscriber queues it knows of
    with rpc(sampler_config) as proxy:
        event_id = proxy.sampler.record_thing("early", "早")
    wait_for(lambda: db_of(mongo_client, sampler_config)[EVENT_LOG].find_one(
        {"_id": event_id, "status": "sent", "routed": True}), message="sent and routed")
    run_service(Counter, counter_config)
    wait_for(lambda: count_of(mongo_client, counter_config, "early") == 1, message="late count")


def test_unroutable_event_is_detected_and_kept_pending(
        run_service, rpc, sampler_config, mongo_client, amqp_uri):
    run_service(Sampler, sampler_config)
    from kombu import Connection
    with Connection(amqp_uri) as conn:  # an operator deleted the subscriber's queue
        conn.channel().queue_delete("evt-sampler-ThingRecorded--counter.on_thing_recorded")
    with rpc(sampler_config) as proxy:
        event_id = proxy.sampler.record_thing("lost?", "x")
    logged = wait_for(lambda: db_of(mongo_client, sampler_config)[EVENT_LOG].find_one(
        {"_id": event_id, "last_error": {"$exists": True}}), message="unroutable noticed")
    assert logged["status"] == "pending"
    assert "unroutable" in logged["last_error"]


def test_crash_after_commit_before_publish_delivers_once(
        run_service, sampler_config, counter_config, mongo_client):
    """The state change and its event were committed, then the process died: nothing was
    published. A new process's relay publishes it; the handler sees it exactly once."""
    from carekit.events.outbox import EventRecorder
    db = db_of(mongo_client, sampler_config)
    recorder = EventRecorder("sampler", db, correlation_id="c-1")
    event = recorder.event("ThingRecorded", {"thing_id": "t3", "label": "x"})
    recorder.insert("things", {"_id": "t3"}, [event])  # committed; no relay ran
    run_service(Counter, counter_config)
    run_service(Sampler, sampler_config)               # "restarted" publisher
    wait_for(lambda: count_of(mongo_client, counter_config, "t3") == 1, message="delivered")
    wait_for(lambda: db[EVENT_LOG].find_one({"_id": event["id"], "status": "sent"}),
             message="marked sent")
    assert count_of(mongo_client, counter_config, "t3") == 1


def test_crash_after_publish_before_logging_counts_once(
        run_service, sampler_config, counter_config, mongo_client):
    """Published, but the process died before logging the event and clearing it from its
    document: the next relay publishes it again, and the handler's ledger skips the copy."""
    from carekit.events.outbox import EventRecorder
    from carekit.events.relay import Relay
    db = db_of(mongo_client, sampler_config)
    counter_db = db_of(mongo_client, counter_config)
    run_service(Counter, counter_config)
    recorder = EventRecorder("sampler", db, correlation_id="c-2")
    event = recorder.event("ThingRecorded", {"thing_id": "t4", "label": "x"})
    recorder.insert("things", {"_id": "t4"}, [event])
    publisher = ConfirmingPublisher(sampler_config["AMQP_URI"])
    relay = Relay("sampler", db, publisher, ["things"])
    docs = relay.pending_documents("things")
    relay._publish([e for doc in docs for e in carried(doc)])
    publisher.close()  # ...and "crash" before event_log and the clear
    wait_for(lambda: counter_db.processed_events.count_documents({"status": "done"}) == 1,
             message="first copy handled")
    assert db[EVENT_LOG].count_documents({}) == 0 and db.things.find_one(
        {"_id": "t4", "_outbox_pending": True})
    run_service(Sampler, sampler_config)
    wait_for(lambda: db[EVENT_LOG].find_one({"_id": event["id"], "status": "sent"}),
             message="republished and logged")
    wait_queues_empty(sampler_config["AMQP_URI"], [QUEUE])
    # two copies reached the handler queue; the handler ran once, the ledger skipped one
    assert counter_db.attempts.find_one({"_id": event["id"]})["n"] == 1
    assert count_of(mongo_client, counter_config, "t4") == 1


def test_replay_from_event_log_to_one_queue(run_service, rpc, sampler_config, counter_config,
                                            mongo_client, amqp_uri):
    run_service(Sampler, sampler_config)
    with rpc(sampler_config) as proxy:
        for i in range(3):
            proxy.sampler.record_thing("r{}".format(i), "x")
    db = db_of(mongo_client, sampler_config)
    wait_for(lambda: db[EVENT_LOG].count_documents({"status": "sent"}) == 3, message="sent")
    from kombu import Connection
    queue = "evt-sampler-ThingRecorded--counter.on_thing_recorded"
    with Connection(amqp_uri) as conn:
        conn.channel().queue_purge(queue)  # the subscriber lost its copies
    publisher = ConfirmingPublisher(amqp_uri)
    assert replay(db, publisher, "sampler", to_queue=queue)[0] == 3
    publisher.close()
    run_service(Counter, counter_config)
    wait_for(lambda: all(count_of(mongo_client, counter_config, "r{}".format(i)) == 1
                         for i in range(3)), message="rebuilt from replay")


def test_update_carries_its_event_and_a_missed_update_sends_none(
        run_service, rpc, sampler_config, counter_config, mongo_client):
    run_service(Sampler, sampler_config)
    run_service(Counter, counter_config)
    with rpc(sampler_config) as proxy:
        proxy.sampler.record_thing("u1", "a")
        first = proxy.sampler.relabel_thing("u1", "b")
        second = proxy.sampler.relabel_thing("u1", "c")
        assert proxy.sampler.relabel_thing("missing", "x") is None
    wait_for(lambda: count_of(mongo_client, counter_config, "u1") == 3, message="3 events")
    log = db_of(mongo_client, sampler_config)[EVENT_LOG]
    wait_for(lambda: log.count_documents({"status": "sent"}) == 3, message="all sent")
    assert {first, second} <= {d["_id"] for d in log.find()}
    assert count_of(mongo_client, counter_config, "missing") == 0
    thing = db_of(mongo_client, sampler_config).things.find_one({"_id": "u1"})
    assert thing["label"] == "c" and not thing["_outbox"]


def test_crash_between_handler_write_and_done_mark_changes_nothing_on_rerun(
        run_service, sampler_config, counter_config, mongo_client):
    """A subscriber died after its business write, before the ledger marked the event done:
    its claim expires, the redelivery runs the handler again, and the effect stays single."""
    import time

    from carekit.events.projection import apply_once
    counter_db = db_of(mongo_client, counter_config)
    envelope = new_envelope("sampler", "ThingRecorded", {"thing_id": "t5", "label": "x"})
    # what the dead process left behind: its effect, and a claim whose lease ran out
    apply_once(counter_db.counts, "t5", envelope["id"], {"$inc": {"n": 1}})
    counter_db.processed_events.insert_one({
        "_id": "{}:on_thing_recorded".format(envelope["id"]), "event_id": envelope["id"],
        "handler": "on_thing_recorded", "status": "processing", "lease_until": time.time() - 1})
    run_service(Counter, counter_config)
    publisher = ConfirmingPublisher(sampler_config["AMQP_URI"])
    try:
        publisher.publish([Outgoing(envelope["id"], "sampler.events", "ThingRecorded",
                                    encode(envelope), CONTENT_TYPE)])
    finally:
        publisher.close()
    wait_handled(counter_db, envelope["id"], "on_thing_recorded")  # taken over and done
    assert counter_db.attempts.find_one({"_id": envelope["id"]})["n"] == 1  # it did re-run
    assert count_of(mongo_client, counter_config, "t5") == 1
