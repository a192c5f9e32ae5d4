"""The pairing service (结对帮扶): mentor teachers, hand-in-hand friends, proxy parents, each
county's pairing policy, class recommendations and automatic pairing plans (DESIGN.md §2).

Thin: every RPC validates its input with marshmallow and hands over to the desk (commands,
reactions), the planning (plans) or the queries. Registry events keep a projection of
schools, classes, children, staff and volunteers (each handler declares the collection it
owns, for a rebuild), and end the pairings a change makes impossible.
"""
from nameko.rpc import rpc
from nameko.timer import timer

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

SWEEP_SECONDS = 30


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

    # -- county policy and class recommendations ------------------------------------------------
    @rpc
    def get_policy(self, payload):
        data = load_or_raise(schemas.CountySchema(), payload)
        return self._store().settings.policy(data["county_id"]).to_dict()

    @rpc
    def set_policy(self, payload):
        data = load_or_raise(schemas.PolicySchema(), payload)
        return self._desk().set_policy(data, self._queries())

    @rpc
    def recommend_priority(self, payload):
        return self._desk().recommend_priority(load_or_raise(schemas.PrioritySchema(), payload))

    @rpc
    def withdraw_priority(self, payload):
        return self._desk().withdraw_priority(
            load_or_raise(schemas.WithdrawPrioritySchema(), payload))

    @rpc
    def recommended_children(self, payload):
        return self._queries().recommended(
            load_or_raise(schemas.RecommendedQuerySchema(), payload))

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

    @timer(interval=SWEEP_SECONDS)
    def finish_stopped_plans(self):
        self._planning().sweep()

    # -- queries --------------------------------------------------------------------------------
    @rpc
    def pairings(self, payload):
        return self._queries().pairings(load_or_raise(schemas.PairingsQuerySchema(), payload))

    @rpc
    def unpaired_children(self, payload):
        return self._queries().unpaired(load_or_raise(schemas.UnpairedQuerySchema(), payload))

    @rpc
    def teacher_load(self, payload):
        return self._queries().teacher_load(load_or_raise(schemas.SchoolPageSchema(), payload))

    @rpc
    def over_capacity(self, payload):
        return self._queries().over_capacity(load_or_raise(schemas.SchoolPageSchema(), payload))

    @rpc
    def coverage(self, payload):
        data = load_or_raise(schemas.SchoolSchema(), payload)
        return self._queries().coverage(data["school_id"])

    # -- registry projection and reactions (pairing.intake does the work) -----------------------
    def _take(self, event):
        intake.take(self._desk(), event.name, event.data)

    @subscribe("registry", "SchoolRegistered", owns=(storage.SCHOOLS,))
    def on_school_registered(self, event):
        self._take(event)

    @subscribe("registry", "SchoolUpdated", owns=(storage.SCHOOLS,))
    def on_school_updated(self, event):
        self._take(event)

    @subscribe("registry", "ClassCreated", owns=(storage.CLASSES,))
    def on_class_created(self, event):
        self._take(event)

    @subscribe("registry", "ClassUpdated", owns=(storage.CLASSES,))
    def on_class_updated(self, event):
        self._take(event)

    @subscribe("registry", "ChildRegistered", owns=(storage.CHILDREN,))
    def on_child_registered(self, event):
        self._take(event)

    @subscribe("registry", "ChildUpdated", owns=(storage.CHILDREN,))
    def on_child_updated(self, event):
        self._take(event)

    @subscribe("registry", "ChildStatusChanged", owns=(storage.CHILDREN,))
    def on_child_status_changed(self, event):
        self._take(event)

    @subscribe("registry", "ChildTransferred", owns=(storage.CHILDREN,))
    def on_child_transferred(self, event):
        self._take(event)

    @subscribe("registry", "StaffRegistered", owns=(storage.STAFF,))
    def on_staff_registered(self, event):
        self._take(event)

    @subscribe("registry", "StaffUpdated", owns=(storage.STAFF,))
    def on_staff_updated(self, event):
        self._take(event)

    @subscribe("registry", "StaffLeft", owns=(storage.STAFF,))
    def on_staff_left(self, event):
        self._take(event)

    @subscribe("registry", "VolunteerRegistered", owns=(storage.VOLUNTEERS,))
    def on_volunteer_registered(self, event):
        self._take(event)

    @subscribe("registry", "VolunteerLeft", owns=(storage.VOLUNTEERS,))
    def on_volunteer_left(self, event):
        self._take(event)
