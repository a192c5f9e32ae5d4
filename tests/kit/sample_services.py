"""Two tiny services that exercise the kit exactly as product services do."""
import eventlet
from marshmallow import Schema, fields, validate
from nameko.rpc import rpc

from carekit.events import event_schema
from carekit.events.handler import PermanentError, subscribe
from carekit.events.outbox import Outbox
from carekit.events.projection import apply_once
from carekit.service import CareService


@event_schema("sampler", "ThingRecorded", version=1)
class ThingRecordedV1(Schema):
    """A thing was recorded (test contract)."""
    thing_id = fields.String(required=True, validate=validate.Length(min=1))
    label = fields.String(required=True)


@event_schema("sampler", "ThingLost", version=1)
class ThingLostV1(Schema):
    """A thing was lost (test contract; its only subscriber never runs)."""
    thing_id = fields.String(required=True)


class Sampler(CareService):
    name = "sampler"
    outbox = Outbox(carriers=["things"])

    @rpc
    def record_thing(self, thing_id, label):
        event = self.outbox.event("ThingRecorded", {"thing_id": thing_id, "label": label},
                                  subject=thing_id)
        self.outbox.insert("things", {"_id": thing_id, "label": label}, [event])
        return event["id"]

    @rpc
    def relabel_thing(self, thing_id, label):
        """An update carrying its event: recorded only if the thing exists."""
        event = self.outbox.event("ThingRecorded", {"thing_id": thing_id, "label": label},
                                  subject=thing_id)
        result = self.outbox.update("things", {"_id": thing_id}, {"$set": {"label": label}},
                                    [event])
        return event["id"] if result.matched_count else None

    @rpc
    def record_broken_thing(self, thing_id):
        event = self.outbox.event("ThingRecorded", {"thing_id": thing_id, "label": 42})
        self.outbox.insert("things", {"_id": thing_id}, [event])


class Counter(CareService):
    """Counts things. `attempts` counts handler runs with a plain $inc (so tests see what the
    ledger skipped); `counts` is the business effect, applied once per event even when a
    crash makes the handler run again. Labels steer failures: fail-twice, always-fail,
    permanent; and slow (two seconds of work)."""
    name = "counter"

    @subscribe("sampler", "ThingRecorded", owns=("counts",))
    def on_thing_recorded(self, event):
        label = event.data["label"]
        attempts = self.db.attempts.find_one_and_update(
            {"_id": event.id}, {"$inc": {"n": 1}}, upsert=True, return_document=True)["n"]
        if label == "fail-twice" and attempts <= 2:
            raise RuntimeError("flaky downstream, attempt {}".format(attempts))
        if label == "always-fail" and not self.db.switches.find_one({"_id": "repaired"}):
            raise RuntimeError("downstream is down")
        if label == "permanent":
            raise PermanentError("this thing can never be counted")
        if label == "slow":
            eventlet.sleep(2)
        apply_once(self.db.counts, event.data["thing_id"], event.id,
                   {"$inc": {"n": 1}, "$set": {"correlation_id": event.correlation_id}})


class Ghost(CareService):
    """Subscribes to ThingLost but is never started: with a provisioned topology nobody
    declares its queue, so ThingLost events come back unroutable."""
    name = "ghost"

    @subscribe("sampler", "ThingLost")
    def on_thing_lost(self, event):
        pass
