"""Events published by the notifications service (v1): a reminder reached a recipient on a
channel, or could not be delivered.

Who consumes them: reporting (how many reminders, on which channels, how many failed), ops.
One event per notification and channel. NEVER a phone number, e-mail address, webhook URL or
the message text: the recipient is named by type and id only, the child by id.

Vocabulary (stable codes):
- rule: contact_overdue | birthday | unpaired | pairing_ended | follow_up_due |
  attendance_missing | duty_today | flagged_record | parent_summary (new codes may be added
  without a new version)
- channel: inbox | email | sms | bot
- recipient_type: staff | volunteer | county | parent
- error_code (NotificationFailed), the last cause: no_address | rejected | unreachable |
  timeout (attempts says how often it was tried)
"""
from marshmallow import EXCLUDE, Schema, fields, validate

from carekit.events import event_schema

RULES = ("contact_overdue", "birthday", "unpaired", "pairing_ended", "follow_up_due",
         "attendance_missing", "duty_today", "flagged_record", "parent_summary")
CHANNELS = ("inbox", "email", "sms", "bot")
RECIPIENT_TYPES = ("staff", "volunteer", "county", "parent")
ERROR_CODES = ("no_address", "rejected", "unreachable", "timeout")

_id = dict(required=True, validate=validate.Length(min=1, max=200))
_optional_id = dict(allow_none=True, load_default=None, validate=validate.Length(min=1, max=64))
_code = validate.Regexp(r"^[a-z][a-z0-9_]{0,39}$")


class Contract(Schema):
    """Base of this module's schemas: later optional fields must not break old readers."""

    class Meta:
        unknown = EXCLUDE


class DeliveryFacts(Contract):
    notification_id = fields.String(**_id)        # the deduplication key: one per reminder
    rule = fields.String(required=True, validate=_code)
    level = fields.Integer(load_default=0, validate=validate.Range(min=0, max=9))
    channel = fields.String(required=True, validate=validate.OneOf(CHANNELS))
    recipient_type = fields.String(required=True, validate=validate.OneOf(RECIPIENT_TYPES))
    recipient_id = fields.String(required=True, validate=validate.Length(min=1, max=80))
    child_id = fields.String(**_optional_id)
    school_id = fields.String(**_optional_id)
    county_id = fields.String(**_optional_id)
    attempts = fields.Integer(required=True, validate=validate.Range(min=1))


@event_schema("notifications", "NotificationSent", version=1)
class NotificationSentV1(DeliveryFacts):
    """A reminder was handed to a channel (inbox written, SMTP accepted, SMS provider or group
    bot answered OK). held_until is set when quiet hours delayed it."""
    sent_at = fields.AwareDateTime(required=True)
    held_until = fields.AwareDateTime(allow_none=True, load_default=None)


@event_schema("notifications", "NotificationFailed", version=1)
class NotificationFailedV1(DeliveryFacts):
    """A reminder could not be delivered on a channel: retried with backoff and given up, or
    refused outright (error_code says which; no address or message text is carried)."""
    failed_at = fields.AwareDateTime(required=True)
    error_code = fields.String(required=True, validate=_code)
