"""The bureaus service: webhook delivery of the public stream to bureaus that cannot speak
AMQP, and what the county's administrator sees of it (README.md)."""
import time

from nameko.extensions import DependencyProvider
from nameko.rpc import rpc

from bureaus import storage
from bureaus.consumer import WebhookConsumer
from bureaus.schemas import BureauSchema, ParkedPageSchema, RequeueSchema, WebhookSchema
from carekit.bureaus.broker import webhook_queue
from carekit.bureaus.signing import bureau_secret
from carekit.errors import NotFound, load_or_raise
from carekit.events import topology
from carekit.events.bus import ConfirmingPublisher, Outgoing, PublishFailed
from carekit.events.envelope import CONTENT_TYPE
from carekit.mongo import Database
from carekit.service import CareService


class Webhooks(DependencyProvider):
    """The running consumer and the settings the RPCs need."""

    consumer = WebhookConsumer()

    def setup(self):
        config = self.container.config
        self.signing_key = config["WEBHOOK_SIGNING_KEY"]
        self.allow_http = config.get("CARE_ENV") != "production"
        self.amqp_uri = config["AMQP_URI"]
        self.service = self.container.service_name

    def get_dependency(self, worker_ctx):
        return self

    def requeue(self, bodies):
        """Publish parked deliveries back into their bureau's queue (through this service's
        requeue exchange), confirmed. `bodies`: [(bureau, event id, body)]."""
        publisher = ConfirmingPublisher(self.amqp_uri)
        try:
            outcome = publisher.publish([Outgoing(
                message_id=event_id, exchange=topology.requeue_exchange(self.service).name,
                routing_key=webhook_queue(bureau), body=body.encode("utf-8"),
                content_type=CONTENT_TYPE) for bureau, event_id, body in bodies])
        finally:
            publisher.close()
        if outcome.nacked or outcome.returned:
            raise PublishFailed("requeue not taken: {}".format(
                sorted(set(outcome.nacked) | set(outcome.returned))[:5]))


def _payload(value):
    return value if isinstance(value, dict) else {}


class BureausService(CareService):
    name = "bureaus"

    db = Database(indexes=storage.INDEXES)
    webhooks_provider = Webhooks()

    @rpc
    def register_webhook(self, payload):
        """Serve `bureau` by webhooks at `url`; answers its signing secret (tell it once)."""
        data = load_or_raise(WebhookSchema(allow_http=self.webhooks_provider.allow_http),
                             _payload(payload))
        storage.save_webhook(self.db, data)
        return {"bureau": data["bureau"], "url": data["url"],
                "secret": bureau_secret(self.webhooks_provider.signing_key, data["bureau"],
                                        data["generation"])}

    @rpc
    def remove_webhook(self, payload):
        data = load_or_raise(BureauSchema(), _payload(payload))
        return {"bureau": data["bureau"], "removed": storage.remove_webhook(self.db,
                                                                            data["bureau"])}

    @rpc
    def webhooks(self):
        """Every webhook bureau: endpoint, whether active, deliveries parked."""
        parked = storage.parked_counts(self.db)
        return [{"bureau": doc["_id"], "url": doc["url"], "active": bool(doc["active"]),
                 "generation": int(doc["generation"]), "parked": parked.get(doc["_id"], 0)}
                for doc in storage.webhooks(self.db)]

    @rpc
    def parked_webhooks(self, payload):
        """A page of one bureau's parked deliveries, oldest first: {"items", "next"}."""
        data = load_or_raise(ParkedPageSchema(), _payload(payload))
        docs = storage.parked_page(self.db, data["bureau"], data["after"], data["limit"])
        return {"items": [{"event_id": d["event_id"], "error": d["error"],
                           "attempts": d["attempts"],
                           "parked_at": time.strftime("%Y-%m-%dT%H:%M:%SZ",
                                                      time.gmtime(d["parked_at"]))}
                          for d in docs],
                "next": docs[-1]["key"] if len(docs) == data["limit"] else None}

    @rpc
    def requeue_webhooks(self, payload):
        """Send parked deliveries of a bureau (all, or these event ids) again."""
        data = load_or_raise(RequeueSchema(), _payload(payload))
        docs = storage.parked(self.db, data["bureau"], data["ids"])
        if data["ids"] and not docs:
            raise NotFound()
        if docs:
            self.webhooks_provider.requeue([(d["bureau"], d["event_id"], d["body"])
                                            for d in docs])
            storage.unpark(self.db, [d["_id"] for d in docs])
        return {"bureau": data["bureau"], "requeued": len(docs)}
