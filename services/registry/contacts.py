"""Contact details for the notifications service, revealed at send time, one batch at a time.

Events never carry a phone number or an e-mail address. When notifications is about to send
an SMS or an e-mail it asks here (`notification_contacts`); every person revealed is written
to the PII audit with the purpose "notification". Staff and volunteers are reached by their
phone on file and, when one was given (`set_notification_email`), an e-mail address (sealed
at rest like phones); a migrant parent (`parent`, id `<child_id>.<father|mother>`) by the
phone in the child's file.
"""
import re

from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema

from carekit.errors import invalid
from carekit.rpc import ID_SHAPE, Id, Text
from registry import storage as st
from registry.children import record_reveal

EMAILS = "notification_emails"
PERSON_TYPES = ("staff", "volunteer", "parent")
_PARENT_ID = re.compile(r"[A-Za-z0-9_-]{1,64}\.(father|mother)")


class Person(Schema):
    class Meta:
        unknown = RAISE

    type = Text(required=True, validate=validate.OneOf(PERSON_TYPES))
    id = Text(required=True, max_length=80)

    @validates_schema
    def _id_of_its_type(self, data, **kwargs):
        shape = _PARENT_ID if data.get("type") == "parent" else ID_SHAPE
        if not shape.fullmatch(data.get("id") or ""):
            bad = invalid("bad_id", "编号格式不对（家长为 <儿童编号>.father 或 .mother）")
            raise ValidationError({"id": bad.messages})


class ContactsQuery(Schema):
    class Meta:
        unknown = RAISE

    people = fields.List(fields.Nested(Person), required=True,
                         validate=validate.Length(min=1, max=500))
    purpose = Text(required=True, validate=validate.Equal(
        "notification", error="not_allowed|只能用于发送提醒"))
    reason = Text(load_default="发送提醒", max_length=100, min_length=2)


class EmailInput(Schema):
    class Meta:
        unknown = RAISE

    person_type = Text(required=True, validate=validate.OneOf(("staff", "volunteer")))
    person_id = Id(required=True)
    email = fields.Email(required=True, allow_none=True)  # None: forget it


def set_email(ctx, data):
    collection = st.STAFF if data["person_type"] == "staff" else st.VOLUNTEERS
    ctx.get(collection, data["person_id"], "找不到该人员", {"_id": 1})
    key = "{}:{}".format(data["person_type"], data["person_id"])
    if data["email"] is None:
        ctx.db[EMAILS].delete_one({"_id": key})
    else:
        ctx.db[EMAILS].update_one({"_id": key}, {"$set": {
            "email": ctx.vault.seal(data["email"].strip().lower()), "updated_at": ctx.now(),
            "by": ctx.actor}}, upsert=True)
    return {"person_type": data["person_type"], "person_id": data["person_id"],
            "has_email": data["email"] is not None}


def _people(ctx, collection, ids):
    return {d["_id"]: d for d in ctx.db[collection].find({"_id": {"$in": ids}},
                                                         {"phone": 1, "active": 1})}


def for_notification(ctx, data):
    """[{type, id, phone, email}] for the people found (active staff and volunteers, parents
    of a known child); the others are left out. Each one revealed is audited."""
    people = data["people"]  # each id of its type's shape (ContactsQuery)
    ids = {kind: [p["id"] for p in people if p["type"] == kind] for kind in PERSON_TYPES}
    found = {("staff", k): v for k, v in _people(ctx, st.STAFF, ids["staff"]).items()}
    found.update({("volunteer", k): v for k, v in
                  _people(ctx, st.VOLUNTEERS, ids["volunteer"]).items()})
    emails = {d["_id"]: d["email"] for d in ctx.db[EMAILS].find(
        {"_id": {"$in": ["{}:{}".format(p["type"], p["id"]) for p in people]}})}
    children = {d["_id"]: d for d in ctx.db[st.CHILDREN].find(
        {"_id": {"$in": [i.split(".")[0] for i in ids["parent"]]}}, {"parents": 1})}
    out = []
    for person in people:
        kind, person_id = person["type"], person["id"]
        if kind == "parent":
            child_id, relation = person_id.split(".")
            parent = next((p for p in (children.get(child_id) or {}).get("parents") or []
                           if p.get("relation") == relation), None)
            phone, email, subject = (ctx.vault.open(parent.get("phone")) if parent else None,
                                     None, ("child", child_id, ["parents.phone"]))
        else:
            doc = found.get((kind, person_id))
            if not doc or not doc.get("active"):
                continue
            phone = ctx.vault.open(doc.get("phone"))
            email = ctx.vault.open(emails.get("{}:{}".format(kind, person_id)))
            subject = (kind, person_id, ["phone", "email"])
        if not phone and not email:
            continue
        record_reveal(ctx, subject[0], subject[1], data["reason"], "notification", subject[2])
        out.append({"type": kind, "id": person_id, "phone": phone, "email": email})
    return out

