"""HTTP inputs (bodies and query strings), built from the services' own marshmallow schemas
so the API, its OpenAPI document and the RPC it calls agree.

What the gateway itself fills in — ids taken from the path, and who is acting (`by_id`,
`recorded_by` …, from the login) — is left out of the body schema: a caller who sends it
gets `unknown_field`, so nobody writes in someone else's name.
"""
from marshmallow import RAISE, Schema, fields, validate, validates_schema

from activities import schemas as acts
from carekit.contracts import activities as act_contract
from carekit.errors import invalid
from gateway.accounts import ROLES, USERNAME
from pairing import schemas as pair
from registry import schemas as reg

ID = validate.Regexp(r"^[A-Za-z0-9_-]{1,64}$", error="bad_id|编号格式不对")


def without(schema_cls, *names, name=None, drop_hooks=()):
    """`schema_cls` minus fields the gateway fills in (and minus validators about them)."""
    base_meta = getattr(schema_cls, "Meta", object)
    excluded = tuple(getattr(base_meta, "exclude", ())) + names
    attrs = {"Meta": type("Meta", (base_meta,), {"exclude": excluded, "unknown": RAISE})}
    for hook in drop_hooks:
        attrs[hook] = lambda self, *a, **k: None
    return type(name or schema_cls.__name__, (schema_cls,), attrs)


def Id(**kwargs):
    return fields.String(validate=ID, **kwargs)


class Paging(Schema):
    cursor = fields.String(load_default=None, validate=validate.Length(max=300))
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))


class Empty(Schema):
    """No fields: the request carries nothing but the path."""


# -- login, sessions, tokens, accounts -----------------------------------------------------
class LoginBody(Schema):
    username = fields.String(required=True, validate=validate.Length(min=1, max=64))
    password = fields.String(required=True, validate=validate.Length(min=1, max=256))


class TokenBody(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=60))
    days = fields.Integer(load_default=30, validate=validate.Range(min=1, max=366))


class PasswordBody(Schema):
    current_password = fields.String(required=True, validate=validate.Length(min=1, max=256))
    new_password = fields.String(required=True, validate=validate.Length(min=1, max=256))


class AccountBody(Schema):
    username = fields.String(required=True, validate=validate.Regexp(
        USERNAME, error="bad_username|用户名为 3-32 位小写字母、数字、点、下划线或连字符，以字母或数字开头"))
    display_name = fields.String(required=True, validate=validate.Length(min=1, max=30))
    role = fields.String(required=True, validate=validate.OneOf(tuple(ROLES)))
    password = fields.String(required=True, validate=validate.Length(min=1, max=256))
    township_id = Id(load_default=None)
    school_id = Id(load_default=None)
    staff_id = Id(load_default=None)
    volunteer_id = Id(load_default=None)

    @validates_schema
    def _one_person(self, data, **kwargs):
        if data.get("staff_id") and data.get("volunteer_id"):
            raise invalid("one_person", "只能关联一名教职工或一名志愿者")


class AccountChanges(Schema):
    display_name = fields.String(validate=validate.Length(min=1, max=30))
    active = fields.Boolean()


class PasswordReset(Schema):
    new_password = fields.String(required=True, validate=validate.Length(min=1, max=256))


class AccountQuery(Paging):
    role = fields.String(load_default=None, validate=validate.OneOf(tuple(ROLES)))
    school_id = Id(load_default=None)


class AuditQuery(Paging):
    actor = fields.String(load_default=None, validate=validate.Length(max=64))
    child_id = Id(load_default=None)
    target_id = Id(load_default=None)
    action = fields.String(load_default=None, validate=validate.OneOf(
        ("read", "change", "reveal", "print", "import", "export")))
    outcome = fields.String(load_default=None, validate=validate.OneOf(
        ("ok", "denied", "out_of_scope", "not_found", "rejected", "error")))
    date_from = fields.Date(load_default=None)
    date_to = fields.Date(load_default=None)


class AuditExportQuery(AuditQuery):
    class Meta:
        exclude = ("cursor", "limit")

    format = fields.String(load_default="xlsx", validate=validate.OneOf(("xlsx", "csv")))


# -- organisation --------------------------------------------------------------------------
TownshipBody = without(reg.TownshipInput, "county_id", name="TownshipBody")
SchoolBody = reg.SchoolInput
SchoolChanges = reg.SchoolChanges
ClassBody = without(reg.ClassInput, "school_id", name="ClassBody")
ClassChanges = reg.ClassChanges


class SchoolsQuery(Schema):
    township_id = Id(load_default=None)


# -- children ------------------------------------------------------------------------------
ChildBody = without(reg.ChildInput, "school_id", name="ChildBody")


class ChildChangesBody(reg.ChildChanges):
    """A change may not blank gender or birth date (they come with the ID number)."""
    gender = reg.Choice(reg.words.GENDER)
    birth_date = reg.PastDate()


ChildChanges = ChildChangesBody(partial=True)
StatusBody = reg.StatusChangeInput
TransferBody = reg.TransferInput


class ChildrenQuery(Paging):
    school_id = Id(load_default=None)
    class_id = Id(load_default=None)
    status = reg.Choice(reg.words.CHILD_STATUS, load_default=None)


class RevealQuery(Schema):
    reveal = fields.Boolean(load_default=False)
    reason = fields.String(load_default=None, validate=validate.Length(max=200))


class ReasonQuery(Schema):
    reason = fields.String(required=True, validate=validate.Length(min=2, max=200))


# -- staff and volunteers ------------------------------------------------------------------
StaffBody = without(reg.StaffInput, "school_id", name="StaffBody")
StaffChanges = reg.StaffChanges(partial=True)
LeaveBody = reg.LeaveInput
VolunteerBody = without(reg.VolunteerInput, "school_id", name="VolunteerBody")


class ActiveQuery(Schema):
    active = fields.Boolean(load_default=None, allow_none=True)


# -- roster --------------------------------------------------------------------------------
class TemplateQuery(Schema):
    format = fields.String(load_default="xlsx", validate=validate.OneOf(("xlsx", "csv")))


class RosterBody(Schema):
    """JSON form of an import (programs); a browser sends multipart/form-data with the
    file in `file` and `mode` beside it."""
    # the registry's own pattern is Python-only ((?i)); this one is also valid in OpenAPI
    filename = fields.String(required=True, validate=validate.Regexp(
        r"^.+\.([xX][lL][sS][xX]|[cC][sS][vV])$", error="bad_file_type|只支持 .xlsx 或 .csv 文件"))
    content_base64 = fields.String(required=True, validate=validate.Length(max=12_000_000))
    mode = reg.ImportInput._declared_fields["mode"]


class RosterForm(Schema):
    mode = reg.ImportInput._declared_fields["mode"]


# -- pairing -------------------------------------------------------------------------------
PolicyBody = without(pair.PolicySchema, "by", "county_id", name="PolicyBody")
PriorityBody = without(pair.PrioritySchema, "by", "class_id", name="PriorityBody")
MentorBody = without(pair.AssignMentorSchema, "by", name="MentorBody")
BuddyBody = without(pair.PairBuddySchema, "by", name="BuddyBody")
ProxyParentBody = without(pair.AssignProxyParentSchema, "by", name="ProxyParentBody")
ReleaseBody = without(pair.ReleaseSchema, "by", "pairing_id", name="ReleaseBody")


class PagingQuery(Schema):
    """A page of a service's paged list (its own cursor)."""
    cursor = fields.String(load_default=None, validate=validate.Length(max=300))
    limit = fields.Integer(load_default=100, validate=validate.Range(min=1, max=500))


class PairingsQuery(PagingQuery):
    kind = fields.String(load_default=None, validate=validate.OneOf(
        ("mentor", "buddy", "proxy_parent")))
    include_ended = fields.Boolean(load_default=False)


class UnpairedQuery(PagingQuery):
    kind = fields.String(load_default="mentor", validate=validate.OneOf(
        ("mentor", "buddy", "proxy_parent")))
    class_id = Id(load_default=None)


# -- care records and diary ------------------------------------------------------------------
CareRecordBody = without(acts.LogCareRecordSchema, "child_id", "by_id", name="CareRecordBody")
CareRevision = without(acts.ReviseCareRecordSchema, "record_id", "edited_by",
                       name="CareRevision")
CareDeletion = without(acts.DeleteCareRecordSchema, "record_id", "deleted_by",
                       name="CareDeletion")
DiaryBody = without(acts.AddDiaryEntrySchema, "child_id", "by_id", name="DiaryBody")
DiaryRevision = without(acts.ReviseDiaryEntrySchema, "entry_id", "edited_by",
                        name="DiaryRevision")
DiaryDeletion = without(acts.DeleteDiaryEntrySchema, "entry_id", "deleted_by",
                        name="DiaryDeletion")


class HistoryQuery(Schema):
    with_history = fields.Boolean(load_default=False)


class TimelineQuery(Schema):
    cursor = fields.String(load_default=None, validate=validate.Length(max=300))
    limit = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))
    types = fields.List(fields.String(validate=validate.OneOf(
        ("care_record", "diary", "activity", "award"))), load_default=None,
        validate=validate.Length(min=1))


# -- group activities, attendance, duty rota ------------------------------------------------
ActivityBody = without(acts.ScheduleActivitySchema, "school_id", "scheduled_by",
                       name="ActivityBody")
ActivityChanges = without(acts.RescheduleActivitySchema, "activity_id", "changed_by",
                          name="ActivityChanges")
ActivityCancel = without(acts.CancelActivitySchema, "activity_id", "cancelled_by",
                         name="ActivityCancel")
AttendanceBody = without(acts.RecordAttendanceSchema, "activity_id", "taken_by",
                         name="AttendanceBody")
CalendarQuery = without(acts.CalendarSchema, "school_id", name="CalendarQuery")
DutyRotaBody = without(acts.SetDutyRotaSchema, "school_id", "set_by", name="DutyRotaBody")


class DateQuery(Schema):
    date = fields.Date(load_default=None)


SwapBody = without(acts.SwapDutySchema, "school_id", "by", name="SwapBody")
DutySessionBody = without(acts.RecordDutySessionSchema, "school_id", "recorded_by",
                          name="DutySessionBody")
PeriodPage = without(acts.SchoolPeriodPageSchema, "school_id", name="PeriodPage")
SchoolPage = without(acts.SchoolPageSchema, "school_id", name="SchoolPage")
RadioProgrammeBody = without(acts.SetRadioProgrammeSchema, "school_id", "set_by",
                             name="RadioProgrammeBody")
RadioEpisodeBody = without(acts.RecordRadioEpisodeSchema, "school_id", "recorded_by",
                           name="RadioEpisodeBody")
RadioEpisodesQuery = without(acts.ProgrammePageSchema, "school_id", name="RadioEpisodesQuery")
DistributeBody = without(acts.DistributeSuppliesSchema, "activity_id", "distributed_by",
                         name="DistributeBody")
DimensionQuery = without(acts.DimensionProgressSchema, "school_id", "class_id",
                         name="DimensionQuery", drop_hooks=("_one_scope",))


# -- honours and assessments -----------------------------------------------------------------
AwardBody = without(acts.GrantAwardSchema, "recipient_type", "child_id", "staff_id",
                    "recorded_by", name="AwardBody", drop_hooks=("_one_recipient",))
AssessmentBody = without(acts.RecordAssessmentSchema, "child_id", "recorded_by",
                         name="AssessmentBody")


class FlaggedQuery(Schema):
    cursor = fields.String(load_default=None, validate=validate.Length(max=300))
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))


ACTIVITY_KINDS = act_contract.ACTIVITY_KINDS
