"""Transactional outbox by single-document atomicity.

A command's state change and the events it causes are written in ONE document write: the
events ride in the changed document's `_outbox` array, flagged by `_outbox_pending`. That is
atomic on any MongoDB (standalone included) and on the stand-in, which has no isolation for
multi-document transactions. The relay later moves them into `event_log` (kept: the
service's replayable event history), publishes them with confirms and marks them sent.
"""
import uuid

from nameko.extensions import DependencyProvider

from carekit.events.envelope import new_envelope
from carekit.events.records import OUTBOX_FIELD, PENDING_FLAG, with_events
from carekit.events.relay import OutboxRelay

def carrying(document, envelopes):
    """A copy of `document` that carries `envelopes` for the relay."""
    document = dict(document)
    if envelopes:
        document[OUTBOX_FIELD] = list(envelopes)
        document[PENDING_FLAG] = True
    return document


class EventRecorder:
    """What a worker gets: builds validated envelopes and writes them with the state change."""

    def __init__(self, service, database, correlation_id, causation_id=None, wake=None):
        self.service = service
        self.database = database
        self.correlation_id = correlation_id
        self.causation_id = causation_id
        self._wake = wake or (lambda: None)

    def event(self, name, data, subject=None, version=1):
        """A validated envelope (raises InvalidEvent: nothing is written, nothing is sent)."""
        return new_envelope(self.service, name, data, version=version, subject=subject,
                            correlation_id=self.correlation_id,
                            causation_id=self.causation_id)

    def insert(self, collection, document, envelopes):
        result = self.database[collection].insert_one(carrying(document, envelopes))
        self._wake()
        return result

    def insert_many(self, collection, items, ordered=False):
        """Insert [(document, envelopes)] in one round trip. Each document with its own
        events is still one atomic write; with ordered=False a failing document (e.g. a
        duplicate key: pymongo's BulkWriteError names its index) leaves the others written."""
        documents = [carrying(document, envelopes) for document, envelopes in items]
        try:
            return self.database[collection].insert_many(documents, ordered=ordered)
        finally:
            self._wake()

    def update(self, collection, filter, update, envelopes, **kwargs):
        """update_one; the events are recorded only if the document matched (or upserted)."""
        result = self.database[collection].update_one(filter, with_events(update, envelopes),
                                                      **kwargs)
        if result.matched_count or result.upserted_id is not None:
            self._wake()
        return result

    def find_one_and_update(self, collection, filter, update, envelopes, **kwargs):
        doc = self.database[collection].find_one_and_update(
            filter, with_events(update, envelopes), **kwargs)
        self._wake()
        return doc


class Outbox(DependencyProvider):
    """Injects an EventRecorder; `carriers` are the collections whose documents carry events."""

    def __init__(self, carriers=()):
        super().__init__()
        self.carriers = tuple(carriers)

    relay = OutboxRelay()

    def setup(self):
        self.relay.add_carriers(self.carriers)

    def get_dependency(self, worker_ctx):
        data = worker_ctx.context_data
        correlation_id = data.get("correlation_id")
        if not correlation_id:
            correlation_id = data["correlation_id"] = str(uuid.uuid4())
        return EventRecorder(self.container.service_name, self.relay.database, correlation_id,
                             causation_id=data.get("event_id"), wake=self.relay.wake)
