"""The pairing service (结对帮扶): mentor teachers, hand-in-hand friends, proxy parents, the
county pairing policy and automatic pairing plans (DESIGN.md §2, issue 4).

Thin: every RPC validates its input with marshmallow and hands over to the desk (commands,
reactions), the planning (plans) or the queries. Registry events keep a projection of
children, classes, staff and volunteers, and end the pairings a change makes impossible.
"""
from nameko.rpc import rpc

from carekit.errors import load_or_raise
from carekit.events.handler import subscribe
from carekit.events.outbox import Outbox
from carekit.mongo import Database
from carekit.service import CareService
from pairing import intake, schemas, storage
from pairing.desk import PairingDesk, today
from pairing.model import BUDDY, MENTOR, PROXY
from pairing.planning import Planning
from pairing.queries import PairingQueries


class PairingService(CareService):
    name = "pairing"
    db = Database(indexes=storage.INDEXES)
    outbox = Outbox(carriers=storage.CARRIERS)

    # nameko binds dependencies per worker: build the domain objects on demand
    def _store(self):
        return storage.PairingStore(self.db)

    def _desk(self):
        return PairingDesk(self._store(), self.outbox, today)

    def _queries(self):
        return PairingQueries(self._store(), today)

    def _planning(self):
        desk = self._desk()
        return Planning(desk.store, desk)

    # -- policy -------------------------------------------------------------------------------
    @rpc
    def get_policy(self):
        return self._store().settings.policy().to_dict()

    @rpc
    def set_policy(self, payload):
        data = load_or_raise(schemas.PolicySchema(), payload)
        return self._desk().set_policy(data, self._queries())

    @rpc
    def recommend_priority(self, payload):
        return self._desk().recommend_priority(load_or_raise(schemas.PrioritySchema(), payload))

    # -- pairing by hand ----------------------------------------------------------------------
    @rpc
    def assign_mentor(self, payload):
        return self._desk().assign_mentor(load_or_raise(schemas.AssignMentorSchema(), payload))

    @rpc
    def release_mentor(self, payload):
        return self._desk().release(MENTOR, load_or_raise(schemas.ReleaseSchema(), payload))

    @rpc
    def pair_buddy(self, payload):
        return self._desk().pair_buddy(load_or_raise(schemas.PairBuddySchema(), payload))

    @rpc
    def unpair_buddy(self, payload):
        return self._desk().release(BUDDY, load_or_raise(schemas.ReleaseSchema(), payload))

    @rpc
    def assign_proxy_parent(self, payload):
        return self._desk().assign_proxy_parent(
            load_or_raise(schemas.AssignProxyParentSchema(), payload))

    @rpc
    def release_proxy_parent(self, payload):
        return self._desk().release(PROXY, load_or_raise(schemas.ReleaseSchema(), payload))

    # -- plans ----------------------------------------------------------------------------------
    @rpc
    def propose_plan(self, payload):
        data = load_or_raise(schemas.SchoolSchema(), payload)
        return self._planning().propose(data["school_id"], data.get("by"))

    @rpc
    def get_plan(self, payload):
        return self._planning().get(load_or_raise(schemas.PlanSchema(), payload)["plan_id"])

    @rpc
    def apply_plan(self, payload):
        data = load_or_raise(schemas.PlanSchema(), payload)
        return self._planning().apply(data["plan_id"], data.get("by"))

    @rpc
    def discard_plan(self, payload):
        data = load_or_raise(schemas.PlanSchema(), payload)
        return self._planning().discard(data["plan_id"], data.get("by"))

    # -- queries --------------------------------------------------------------------------------
    @rpc
    def pairings(self, payload):
        return self._queries().pairings(load_or_raise(schemas.PairingsQuerySchema(), payload))

    @rpc
    def unpaired_children(self, payload):
        return self._queries().unpaired(load_or_raise(schemas.UnpairedQuerySchema(), payload))

    @rpc
    def teacher_load(self, payload):
        data = load_or_raise(schemas.SchoolSchema(), payload)
        return self._queries().teacher_load(data["school_id"])

    @rpc
    def over_capacity(self, payload=None):
        data = load_or_raise(schemas.OverCapacityQuerySchema(), payload or {})
        return self._queries().over_capacity(data.get("school_id"))

    @rpc
    def coverage(self, payload):
        data = load_or_raise(schemas.SchoolSchema(), payload)
        return self._queries().coverage(data["school_id"])

    # -- registry projection and reactions (pairing.intake does the work) -----------------------
    def _take(self, event):
        intake.take(self._desk(), event.name, event.data)

    @subscribe("registry", "SchoolRegistered")
    def on_school_registered(self, event):
        self._take(event)

    @subscribe("registry", "SchoolUpdated")
    def on_school_updated(self, event):
        self._take(event)

    @subscribe("registry", "ClassCreated")
    def on_class_created(self, event):
        self._take(event)

    @subscribe("registry", "ClassUpdated")
    def on_class_updated(self, event):
        self._take(event)

    @subscribe("registry", "ChildRegistered")
    def on_child_registered(self, event):
        self._take(event)

    @subscribe("registry", "ChildUpdated")
    def on_child_updated(self, event):
        self._take(event)

    @subscribe("registry", "ChildStatusChanged")
    def on_child_status_changed(self, event):
        self._take(event)

    @subscribe("registry", "ChildTransferred")
    def on_child_transferred(self, event):
        self._take(event)

    @subscribe("registry", "StaffRegistered")
    def on_staff_registered(self, event):
        self._take(event)

    @subscribe("registry", "StaffUpdated")
    def on_staff_updated(self, event):
        self._take(event)

    @subscribe("registry", "StaffLeft")
    def on_staff_left(self, event):
        self._take(event)

    @subscribe("registry", "VolunteerRegistered")
    def on_volunteer_registered(self, event):
        self._take(event)

    @subscribe("registry", "VolunteerLeft")
    def on_volunteer_left(self, event):
        self._take(event)
