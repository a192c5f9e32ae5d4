"""RPC inputs of the pairing service (marshmallow). Dates arrive as YYYY-MM-DD and are kept
as ISO strings; unknown fields are refused."""
from marshmallow import Schema, ValidationError, fields, post_load, validate, validates_schema

from carekit.errors import invalid
from pairing.desk import today
from pairing.model import BUDDY, MENTOR, PROXY

PERSON_REASONS = ("released", "reassigned", "teacher_request", "family_request", "other")


def _id_text(value):
    if not value.strip():
        raise invalid("required", "必填项不能为空")
    if len(value) > 64:
        raise invalid("too_long", "编号太长（最多 64 个字符）")


def _optional_id_text(value):
    if not value.strip():
        raise invalid("blank", "不能是空白；不填写时请省略此项")
    _id_text(value)


_id = dict(required=True, validate=_id_text)
_opt_id = dict(load_default=None, allow_none=True, validate=_optional_id_text)
_note = dict(load_default=None, allow_none=True, validate=validate.Length(max=500))


def _not_future(value):
    if value.isoformat() > today():
        raise invalid("future_date", "日期不能晚于今天")


def _field_error(field, code, message):
    return ValidationError({field: ["{}|{}".format(code, message)]})


class _Command(Schema):
    by = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=64))

    @post_load
    def _iso_dates(self, data, **kwargs):
        return {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in data.items()}


class AssignMentorSchema(_Command):
    child_id = fields.String(**_id)
    teacher_id = fields.String(**_id)
    replace = fields.Boolean(load_default=False)  # release the current mentor in the same step
    started_on = fields.Date(load_default=None, allow_none=True, validate=_not_future)
    note = fields.String(**_note)


class PairBuddySchema(_Command):
    child_id = fields.String(**_id)
    buddy_child_id = fields.String(**_opt_id)  # a registered classmate...
    buddy_name = fields.String(load_default=None, allow_none=True,  # ...or any classmate
                               validate=validate.Length(min=1, max=32))
    buddy_class_id = fields.String(**_opt_id)
    started_on = fields.Date(load_default=None, allow_none=True, validate=_not_future)
    note = fields.String(**_note)

    @validates_schema
    def _one_buddy(self, data, **kwargs):
        if not data.get("buddy_child_id") and not (data.get("buddy_name") or "").strip():
            raise _field_error("buddy_child_id", "buddy_required",
                               "请选择已登记的同学，或填写同学的姓名")
        if data.get("buddy_child_id") and data.get("buddy_name"):
            raise _field_error("buddy_name", "buddy_ambiguous",
                               "已选择登记的同学时不要再填写姓名")


class AssignProxyParentSchema(_Command):
    child_id = fields.String(**_id)
    volunteer_id = fields.String(**_id)
    replace = fields.Boolean(load_default=False)
    started_on = fields.Date(load_default=None, allow_none=True, validate=_not_future)
    note = fields.String(**_note)


class ReleaseSchema(_Command):
    pairing_id = fields.String(**_id)
    reason = fields.String(load_default="released", validate=validate.OneOf(PERSON_REASONS))
    note = fields.String(**_note)
    ended_on = fields.Date(load_default=None, allow_none=True, validate=_not_future)


class PolicySchema(_Command):
    max_mentees = fields.Integer(validate=validate.Range(min=1, max=20))
    min_mentees = fields.Integer(validate=validate.Range(min=0, max=20))
    priority_per_class_min = fields.Integer(validate=validate.Range(min=0, max=50))
    priority_per_class_max = fields.Integer(validate=validate.Range(min=1, max=50))
    head_teacher_first = fields.Boolean()
    buddies_per_child = fields.Integer(validate=validate.Range(min=1, max=10))
    proxy_parent_required = fields.Boolean()
    expected_version = fields.Integer(load_default=None, allow_none=True,
                                      validate=validate.Range(min=0))

    @validates_schema
    def _something(self, data, **kwargs):
        if not set(data) - {"by", "expected_version"}:
            raise _field_error("_schema", "nothing_to_change", "没有要修改的政策项")


class PrioritySchema(_Command):
    class_id = fields.String(**_id)
    child_ids = fields.List(fields.String(validate=_id_text),
                            required=True, validate=validate.Length(max=50))


class SchoolSchema(_Command):
    school_id = fields.String(**_id)


class PlanSchema(_Command):
    plan_id = fields.String(**_id)


class PairingsQuerySchema(Schema):
    child_id = fields.String(**_opt_id)
    teacher_id = fields.String(**_opt_id)
    volunteer_id = fields.String(**_opt_id)
    class_id = fields.String(**_opt_id)
    school_id = fields.String(**_opt_id)
    kind = fields.String(load_default=None, allow_none=True,
                         validate=validate.OneOf((MENTOR, BUDDY, PROXY)))
    include_ended = fields.Boolean(load_default=False)

    @validates_schema
    def _exactly_one(self, data, **kwargs):
        given = [k for k in ("child_id", "teacher_id", "volunteer_id", "class_id", "school_id")
                 if data.get(k)]
        if len(given) != 1:
            raise _field_error("_schema", "one_filter",
                               "请只按一个条件查询：儿童、教师、志愿者、班级或学校")


class UnpairedQuerySchema(Schema):
    school_id = fields.String(**_opt_id)
    class_id = fields.String(**_opt_id)
    kind = fields.String(load_default=MENTOR, validate=validate.OneOf((MENTOR, BUDDY, PROXY)))

    @validates_schema
    def _where(self, data, **kwargs):
        if not data.get("school_id") and not data.get("class_id"):
            raise _field_error("school_id", "required", "请指定学校或班级")


class OverCapacityQuerySchema(Schema):
    school_id = fields.String(**_opt_id)
