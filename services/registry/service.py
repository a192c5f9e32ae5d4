"""The registry service: schools and classes, the living child file (一生一档), staff and
volunteers, roster import and contact cards. Thin: validate the argument, call the command.

Every RPC takes plain dicts/strings. The caller (gateway) names the person acting in the
nameko context data as `user_id`; it is written into history and the PII audit.
"""
import base64
import binascii

from nameko.extensions import DependencyProvider
from nameko.rpc import rpc

import carekit.contracts.pairing  # noqa: F401  (our handlers validate pairing's events)
from carekit.errors import ValidationFailed, load_or_raise
from carekit.events.handler import subscribe
from carekit.events.outbox import Outbox
from carekit.mongo import Database
from carekit.service import CareService
from registry import (children, contacts, importing, org, pairings, people, printing, roster,
                      schemas)
from registry import storage as st
from registry.context import Ctx
from registry.pii import Vault


class PiiVault(DependencyProvider):
    """The Fernet/HMAC vault built from PII_ENCRYPTION_KEY."""

    def setup(self):
        self.vault = Vault(self.container.config["PII_ENCRYPTION_KEY"])

    def get_dependency(self, worker_ctx):
        return self.vault


class Caller(DependencyProvider):
    def get_dependency(self, worker_ctx):
        return str(worker_ctx.context_data.get("user_id") or "system")


def _load(schema, payload, **kwargs):
    return load_or_raise(schema, payload if payload is not None else {}, **kwargs)


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
    def create_county(self, payload):
        return org.create_county(self.ctx, _load(schemas.CountyInput(), payload))

    @rpc
    def update_county(self, county_id, changes):
        return org.update_county(self.ctx, county_id, _load(schemas.CountyChanges(), changes))

    @rpc
    def create_township(self, payload):
        return org.create_township(self.ctx, _load(schemas.TownshipInput(), payload))

    @rpc
    def list_counties(self):
        return org.list_counties(self.ctx)

    @rpc
    def update_township(self, township_id, changes):
        return org.update_township(self.ctx, township_id,
                                   _load(schemas.TownshipChanges(), changes))

    @rpc
    def list_townships(self, county_id=None):
        return org.list_townships(self.ctx, county_id)

    @rpc
    def register_school(self, payload):
        return org.register_school(self.ctx, _load(schemas.SchoolInput(), payload))

    @rpc
    def update_school(self, school_id, changes):
        return org.update_school(self.ctx, school_id, _load(schemas.SchoolChanges(), changes))

    @rpc
    def list_schools(self, township_id=None, county_id=None):
        return org.list_schools(self.ctx, township_id, county_id)

    @rpc
    def create_class(self, payload):
        return org.create_class(self.ctx, _load(schemas.ClassInput(), payload))

    @rpc
    def update_class(self, class_id, changes):
        return org.update_class(self.ctx, class_id, _load(schemas.ClassChanges(), changes))

    @rpc
    def list_classes(self, school_id):
        return org.list_classes(self.ctx, school_id)

    # -- child files ---------------------------------------------------------------------------
    @rpc
    def register_child(self, payload):
        return children.register_child(self.ctx, _load(schemas.ChildInput(), payload))

    @rpc
    def update_child(self, child_id, changes):
        data = _load(schemas.ChildChanges(), changes, partial=True)
        return children.update_child(self.ctx, child_id, data)

    @rpc
    def change_child_status(self, child_id, payload):
        return children.change_status(self.ctx, child_id, _load(schemas.StatusChangeInput(),
                                                                 payload))

    @rpc
    def transfer_child(self, child_id, payload):
        return children.transfer_child(self.ctx, child_id, _load(schemas.TransferInput(),
                                                                  payload))

    @rpc
    def link_siblings(self, child_ids):
        return children.link_siblings(self.ctx, list(child_ids or []))

    @rpc
    def get_child(self, child_id, request=None):
        """Masked by default; {"reveal": true, "reason": "..."} shows full values (audited)."""
        return children.get_child(self.ctx, child_id, _load(schemas.RevealInput(), request))

    @rpc
    def list_children(self, query=None):
        return children.list_children(self.ctx, _load(schemas.ChildQuery(), query))

    @rpc
    def child_history(self, child_id):
        return children.history(self.ctx, child_id)

    @rpc
    def transferred_out(self, school_id):
        return children.transferred_out(self.ctx, school_id)

    @rpc
    def find_child_by_national_id(self, national_id):
        data = _load(schemas.ChildInput(only=("national_id",)), {"national_id": national_id})
        return children.find_by_national_id(self.ctx, data["national_id"])

    # -- staff and volunteers ------------------------------------------------------------------
    @rpc
    def register_staff(self, payload):
        return people.register_staff(self.ctx, _load(schemas.StaffInput(), payload))

    @rpc
    def update_staff(self, staff_id, changes):
        return people.update_staff(self.ctx, staff_id, _load(schemas.StaffChanges(), changes,
                                                             partial=True))

    @rpc
    def staff_left(self, staff_id, payload=None):
        ctx = self.ctx
        return people.staff_left(ctx, staff_id, _load(schemas.LeaveInput(), payload),
                                 lambda class_id: org.update_class(
                                     ctx, class_id, {"head_teacher_id": None}))

    @rpc
    def get_staff(self, staff_id, request=None):
        return people.get_person(self.ctx, st.STAFF, staff_id,
                                 _load(schemas.RevealInput(), request), "staff")

    @rpc
    def list_staff(self, school_id, active=None):
        return people.list_people(self.ctx, st.STAFF, school_id, active)

    @rpc
    def register_volunteer(self, payload):
        return people.register_volunteer(self.ctx, _load(schemas.VolunteerInput(), payload))

    @rpc
    def volunteer_left(self, volunteer_id, payload=None):
        return people.volunteer_left(self.ctx, volunteer_id, _load(schemas.LeaveInput(), payload))

    @rpc
    def get_volunteer(self, volunteer_id, request=None):
        return people.get_person(self.ctx, st.VOLUNTEERS, volunteer_id,
                                 _load(schemas.RevealInput(), request), "volunteer")

    @rpc
    def list_volunteers(self, school_id, active=None):
        return people.list_people(self.ctx, st.VOLUNTEERS, school_id, active)

    # -- roster import -------------------------------------------------------------------------
    @rpc
    def roster_template(self, file_format="xlsx"):
        if file_format == "csv":
            return _file("留守儿童花名册模板.csv", roster.template_csv())
        return _file("留守儿童花名册模板.xlsx", roster.template_xlsx())

    @rpc
    def import_roster(self, payload):
        request = _load(schemas.ImportInput(), payload)
        return importing.import_roster(self.ctx, request, _decoded(request["content_base64"]))

    # -- contact cards and forms (PDF) ---------------------------------------------------------
    @rpc
    def contact_card(self, child_id, reason="打印联系卡"):
        return _file(*printing.for_child(self.ctx, "contact_card", child_id, reason))

    @rpc
    def class_contact_cards(self, class_id, reason="打印班级联系卡"):
        return _file(*printing.for_class(self.ctx, "contact_card", class_id, reason))

    @rpc
    def basic_info_form(self, child_id, reason=None):
        request = _load(schemas.PrintWithPhonesInput(), {"id": child_id, "reason": reason})
        return _file(*printing.for_child(self.ctx, "basic_info_form", request["id"],
                                         request["reason"]))

    @rpc
    def class_basic_info_forms(self, class_id, reason=None):
        request = _load(schemas.PrintWithPhonesInput(), {"id": class_id, "reason": reason})
        return _file(*printing.for_class(self.ctx, "basic_info_form", request["id"],
                                         request["reason"]))

    @rpc
    def buddy_card(self, class_id):
        request = _load(schemas.PrintInput(), {"id": class_id})
        return _file(*printing.for_class(self.ctx, "buddy_card", request["id"]))

    # -- contact details for notifications (registry/contacts.py) ------------------------------
    @rpc
    def notification_contacts(self, payload):
        return contacts.for_notification(self.ctx, _load(contacts.ContactsQuery(), payload))

    @rpc
    def set_notification_email(self, payload):
        return contacts.set_email(self.ctx, _load(contacts.EmailInput(), payload))

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
