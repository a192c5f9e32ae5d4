"""marshmallow schemas for every RPC argument of the notifications service.

Ids, text and integers are carekit.rpc's fields (an id of the shared shape, text without
control characters or invalid UTF-8, an integer that is not 3.5); unknown keys are refused.
County rule changes are checked field by field against what each rule understands.
"""
import re

from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema

from carekit.contracts.activities import CARE_KINDS
from carekit.contracts.notifications import CHANNELS, RECIPIENT_TYPES
from carekit.errors import invalid
from carekit.rpc import ID_SHAPE, Cursor, Id, Text, Whole
from notifications.policy import RULE_NAMES

# \Z, not $: `$` also matches before a final newline
HHMM = validate.Regexp(r"([01]\d|2[0-3]):[0-5]\d\Z", error="bad_time|时间应为 HH:MM")
MMDD = validate.Regexp(r"(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])\Z", error="bad_day|日期应为 MM-DD")
RELATIONS = ("father", "mother")
PARENT_ID = re.compile(r"({})\.({})".format(ID_SHAPE.pattern, "|".join(RELATIONS)))


class Strict(Schema):
    class Meta:
        unknown = RAISE


def _by():
    return Text(required=True, max_length=64, min_length=1)


class RecipientId(Id):
    """A staff member's, volunteer's or county's id, or a parent's: `<child_id>.<relation>`
    (which one the recipient type says: `_recipient_matches`)."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, str) and PARENT_ID.fullmatch(value):
            return value
        return super()._deserialize(value, attr, data, **kwargs)


def _recipient_matches(data):
    kind, ident = data.get("recipient_type"), data.get("recipient_id")
    if kind and ident and (kind == "parent") != bool(PARENT_ID.fullmatch(ident)):
        raise ValidationError("bad_id|编号格式不对（家长为“儿童编号.father/mother”）",
                              "recipient_id")


class RecipientInput(Strict):
    recipient_type = fields.String(required=True, validate=validate.OneOf(RECIPIENT_TYPES))
    recipient_id = RecipientId(required=True)

    @validates_schema
    def _recipient(self, data, **kwargs):
        _recipient_matches(data)


class Page(Strict):
    cursor = Cursor()
    limit = Whole(load_default=20, validate=validate.Range(min=1, max=100))


class InboxQuery(RecipientInput, Page):
    unread_only = fields.Boolean(load_default=False)


class MarkRead(RecipientInput):
    notification_ids = fields.List(Text(max_length=300, min_length=1),
                                   load_default=list, validate=validate.Length(max=500))
    all = fields.Boolean(load_default=False)

    @validates_schema
    def _something(self, data, **kwargs):
        if not data["all"] and not data["notification_ids"]:
            raise ValidationError("required|给出要标为已读的通知，或 all=true", "notification_ids")


class DeliveryLogQuery(Page):
    recipient_type = fields.String(load_default=None, validate=validate.OneOf(RECIPIENT_TYPES))
    recipient_id = RecipientId(load_default=None)
    child_id = Id(load_default=None)

    @validates_schema
    def _one_scope(self, data, **kwargs):
        _recipient_matches(data)
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
    by = _by()


# -- county rules -------------------------------------------------------------------------------
class Cadence(Strict):
    every_days = Whole(validate=validate.Range(min=1, max=366))
    per_semester_by_day = Whole(validate=validate.Range(min=1, max=180))

    @validates_schema
    def _exactly_one(self, data, **kwargs):
        if len(data) != 1:
            raise ValidationError("one_cadence|每种联系方式给出 every_days（每隔几天）或 "
                                  "per_semester_by_day（每学期第几天前）其一", "_schema")


# one field per kind of contact (not a Dict: its errors would name `talk.value`, not `talk`)
CadenceByKind = type("CadenceByKind", (Strict,), {
    kind: fields.Nested(Cadence, allow_none=True) for kind in CARE_KINDS})


class ContactOverdueRule(Strict):
    enabled = fields.Boolean()
    cadence = fields.Nested(CadenceByKind)
    escalate_after_days = Whole(validate=validate.Range(min=1, max=90))


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
    if value is not None and not re.fullmatch(r"https?://[^\s/$.?#][^\s]*", value):
        raise invalid("bad_url", "群机器人地址应为 http(s):// 开头的网址")


class RulesChanges(Strict):
    contact_overdue = fields.Nested(ContactOverdueRule)
    birthday = fields.Nested(_rule(days_ahead=Whole(validate=validate.Range(0, 30))))
    unpaired = fields.Nested(_rule(
        after_days=Whole(validate=validate.Range(0, 180)),
        escalate_after_days=Whole(validate=validate.Range(1, 180))))
    pairing_ended = fields.Nested(_rule(within_days=Whole(
        validate=validate.Range(1, 180))))
    follow_up_due = fields.Nested(_rule())
    attendance_missing = fields.Nested(_rule(after_hours=Whole(
        validate=validate.Range(1, 24 * 14))))
    duty_today = fields.Nested(_rule())
    flagged_record = fields.Nested(_rule(within_days=Whole(
        validate=validate.Range(1, 90))))
    parent_summary = fields.Nested(_rule(
        day_of_month=Whole(validate=validate.Range(1, 28)),
        at=fields.String(validate=HHMM)))
    schedule = fields.Nested(ScheduleRule)
    bot_webhook_url = Text(max_length=500, allow_none=True, validate=_webhook)


class CountyRulesInput(Strict):
    county_id = Id(required=True)
    changes = fields.Nested(RulesChanges, required=True)
    by = _by()
    expected_version = Whole(load_default=None, allow_none=True,
                             validate=validate.Range(min=0, max=2 ** 31))


class CountyTemplateInput(Strict):
    county_id = Id(required=True)
    rule = fields.String(required=True, validate=validate.OneOf(RULE_NAMES))
    text = Text(load_default=None, allow_none=True, max_length=2000,
                multiline=True)  # None: back to the default
    by = _by()


class TemplatePreview(Strict):
    county_id = Id(required=True)
    rule = fields.String(required=True, validate=validate.OneOf(RULE_NAMES))
    level = Whole(load_default=0, validate=validate.Range(min=0, max=2))


class ParentSummaryInput(Strict):
    child_id = Id(required=True)
    relations = fields.List(fields.String(validate=validate.OneOf(RELATIONS)), required=True,
                            validate=validate.Length(max=2))  # empty: opted out
    by = _by()


class CountyInput(Strict):
    county_id = Id(required=True)
