"""nameko part of the bureau webhooks: the running consumer, the settings the RPCs need, and
the confirmed publisher that sends parked deliveries back."""
from nameko.extensions import DependencyProvider

from carekit.bureaus.broker import webhook_queue
from carekit.events import topology
from carekit.events.bus import ConfirmingPublisher, Outgoing, PublishFailed
from carekit.events.envelope import CONTENT_TYPE
from notifications.bureaus.consumer import WebhookConsumer


class BureauWebhooks(DependencyProvider):
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
