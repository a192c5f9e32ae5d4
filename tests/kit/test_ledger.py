"""The processed-event ledger: claim, skip copies, take over a dead claimant's lease."""
import time

from carekit.events.envelope import parse, new_envelope
from carekit.events.ledger import BUSY, DONE, NEW, ProcessedEvents
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
