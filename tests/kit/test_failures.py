"""Failing handlers retry with backoff then dead-letter; garbage goes straight to the DLQ;
no poison message blocks the queue; the DLQ can be listed, shown, replayed and purged."""
import io
import json

import pytest
from kombu import Connection

from carekit.events.bus import ConfirmingPublisher, Outgoing
from carekit.events.dlq import DeadLetters, main as dlq_main
from carekit.events.envelope import CONTENT_TYPE, encode, new_envelope
from carekit.testing.plugin import wait_for
from tests.kit.sample_services import Counter

QUEUE = "evt-sampler-ThingRecorded--counter.on_thing_recorded"


@pytest.fixture
def counter(run_service, make_config):
    config = make_config("pairing")
    run_service(Counter, config)
    return config


@pytest.fixture
def publish(amqp_uri):
    publisher = ConfirmingPublisher(amqp_uri)

    def send(thing_id=None, label="x", raw=None, content_type=CONTENT_TYPE, envelope=None):
        if raw is None:
            envelope = envelope or new_envelope("sampler", "ThingRecorded",
                                                {"thing_id": thing_id, "label": label})
            raw = encode(envelope)
        outcome = publisher.publish([Outgoing(
            (envelope or {}).get("id", "raw"), "", QUEUE, raw, content_type)])
        assert outcome.confirmed, outcome
        return envelope
    yield send
    publisher.close()


def db_of(mongo_client, config):
    return mongo_client[config["MONGO_DATABASE"]]


def counted(mongo_client, config, thing_id):
    doc = db_of(mongo_client, config).counts.find_one({"_id": thing_id})
    return doc["n"] if doc else 0


def dead_letters(amqp_uri, n):
    return wait_for(lambda: (lambda got: got if len(got) >= n else None)(
        DeadLetters(amqp_uri, "counter").list()), message="{} dead letters".format(n))


def test_flaky_handler_is_retried_with_backoff_then_succeeds_once(
        counter, publish, mongo_client, amqp_uri):
    envelope = publish("f1", "fail-twice")
    wait_for(lambda: counted(mongo_client, counter, "f1") == 1, message="counted after retries")
    attempts = db_of(mongo_client, counter).attempts.find_one({"_id": envelope["id"]})["n"]
    assert attempts == 3
    assert DeadLetters(amqp_uri, "counter").list() == []


def test_always_failing_event_is_dead_lettered_and_does_not_block_the_queue(
        counter, publish, mongo_client, amqp_uri):
    bad = publish("poison", "always-fail")
    publish("after", "fine")
    wait_for(lambda: counted(mongo_client, counter, "after") == 1, message="queue not blocked")
    [record] = dead_letters(amqp_uri, 1)
    assert record["error"]["code"] == "handler_failed"
    assert "downstream is down" in record["error"]["message"]
    assert record["attempts"] == 3  # first try + two retries (EVENT_RETRY_DELAYS_MS=50,100)
    assert record["event"] == {"id": bad["id"], "type": "ThingRecorded", "version": 1}
    assert json.loads(record["original"]["body"]) == bad
    assert record["queue"] == QUEUE
    assert counted(mongo_client, counter, "poison") == 0


def test_permanent_error_skips_retries(counter, publish, mongo_client, amqp_uri):
    envelope = publish("perm", "permanent")
    [record] = dead_letters(amqp_uri, 1)
    assert record["error"]["code"] == "permanent_error"
    assert record["attempts"] == 1
    assert db_of(mongo_client, counter).attempts.find_one({"_id": envelope["id"]})["n"] == 1


def test_malformed_messages_go_straight_to_the_dlq(counter, publish, mongo_client, amqp_uri):
    good = new_envelope("sampler", "ThingRecorded", {"thing_id": "ok", "label": "x"})
    v9 = dict(good, id="v9", type="org.care-network.ThingRecorded.v9")
    bad_data = dict(good, id="bad-data", data={"thing_id": ""})
    no_id = {k: v for k, v in good.items() if k != "id"}
    publish(raw=b"{not json", content_type="application/json")          # undecodable
    publish(raw=b"\x80\x03pickle", content_type="application/x-python-serialize")
    publish(raw=json.dumps([1, 2]).encode(), content_type=CONTENT_TYPE)  # not an envelope
    publish(raw=json.dumps(no_id).encode())
    publish(envelope=v9)                                                  # unknown version
    publish(envelope=bad_data)                                            # schema violation
    publish(envelope=good)
    wait_for(lambda: counted(mongo_client, counter, "ok") == 1, message="good one handled")
    records = dead_letters(amqp_uri, 6)
    codes = sorted(r["error"]["code"] for r in records)
    assert codes == sorted(["not_decodable", "not_decodable", "not_envelope", "not_envelope",
                            "unknown_version", "invalid_data"])
    by_code = {r["error"]["code"]: r for r in records}
    assert {e["field"] for e in by_code["invalid_data"]["error"]["errors"]} == {
        "data.thing_id", "data.label"}
    assert by_code["unknown_version"]["original"]["body"]  # the original is kept verbatim
    assert all(r["attempts"] == 0 for r in records)       # no retries for garbage


def test_dlq_cli_lists_shows_replays_and_purges(counter, publish, mongo_client, amqp_uri):
    broken = publish("later", "always-fail")
    publish(raw=b"garbage", content_type="application/json")
    records = dead_letters(amqp_uri, 2)
    out = io.StringIO()
    assert dlq_main(["list", "counter", "--amqp-uri", amqp_uri], out=out) == 0
    assert len(out.getvalue().strip().splitlines()) == 2
    failed = next(r for r in records if r["error"]["code"] == "handler_failed")
    out = io.StringIO()
    assert dlq_main(["show", "counter", failed["id"], "--amqp-uri", amqp_uri], out=out) == 0
    assert json.loads(out.getvalue())["event"]["id"] == broken["id"]
    # listing did not consume anything
    assert len(DeadLetters(amqp_uri, "counter").list()) == 2
    # the downstream problem is fixed; replay the dead letter: counted exactly once
    db_of(mongo_client, counter).switches.insert_one({"_id": "repaired"})
    assert dlq_main(["replay", "counter", failed["id"], "--amqp-uri", amqp_uri],
                    out=io.StringIO()) == 0
    wait_for(lambda: counted(mongo_client, counter, "later") == 1, message="replayed")
    remaining = DeadLetters(amqp_uri, "counter").list()
    assert [r["error"]["code"] for r in remaining] == ["not_decodable"]
    assert dlq_main(["purge", "counter", "--all", "--amqp-uri", amqp_uri],
                    out=io.StringIO()) == 0
    assert DeadLetters(amqp_uri, "counter").list() == []
    with Connection(amqp_uri) as conn:
        assert conn.channel().queue_declare(QUEUE, passive=True).message_count == 0
