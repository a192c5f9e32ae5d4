"""The registry service: schools and classes, the living child file (一生一档), staff and
volunteers, roster import and contact cards. Thin: validate the arguments, call the command.

Every argument of every RPC goes through a schema first (carekit.rpc.validated: ids of the
expected shape, payload dicts through their schema, no `$` keys anywhere); an unexpected error
answers `internal_error` with a reference to the log line. List RPCs take a query naming their
scope and answer one page ({items, next_cursor}). The caller (gateway) names the person acting
in the nameko context data as `user_id`; it is written into history and the PII audit.
"""
import base64
import binascii

from nameko.extensions import DependencyProvider

import carekit.contracts.pairing  # noqa: F401  (our handlers validate pairing's events)
from carekit.errors import ValidationFailed
from carekit.events.handler import subscribe
from carekit.events.outbox import Outbox
from carekit.mongo import Database
from carekit.rpc import Id, rpc, validated
from carekit.service import CareService
from registry import (children, contacts, importing, org, pairings, people, printing, roster,
                      schemas)
from registry import storage as st
from registry.context import Ctx
from registry.pii import vault_of


class PiiVault(DependencyProvider):
    """The vault of PII_ENCRYPTION_KEY (newest first), PII_HASH_KEY and PII_CIPHER."""

    def setup(self):
        self.vault = vault_of(self.container.config)

    def get_dependency(self, worker_ctx):
        return self.vault


class Caller(DependencyProvider):
    def get_dependency(self, worker_ctx):
        return str(worker_ctx.context_data.get("user_id") or "system")


def _decoded(text, field="content_base64"):
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise ValidationFailed.single(field, "bad_base64", "文件内容应为 base64 编码")


def _file(filename, content):
    return {"filename": filename, "content_base64": base64.b64encode(content).decode("ascii"),
            "size": len(content)}


class RegistryService(CareService):
    name = "registry"
    db = Database(indexes=st.INDEXES)
    outbox = Outbox(carriers=st.CARRIERS)
    vault = PiiVault()
    caller = Caller()

    @property
    def ctx(self):
        return Ctx(self.db, self.outbox, self.vault, self.caller)

    # -- organisation --------------------------------------------------------------------------
    @rpc
    @validated(payload=schemas.CountyInput)
    def create_county(self, payload):
        return org.create_county(self.ctx, payload)

    @rpc
    @validated(county_id=Id(required=True), changes=schemas.CountyChanges)
    def update_county(self, county_id, changes):
        return org.update_county(self.ctx, county_id, changes)

    @rpc
    @validated(payload=schemas.TownshipInput)
    def create_township(self, payload):
        return org.create_township(self.ctx, payload)

    @rpc
    def list_counties(self):
        return org.list_counties(self.ctx)

    @rpc
    @validated(township_id=Id(required=True), changes=schemas.TownshipChanges)
    def update_township(self, township_id, changes):
        return org.update_township(self.ctx, township_id, changes)

    @rpc
    @validated(query=schemas.TownshipQuery)
    def list_townships(self, query):
        return org.list_townships(self.ctx, query)

    @rpc
    @validated(payload=schemas.SchoolInput)
    def register_school(self, payload):
        return org.register_school(self.ctx, payload)

    @rpc
    @validated(school_id=Id(required=True), changes=schemas.SchoolChanges)
    def update_school(self, school_id, changes):
        return org.update_school(self.ctx, school_id, changes)

    @rpc
    @validated(query=schemas.SchoolQuery)
    def list_schools(self, query):
        return org.list_schools(self.ctx, query)

    @rpc
    @validated(payload=schemas.ClassInput)
    def create_class(self, payload):
        return org.create_class(self.ctx, payload)

    @rpc
    @validated(class_id=Id(required=True), changes=schemas.ClassChanges)
    def update_class(self, class_id, changes):
        return org.update_class(self.ctx, class_id, changes)

    @rpc
    @validated(query=schemas.ClassQuery)
    def list_classes(self, query):
        return org.list_classes(self.ctx, query)

    # -- child files ---------------------------------------------------------------------------
    @rpc
    @validated(payload=schemas.ChildInput, scope=schemas.CallerScope)
    def register_child(self, payload, scope=None):
        """`scope`: the schools the caller may see, so a duplicate ID names its school only
        to a caller who may see it."""
        return children.register_child(self.ctx.seeing(scope), payload)

    @rpc
    @validated(child_id=Id(required=True), changes=schemas.ChildChanges(partial=True),
               scope=schemas.CallerScope)
    def update_child(self, child_id, changes, scope=None):
        return children.update_child(self.ctx.seeing(scope), child_id, changes)

    @rpc
    @validated(child_id=Id(required=True), payload=schemas.StatusChangeInput)
    def change_child_status(self, child_id, payload):
        return children.change_status(self.ctx, child_id, payload)

    @rpc
    @validated(child_id=Id(required=True), payload=schemas.TransferInput)
    def transfer_child(self, child_id, payload):
        return children.transfer_child(self.ctx, child_id, payload)

    @rpc
    @validated(child_ids=schemas.SiblingIds(required=True))
    def link_siblings(self, child_ids):
        return children.link_siblings(self.ctx, child_ids)

    @rpc
    @validated(child_id=Id(required=True), request=schemas.RevealInput)
    def get_child(self, child_id, request=None):
        """Masked by default; {"reveal": true, "reason": "..."} shows full values (audited)."""
        return children.get_child(self.ctx, child_id, request)

    @rpc
    @validated(query=schemas.ChildQuery)
    def list_children(self, query):
        return children.list_children_page(self.ctx, query)

    @rpc
    @validated(child_id=Id(required=True))
    def child_history(self, child_id):
        return children.history(self.ctx, child_id)

    @rpc
    @validated(query=schemas.SchoolPageQuery)
    def transferred_out(self, query):
        return children.transferred_out(self.ctx, query)

    @rpc
    @validated(request=schemas.FindByNationalIdInput)
    def find_child_by_national_id(self, request):
        """Who holds an ID in the county: a reveal of sorts, so a reason is required and
        the look-up is written to the PII audit."""
        return children.find_by_national_id(self.ctx.seeing(request.get("scope")), request)

    # -- staff and volunteers ------------------------------------------------------------------
    @rpc
    @validated(payload=schemas.StaffInput)
    def register_staff(self, payload):
        return people.register_staff(self.ctx, payload)

    @rpc
    @validated(staff_id=Id(required=True), changes=schemas.StaffChanges(partial=True))
    def update_staff(self, staff_id, changes):
        return people.update_staff(self.ctx, staff_id, changes)

    @rpc
    @validated(staff_id=Id(required=True), payload=schemas.LeaveInput)
    def staff_left(self, staff_id, payload=None):
        ctx = self.ctx
        return people.staff_left(ctx, staff_id, payload,
                                 lambda class_id: org.update_class(
                                     ctx, class_id, {"head_teacher_id": None}))

    @rpc
    @validated(staff_id=Id(required=True), request=schemas.RevealInput)
    def get_staff(self, staff_id, request=None):
        return people.get_person(self.ctx, st.STAFF, staff_id, request, "staff")

    @rpc
    @validated(query=schemas.PeopleQuery)
    def list_staff(self, query):
        return people.list_people(self.ctx, st.STAFF, query)

    @rpc
    @validated(payload=schemas.VolunteerInput)
    def register_volunteer(self, payload):
        return people.register_volunteer(self.ctx, payload)

    @rpc
    @validated(volunteer_id=Id(required=True), payload=schemas.LeaveInput)
    def volunteer_left(self, volunteer_id, payload=None):
        return people.volunteer_left(self.ctx, volunteer_id, payload)

    @rpc
    @validated(volunteer_id=Id(required=True), request=schemas.RevealInput)
    def get_volunteer(self, volunteer_id, request=None):
        return people.get_person(self.ctx, st.VOLUNTEERS, volunteer_id, request, "volunteer")

    @rpc
    @validated(query=schemas.PeopleQuery)
    def list_volunteers(self, query):
        return people.list_people(self.ctx, st.VOLUNTEERS, query)

    # -- roster import -------------------------------------------------------------------------
    @rpc
    @validated(file_format=schemas.FileFormat())
    def roster_template(self, file_format="xlsx"):
        if file_format == "csv":
            return _file("留守儿童花名册模板.csv", roster.template_csv())
        return _file("留守儿童花名册模板.xlsx", roster.template_xlsx())

    @rpc
    @validated(payload=schemas.ImportInput, scope=schemas.CallerScope)
    def import_roster(self, payload, scope=None):
        return importing.import_roster(self.ctx.seeing(scope), payload,
                                       _decoded(payload["content_base64"]))

    # -- contact cards and forms (PDF): every one that shows phones needs a reason -----------
    @rpc
    @validated(child_id=Id(required=True), reason=schemas.Reason())
    def contact_card(self, child_id, reason):
        return _file(*printing.for_child(self.ctx, "contact_card", child_id, reason))

    @rpc
    @validated(class_id=Id(required=True), reason=schemas.Reason())
    def class_contact_cards(self, class_id, reason):
        return _file(*printing.for_class(self.ctx, "contact_card", class_id, reason))

    @rpc
    @validated(child_id=Id(required=True), reason=schemas.Reason())
    def basic_info_form(self, child_id, reason=None):
        return _file(*printing.for_child(self.ctx, "basic_info_form", child_id, reason))

    @rpc
    @validated(class_id=Id(required=True), reason=schemas.Reason())
    def class_basic_info_forms(self, class_id, reason=None):
        return _file(*printing.for_class(self.ctx, "basic_info_form", class_id, reason))

    @rpc
    @validated(class_id=Id(required=True))
    def buddy_card(self, class_id):
        return _file(*printing.for_class(self.ctx, "buddy_card", class_id))

    # -- contact details for notifications (registry/contacts.py) ------------------------------
    @rpc
    @validated(payload=contacts.ContactsQuery)
    def notification_contacts(self, payload):
        return contacts.for_notification(self.ctx, payload)

    @rpc
    @validated(payload=contacts.EmailInput)
    def set_notification_email(self, payload):
        return contacts.set_email(self.ctx, payload)

    # -- pairing's events: who is paired with the child (contact card, forms) ----------------
    @subscribe("pairing", "MentorAssigned", owns=(st.MENTORS,))
    def on_mentor_assigned(self, event):
        pairings.started(self.db, "mentor", event.data)

    @subscribe("pairing", "MentorReleased", owns=(st.MENTORS,))
    def on_mentor_released(self, event):
        pairings.ended(self.db, "mentor", event.data)

    @subscribe("pairing", "BuddyPaired", owns=(st.BUDDIES,))
    def on_buddy_paired(self, event):
        pairings.started(self.db, "buddy", event.data)

    @subscribe("pairing", "BuddyUnpaired", owns=(st.BUDDIES,))
    def on_buddy_unpaired(self, event):
        pairings.ended(self.db, "buddy", event.data)

    @subscribe("pairing", "ProxyParentAssigned", owns=(st.PROXY_PARENTS,))
    def on_proxy_parent_assigned(self, event):
        pairings.started(self.db, "proxy_parent", event.data)

    @subscribe("pairing", "ProxyParentReleased", owns=(st.PROXY_PARENTS,))
    def on_proxy_parent_released(self, event):
        pairings.ended(self.db, "proxy_parent", event.data)
