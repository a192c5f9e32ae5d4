"""RPC inputs of the pairing service (marshmallow). Every RPC takes one dict; unknown fields
are refused. Ids are strings of the registry's shape (letters, digits, `_`, `-`), so no
operator object, `$`-key or dotted path can reach a query; texts refuse control characters
and unpaired surrogates (text that is not valid UTF-8). Dates arrive as YYYY-MM-DD and are
kept as ISO strings. Lists are scoped (a school or class at most) and paged with a cursor.
"""
import re

from marshmallow import Schema, ValidationError, fields, post_load, validate, validates_schema

from carekit.contracts.pairing import MENTOR_SCOPES, WITHDRAW_REASONS
from carekit.errors import invalid
from pairing.desk import today
from pairing.model import BUDDY, MENTOR, PROXY

PERSON_REASONS = ("released", "reassigned", "teacher_request", "family_request", "other")
ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")
# control characters (tab and newline allowed in notes), and halves of surrogate pairs
BAD_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


def _id_text(value):
    if not value.strip():
        raise invalid("required", "必填项不能为空")
    if len(value) > 64:
        raise invalid("too_long", "编号太长（最多 64 个字符）")
    if not ID_PATTERN.fullmatch(value):
        raise invalid("bad_id", "编号格式不对（只能包含字母、数字、- 和 _）")


def _plain_text(value):
    if BAD_TEXT.search(value):
        raise invalid("bad_text", "包含不可见的控制字符或无效字符")


def Id(required=True):
    if required:
        return fields.String(required=True, validate=_id_text)
    return fields.String(load_default=None, allow_none=True, validate=_id_text)


def Text(max_length, min_length=0):
    return fields.String(load_default=None, allow_none=True, validate=[
        validate.Length(min=min_length, max=max_length), _plain_text])


def Day():
    return fields.Date(load_default=None, allow_none=True, validate=_not_future)


def _not_future(value):
    if value.isoformat() > today():
        raise invalid("future_date", "日期不能晚于今天")


def _field_error(field, code, message):
    return ValidationError({field: ["{}|{}".format(code, message)]})


class _Command(Schema):
    by = Text(64)  # the user id of who asks (the gateway fills it in)

    @post_load
    def _iso_dates(self, data, **kwargs):
        return {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in data.items()}


class _Page(Schema):
    cursor = fields.String(load_default=None, allow_none=True,
                           validate=[validate.Length(max=400), _plain_text])
    limit = fields.Integer(strict=True, load_default=100, validate=validate.Range(min=1, max=500))


class AssignMentorSchema(_Command):
    child_id = Id()
    teacher_id = Id()  # any active staff member (教职工) of the child's school
    replace = fields.Boolean(load_default=False)  # release the current mentor in the same step
    started_on = Day()
    note = Text(500)


class PairBuddySchema(_Command):
    child_id = Id()
    buddy_child_id = Id(required=False)  # a registered classmate...
    buddy_name = Text(32, min_length=1)   # ...or any classmate, by name
    buddy_class_id = Id(required=False)
    started_on = Day()
    note = Text(500)

    @validates_schema
    def _one_buddy(self, data, **kwargs):
        if not data.get("buddy_child_id") and not (data.get("buddy_name") or "").strip():
            raise _field_error("buddy_child_id", "buddy_required",
                               "请选择已登记的同学，或填写同学的姓名")
        if data.get("buddy_child_id") and data.get("buddy_name"):
            raise _field_error("buddy_name", "buddy_ambiguous",
                               "已选择登记的同学时不要再填写姓名")


class AssignProxyParentSchema(_Command):
    child_id = Id()
    volunteer_id = Id()
    replace = fields.Boolean(load_default=False)
    started_on = Day()
    note = Text(500)


class ReleaseSchema(_Command):
    pairing_id = Id()
    reason = fields.String(load_default="released", validate=validate.OneOf(PERSON_REASONS))
    note = Text(500)
    ended_on = Day()


class CountySchema(Schema):
    county_id = Id()


class PolicySchema(_Command):
    county_id = Id()
    mentor_scope = fields.String(validate=validate.OneOf(MENTOR_SCOPES))
    max_mentees = fields.Integer(strict=True, validate=validate.Range(min=1, max=20))
    min_mentees = fields.Integer(strict=True, validate=validate.Range(min=0, max=20))
    priority_per_class_min = fields.Integer(strict=True, validate=validate.Range(min=0, max=50))
    priority_per_class_max = fields.Integer(strict=True, validate=validate.Range(min=1, max=50))
    head_teacher_first = fields.Boolean()
    buddies_per_child = fields.Integer(strict=True, validate=validate.Range(min=1, max=10))
    buddy_max_children = fields.Integer(strict=True, validate=validate.Range(min=1, max=10))
    proxy_parent_required = fields.Boolean()
    expected_version = fields.Integer(strict=True, load_default=None, allow_none=True,
                                      validate=validate.Range(min=0))

    @validates_schema
    def _something(self, data, **kwargs):
        if not set(data) - {"by", "expected_version", "county_id"}:
            raise _field_error("_schema", "nothing_to_change", "没有要修改的政策项")


class PrioritySchema(_Command):
    class_id = Id()
    child_ids = fields.List(Id(), required=True, validate=validate.Length(max=50))


class WithdrawPrioritySchema(_Command):
    class_id = Id()
    child_ids = fields.List(Id(), required=True, validate=validate.Length(min=1, max=50))
    reason = fields.String(load_default="withdrawn",
                           validate=validate.OneOf(("withdrawn",) + tuple(
                               r for r in WITHDRAW_REASONS if r.startswith("child_"))))


class SchoolSchema(_Command):
    school_id = Id()


class PlanSchema(_Command):
    plan_id = Id()


def _one_scope(data, keys, message):
    if sum(1 for k in keys if data.get(k)) != 1:
        raise _field_error("_schema", "one_filter", message)


class PairingsQuerySchema(_Page):
    child_id = Id(required=False)
    teacher_id = Id(required=False)
    volunteer_id = Id(required=False)
    class_id = Id(required=False)
    school_id = Id(required=False)
    kind = fields.String(load_default=None, allow_none=True,
                         validate=validate.OneOf((MENTOR, BUDDY, PROXY)))
    include_ended = fields.Boolean(load_default=False)

    @validates_schema
    def _exactly_one(self, data, **kwargs):
        _one_scope(data, ("child_id", "teacher_id", "volunteer_id", "class_id", "school_id"),
                   "请只按一个条件查询：儿童、教师、志愿者、班级或学校")


class UnpairedQuerySchema(_Page):
    school_id = Id(required=False)
    class_id = Id(required=False)
    kind = fields.String(load_default=MENTOR, validate=validate.OneOf((MENTOR, BUDDY, PROXY)))

    @validates_schema
    def _where(self, data, **kwargs):
        if not data.get("school_id") and not data.get("class_id"):
            raise _field_error("school_id", "required", "请指定学校或班级")
        _one_scope(data, ("school_id", "class_id"), "请只按学校或班级中的一项查询")


class SchoolPageSchema(_Page):
    school_id = Id()


class RecommendedQuerySchema(_Page):
    school_id = Id(required=False)
    class_id = Id(required=False)

    @validates_schema
    def _where(self, data, **kwargs):
        _one_scope(data, ("school_id", "class_id"), "请只按学校或班级中的一项查询")
