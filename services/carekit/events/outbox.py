"""Transactional outbox by single-document atomicity.

A command's state change and the events it causes are written in ONE document write: the
events ride in the changed document (carekit.events.records). That is atomic on any MongoDB
(standalone included) and on the stand-in, which has no isolation for multi-document
transactions. The relay later publishes them with confirms and moves them into `event_log`
(kept: the service's replayable event history).
"""
import uuid

from nameko.extensions import DependencyProvider

from carekit.events.envelope import new_envelope
from carekit.events.records import carrying, with_events
from carekit.events.relay import RelayRunner


class EventRecorder:
    """What a worker gets: builds validated envelopes and writes them with the state change.

    `notify(collection, ids)` tells this process's relay which documents now carry events
    (None: it does not know; the relay looks at every pending document)."""

    def __init__(self, service, database, correlation_id, causation_id=None, notify=None):
        self.service = service
        self.database = database
        self.correlation_id = correlation_id
        self.causation_id = causation_id
        self._notify = notify or (lambda collection, ids: None)

    def event(self, name, data, subject=None, version=1):
        """A validated envelope (raises InvalidEvent: nothing is written, nothing is sent)."""
        return new_envelope(self.service, name, data, version=version, subject=subject,
                            correlation_id=self.correlation_id,
                            causation_id=self.causation_id)

    def insert(self, collection, document, envelopes):
        result = self.database[collection].insert_one(carrying(document, envelopes))
        if envelopes:
            self._notify(collection, [result.inserted_id])
        return result

    def insert_many(self, collection, items, ordered=False):
        """Insert [(document, envelopes)] in one round trip. Each document with its own
        events is still one atomic write; with ordered=False a failing document (e.g. a
        duplicate key: pymongo's BulkWriteError names its index) leaves the others written."""
        documents = [carrying(document, envelopes) for document, envelopes in items]
        try:
            return self.database[collection].insert_many(documents, ordered=ordered)
        finally:
            ids = [d["_id"] for d in documents if "_id" in d]
            if any(envelopes for _, envelopes in items):
                self._notify(collection, ids)

    def update(self, collection, filter, update, envelopes, **kwargs):
        """update_one; the events are recorded only if the document matched (or upserted)."""
        result = self.database[collection].update_one(filter, with_events(update, envelopes),
                                                      **kwargs)
        if envelopes and (result.matched_count or result.upserted_id is not None):
            key = result.upserted_id if result.upserted_id is not None else filter.get("_id")
            self._notify(collection, None if isinstance(key, dict) or key is None else [key])
        return result

    def find_one_and_update(self, collection, filter, update, envelopes, **kwargs):
        doc = self.database[collection].find_one_and_update(
            filter, with_events(update, envelopes), **kwargs)
        if envelopes and doc is not None:
            self._notify(collection, [doc["_id"]])
        return doc


class Outbox(DependencyProvider):
    """Injects an EventRecorder; `carriers` are the collections whose documents carry events."""

    relay_runner = RelayRunner()

    def __init__(self, carriers=()):
        super().__init__()
        self.carriers = tuple(carriers)

    def setup(self):
        self.relay_runner.add_carriers(self.carriers)

    def get_dependency(self, worker_ctx):
        data = worker_ctx.context_data
        correlation_id = data.get("correlation_id")
        if not correlation_id:
            correlation_id = data["correlation_id"] = str(uuid.uuid4())
        return EventRecorder(self.container.service_name, self.relay_runner.database,
                             correlation_id, causation_id=data.get("event_id"),
                             notify=self.relay_runner.notify)
