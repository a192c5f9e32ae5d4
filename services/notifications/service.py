"""The notifications service: reminders that keep any child from being forgotten.

Thin: event handlers feed the projections, two timers sweep (decide what fell due) and
dispatch (deliver it), RPCs validate their argument and call the domain; other bureaus'
webhooks (notifications.bureaus) are delivered by a consumer of their own. See README.md.

Every RPC's one payload goes through its schema and carekit's screen first
(carekit.rpc.validated: no operator, `$`- or dotted key, control character or invalid UTF-8
reaches the domain); an unexpected error answers `internal_error` with a reference to the
log line, never its text.
"""
from nameko.rpc import RpcProxy

import carekit.contracts.activities  # noqa: F401  (the events our handlers validate)
import carekit.contracts.notifications  # noqa: F401
import carekit.contracts.pairing  # noqa: F401
import carekit.contracts.registry  # noqa: F401
from carekit.events.handler import subscribe
from carekit.events.outbox import Outbox
from carekit.mongo import Database
from carekit.rpc import load_arguments, rpc, validated
from carekit.service import CareService
from notifications import projection, queries, schemas, settings, sweep
from notifications import storage as st
from notifications.bureaus import schemas as bureau_schemas
from notifications.bureaus import storage as bureau_storage
from notifications.bureaus import webhooks
from notifications.bureaus.wiring import BureauWebhooks
from notifications.clock import Clock
from notifications.delivery import Dispatcher
from notifications.wiring import ActingService, Delivery, contact_book, tick


# What each handler's read model lives in (carekit.events.rebuild drops and replays them);
# the agenda and everything people set are not rebuilt from events.
SCHOOL_OWNS, CLASS_OWNS, STAFF_OWNS = (st.SCHOOLS,), (st.CLASSES,), (st.STAFF,)
VOLUNTEER_OWNS, CHILD_OWNS, PAIRING_OWNS = (st.VOLUNTEERS,), (st.CHILDREN,), (st.PAIRINGS,)
VISIT_OWNS = (st.CARE_RECORDS, st.FOLLOW_UPS, st.CHILDREN)
DIARY_OWNS, ACTIVITY_OWNS = (st.DIARY, st.CHILDREN), (st.ACTIVITIES,)
POLICY_OWNS, PRIORITY_OWNS = (st.PAIRING_POLICIES,), (st.PRIORITY,)
ROTA_OWNS, SWAP_OWNS = (st.ROTAS,), (st.DUTY_SWAPS,)


class NotificationsService(CareService):
    name = "notifications"
    db = Database(indexes=dict(st.INDEXES, **bureau_storage.INDEXES))
    outbox = Outbox(carriers=st.CARRIERS)
    clock = Clock()
    delivery = Delivery()
    acting = ActingService()
    registry = RpcProxy("registry")  # contact details at send time, nothing else
    bureau_hooks = BureauWebhooks()  # consumes webhook.<bureau>, POSTs signed (its own thread)

    # -- timers ----------------------------------------------------------------------------------
    @tick
    def sweep_due(self):
        return sweep.run(self.db, self.clock.now())

    @tick
    def deliver_due(self):
        dispatcher = Dispatcher(self.db, self.outbox, self.delivery.channels,
                                contact_book(self.registry), self.delivery.retry_seconds)
        return dispatcher.run(self.clock.now())

    # -- inbox -----------------------------------------------------------------------------------
    @rpc
    @validated(payload=schemas.InboxQuery)
    def inbox(self, payload):
        return queries.inbox(self.db, payload)

    @rpc
    @validated(payload=schemas.RecipientInput)
    def unread_count(self, payload):
        return queries.unread_count(self.db, payload)

    @rpc
    @validated(payload=schemas.MarkRead)
    def mark_read(self, payload):
        return queries.mark_read(self.db, payload)

    @rpc
    @validated(payload=schemas.DeliveryLogQuery)
    def delivery_log(self, payload):
        return queries.delivery_log(self.db, payload)

    # -- settings ----------------------------------------------------------------------------------
    @rpc
    @validated(payload=schemas.RecipientInput)
    def get_preferences(self, payload):
        return settings.get_preferences(self.db, payload)

    @rpc
    @validated(payload=schemas.PreferencesInput)
    def set_preferences(self, payload):
        return settings.set_preferences(self.db, payload)

    @rpc
    @validated(payload=schemas.CountyInput)
    def get_county_rules(self, payload):
        return settings.get_county_rules(self.db, payload["county_id"])

    @rpc
    @validated(payload=schemas.CountyRulesInput)
    def set_county_rules(self, payload):
        return settings.set_county_rules(self.db, payload)

    @rpc
    @validated(payload=schemas.CountyTemplateInput)
    def set_county_template(self, payload):
        return settings.set_county_template(self.db, payload)

    @rpc
    @validated(payload=schemas.TemplatePreview)
    def preview_template(self, payload):
        return settings.preview_template(self.db, payload)

    @rpc
    @validated(payload=schemas.ParentSummaryInput)
    def set_parent_summary(self, payload):
        return settings.set_parent_summary(self.db, payload, self.clock.now())

    # -- other bureaus' webhooks (notifications.bureaus; the county's administrator) -----------
    @rpc
    def register_bureau_webhook(self, payload):
        # not @validated: whether http:// is allowed is this container's setting
        schema = bureau_schemas.WebhookSchema(allow_http=self.bureau_hooks.allow_http)
        payload = load_arguments({"payload": schema}, {"payload": payload})["payload"]
        return webhooks.register(self.db, self.bureau_hooks, payload)

    @rpc
    @validated(payload=bureau_schemas.BureauSchema)
    def remove_bureau_webhook(self, payload):
        return webhooks.remove(self.db, payload)

    @rpc
    def bureau_webhooks(self):
        return webhooks.listing(self.db)

    @rpc
    @validated(payload=bureau_schemas.ParkedPageSchema)
    def parked_bureau_webhooks(self, payload):
        return webhooks.parked_page(self.db, payload)

    @rpc
    @validated(payload=bureau_schemas.RequeueSchema)
    def requeue_bureau_webhooks(self, payload):
        return webhooks.requeue(self.db, self.bureau_hooks, payload)

    # -- registry ----------------------------------------------------------------------------------
    @subscribe("registry", "SchoolRegistered", owns=SCHOOL_OWNS)
    def on_school_registered(self, event):
        projection.school(self.db, event.data)

    @subscribe("registry", "SchoolUpdated", owns=SCHOOL_OWNS)
    def on_school_updated(self, event):
        projection.school(self.db, event.data)

    @subscribe("registry", "ClassCreated", owns=CLASS_OWNS)
    def on_class_created(self, event):
        projection.klass(self.db, event.data)

    @subscribe("registry", "ClassUpdated", owns=CLASS_OWNS)
    def on_class_updated(self, event):
        projection.klass(self.db, event.data)

    @subscribe("registry", "StaffRegistered", owns=STAFF_OWNS)
    def on_staff_registered(self, event):
        projection.staff(self.db, event.data)

    @subscribe("registry", "StaffUpdated", owns=STAFF_OWNS)
    def on_staff_updated(self, event):
        projection.staff(self.db, event.data)

    @subscribe("registry", "StaffLeft", owns=STAFF_OWNS)
    def on_staff_left(self, event):
        projection.staff(self.db, event.data)

    @subscribe("registry", "VolunteerRegistered", owns=VOLUNTEER_OWNS)
    def on_volunteer_registered(self, event):
        projection.volunteer(self.db, event.data)

    @subscribe("registry", "VolunteerLeft", owns=VOLUNTEER_OWNS)
    def on_volunteer_left(self, event):
        projection.volunteer(self.db, event.data)

    @subscribe("registry", "ChildRegistered", owns=CHILD_OWNS)
    def on_child_registered(self, event):
        projection.child(self.db, event.data, registered_on=event.data["registered_on"])

    @subscribe("registry", "ChildUpdated", owns=CHILD_OWNS)
    def on_child_updated(self, event):
        projection.child(self.db, event.data)

    @subscribe("registry", "ChildStatusChanged", owns=CHILD_OWNS)
    def on_child_status_changed(self, event):
        projection.child(self.db, event.data, status_since=event.data["effective_date"])

    @subscribe("registry", "ChildTransferred", owns=CHILD_OWNS)
    def on_child_transferred(self, event):
        projection.child(self.db, event.data)

    # -- pairing -----------------------------------------------------------------------------------
    @subscribe("pairing", "MentorAssigned", owns=PAIRING_OWNS)
    def on_mentor_assigned(self, event):
        d = event.data
        projection.pairing_started(self.db, d, "mentor", d["teacher_id"], d.get("teacher_name"))

    @subscribe("pairing", "MentorReleased", owns=PAIRING_OWNS)
    def on_mentor_released(self, event):
        d = event.data
        projection.pairing_ended(self.db, d, "mentor", d["teacher_id"], d.get("teacher_name"))

    @subscribe("pairing", "BuddyPaired", owns=PAIRING_OWNS)
    def on_buddy_paired(self, event):
        d = event.data
        projection.pairing_started(self.db, d, "buddy", d.get("buddy_child_id"), d["buddy_name"])

    @subscribe("pairing", "BuddyUnpaired", owns=PAIRING_OWNS)
    def on_buddy_unpaired(self, event):
        d = event.data
        projection.pairing_ended(self.db, d, "buddy", d.get("buddy_child_id"), d["buddy_name"])

    @subscribe("pairing", "ProxyParentAssigned", owns=PAIRING_OWNS)
    def on_proxy_parent_assigned(self, event):
        d = event.data
        projection.pairing_started(self.db, d, "proxy_parent", d["volunteer_id"],
                                   d.get("volunteer_name"))

    @subscribe("pairing", "ProxyParentReleased", owns=PAIRING_OWNS)
    def on_proxy_parent_released(self, event):
        d = event.data
        projection.pairing_ended(self.db, d, "proxy_parent", d["volunteer_id"],
                                 d.get("volunteer_name"))

    @subscribe("pairing", "PairingEnded", owns=PAIRING_OWNS)
    def on_pairing_ended(self, event):
        d = event.data
        projection.pairing_ended(self.db, d, d["kind"], d.get("partner_id"),
                                 d.get("partner_name"), needs_repairing=d["needs_repairing"])

    @subscribe("pairing", "PairingPolicyChanged", owns=POLICY_OWNS)
    def on_pairing_policy_changed(self, event):
        projection.pairing_policy(self.db, event.data)

    @subscribe("pairing", "PriorityRecommended", owns=PRIORITY_OWNS)
    def on_priority_recommended(self, event):
        projection.priority(self.db, event.data, True, event.time)

    @subscribe("pairing", "PriorityWithdrawn", owns=PRIORITY_OWNS)
    def on_priority_withdrawn(self, event):
        projection.priority(self.db, event.data, False, event.time)

    # -- activities --------------------------------------------------------------------------------
    @subscribe("activities", "VisitLogged", owns=VISIT_OWNS)
    def on_visit_logged(self, event):
        projection.care_record(self.db, event.data)

    @subscribe("activities", "VisitRevised", owns=VISIT_OWNS)
    def on_visit_revised(self, event):
        projection.care_record(self.db, event.data)

    @subscribe("activities", "VisitDeleted", owns=VISIT_OWNS)
    def on_visit_deleted(self, event):
        projection.care_record(self.db, event.data, deleted=True)

    @subscribe("activities", "DiaryEntryAdded", owns=DIARY_OWNS)
    def on_diary_entry_added(self, event):
        projection.diary_entry(self.db, event.data, 1)

    @subscribe("activities", "DiaryEntryRevised", owns=DIARY_OWNS)
    def on_diary_entry_revised(self, event):
        projection.diary_entry(self.db, event.data, event.data["revision"])

    @subscribe("activities", "DiaryEntryDeleted", owns=DIARY_OWNS)
    def on_diary_entry_deleted(self, event):
        projection.diary_entry(self.db, event.data,
                               event.data.get("revision") or projection.NEVER_REVISED,
                               deleted=True)

    @subscribe("activities", "DutyRotaSet", owns=ROTA_OWNS)
    def on_duty_rota_set(self, event):
        projection.duty_rota(self.db, event.data)

    @subscribe("activities", "DutySwapped", owns=SWAP_OWNS)
    def on_duty_swapped(self, event):
        projection.duty_swap(self.db, event.data)

    @subscribe("activities", "ActivityScheduled", owns=ACTIVITY_OWNS)
    def on_activity_scheduled(self, event):
        projection.activity(self.db, event.data, "scheduled")

    @subscribe("activities", "ActivityCancelled", owns=ACTIVITY_OWNS)
    def on_activity_cancelled(self, event):
        projection.activity(self.db, event.data, "cancelled")

    @subscribe("activities", "ActivityHeld", owns=ACTIVITY_OWNS)
    def on_activity_held(self, event):
        projection.activity(self.db, event.data, "held")
