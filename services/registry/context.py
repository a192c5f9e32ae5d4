"""What a registry command works with: its database, its outbox, the PII vault, the caller."""
from dataclasses import dataclass
from datetime import datetime, timezone

from pymongo.database import Database

from carekit.errors import NotFound
from registry.pii import Vault


@dataclass
class Ctx:
    db: Database
    outbox: object  # carekit EventRecorder
    vault: Vault
    actor: str = "system"

    @staticmethod
    def now():
        return datetime.now(timezone.utc)

    def get(self, collection, entity_id, message, projection=None):
        doc = self.db[collection].find_one({"_id": entity_id}, projection or {
            "_outbox": 0, "_outbox_pending": 0})
        if doc is None:
            raise NotFound(message=message, id=entity_id)
        return doc
