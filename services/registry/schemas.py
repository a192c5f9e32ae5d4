"""marshmallow schemas for every RPC argument of the registry (field formats only).

Rules that need the whole child file (ID vs birth date and gender, parents vs left-behind
type) live in registry.files; rules that need the database (unknown school, duplicate ID) in
the service. Enumerations accept the code or its Chinese label (so a roster can say 祖母).
"""
import re
from datetime import date

from marshmallow import (EXCLUDE, Schema, ValidationError, fields, post_load, validate, validates,
                         validates_schema)

from carekit.clock import china_today
from carekit import rpc
from carekit.errors import invalid
from registry import identity, vocabulary as words

_SHORT = validate.Length(min=1, max=50)
_CODE = validate.Regexp(r"^[0-9A-Za-z_-]{1,32}$", error="bad_code|编码只能包含字母、数字、-和_，最长32位")


class Text(rpc.Text):
    """A string (nothing else) with surrounding blanks removed, no control characters beyond
    newlines and tabs, valid UTF-8; each field's `validate` sets its real length."""

    def __init__(self, max_length=1000, multiline=False, **kwargs):
        super().__init__(max_length=max_length, multiline=multiline, **kwargs)


class Integer(fields.Integer):
    """An integer, or its digits as text (roster cells); never a boolean or a fraction."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()) \
                or (isinstance(value, str) and len(value) > 12):
            raise invalid("not_integer", "应为整数")
        return super()._deserialize(value, attr, data, **kwargs)


Id = rpc.Id


class Choice(fields.String):
    """One code of a vocabulary, given as the code or its Chinese label."""

    def __init__(self, labels, **kwargs):
        super().__init__(**kwargs)
        self.labels = labels
        self._by_label = {label: code for code, label in labels.items()}

    def _deserialize(self, value, attr, data, **kwargs):
        text = value.strip() if isinstance(value, str) else None
        if text in self.labels:
            return text
        if text in self._by_label:
            return self._by_label[text]
        raise invalid("not_allowed", "应为以下之一：" + "、".join(self.labels.values()))


class Situation(fields.Field):
    """The guardian's situation: any of 年老、体弱、患病、残疾 (codes or labels), as a list or as
    one text separated by 、 , ; or blanks; 健康 (or healthy) alone means none of them."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, str):
            items = [v for v in re.split(words.LIST_SEPARATORS, value) if v]
        elif isinstance(value, (list, tuple)) and len(value) <= 8:
            items = list(value)
        else:
            raise invalid("not_list", "应为列表，或用、分隔的文字")
        by_label = {label: code for code, label in words.GUARDIAN_SITUATION.items()}
        codes, healthy = set(), False
        for item in items:
            text = item.strip() if isinstance(item, str) else None
            if text in ("healthy", words.HEALTHY_LABEL):
                healthy = True
            elif text in words.GUARDIAN_SITUATION or text in by_label:
                codes.add(by_label.get(text, text))
            else:
                raise invalid("not_allowed", "应为以下一项或几项：" + "、".join(
                    words.GUARDIAN_SITUATION.values()) + "；都不是填“健康”")
        if healthy and codes:
            raise invalid("healthy_and_not", "“健康”不能与年老、体弱、患病、残疾同时填写")
        return [code for code in words.GUARDIAN_SITUATION if code in codes]


class Flag(fields.Boolean):
    truthy = fields.Boolean.truthy | {"是", "有", "Y", "y"}
    falsy = fields.Boolean.falsy | {"否", "无", "N", "n", ""}

    def _deserialize(self, value, attr, data, **kwargs):
        try:
            return super()._deserialize(value, attr, data, **kwargs)
        except ValidationError:
            raise invalid("not_boolean", "应填“是”或“否”")


class _Normalised(fields.String):
    """A string in its one canonical form (registry.identity), or the identity error."""
    normalise = None

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str) or len(value) > 40:
            raise invalid("not_string", "应为文字")
        if any(ord(c) < 32 or 0xD800 <= ord(c) <= 0xDFFF for c in value):
            raise invalid("bad_text", "含有控制字符或无效字符")
        try:
            return self.normalise(value)
        except identity.IdentityError as exc:
            raise invalid(exc.code, exc.message)


class NationalId(_Normalised):
    normalise = staticmethod(identity.normalise_national_id)


class Phone(_Normalised):
    normalise = staticmethod(identity.normalise_phone)


class PastDate(fields.Date):
    def _deserialize(self, value, attr, data, **kwargs):
        day = super()._deserialize(value, attr, data, **kwargs)
        if day > china_today():
            raise invalid("future_date", "日期不能晚于今天")
        return day


def _enrolment(most):
    return Integer(load_default=None, allow_none=True, validate=validate.Range(
        min=0, max=most, error="bad_enrolment|学生人数应为0至{}".format(most)))


# -- organisation ------------------------------------------------------------------------------
class CountyInput(Schema):
    code = Text(required=True, validate=_CODE)
    name = Text(required=True, validate=_SHORT)


class CountyChanges(Schema):
    code = Text(validate=_CODE)
    name = Text(validate=_SHORT)


class TownshipInput(Schema):
    county_id = Id(required=True)
    code = Text(required=True, validate=_CODE)
    name = Text(required=True, validate=_SHORT)


class TownshipChanges(Schema):
    code = Text(validate=_CODE)
    name = Text(validate=_SHORT)


class SchoolInput(Schema):
    township_id = Id(required=True)
    code = Text(required=True, validate=_CODE)
    name = Text(required=True, validate=_SHORT)
    address = Text(load_default=None, allow_none=True, validate=validate.Length(max=200))
    enrolment = _enrolment(20000)  # 全校学生数


class SchoolChanges(Schema):
    code = Text(validate=_CODE)
    name = Text(validate=_SHORT)
    address = Text(allow_none=True, validate=validate.Length(max=200))
    enrolment = _enrolment(20000)


class ClassInput(Schema):
    school_id = Id(required=True)
    grade = Integer(required=True, validate=validate.Range(
        min=1, max=12, error="bad_grade|年级应为1至12"))
    number = Integer(required=True, validate=validate.Range(
        min=1, max=60, error="bad_class_number|班号应为1至60"))
    head_teacher_id = Id(load_default=None, allow_none=True)
    enrolment = _enrolment(200)  # 班级人数


class ClassChanges(Schema):
    head_teacher_id = Id(allow_none=True)
    enrolment = _enrolment(200)


# -- the child file ----------------------------------------------------------------------------
class ParentInput(Schema):
    relation = Choice(words.PARENT_RELATION, required=True)
    name = Text(load_default=None, allow_none=True, validate=validate.Length(max=30))
    work_province = Text(load_default=None, allow_none=True, validate=validate.Length(max=20))
    work_city = Text(load_default=None, allow_none=True, validate=validate.Length(max=30))
    occupation = Text(load_default=None, allow_none=True, validate=validate.Length(max=30))
    phone = Phone(load_default=None, allow_none=True)
    home_frequency = Text(load_default=None, allow_none=True, validate=validate.Length(max=30))


class GuardianInput(Schema):
    name = Text(required=True, validate=validate.Length(min=1, max=30))
    relation = Choice(words.GUARDIAN_RELATION, required=True)
    age = Integer(load_default=None, allow_none=True)
    situation = Situation(load_default=None, allow_none=True)  # None: not recorded
    # before `situation`: one value; still accepted, and read as a situation of one
    health = Choice(words.GUARDIAN_HEALTH, load_default=None, allow_none=True)
    literacy = Choice(words.GUARDIAN_LITERACY, load_default=None, allow_none=True)
    phone = Phone(load_default=None, allow_none=True)
    address = Text(load_default=None, allow_none=True, validate=validate.Length(max=200))

    @validates("age")
    def _adult_enough(self, value, **kwargs):
        if value is not None and value < 16:
            raise invalid("guardian_too_young", "监护人应年满16周岁")
        if value is not None and value > 110:
            raise invalid("bad_age", "监护人年龄不合理")

    @post_load
    def _situation_from_health(self, data, **kwargs):
        health = data.pop("health", None)
        if health is not None and data.get("situation") is None:
            data["situation"] = [] if health == "healthy" else [health]
        return data


class SpecialNeedInput(Schema):
    kind = Choice(words.SPECIAL_NEEDS, required=True)
    note = Text(load_default=None, allow_none=True, validate=validate.Length(max=200))


class ChildInput(Schema):
    name = Text(required=True, validate=validate.Length(min=1, max=30))
    national_id = NationalId(required=True)
    gender = Choice(words.GENDER, load_default=None, allow_none=True)   # default: from the ID
    birth_date = PastDate(load_default=None, allow_none=True)          # default: from the ID
    school_id = Id(required=True)
    class_id = Id(required=True)
    left_behind_type = Choice(words.LEFT_BEHIND_TYPE, required=True)
    parents = fields.List(fields.Nested(ParentInput), load_default=list,
                          validate=validate.Length(max=4))
    guardian = fields.Nested(GuardianInput, required=True)
    family_hardship = Flag(load_default=False)
    low_income_registered = Flag(load_default=False)
    hardship_note = Text(load_default=None, allow_none=True, validate=validate.Length(max=200))
    special_needs = fields.List(fields.Nested(SpecialNeedInput), load_default=list,
                                validate=validate.Length(max=10))
    migrant_left_behind = Flag(load_default=False)                  # 流动留守
    boards_at_school = Flag(load_default=None, allow_none=True)     # 住校
    lunch_at_school = Flag(load_default=None, allow_none=True)      # 在校就餐
    notes = Text(load_default=None, allow_none=True, multiline=True,
                 validate=validate.Length(max=1000))
    # siblings already registered in the county: the new file joins their household
    sibling_ids = fields.List(Id(), load_default=list, validate=validate.Length(max=20))


class ChildChanges(ChildInput):
    """Fields to change (partial); guardian is merged, parents are merged by relation.
    The school changes only by transfer."""

    class Meta:
        exclude = ("school_id", "sibling_ids")

    expected_version = Integer(load_default=None, allow_none=True)


class StatusChangeInput(Schema):
    status = Choice(words.CHILD_STATUS, required=True)
    reason_code = Choice(words.STATUS_REASON, load_default=None, allow_none=True)
    reason = Text(load_default=None, allow_none=True, validate=validate.Length(max=200))
    effective_date = PastDate(load_default=date.today)


class TransferInput(Schema):
    to_school_id = Id(required=True)
    to_class_id = Id(required=True)
    effective_date = PastDate(load_default=date.today)
    reason = Text(load_default=None, allow_none=True, validate=validate.Length(max=200))


_REASON_REQUIRED = "reason_required|打印含联系方式的表卡需填写理由（2至200字）"


class Reason(Text):
    """Why phones or full IDs are shown: required, 2-200 characters, recorded in the PII
    audit. There is no default: the caller says why."""

    def __init__(self, **kwargs):
        super().__init__(required=True, max_length=200, min_length=0, validate=validate.Length(
            min=2, max=200, error=_REASON_REQUIRED),
            error_messages={"required": _REASON_REQUIRED, "null": _REASON_REQUIRED}, **kwargs)


class FileFormat(fields.String):
    def _deserialize(self, value, attr, data, **kwargs):
        if value not in ("xlsx", "csv"):
            raise invalid("not_allowed", "应为 xlsx 或 csv")
        return value


class SiblingIds(fields.List):
    def __init__(self, **kwargs):
        super().__init__(Id(), validate=validate.Length(
            min=2, max=20, error="bad_length|应为2至20个儿童档案编号"), **kwargs)


class RevealInput(Schema):
    """Asking for full ID and phone numbers: a reason is required and recorded."""
    reveal = Flag(load_default=False)
    reason = Text(load_default=None, allow_none=True, validate=validate.Length(max=200))


class CallerScope(Schema):
    """The schools the caller may see (the gateway knows): a refusal names another school's
    record only within it. Nothing given: nothing named."""
    school_ids = fields.List(Id(), load_default=list, validate=validate.Length(max=2000))
    whole_county = rpc.Strict(load_default=False)


class FindByNationalIdInput(Schema):
    national_id = NationalId(required=True)
    reason = Reason()
    scope = fields.Nested(CallerScope, load_default=dict)


# -- list queries: a scope is required, one page per answer ----------------------------------
_SCOPE_REQUIRED = "scope_required|请指定{}"


class Page(Schema):
    cursor = rpc.Cursor()
    limit = rpc.Limit()


class TownshipQuery(Page):
    county_id = Id(required=True)


class SchoolQuery(Page):
    county_id = Id(load_default=None)
    township_id = Id(load_default=None)

    @validates_schema
    def _scoped(self, data, **kwargs):
        if not data.get("county_id") and not data.get("township_id"):
            raise ValidationError({"county_id": [_SCOPE_REQUIRED.format("县或乡镇")]})


class ClassQuery(Page):
    school_id = Id(required=True)


class SchoolPageQuery(Page):
    school_id = Id(required=True)


class PeopleQuery(Page):
    school_id = Id(required=True)
    active = Flag(load_default=None, allow_none=True)


class ChildQuery(Page):
    school_id = Id(load_default=None)
    class_id = Id(load_default=None)
    status = Choice(words.CHILD_STATUS, load_default=None)
    household_id = Id(load_default=None)

    @validates_schema
    def _scoped(self, data, **kwargs):
        if not data.get("school_id") and not data.get("class_id"):
            raise ValidationError({"school_id": [_SCOPE_REQUIRED.format("学校或班级")]})


# -- people ------------------------------------------------------------------------------------
class StaffInput(Schema):
    school_id = Id(required=True)
    name = Text(required=True, validate=validate.Length(min=1, max=30))
    gender = Choice(words.GENDER, load_default=None, allow_none=True)
    phone = Phone(load_default=None, allow_none=True)
    roles = fields.List(Choice(words.STAFF_ROLES), load_default=lambda: ["teacher"],
                        validate=validate.Length(min=1, max=6, error="required|至少选择一个角色"))
    class_ids = fields.List(Id(), load_default=list, validate=validate.Length(max=50))
    subject = Text(load_default=None, allow_none=True, validate=validate.Length(max=20))


class StaffChanges(StaffInput):
    class Meta:
        exclude = ("school_id",)


class LeaveInput(Schema):
    left_on = PastDate(load_default=date.today)
    reason = Text(load_default=None, allow_none=True, validate=validate.Length(max=200))


class VolunteerInput(Schema):
    school_id = Id(required=True)
    name = Text(required=True, validate=validate.Length(min=1, max=30))
    kind = Choice(words.VOLUNTEER_KINDS, required=True)
    village = Text(load_default=None, allow_none=True, validate=validate.Length(max=50))
    phone = Phone(load_default=None, allow_none=True)
    note = Text(load_default=None, allow_none=True, validate=validate.Length(max=200))


# -- roster import -----------------------------------------------------------------------------
class ImportInput(Schema):
    class Meta:
        unknown = EXCLUDE

    school_id = Id(required=True)
    filename = Text(required=True, validate=validate.Regexp(
        r"(?i).+\.(xlsx|csv)$", error="bad_file_type|只支持 .xlsx 或 .csv 文件"))
    content_base64 = Text(required=True, max_length=12_000_000)
    mode = fields.String(load_default="all_or_nothing", validate=validate.OneOf(
        ["all_or_nothing", "valid_rows_only"],
        error="not_allowed|应为 all_or_nothing（有错则全不导入）或 valid_rows_only（只导入正确的行）"))
