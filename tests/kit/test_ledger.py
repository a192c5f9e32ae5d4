"""The processed-event ledger: claim, skip copies, take over a dead claimant's lease, fenced
by owner tokens, leases on the database server's clock, bounded by pruning."""
import time

import eventlet
import pymongo
from pymongo import monitoring
from pymongo.errors import ServerSelectionTimeoutError

from carekit.events.envelope import parse, new_envelope
from carekit.clock import ServerClock
from carekit.events.ledger import (BUSY, DONE, NEW, ProcessedEvents,
                                   forget_handler, prune)
from carekit.testing.local import free_port
from tests.kit.sample_services import ThingRecordedV1  # noqa: F401


def _event(thing_id):
    return parse(new_envelope("sampler", "ThingRecorded", {"thing_id": thing_id, "label": "b"}))


def _ledger_db(mongo_client, make_config):
    return mongo_client[make_config("pairing")["MONGO_DATABASE"]]


def _expire(db, ledger, event):
    db.processed_events.update_one({"_id": ledger.key(event.id)},
                                   {"$set": {"lease_until": ledger.clock.now() - 1}})


def test_claims_copies_and_expired_leases(mongo_client, make_config):
    db = _ledger_db(mongo_client, make_config)
    ledger = ProcessedEvents(db, "on_thing")
    event = _event("a")
    first = ledger.claim(event)
    assert first.outcome == NEW
    assert ledger.claim(event).outcome == BUSY      # a copy while the first is being handled
    _expire(db, ledger, event)                       # the claimant died
    second = ledger.claim(event)
    assert second.outcome == NEW and second.owner != first.owner   # taken over
    assert ledger.claim(event).outcome == BUSY
    ledger.release(second)                           # a failure releases it for the retry
    third = ledger.claim(event)
    assert third.outcome == NEW
    ledger.done(third)
    assert ledger.claim(event).outcome == DONE and ledger.seen(event.id)
    assert ProcessedEvents(db, "other_handler").claim(event).outcome == NEW  # per handler


def test_a_late_release_or_done_by_a_claimant_that_was_taken_over_changes_nothing(
        mongo_client, make_config):
    """A's lease runs out, B takes over; then A, still alive, finishes or fails. A must not
    erase B's claim (a third copy would then run alongside B) nor write B's outcome."""
    db = _ledger_db(mongo_client, make_config)
    replica_a, replica_b = ProcessedEvents(db, "on_thing"), ProcessedEvents(db, "on_thing")
    event = _event("late")
    a = replica_a.claim(event)
    _expire(db, replica_a, event)
    b = replica_b.claim(event)
    assert b.outcome == NEW
    replica_a.release(a)                        # late failure of A
    assert replica_b.claim(event).outcome == BUSY    # B's claim is still there
    entry = db.processed_events.find_one({"_id": replica_b.key(event.id)})
    assert entry["owner"] == b.owner and entry["status"] == "processing"
    replica_a.done(a)                           # late success of A: B still owns the claim
    assert db.processed_events.find_one({"_id": replica_b.key(event.id)})["status"] == \
        "processing"
    replica_b.done(b)
    assert replica_a.claim(event).outcome == DONE


def test_leases_do_not_depend_on_the_hosts_clocks_agreeing(mongo_client, make_config):
    """A replica whose clock runs ten minutes fast must not think a fresh claim expired."""
    db = _ledger_db(mongo_client, make_config)
    honest = ProcessedEvents(db, "on_thing")
    fast = ProcessedEvents(db, "on_thing", clock=ServerClock(db, local=lambda: time.time() + 600))
    slow = ProcessedEvents(db, "on_thing", clock=ServerClock(db, local=lambda: time.time() - 600))
    event = _event("skew")
    assert slow.claim(event).outcome == NEW      # lease written by a host ten minutes behind
    assert fast.claim(event).outcome == BUSY     # ...is still live for one ten minutes ahead
    assert honest.claim(event).outcome == BUSY


def test_ledger_is_pruned_after_its_retention(mongo_client, make_config):
    db = _ledger_db(mongo_client, make_config)
    ledger = ProcessedEvents(db, "on_thing")
    old, fresh = _event("old"), _event("fresh")
    for event in (old, fresh):
        ledger.done(ledger.claim(event))
    db.processed_events.update_one({"_id": ledger.key(old.id)},
                                   {"$set": {"settled_at": time.time() - 31 * 86400}})
    assert prune(db, retention_days=30) == 1
    assert not ledger.seen(old.id) and ledger.seen(fresh.id)
    assert forget_handler(db, "on_thing") == 1 and not ledger.seen(fresh.id)


def _all_at_once(calls):
    """Run the calls on concurrent greenthreads (as in-flight deliveries do); their results."""
    threads = [eventlet.spawn(call) for call in calls]
    return [thread.wait() for thread in threads]


def test_concurrent_claims_each_get_their_own_answer(mongo_client, make_config):
    db = _ledger_db(mongo_client, make_config)
    ledger = ProcessedEvents(db, "on_thing")
    distinct = [_event("d{}".format(i)) for i in range(8)]
    copied, finished, held = _event("copied"), _event("finished"), _event("held")
    ledger.done(ledger.claim(finished))
    assert ledger.claim(held).outcome == NEW

    events = distinct + [copied] * 5 + [finished, held]
    claims = _all_at_once([lambda e=e: ledger.claim(e) for e in events])
    answers = [c.outcome for c in claims]
    assert answers[:8] == [NEW] * 8
    assert sorted(answers[8:13]) == sorted([NEW] + [BUSY] * 4)  # exactly one copy goes ahead
    assert answers[13:] == [DONE, BUSY]

    mine = claims[:8] + [c for c in claims[8:13] if c.outcome == NEW]
    _all_at_once([lambda c=c: ledger.done(c) for c in mine])
    assert all(ledger.seen(e.id) for e in distinct + [copied, finished])
    assert not ledger.seen(held.id)
    assert db.processed_events.count_documents({"lease_until": {"$exists": True}}) == 1


def test_a_failed_grouped_write_fails_every_waiting_caller():
    unreachable = pymongo.MongoClient("mongodb://127.0.0.1:{}/".format(free_port()),
                                      serverSelectionTimeoutMS=300)

    class StoppedClock:
        def now(self):
            return time.time()
    ledger = ProcessedEvents(unreachable["nowhere"], "on_thing", clock=StoppedClock())
    events = [_event("x{}".format(i)) for i in range(4)]

    def outcome(call):
        try:
            return call()
        except ServerSelectionTimeoutError:
            return "failed"
    try:
        assert _all_at_once([lambda e=e: outcome(lambda: ledger.claim(e))
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
        first = ledger.claim(events[0])  # one in flight: a write of its own, at once
        assert first.outcome == NEW and writes.commands == ["insert"]

        claims = _all_at_once([lambda e=e: ledger.claim(e) for e in events[1:]])
        assert [c.outcome for c in claims] == [NEW] * 9
        assert writes.commands.count("insert") <= 2  # 9 claims: not 9 inserts
        _all_at_once([lambda c=c: ledger.done(c) for c in [first] + claims])
        assert writes.commands.count("update") <= 2  # 10 done marks: not 10 updates
        assert all(ledger.seen(e.id) for e in events)
    finally:
        client.close()
