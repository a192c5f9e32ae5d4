"""A downstream subscriber for tests: counts VisitLogged per child with a deliberately
non-idempotent $inc, so only the kit's ledger stands between a redelivery and a double count
(as notifications and reporting will)."""
from carekit.events.handler import subscribe
from carekit.service import CareService


class VisitCounter(CareService):
    name = "visit_counter"

    @subscribe("activities", "VisitLogged")
    def on_visit_logged(self, event):
        self.db.visits.update_one({"_id": event.data["child_id"]},
                                  {"$inc": {"n": 1}, "$set": {"kind": event.data["kind"]}},
                                  upsert=True)
        self.db.runs.insert_one({"event_id": event.id, "record_id": event.data["record_id"]})
