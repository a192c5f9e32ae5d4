"""marshmallow schemas for every RPC argument of the activities service.

Types, ranges and within-one-payload rules live here; rules that need stored state (is the
child registered? is the time before the child's file was opened?) live in the commands.
Every RPC takes one dict; unknown keys are refused so a misspelt field is never ignored.
"""
import re
from datetime import date

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from activities import domain
from carekit import rpc as rpc_fields
from carekit.contracts import activities as contract
from carekit.errors import invalid


def _problem(field, code, message):
    return ValidationError({field: ["{}|{}".format(code, message)]})


def Id(**kwargs):
    # carekit.rpc.Id: text only, 1-64 letters, digits, - or _ (no operator, path or NUL)
    kwargs.setdefault("required", True)
    return rpc_fields.Id(**kwargs)


def ClientId():
    """An id the caller may choose, so a retried command (phone on a weak signal) is not
    stored twice."""
    return fields.String(load_default=None, validate=validate.Regexp(
        r"^[A-Za-z0-9_-]{8,64}\Z", error="bad_format|编号应为 8-64 位字母、数字、下划线或连字符"))


def Text(max_length, min_length=0, **kwargs):
    # No load_default: in a schema of changes, a text not sent must stay "not sent".
    # carekit.rpc.Text: no control characters (newlines only in longer, note-like texts),
    # valid UTF-8, blanks around removed.
    kwargs.setdefault("allow_none", True)
    return rpc_fields.Text(max_length=max_length, min_length=min_length,
                           multiline=max_length > 200, **kwargs)


Whole = rpc_fields.Whole  # an integer, or its digits as text; never a boolean or 3.5


class Number(fields.Float):
    """A number (not a boolean); as text too (a query string's)."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool) or not (
                isinstance(value, (int, float)) or
                isinstance(value, str) and re.fullmatch(r"-?[0-9]{1,9}(\.[0-9]{1,6})?", value)):
            raise invalid("not_number", "应为数字")
        return super()._deserialize(value, attr, data, **kwargs)


class Money(fields.Decimal):
    """An amount of yuan: a number or its text ("45.50"), not a boolean."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool) or not (
                isinstance(value, (int, float)) or
                isinstance(value, str) and re.fullmatch(r"[0-9]{1,9}(\.[0-9]{1,2})?", value)):
            raise invalid("not_number", "应为金额，如 45.50")
        return super()._deserialize(value, attr, data, **kwargs)


# Dates and times the programme can have: year 0001 or 9999 is a typing slip, and beyond
# Python's datetime range once turned into UTC (an internal error instead of an answer).
EARLIEST, LATEST = date(2000, 1, 1), date(2099, 12, 31)
_DAY_RANGE = "out_of_range|日期应在 {} 到 {} 之间".format(EARLIEST, LATEST)


def Day(**kwargs):
    return _Day(validate=validate.Range(min=EARLIEST, max=LATEST, error=_DAY_RANGE),
                       **kwargs)


def _moment_in_range(value):
    if not EARLIEST <= value.date() <= LATEST:
        raise ValidationError(_DAY_RANGE)


class _Moment(fields.AwareDateTime):
    # the parser forgives trailing junk (a NUL): only ISO 8601 characters get that far
    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str) or not re.fullmatch(r"[0-9T:+\-.Z ]{10,40}", value):
            raise invalid("not_datetime", "时间格式不对，应为 ISO 8601")
        return super()._deserialize(value, attr, data, **kwargs)


class _Day(fields.Date):
    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str) or not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
            raise invalid("not_date", "日期格式不对，应为 YYYY-MM-DD")
        return super()._deserialize(value, attr, data, **kwargs)


def Moment(**kwargs):
    # A time without offset is Beijing time: that is what a teacher's phone means.
    return _Moment(default_timezone=domain.CHINA_TZ, validate=_moment_in_range, **kwargs)


def OneOf(choices, **kwargs):
    return fields.String(validate=validate.OneOf(choices), **kwargs)


def Revision():
    return Whole(required=True, validate=validate.Range(min=1))


def Changes(schema_cls):
    """What an edit changes: the fields of `schema_cls`, each optional and without defaults
    (a field not sent stays unchanged); what is sent is checked as when creating."""
    return fields.Nested(schema_cls(partial=tuple(schema_cls._declared_fields)), required=True)


# -- care records ------------------------------------------------------------------------------
class AidSchema(Schema):
    form = OneOf(contract.AID_FORMS, required=True)
    amount = Money(places=2, load_default=None, allow_none=True,
                            validate=validate.Range(min=0, max=1000000))  # yuan
    quantity = Whole(load_default=None, allow_none=True,
                              validate=validate.Range(min=0, max=100000))
    items = Text(200)                      # goods, e.g. 书包、文具
    donor_type = OneOf(contract.DONOR_TYPES, required=True)
    donor_name = Text(100)                 # kept here only, never in an event

    @validates_schema
    def _amount_or_goods(self, data, **kwargs):
        if data.get("form") == "money" and data.get("amount") is None:
            raise _problem("amount", "required", "资金资助必须填写金额")
        if data.get("form") == "goods" and not (data.get("quantity") or data.get("items")):
            raise _problem("items", "required", "物资资助必须填写物品或数量")


class FollowUpSchema(Schema):
    action_id = Id(required=False, load_default=None, allow_none=True)
    action = Text(200, min_length=1, required=True, allow_none=False)
    owner_id = Id()
    due_on = Day(required=True)
    done = fields.Boolean(load_default=False)


class CareFields(Schema):
    """What a care record says (the fields an edit may change)."""
    kind = OneOf(contract.CARE_KINDS, required=True)
    by_id = Id()
    occurred_at = Moment(required=True)
    duration_minutes = Whole(load_default=None, allow_none=True,
                                      validate=validate.Range(min=0, max=1440))
    place = Text(100)
    notes = Text(2000)
    wellbeing = Whole(load_default=None, allow_none=True,
                               validate=validate.Range(min=1, max=5))
    follow_ups = fields.List(fields.Nested(FollowUpSchema), load_default=list,
                             validate=validate.Length(max=10))
    aid = fields.Nested(AidSchema, load_default=None, allow_none=True)


class LogCareRecordSchema(CareFields):
    record_id = ClientId()
    child_id = Id()


class ReviseCareRecordSchema(Schema):
    record_id = Id()
    revision = Revision()
    edited_by = Id()
    reason = Text(500)
    changes = Changes(CareFields)


class DeleteSchema(Schema):
    deleted_by = Id()
    reason_code = OneOf(contract.DELETE_REASONS, required=True)
    reason = Text(500)


class DeleteCareRecordSchema(DeleteSchema):
    record_id = Id()


class CompleteFollowUpSchema(Schema):
    record_id = Id()
    action_id = Id()
    done_by = Id()


class GetByIdSchema(Schema):
    id = Id()
    with_history = fields.Boolean(load_default=False)


# -- growth diary --------------------------------------------------------------------------------
class DiaryFields(Schema):
    entry_date = Day(required=True)
    study = Text(2000)
    mood = Text(2000)
    behaviour = Text(2000)
    health = Text(2000)


class AddDiaryEntrySchema(DiaryFields):
    entry_id = ClientId()
    child_id = Id()
    by_id = Id()

    @validates_schema
    def _says_something(self, data, **kwargs):
        if not any((data.get(topic) or "").strip() for topic in contract.DIARY_TOPICS):
            raise _problem("study", "empty_entry", "学习、情绪、行为、健康至少写一项")


class ReviseDiaryEntrySchema(Schema):
    entry_id = Id()
    revision = Revision()
    edited_by = Id()
    changes = Changes(DiaryFields)


class DeleteDiaryEntrySchema(DeleteSchema):
    entry_id = Id()


# -- group activities --------------------------------------------------------------------------
class GuestSchema(Schema):
    role = OneOf(contract.GUEST_ROLES, required=True)
    name = Text(50, min_length=1, required=True, allow_none=False)
    organisation = Text(100)             # e.g. 县教育局, 县心理健康指导中心


class ActivityFields(Schema):
    occasion = fields.String(load_default=None, allow_none=True, validate=validate.Regexp(
        r"^[a-z][a-z0-9_]{0,39}\Z", error="bad_format|应为小写英文代码，如 childrens_day"))
    title = Text(100, min_length=1, required=True, allow_none=False)
    sub_theme = Text(100)
    organiser_id = Id()
    place = Text(100)
    class_ids = fields.List(Id(), load_default=list, validate=validate.Length(max=200))
    starts_at = Moment(required=True)
    ends_at = Moment(load_default=None, allow_none=True)
    notes = Text(2000)
    celebrated_child_ids = fields.List(Id(), load_default=list,
                                       validate=validate.Length(max=100))
    birthday_tokens = fields.List(OneOf(contract.BIRTHDAY_TOKENS), load_default=list,
                                  validate=validate.Length(max=3))
    guests = fields.List(fields.Nested(GuestSchema), load_default=list,
                         validate=validate.Length(max=50))

    @validates_schema
    def _each_once(self, data, **kwargs):
        for name in ("class_ids", "celebrated_child_ids", "birthday_tokens"):
            values = data.get(name) or []
            if len(values) != len(set(values)):
                raise _problem(name, "duplicate", "列表中有重复")


class ScheduleActivitySchema(ActivityFields):
    activity_id = ClientId()
    school_id = Id()
    kind = OneOf(contract.ACTIVITY_KINDS, required=True)
    scheduled_by = Id()


class RescheduleActivitySchema(Schema):
    activity_id = Id()
    revision = Revision()
    changed_by = Id()
    changes = Changes(ActivityFields)


class CancelActivitySchema(Schema):
    activity_id = Id()
    cancelled_by = Id()
    reason = Text(500, min_length=1, required=True, allow_none=False)


class MarkSchema(Schema):
    child_id = Id()
    status = OneOf(contract.ATTENDANCE, required=True)


class RecordAttendanceSchema(Schema):
    activity_id = Id()
    taken_by = Id()
    held_on = Day(load_default=None, allow_none=True)
    participant_count = Whole(load_default=None, allow_none=True,
                                       validate=validate.Range(min=0, max=100000))
    notes = Text(2000)
    attendance = fields.List(fields.Nested(MarkSchema), required=True,
                             validate=validate.Length(max=5000))

    @validates_schema
    def _each_child_once(self, data, **kwargs):
        seen = set()
        for index, mark in enumerate(data.get("attendance") or []):
            if mark["child_id"] in seen:
                raise _problem("attendance.{}.child_id".format(index), "duplicate",
                               "同一名儿童只能登记一次")
            seen.add(mark["child_id"])


class CalendarSchema(Schema):
    school_id = Id()
    date_from = Day(required=True)
    date_to = Day(required=True)
    kinds = fields.List(OneOf(contract.ACTIVITY_KINDS), load_default=None, allow_none=True)
    include_cancelled = fields.Boolean(load_default=False)

    @validates_schema
    def _range(self, data, **kwargs):
        if data["date_to"] < data["date_from"]:
            raise _problem("date_to", "before_start", "结束日期不能早于开始日期")
        if (data["date_to"] - data["date_from"]).days > 366:
            raise _problem("date_to", "range_too_long", "一次最多查询一年")


class SupplyItemSchema(Schema):
    item = Text(50, min_length=1, required=True, allow_none=False)  # 书包、文具盒
    quantity_per_child = Whole(required=True, validate=validate.Range(min=1, max=100))


class DistributeSuppliesSchema(Schema):
    activity_id = Id()
    items = fields.List(fields.Nested(SupplyItemSchema), required=True,
                        validate=validate.Length(min=1, max=20))
    value_per_child = Money(places=2, load_default=None, allow_none=True,
                                     validate=validate.Range(min=0, max=100000))  # yuan
    donor_type = OneOf(contract.DONOR_TYPES, required=True)
    donor_name = Text(100)                 # kept here only, never in an event
    child_ids = fields.List(Id(), load_default=None, allow_none=True,
                            validate=validate.Length(min=1, max=5000))  # default: all present
    distributed_by = Id()
    revision = Whole(load_default=None, allow_none=True,
                              validate=validate.Range(min=1))  # set when correcting

    @validates_schema
    def _each_once(self, data, **kwargs):
        children = data.get("child_ids") or []
        if len(children) != len(set(children)):
            raise _problem("child_ids", "duplicate", "每名同学只登记一次")
        names = [i["item"] for i in data.get("items") or []]
        if len(names) != len(set(names)):
            raise _problem("items", "duplicate", "同一物品只填一次")


class ActivitySchema(Schema):
    activity_id = Id()


class SchoolPeriodPageSchema(Schema):
    """A school's records between two dates, one page at a time."""
    school_id = Id()
    date_from = Day(required=True)
    date_to = Day(required=True)
    cursor = rpc_fields.Cursor()
    limit = Whole(load_default=50, validate=validate.Range(min=1, max=200))

    @validates_schema
    def _range(self, data, **kwargs):
        if data["date_to"] < data["date_from"]:
            raise _problem("date_to", "before_start", "结束日期不能早于开始日期")
        if (data["date_to"] - data["date_from"]).days > 366:
            raise _problem("date_to", "range_too_long", "一次最多查询一年")


# -- school radio ---------------------------------------------------------------------------------
class AnnouncerSchema(Schema):
    type = OneOf(contract.ANNOUNCER_TYPES, required=True)
    id = Id()


def Clock(**kwargs):
    return fields.String(validate=validate.Regexp(
        r"^([01][0-9]|2[0-3]):[0-5][0-9]\Z", error="bad_format|时间格式应为 11:40"), **kwargs)


def Announcers(**kwargs):
    return fields.List(fields.Nested(AnnouncerSchema), validate=validate.Length(min=1, max=6),
                       **kwargs)


def _unique_announcers(data):
    seen = [(a["type"], a["id"]) for a in data.get("announcers") or []]
    if len(seen) != len(set(seen)):
        raise _problem("announcers", "duplicate", "播音员重复")


class SetRadioProgrammeSchema(Schema):
    programme_id = ClientId()
    school_id = Id()
    title = Text(100, min_length=1, required=True, allow_none=False)  # 午间书场
    station = Text(50)                      # 红领巾广播台
    work = Text(100)                        # 《西游记》
    weekdays = fields.List(Whole(validate=validate.Range(min=1, max=7)),
                           required=True, validate=validate.Length(min=1, max=7))
    starts_at_time = Clock(required=True)
    ends_at_time = Clock(required=True)
    announcers = Announcers(required=True)
    effective_from = Day(required=True)
    ended_on = Day(load_default=None, allow_none=True)
    notes = Text(1000)
    set_by = Id()
    revision = Whole(load_default=None, allow_none=True,
                              validate=validate.Range(min=1))  # set when changing

    @validates_schema
    def _consistent(self, data, **kwargs):
        if data["programme_id"] is None:
            raise _problem("programme_id", "required", "请给栏目一个编号（重试时不会重复建立）")
        if len(data["weekdays"]) != len(set(data["weekdays"])):
            raise _problem("weekdays", "duplicate", "星期重复")
        if data["ends_at_time"] <= data["starts_at_time"]:
            raise _problem("ends_at_time", "before_start", "结束时间应晚于开始时间")
        if data.get("ended_on") and data["ended_on"] < data["effective_from"]:
            raise _problem("ended_on", "before_start", "停播日期不能早于开播日期")
        _unique_announcers(data)


class RecordRadioEpisodeSchema(Schema):
    school_id = Id(required=False, load_default=None, allow_none=True)  # scope: must own it
    programme_id = Id()
    aired_on = Day(required=True)
    episode = Whole(required=True, validate=validate.Range(min=1, max=10000))
    reading = Text(200)                     # 第十回 二将军宫门镇鬼 唐太宗地府还魂
    announcers = Announcers(load_default=None, allow_none=True)  # default: the programme's
    notes = Text(1000)
    recorded_by = Id()
    revision = Whole(load_default=None, allow_none=True,
                              validate=validate.Range(min=1))  # set when correcting

    @validates_schema
    def _each_once(self, data, **kwargs):
        _unique_announcers(data)


class SchoolPageSchema(Schema):
    school_id = Id()
    cursor = rpc_fields.Cursor()
    limit = Whole(load_default=50, validate=validate.Range(min=1, max=200))


class ProgrammePageSchema(Schema):
    school_id = Id(required=False, load_default=None, allow_none=True)  # scope: must own it
    programme_id = Id()
    cursor = rpc_fields.Cursor()
    limit = Whole(load_default=50, validate=validate.Range(min=1, max=200))


# -- duty rota ---------------------------------------------------------------------------------
class SlotSchema(Schema):
    weekday = Whole(required=True, validate=validate.Range(min=1, max=7))
    period = OneOf(tuple(domain.DUTY_PERIODS), required=True)
    staff_ids = fields.List(Id(), required=True, validate=validate.Length(min=1, max=10))
    place = Text(100)
    activities = fields.List(OneOf(tuple(domain.DUTY_ACTIVITIES)), load_default=list)


class SetDutyRotaSchema(Schema):
    school_id = Id()
    set_by = Id()
    effective_from = Day(required=True)
    slots = fields.List(fields.Nested(SlotSchema), required=True,
                        validate=validate.Length(min=1, max=14))

    @validates_schema
    def _one_slot_per_period(self, data, **kwargs):
        seen = set()
        for index, slot in enumerate(data.get("slots") or []):
            key = (slot["weekday"], slot["period"])
            if key in seen:
                raise _problem("slots.{}.period".format(index), "duplicate",
                               "同一天同一时段只能有一个值日安排")
            seen.add(key)


class SchoolSchema(Schema):
    school_id = Id()


class SwapDutySchema(Schema):
    school_id = Id()
    duty_date = Day(required=True)
    period = OneOf(contract.DUTY_PERIODS, required=True)
    staff_id = Id()
    substitute_id = Id()
    reason = Text(500)
    by = Id()

    @validates_schema
    def _someone_else(self, data, **kwargs):
        if data["staff_id"] == data["substitute_id"]:
            raise _problem("substitute_id", "same_staff", "代班教师不能是本人")


class RecordDutySessionSchema(Schema):
    school_id = Id()
    held_on = Day(required=True)
    period = OneOf(contract.DUTY_PERIODS, required=True)
    staff_ids = fields.List(Id(), required=True, validate=validate.Length(min=1, max=20))
    child_ids = fields.List(Id(), load_default=list, validate=validate.Length(max=2000))
    activities = fields.List(OneOf(contract.DUTY_ACTIVITIES), load_default=list,
                             validate=validate.Length(max=10))
    place = Text(100)
    notes = Text(2000)
    recorded_by = Id()
    revision = Whole(load_default=None, allow_none=True,
                              validate=validate.Range(min=1))  # set when correcting

    @validates_schema
    def _each_once(self, data, **kwargs):
        for name in ("staff_ids", "child_ids"):
            values = data.get(name) or []
            if len(values) != len(set(values)):
                raise _problem(name, "duplicate", "名单中有重复")


class DutySessionsSchema(SchoolPeriodPageSchema):
    pass


class OnDutySchema(Schema):
    school_id = Id()
    date = Day(load_default=None, allow_none=True)


# -- honours and outcomes ------------------------------------------------------------------------
class GrantAwardSchema(Schema):
    award_id = ClientId()
    recipient_type = OneOf(contract.RECIPIENT_TYPES, required=True)
    child_id = Id(load_default=None, allow_none=True, required=False)
    staff_id = Id(load_default=None, allow_none=True, required=False)
    title = Text(100, min_length=1, required=True, allow_none=False)
    level = OneOf(contract.AWARD_LEVELS, required=True)
    granted_on = Day(required=True)
    awarded_by = Text(100)               # the issuing body, e.g. 莆田市教育局
    awarding_body = OneOf(contract.AWARDING_BODIES, load_default=None, allow_none=True)
    activity_id = Id(load_default=None, allow_none=True, required=False)  # the competition
    notes = Text(1000)
    recorded_by = Id()

    @validates_schema
    def _one_recipient(self, data, **kwargs):
        wanted = "child_id" if data.get("recipient_type") == "child" else "staff_id"
        other = "staff_id" if wanted == "child_id" else "child_id"
        if not data.get(wanted):
            raise _problem(wanted, "required", "请填写获奖人")
        if data.get(other):
            raise _problem(other, "not_allowed", "获奖人类型与所填编号不一致")


class RevokeAwardSchema(Schema):
    award_id = Id()
    revoked_by = Id()
    reason_code = OneOf(contract.REVOKE_REASONS, required=True)
    reason = Text(500)


class AwardsQuerySchema(Schema):
    include_revoked = fields.Boolean(load_default=False)
    child_id = Id(required=False, load_default=None, allow_none=True)
    staff_id = Id(required=False, load_default=None, allow_none=True)
    school_id = Id(required=False, load_default=None, allow_none=True)

    @validates_schema
    def _one_selector(self, data, **kwargs):
        if sum(1 for key in ("child_id", "staff_id", "school_id") if data.get(key)) != 1:
            raise _problem("_schema", "one_selector", "请只按儿童、教师或学校中的一项查询")


class ScoreSchema(Schema):
    subject = fields.String(required=True, validate=validate.Regexp(
        r"^[a-z][a-z0-9_]{0,39}\Z", error="bad_format|科目应为英文代码，如 chinese、maths"))
    score = Number(required=True, validate=validate.Range(min=0))
    full_marks = Number(load_default=100.0, validate=validate.Range(min=1, max=1000))

    @validates_schema
    def _within_full_marks(self, data, **kwargs):
        if data["score"] > data["full_marks"]:
            raise _problem("score", "above_full_marks", "分数不能高于满分")


class DimensionsSchema(Schema):
    manners = OneOf(contract.BEHAVIOUR_RATINGS, load_default=None, allow_none=True)
    self_care = OneOf(contract.BEHAVIOUR_RATINGS, load_default=None, allow_none=True)
    independence = OneOf(contract.BEHAVIOUR_RATINGS, load_default=None, allow_none=True)


TERM = validate.Regexp(r"^\d{4}-\d{4}-[12]\Z", error="bad_format|学期格式应为 2025-2026-1")


class RecordAssessmentSchema(Schema):
    child_id = Id()
    term = fields.String(required=True, validate=validate.Regexp(
        r"^\d{4}-\d{4}-[12]\Z", error="bad_format|学期格式应为 2025-2026-1"))
    scores = fields.List(fields.Nested(ScoreSchema), load_default=list,
                         validate=validate.Length(max=20))
    behaviour_rating = OneOf(contract.BEHAVIOUR_RATINGS, load_default=None, allow_none=True)
    dimensions = fields.Nested(DimensionsSchema, load_default=None, allow_none=True)
    comment = Text(1000)
    recorded_by = Id()
    revision = Whole(load_default=None, allow_none=True,
                              validate=validate.Range(min=1))  # set when correcting

    @validates_schema
    def _something_assessed(self, data, **kwargs):
        if not data.get("scores") and not data.get("behaviour_rating") and \
                not any((data.get("dimensions") or {}).values()):
            raise _problem("scores", "required", "成绩、行为评价和礼貌/自理/自立自强评价至少填一项")
        subjects = [s["subject"] for s in data.get("scores") or []]
        if len(subjects) != len(set(subjects)):
            raise _problem("scores", "duplicate", "同一科目只能填一次")


class ChildSchema(Schema):
    child_id = Id()


class DimensionProgressSchema(Schema):
    school_id = Id(required=False, load_default=None, allow_none=True)
    class_id = Id(required=False, load_default=None, allow_none=True)
    term = fields.String(required=True, validate=TERM)
    cursor = rpc_fields.Cursor()
    limit = Whole(load_default=50, validate=validate.Range(min=1, max=200))

    @validates_schema
    def _one_scope(self, data, **kwargs):
        if sum(1 for key in ("school_id", "class_id") if data.get(key)) != 1:
            raise _problem("_schema", "one_selector", "请只按学校或班级中的一项查询")


# -- queries -----------------------------------------------------------------------------------
class TimelineSchema(Schema):
    child_id = Id()
    cursor = rpc_fields.Cursor()
    limit = Whole(load_default=20, validate=validate.Range(min=1, max=100))
    types = fields.List(OneOf(domain.TIMELINE_TYPES), load_default=None, allow_none=True,
                        validate=validate.Length(min=1))


class LastContactsSchema(Schema):
    school_id = Id(required=False, load_default=None, allow_none=True)
    class_id = Id(required=False, load_default=None, allow_none=True)
    child_ids = fields.List(Id(), load_default=None, allow_none=True,
                            validate=validate.Length(min=1, max=2000))

    @validates_schema
    def _one_selector(self, data, **kwargs):
        if sum(1 for key in ("school_id", "class_id", "child_ids") if data.get(key)) != 1:
            raise _problem("_schema", "one_selector", "请只按学校、班级或儿童名单中的一项查询")


class FlaggedRecordsSchema(Schema):
    school_id = Id()
    cursor = rpc_fields.Cursor()
    limit = Whole(load_default=50, validate=validate.Range(min=1, max=200))

