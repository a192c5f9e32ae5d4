"""What a registry command works with: its database, its outbox, the PII vault, the caller."""
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone

from pymongo.database import Database

from carekit.documents import NO_OUTBOX, save_if_version
from carekit.errors import Conflict, NotFound
from registry.pii import Vault


# The version of each event the registry publishes where the contract has more than one
# (carekit/contracts/registry.py); every other event is published as v1.
PUBLISHED_VERSIONS = dict.fromkeys((
    "SchoolRegistered", "SchoolUpdated", "ClassCreated", "ClassUpdated", "ChildRegistered",
    "ChildUpdated", "ChildStatusChanged", "ChildTransferred"), 2)


@dataclass
class Ctx:
    db: Database
    outbox: object  # carekit EventRecorder
    vault: Vault
    actor: str = "system"
    # the schools the caller may see ({school_ids, whole_county}); None: none named to them
    scope: dict = field(default=None)

    def seeing(self, scope):
        return replace(self, scope=scope)

    def may_see_school(self, school_id):
        scope = self.scope or {}
        return bool(scope.get("whole_county")) or school_id in (scope.get("school_ids") or ())

    @staticmethod
    def now():
        return datetime.now(timezone.utc)

    def event(self, name, data, subject):
        """A validated envelope of `name` in the version the registry publishes."""
        return self.outbox.event(name, data, subject=subject,
                                 version=PUBLISHED_VERSIONS.get(name, 1))

    def get(self, collection, entity_id, message, projection=None):
        doc = self.db[collection].find_one({"_id": entity_id}, projection or NO_OUTBOX)
        if doc is None:
            raise NotFound(message=message, id=entity_id)
        return doc

    def save_version(self, collection, doc, fields, event_name, event_data, stale_message):
        """Write `fields` as the next version of `doc`, with the event `event_name` carrying
        `event_data(updated)`, unless someone changed `doc` since it was read (a Conflict).
        Returns the updated document."""
        updated = dict(doc, **fields, version=doc["version"] + 1)
        event = self.event(event_name, event_data(updated), doc["_id"])
        saved = save_if_version(self.outbox, collection, doc["_id"], doc["version"],
                                {"$set": dict(fields, version=updated["version"],
                                              updated_at=self.now())}, [event])
        if not saved:
            raise Conflict(code="stale_version", message=stale_message)
        return updated
