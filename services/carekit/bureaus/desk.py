"""The public-stream RPCs every CareService answers (the onboarding command calls them).

- subscribe_bureau({"bureau", "events", "education", "delivery", "generation"}): the bureau
  gets copies of these public events from this service's relays from now on. Answers once
  every relay of the service is sure to have read it (PUBLIC_DIRECTORY_SECONDS later).
- unsubscribe_bureau({"bureau", "generation"}): no more copies (also after that delay).
- bureau_subscriptions(): the bureaus this service serves (a handful per county).
- public_events({"bureau", "since": "YYYY-MM-DD" | null, "after": order | null, "limit"}):
  a page of the bureau's public events from this service's event log that it did not get
  live, marked as replays, in recorded order: {"events": [{order, routing_key, body}],
  "after", "more"}. The onboarding command merges every publisher's pages by order and
  publishes them into the bureau's queue.
A service with no public events answers the last one with an empty page.
"""
import eventlet
from marshmallow import Schema, fields, validate
from nameko.extensions import DependencyProvider

from carekit.bureaus import directory
from carekit.bureaus.stream import replay_page
from carekit.errors import ValidationFailed, load_or_raise
from carekit.events.catalogue import load_contracts
from carekit.events.public import Keyring

PAGE = 500


class PublicEventsRequest(Schema):
    bureau = fields.String(required=True, validate=validate.Regexp(
        "^" + directory.BUREAU_NAME.pattern + "$"))
    since = fields.Date(load_default=None, allow_none=True)
    after = fields.String(load_default=None, allow_none=True,
                          validate=validate.Regexp(r"^[0-9]{1,40}$"))
    limit = fields.Integer(load_default=PAGE, strict=True,
                           validate=validate.Range(min=1, max=PAGE))


def _payload(request):
    return request if isinstance(request, dict) else {}


class PublicDesk(DependencyProvider):

    def setup(self):
        config = self.container.config
        self.service = self.container.service_name
        self.settle_seconds = float(config.get("PUBLIC_DIRECTORY_SECONDS", 2.0))
        key = config.get("PUBLIC_STREAM_KEY")
        self.keyring = Keyring(key) if key else None

    def get_dependency(self, worker_ctx):
        return self

    def _public_names(self):
        return {e["name"] for e in load_contracts().public_entries()}

    def subscribe(self, database, request):
        data = load_or_raise(directory.SubscriptionSchema(), _payload(request))
        unknown = sorted(set(data["events"]) - self._public_names())
        if unknown:
            raise ValidationFailed.single("events", "not_public",
                                          "这些事件没有公开版本: {}".format(", ".join(unknown)))
        applied = directory.save(database, data)
        eventlet.sleep(self.settle_seconds)  # every relay of ours has read it by now
        return {"bureau": data["bureau"], "applied": applied}

    def unsubscribe(self, database, request):
        data = load_or_raise(directory.RemovalSchema(), _payload(request))
        applied = directory.remove(database, data)
        eventlet.sleep(self.settle_seconds)
        return {"bureau": data["bureau"], "applied": applied}

    def subscriptions(self, database):
        return directory.listing(database)

    def events(self, database, request):
        data = load_or_raise(PublicEventsRequest(), _payload(request))
        subscriber = directory.subscriber(database, data["bureau"])
        if subscriber is None:
            raise ValidationFailed.single("bureau", "not_subscribed", "该单位没有订阅公开事件")
        if self.keyring is None:
            return {"events": [], "after": data["after"], "more": False}
        return replay_page(database, self.keyring, self.service, subscriber, data["since"],
                           data["after"], data["limit"])
