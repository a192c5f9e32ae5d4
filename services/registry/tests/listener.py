"""A tiny subscriber, as pairing or activities would write one: a projection of children kept
from registry events with `upsert_if_newer` (idempotent, order-tolerant)."""
from carekit.events.handler import subscribe
from carekit.events.projection import upsert_if_newer
from carekit.service import CareService

KEPT = ("name", "school_id", "class_id", "grade", "class_number", "status", "left_behind_type")


class ChildListener(CareService):
    name = "listener"

    def _keep(self, event):
        upsert_if_newer(self.db.children, event.data["child_id"], event.data["version"],
                        {key: event.data[key] for key in KEPT})
        self.db.seen.insert_one({"event": event.name, "version": event.data["version"],
                                 "contract": event.version})

    @subscribe("registry", "ChildRegistered")
    def on_registered(self, event):
        self._keep(event)

    @subscribe("registry", "ChildUpdated")
    def on_updated(self, event):
        self._keep(event)

    @subscribe("registry", "ChildTransferred")
    def on_transferred(self, event):
        self._keep(event)
