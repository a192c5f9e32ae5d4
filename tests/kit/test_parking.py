"""Nothing stays pending for ever: failed publishes are retried with backoff, capped, parked
where ops can see and re-queue them, and never hold back new events."""
import io
import time
from datetime import datetime, timezone

from kombu import Connection

from carekit import metrics
from carekit.events.dlq import main as dlq_main
from carekit.events.envelope import new_envelope
from carekit.events.records import EVENT_LOG
from carekit.testing.plugin import wait_for
from tests.kit.sample_services import Counter, Sampler

SUBSCRIBERS = "tests.kit.sample_services"
QUEUE = "evt-sampler-ThingRecorded--counter.on_thing_recorded"
LOST_QUEUE = "evt-sampler-ThingLost--ghost.on_thing_lost"


def counted(db, thing_id):
    doc = db.counts.find_one({"_id": thing_id})
    return doc["n"] if doc else 0


def test_a_deleted_subscriber_queue_is_declared_again_and_the_event_delivered(
        run_service, rpc, make_config, mongo_client, amqp_uri):
    sampler = make_config("registry", SUBSCRIBER_MODULES=SUBSCRIBERS)
    run_service(Sampler, sampler)
    with Connection(amqp_uri) as conn:  # an operator deleted the subscriber's queue
        conn.channel().queue_delete(QUEUE)
    with rpc(sampler) as proxy:
        event_id = proxy.sampler.record_thing("orphan", "x")
    log = mongo_client[sampler["MONGO_DATABASE"]][EVENT_LOG]
    wait_for(lambda: log.find_one({"_id": event_id, "status": "pending"}), message="returned")
    # the relay declares the queue again and its retry goes through, with nobody's help
    logged = wait_for(lambda: log.find_one({"_id": event_id, "status": "sent"}), timeout=20,
                      message="delivered on retry")
    assert logged["attempts"] == 1 and "unroutable" in logged["last_error"]
    counter = make_config("pairing")
    run_service(Counter, counter)
    wait_for(lambda: counted(mongo_client[counter["MONGO_DATABASE"]], "orphan") == 1,
             message="counted")


def _pending_lost_events(database, n):
    now = datetime.now(timezone.utc)
    entries = []
    for i in range(n):
        envelope = new_envelope("sampler", "ThingLost", {"thing_id": "lost{}".format(i)})
        entries.append({"_id": envelope["id"], "envelope": envelope, "name": "ThingLost",
                        "version": 1, "status": "pending", "routed": False,
                        "carrier": "things", "order": "{:020d}{:05d}".format(time.time_ns(), i),
                        "recorded_at": now, "attempts": 1, "last_error": "unroutable",
                        "next_attempt_at": time.time() - 1})
    database[EVENT_LOG].insert_many(entries)
    return [e["_id"] for e in entries]


def test_old_failures_never_hold_back_new_events(run_service, rpc, make_config, mongo_client):
    """1,000 events nobody can take are due for a retry; twenty new events still reach
    their subscriber at once, while the old ones keep being retried in the background."""
    sampler = make_config("registry", SUBSCRIBER_MODULES=SUBSCRIBERS,
                          BROKER_TOPOLOGY="provisioned")
    counter = make_config("pairing")
    run_service(Counter, counter)           # declares its own queue; nobody declares ghost's
    db = mongo_client[sampler["MONGO_DATABASE"]]
    _pending_lost_events(db, 1000)
    run_service(Sampler, sampler)
    with rpc(sampler) as proxy:
        for i in range(20):
            proxy.sampler.record_thing("new{}".format(i), "x")
    counter_db = mongo_client[counter["MONGO_DATABASE"]]
    wait_for(lambda: all(counted(counter_db, "new{}".format(i)) == 1 for i in range(20)),
             timeout=20, message="new events delivered")
    wait_for(lambda: db[EVENT_LOG].count_documents({"name": "ThingLost", "attempts": 2}) > 0,
             message="old failures retried meanwhile")
    assert db[EVENT_LOG].count_documents({"name": "ThingLost", "status": "sent"}) == 0


def test_an_event_nobody_can_take_is_parked_listed_and_requeued(
        run_service, rpc, make_config, mongo_client, amqp_uri, monkeypatch):
    sampler = make_config("registry", SUBSCRIBER_MODULES=SUBSCRIBERS,
                          BROKER_TOPOLOGY="provisioned", OUTBOX_MAX_ATTEMPTS=2)
    run_service(Sampler, sampler)
    db = mongo_client[sampler["MONGO_DATABASE"]]
    [event_id] = _pending_lost_events(db, 1)
    parked = wait_for(lambda: db[EVENT_LOG].find_one({"_id": event_id, "status": "parked"}),
                      timeout=30, message="parked after the attempt cap")
    assert parked["attempts"] == 2
    gauge = metrics.EVENTS_PARKED.labels("sampler")
    wait_for(lambda: gauge._value.get() >= 1, timeout=40, message="parked metric")
    for key in ("MONGO_URI", "MONGO_DATABASE", "AMQP_URI", "CARE_ENV"):
        monkeypatch.setenv(key, str(sampler[key]))
    out = io.StringIO()
    assert dlq_main(["parked", "registry"], out=out) == 0
    assert event_id in out.getvalue() and "ThingLost" in out.getvalue()
    with Connection(amqp_uri) as conn:       # ops fix the cause: the subscriber's queue exists
        channel = conn.channel()
        channel.queue_declare(LOST_QUEUE, durable=True, auto_delete=False)
        channel.queue_bind(LOST_QUEUE, "sampler.events", "ThingLost")
    out = io.StringIO()
    assert dlq_main(["requeue-parked", "registry", event_id], out=out) == 0
    wait_for(lambda: db[EVENT_LOG].find_one({"_id": event_id, "status": "sent"}), timeout=20,
             message="published after requeue")
    with Connection(amqp_uri) as conn:
        message = conn.channel().basic_get(LOST_QUEUE, no_ack=True)
    body = message.body
    assert event_id in (body if isinstance(body, str) else bytes(body).decode("utf-8"))
