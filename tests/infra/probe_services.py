"""Two tiny services for the RabbitMQ permission tests: they use the kit exactly as product
services do (outbox, relay, subscribe, retries, dead letters), under their own accounts."""
from marshmallow import Schema, fields
from nameko.rpc import rpc

from carekit.events import event_schema
from carekit.events.handler import subscribe
from carekit.events.outbox import Outbox
from carekit.service import CareService

PUBLISHER, SUBSCRIBER = "infra_probe_pub", "infra_probe_sub"


@event_schema(PUBLISHER, "ProbeRecorded", version=1)
class ProbeRecordedV1(Schema):
    """A probe was recorded (infra test contract)."""
    probe_id = fields.String(required=True)
    fail = fields.Boolean(load_default=False)


class ProbePublisher(CareService):
    name = PUBLISHER
    outbox = Outbox(carriers=["probes"])

    @rpc
    def record(self, probe_id, fail=False):
        event = self.outbox.event("ProbeRecorded", {"probe_id": probe_id, "fail": fail},
                                  subject=probe_id)
        self.outbox.insert("probes", {"_id": probe_id}, [event])
        return event["id"]


class ProbeSubscriber(CareService):
    name = SUBSCRIBER

    @subscribe(PUBLISHER, "ProbeRecorded")
    def on_probe(self, event):
        if event.data["fail"]:
            raise RuntimeError("probe asked to fail")
        self.db.seen.update_one({"_id": event.data["probe_id"]}, {"$inc": {"n": 1}},
                                upsert=True)
