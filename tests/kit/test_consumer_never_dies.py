"""Anything unexpected in a message goes to dlq.<service> with a reason, and the consumer
carries on: the next good event is still handled by the same running container."""
import json

import amqp
import pytest
from kombu import Connection

from carekit.events.dlq import DeadLetters
from carekit.events.envelope import encode, new_envelope
from carekit.testing.plugin import wait_for
from tests.kit.sample_services import Counter

QUEUE = "evt-sampler-ThingRecorded--counter.on_thing_recorded"


@pytest.fixture
def counter(run_service, make_config):
    config = make_config("pairing")
    container = run_service(Counter, config)
    return config, container


def send_raw(amqp_uri, body, content_type="application/cloudevents+json", headers=None,
             exchange="sampler.events", routing_key="ThingRecorded"):
    """Publish exactly these bytes and properties, as a broken or hostile peer would."""
    with Connection(amqp_uri) as conn:
        channel = conn.channel()
        channel.confirm_select()
        properties = {"delivery_mode": 2, "application_headers": headers or {}}
        if content_type is not None:
            properties["content_type"] = content_type
        channel.basic_publish(amqp.Message(body, **properties), exchange=exchange,
                              routing_key=routing_key)


def good_event(amqp_uri, thing_id):
    envelope = new_envelope("sampler", "ThingRecorded", {"thing_id": thing_id, "label": "ok"})
    send_raw(amqp_uri, encode(envelope))
    return envelope


def counted(mongo_client, config, thing_id):
    doc = mongo_client[config["MONGO_DATABASE"]].counts.find_one({"_id": thing_id})
    return doc["n"] if doc else 0


def future_envelope():
    envelope = new_envelope("sampler", "ThingRecorded", {"thing_id": "f", "label": "x"})
    envelope["type"] = "org.care-network.ThingRecorded.v9"
    return encode(envelope)


CASES = {
    # name: (body, content type, headers, expected dead-letter code)
    "attempts header not a number": (None, "application/cloudevents+json",
                                     {"x-care-attempts": "many"}, None),
    "attempts header a table": (None, "application/cloudevents+json",
                                {"x-care-attempts": {"$gt": 1}}, None),
    "no content type": (None, None, {}, "bad_content_type"),
    "plain text content type": (None, "text/plain", {}, "not_decodable"),
    "five megabytes": (b"{" + b" " * (5 * 1024 * 1024) + b"}", "application/cloudevents+json",
                       {}, "too_large"),
    "invalid utf-8": (b'{"id": "\xff\xfe"}', "application/cloudevents+json", {},
                      "not_decodable"),
    "unknown future version": (future_envelope(), "application/cloudevents+json", {},
                               "unknown_version"),
    "another source's event": (None, "application/cloudevents+json", {}, "unexpected_source"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_bad_message_is_dead_lettered_and_the_consumer_carries_on(
        case, counter, amqp_uri, mongo_client):
    config, container = counter
    body, content_type, headers, code = CASES[case]
    envelope = None
    if case == "another source's event":
        envelope = new_envelope("registry", "ThingRecorded", {"thing_id": "s", "label": "x"})
        body = encode(envelope)
    elif body is None:
        envelope = new_envelope("sampler", "ThingRecorded", {"thing_id": "h", "label": "x"})
        body = encode(envelope)
    send_raw(amqp_uri, body, content_type=content_type, headers=headers)
    good_event(amqp_uri, "after")
    wait_for(lambda: counted(mongo_client, config, "after") == 1, timeout=20,
             message="the next event handled by the same container")
    assert not container._died.ready(), "the container died"
    dead = DeadLetters(amqp_uri, "counter").list()
    if code is None:  # a bad header on a good event: handled, as a first attempt
        assert counted(mongo_client, config, "h") == 1 and dead == []
        return
    [record] = dead
    assert record["error"]["code"] == code, record["error"]
    assert record["queue"] == QUEUE
    if case == "five megabytes":
        assert record["original"]["truncated_from_bytes"] > 5 * 1024 * 1024
    if case == "unknown future version":
        assert json.loads(record["original"]["body"])["type"].endswith(".v9")
