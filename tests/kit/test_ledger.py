"""The processed-event ledger: claim, skip copies, take over a dead claimant's lease."""
import time

import eventlet
import pymongo
from pymongo import monitoring
from pymongo.errors import ServerSelectionTimeoutError

from carekit.events.envelope import parse, new_envelope
from carekit.events.ledger import BUSY, DONE, NEW, ProcessedEvents
from carekit.testing.local import free_port
from tests.kit.sample_services import ThingRecordedV1  # noqa: F401


def test_claims_copies_and_expired_leases(mongo_client, make_config):
    db = mongo_client[make_config("pairing")["MONGO_DATABASE"]]
    ledger = ProcessedEvents(db, "on_thing")
    event = parse(new_envelope("sampler", "ThingRecorded", {"thing_id": "a", "label": "b"}))

    def expire():
        db.processed_events.update_one({"_id": ledger.key(event.id)},
                                       {"$set": {"lease_until": time.time() - 1}})
    assert ledger.claim(event) == NEW
    assert ledger.claim(event) == BUSY       # a copy while the first is being handled
    expire()                                  # the claimant died
    assert ledger.claim(event) == NEW        # taken over
    assert ledger.claim(event) == BUSY
    expire()
    assert ledger.claim(event) == NEW        # and again, if the second one died too
    ledger.release(event)                     # a failure releases the claim for the retry
    assert ledger.claim(event) == NEW
    ledger.done(event)
    assert ledger.claim(event) == DONE and ledger.seen(event.id)
    assert ProcessedEvents(db, "other_handler").claim(event) == NEW  # per handler


def _event(thing_id):
    return parse(new_envelope("sampler", "ThingRecorded", {"thing_id": thing_id, "label": "b"}))


def _all_at_once(calls):
    """Run the calls on concurrent greenthreads (as in-flight deliveries do); their results."""
    threads = [eventlet.spawn(call) for call in calls]
    return [thread.wait() for thread in threads]


def test_concurrent_claims_each_get_their_own_answer(mongo_client, make_config):
    db = mongo_client[make_config("pairing")["MONGO_DATABASE"]]
    ledger = ProcessedEvents(db, "on_thing")
    distinct = [_event("d{}".format(i)) for i in range(8)]
    copied, finished, held = _event("copied"), _event("finished"), _event("held")
    assert ledger.claim(finished) == NEW and ledger.claim(held) == NEW
    ledger.done(finished)

    events = distinct + [copied] * 5 + [finished, held]
    answers = _all_at_once([lambda e=e: ledger.claim(e) for e in events])
    assert answers[:8] == [NEW] * 8
    assert sorted(answers[8:13]) == sorted([NEW] + [BUSY] * 4)  # exactly one copy goes ahead
    assert answers[13:] == [DONE, BUSY]

    _all_at_once([lambda e=e: ledger.done(e) for e in distinct + [copied]])
    assert all(ledger.seen(e.id) for e in distinct + [copied, finished])
    assert not ledger.seen(held.id)
    assert db.processed_events.count_documents({"lease_until": {"$exists": True}}) == 1


def test_a_failed_grouped_write_fails_every_waiting_caller():
    unreachable = pymongo.MongoClient("mongodb://127.0.0.1:{}/".format(free_port()),
                                      serverSelectionTimeoutMS=300)
    ledger = ProcessedEvents(unreachable["nowhere"], "on_thing")
    events = [_event("x{}".format(i)) for i in range(4)]

    def outcome(call):
        try:
            return call()
        except ServerSelectionTimeoutError:
            return "failed"
    try:
        assert _all_at_once([lambda e=e: outcome(lambda: ledger.claim(e))
                             for e in events]) == ["failed"] * 4
        assert _all_at_once([lambda e=e: outcome(lambda: ledger.done(e))
                             for e in events]) == ["failed"] * 4
    finally:
        unreachable.close()


class _Writes(monitoring.CommandListener):
    def __init__(self):
        self.commands = []

    def started(self, event):
        if event.command_name in ("insert", "update"):
            self.commands.append(event.command_name)

    def succeeded(self, event):
        pass

    def failed(self, event):
        pass


def test_concurrent_claims_and_done_marks_share_round_trips(mongo_uri, mongo_client,
                                                            make_config):
    writes = _Writes()
    client = pymongo.MongoClient(mongo_uri, tz_aware=True, event_listeners=[writes])
    try:
        ledger = ProcessedEvents(client[make_config("pairing")["MONGO_DATABASE"]], "on_thing")
        events = [_event("g{}".format(i)) for i in range(10)]
        assert ledger.claim(events[0]) == NEW  # one in flight: a write of its own, at once
        assert writes.commands == ["insert"]

        assert _all_at_once([lambda e=e: ledger.claim(e) for e in events[1:]]) == [NEW] * 9
        assert writes.commands.count("insert") <= 2  # 9 claims: not 9 inserts
        _all_at_once([lambda e=e: ledger.done(e) for e in events])
        assert writes.commands.count("update") <= 2  # 10 done marks: not 10 updates
        assert all(ledger.seen(e.id) for e in events)
    finally:
        client.close()
