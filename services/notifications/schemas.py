"""marshmallow schemas for every RPC argument of the notifications service.

Ids are short strings of a known shape (no dicts, no `$`); unknown keys are refused.
County rule changes are checked field by field against what each rule understands.
"""
import re

from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema

from carekit.contracts.activities import CARE_KINDS
from carekit.contracts.notifications import CHANNELS, RECIPIENT_TYPES
from carekit.errors import invalid
from notifications.policy import RULE_NAMES

ID = validate.Regexp(r"^[A-Za-z0-9_-]{1,64}$", error="bad_id|编号格式不对")
RECIPIENT_ID = validate.Regexp(r"^[A-Za-z0-9_.-]{1,80}$", error="bad_id|编号格式不对")
HHMM = validate.Regexp(r"^([01]\d|2[0-3]):[0-5]\d$", error="bad_time|时间应为 HH:MM")
MMDD = validate.Regexp(r"^(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$", error="bad_day|日期应为 MM-DD")
RELATIONS = ("father", "mother")


class Strict(Schema):
    class Meta:
        unknown = RAISE


def _id(**kwargs):
    return fields.String(validate=ID, **kwargs)


class RecipientInput(Strict):
    recipient_type = fields.String(required=True, validate=validate.OneOf(RECIPIENT_TYPES))
    recipient_id = fields.String(required=True, validate=RECIPIENT_ID)


class Page(Strict):
    cursor = fields.String(load_default=None, allow_none=True,
                           validate=validate.Length(max=200))
    limit = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))


class InboxQuery(RecipientInput, Page):
    unread_only = fields.Boolean(load_default=False)


class MarkRead(RecipientInput):
    notification_ids = fields.List(fields.String(validate=validate.Length(min=1, max=300)),
                                   load_default=list, validate=validate.Length(max=500))
    all = fields.Boolean(load_default=False)

    @validates_schema
    def _something(self, data, **kwargs):
        if not data["all"] and not data["notification_ids"]:
            raise ValidationError("required|给出要标为已读的通知，或 all=true", "notification_ids")


class DeliveryLogQuery(Page):
    recipient_type = fields.String(load_default=None, validate=validate.OneOf(RECIPIENT_TYPES))
    recipient_id = fields.String(load_default=None, validate=RECIPIENT_ID)
    child_id = _id(load_default=None)

    @validates_schema
    def _one_scope(self, data, **kwargs):
        by_recipient = bool(data.get("recipient_type") and data.get("recipient_id"))
        if by_recipient == bool(data.get("child_id")):
            raise ValidationError("scope_required|按接收人（recipient_type + recipient_id）"
                                  "或按儿童（child_id）查询，二选一", "_schema")


class PreferencesInput(RecipientInput):
    channels = fields.List(fields.String(validate=validate.OneOf(CHANNELS)), load_default=None,
                           allow_none=True, validate=validate.Length(max=len(CHANNELS)))
    opt_out = fields.Boolean(load_default=False)
    muted_rules = fields.List(fields.String(validate=validate.OneOf(RULE_NAMES)),
                              load_default=list)
    by = fields.String(required=True, validate=validate.Length(min=1, max=64))


# -- county rules -------------------------------------------------------------------------------
class Cadence(Strict):
    every_days = fields.Integer(validate=validate.Range(min=1, max=366))
    per_semester_by_day = fields.Integer(validate=validate.Range(min=1, max=180))

    @validates_schema
    def _exactly_one(self, data, **kwargs):
        if len(data) != 1:
            raise ValidationError("one_cadence|每种联系方式给出 every_days（每隔几天）或 "
                                  "per_semester_by_day（每学期第几天前）其一", "_schema")


class ContactOverdueRule(Strict):
    enabled = fields.Boolean()
    cadence = fields.Dict(keys=fields.String(validate=validate.OneOf(CARE_KINDS)),
                          values=fields.Nested(Cadence, allow_none=True))
    escalate_after_days = fields.Integer(validate=validate.Range(min=1, max=90))


def _rule(**extra):
    return type("Rule", (Strict,), dict(enabled=fields.Boolean(), **extra))


class Semester(Strict):
    start = fields.String(required=True, validate=MMDD)
    end = fields.String(required=True, validate=MMDD)


class ScheduleRule(Strict):
    sweep_at = fields.String(validate=HHMM)
    quiet_start = fields.String(validate=HHMM)
    quiet_end = fields.String(validate=HHMM)
    semesters = fields.List(fields.Nested(Semester), validate=validate.Length(min=1, max=4))


def _webhook(value):
    if value is not None and not re.match(r"^https?://[^\s/$.?#][^\s]*$", value):
        raise invalid("bad_url", "群机器人地址应为 http(s):// 开头的网址")


class RulesChanges(Strict):
    contact_overdue = fields.Nested(ContactOverdueRule)
    birthday = fields.Nested(_rule(days_ahead=fields.Integer(validate=validate.Range(0, 30))))
    unpaired = fields.Nested(_rule(
        after_days=fields.Integer(validate=validate.Range(0, 180)),
        escalate_after_days=fields.Integer(validate=validate.Range(1, 180))))
    pairing_ended = fields.Nested(_rule(within_days=fields.Integer(
        validate=validate.Range(1, 180))))
    follow_up_due = fields.Nested(_rule())
    attendance_missing = fields.Nested(_rule(after_hours=fields.Integer(
        validate=validate.Range(1, 24 * 14))))
    duty_today = fields.Nested(_rule())
    flagged_record = fields.Nested(_rule(within_days=fields.Integer(
        validate=validate.Range(1, 90))))
    parent_summary = fields.Nested(_rule(
        day_of_month=fields.Integer(validate=validate.Range(1, 28)),
        at=fields.String(validate=HHMM)))
    schedule = fields.Nested(ScheduleRule)
    bot_webhook_url = fields.String(allow_none=True, validate=_webhook)


class CountyRulesInput(Strict):
    county_id = _id(required=True)
    changes = fields.Nested(RulesChanges, required=True)
    by = fields.String(required=True, validate=validate.Length(min=1, max=64))
    expected_version = fields.Integer(load_default=None, allow_none=True)


class CountyTemplateInput(Strict):
    county_id = _id(required=True)
    rule = fields.String(required=True, validate=validate.OneOf(RULE_NAMES))
    text = fields.String(load_default=None, allow_none=True,
                         validate=validate.Length(max=2000))  # None: back to the default
    by = fields.String(required=True, validate=validate.Length(min=1, max=64))


class TemplatePreview(Strict):
    county_id = _id(required=True)
    rule = fields.String(required=True, validate=validate.OneOf(RULE_NAMES))
    level = fields.Integer(load_default=0, validate=validate.Range(min=0, max=2))


class ParentSummaryInput(Strict):
    child_id = _id(required=True)
    relations = fields.List(fields.String(validate=validate.OneOf(RELATIONS)), required=True,
                            validate=validate.Length(max=2))  # empty: opted out
    by = fields.String(required=True, validate=validate.Length(min=1, max=64))


class CountyInput(Strict):
    county_id = _id(required=True)
