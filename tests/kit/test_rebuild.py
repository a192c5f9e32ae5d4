"""Replay does something: a rebuild drops a handler's read model, forgets its ledger and
replays the publisher's event log into its queue only; a replay reaching a handler that
still has its read model changes nothing."""
import pytest
from nameko.exceptions import RemoteError

from carekit.errors import parse_remote_error
from carekit.events.rebuild import chosen_handlers, rebuild, wait_until_handled
from carekit.testing.plugin import wait_for, wait_queues_empty
from tests.kit.sample_services import Counter, Sampler

SUBSCRIBERS = "tests.kit.sample_services"
QUEUE = "evt-sampler-ThingRecorded--counter.on_thing_recorded"


@pytest.fixture
def running(run_service, rpc, make_config, mongo_client):
    sampler = make_config("registry", SUBSCRIBER_MODULES=SUBSCRIBERS)
    counter = make_config("pairing")
    run_service(Sampler, sampler)
    run_service(Counter, counter)
    with rpc(sampler) as proxy:
        written = [proxy.sampler.record_thing("t{}".format(i), "x") for i in range(6)]
        written += [proxy.sampler.relabel_thing("t0", "y"), proxy.sampler.relabel_thing("t1", "z")]
    counter_db = mongo_client[counter["MONGO_DATABASE"]]
    wait_for(lambda: counter_db.processed_events.count_documents({"status": "done"})
             == len(written), message="all handled")
    return sampler, counter, counter_db, written


def snapshot(db):
    return sorted((d["_id"], d["n"]) for d in db.counts.find())


def invocations(db):
    return {d["_id"]: d["n"] for d in db.attempts.find()}


def test_rebuild_drops_the_read_model_and_replays_it_equal(running, rpc, amqp_uri):
    sampler, counter, counter_db, written = running
    before = snapshot(counter_db)
    assert before == [("t0", 2), ("t1", 2), ("t2", 1), ("t3", 1), ("t4", 1), ("t5", 1)]
    with rpc(sampler) as proxy:
        replayed = rebuild(Counter, counter_db, proxy, grace=0.2, say=lambda _: None)
    assert replayed == {"on_thing_recorded": len(written)}
    assert wait_until_handled(counter_db, replayed, timeout=30) == {}
    wait_queues_empty(amqp_uri, [QUEUE])
    assert snapshot(counter_db) == before
    # the handler really ran again on every event: once live, once rebuilt
    assert invocations(counter_db) == {event_id: 2 for event_id in written}


def test_a_replay_into_a_handler_that_kept_its_read_model_changes_nothing(running, rpc,
                                                                           amqp_uri):
    sampler, counter, counter_db, written = running
    before = snapshot(counter_db)
    with rpc(sampler) as proxy:
        answer = proxy.sampler.replay_events({"event": "ThingRecorded", "queue": QUEUE})
    assert answer["count"] == len(written)
    wait_queues_empty(amqp_uri, [QUEUE])
    assert snapshot(counter_db) == before
    assert invocations(counter_db) == {event_id: 1 for event_id in written}  # all skipped


def test_replay_refuses_what_it_does_not_publish_and_queues_that_do_not_subscribe(
        running, rpc):
    sampler = running[0]
    with rpc(sampler) as proxy:
        for request, field in (({"event": "ChildRegistered", "queue": QUEUE}, "event"),
                               ({"event": "ThingRecorded", "queue": "evt-x-Y--z.w"}, "queue"),
                               ({"event": {"$gt": ""}, "queue": QUEUE}, "event"),
                               ({"event": "ThingRecorded", "queue": QUEUE, "limit": 10 ** 9},
                                "limit")):
            with pytest.raises(RemoteError) as info:
                proxy.sampler.replay_events(request)
            error = parse_remote_error(info.value)
            assert error["code"] == "validation_failed"
            assert [e["field"] for e in error["errors"]] == [field]


def test_a_rebuild_takes_every_handler_sharing_a_collection():
    from carekit.events.handler import subscribe
    from carekit.service import CareService

    class Shared(CareService):
        name = "shared"

        @subscribe("sampler", "ThingRecorded", owns=("things", "totals"))
        def recorded(self, event):
            pass

        @subscribe("sampler", "ThingLost", owns=("totals",))
        def lost(self, event):
            pass

        @subscribe("sampler", "ThingLost")
        def unowned(self, event):
            pass
    assert sorted(chosen_handlers(Shared, ["lost"])) == ["lost", "recorded"]
    assert sorted(chosen_handlers(Shared)) == ["lost", "recorded"]
    with pytest.raises(SystemExit):
        chosen_handlers(Shared, ["unowned"])
