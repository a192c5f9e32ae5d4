"""What the API answers, as marshmallow schemas for the OpenAPI document (responses are the
services' answers passed through; these schemas describe them and the tests check every
answer against them). Objects may carry more properties than listed (a service adding a
field is not a breaking change); listed ones have the types given. Fields a service may
leave empty are nullable."""
from marshmallow import INCLUDE, Schema, fields


def S(**kwargs):
    return fields.String(allow_none=True, **kwargs)


def I(**kwargs):  # noqa: E743
    return fields.Integer(allow_none=True, **kwargs)


def B(**kwargs):
    return fields.Boolean(allow_none=True, **kwargs)


def N(**kwargs):
    return fields.Float(allow_none=True, **kwargs)


def L(inner=None, **kwargs):
    return fields.List(inner or fields.Raw(), allow_none=True, **kwargs)


def Obj(**kwargs):
    return fields.Dict(allow_none=True, **kwargs)


class View(Schema):
    class Meta:
        unknown = INCLUDE


class Error(View):
    """The one error body."""
    code = fields.String(required=True, metadata={"description": "稳定的错误代码（供程序判断）"})
    message = fields.String(required=True, metadata={"description": "给人看的说明（中文）"})
    errors = fields.List(fields.Nested("FieldError"))
    reference = fields.String(metadata={"description": "出错编号，联系管理员时请提供"})
    detail = fields.Dict()


class FieldError(View):
    field = fields.String(required=True)
    code = fields.String(required=True)
    message = fields.String(required=True)


class Object(View):
    """An object as the service answers it."""


# -- accounts and sessions ---------------------------------------------------------------------
class Account(View):
    username = fields.String(required=True)
    display_name = fields.String(required=True)
    role = fields.String(required=True)
    role_label = S()
    county_id, township_id, school_id = S(), S(), S()
    person_type, person_id = S(), S()
    active = fields.Boolean(required=True)
    created_at, created_by = S(), S()


class Session(View):
    account = fields.Nested(Account, required=True)
    csrf_token = S()
    expires_in = I()
    via = S()


class Token(View):
    token_id = fields.String(required=True)
    name = fields.String(required=True)
    created_at = S()
    expires_at = S()
    revoked = B()
    expired = B()


class NewToken(Token):
    token = fields.String(required=True, metadata={"description": "只显示这一次，请妥善保存"})


class AuditEntry(View):
    id = fields.String(required=True)
    at = fields.String(required=True)
    at_china = S()
    actor, role, ip, user_agent, method, route, path, action = S(), S(), S(), S(), S(), S(), \
        S(), S()
    target_type, target_id, reason, outcome = S(), S(), S(), S()
    child_ids = L(fields.String())
    status = I()
    detail = Obj()


# -- organisation --------------------------------------------------------------------------------
class County(View):
    id = fields.String(required=True)
    code, name = S(), S()


class Township(View):
    id = fields.String(required=True)
    county_id, code, name = S(), S(), S()


class School(View):
    id = fields.String(required=True)
    township_id, county_id, code, name, address = S(), S(), S(), S(), S()
    version = I()


class Class(View):
    id = fields.String(required=True)
    school_id, township_id, name, head_teacher_id = S(), S(), S(), S()
    grade, number, version = I(), I(), I()


class Person(View):
    id = fields.String(required=True)
    school_id, township_id, name, gender, phone = S(), S(), S(), S(), S()
    active = B()
    roles = L(fields.String())
    class_ids = L(fields.String())
    kind, village, subject = S(), S(), S()
    version = I()


# -- children -------------------------------------------------------------------------------------
class Child(View):
    """A child's file (一生一档), masked unless revealed with a reason."""
    id = fields.String(required=True)
    name, national_id, gender, birth_date = S(), S(), S(), S()
    school_id, class_id, township_id, left_behind_type, status = S(), S(), S(), S(), S()
    grade, class_number, version = I(), I(), I()
    parents = L(Obj())
    guardian = Obj()
    family_hardship, low_income_registered = B(), B()
    hardship_note, notes, household_id = S(), S(), S()
    special_needs = L(Obj())


class ChildSummary(View):
    """A child on a teacher's or volunteer's home list."""
    id = fields.String(required=True)
    name, gender, birth_date, school_id, class_id, status, left_behind_type = \
        S(), S(), S(), S(), S(), S(), S()
    grade, class_number = I(), I()
    relations = L(fields.String())
    last_contact = Obj()
    days_since_contact = I()


class HistoryEntry(View):
    at, by, action = S(), S(), S()
    changes = L(Obj())


class ImportResult(View):
    rows, created, updated, unchanged, written = I(), I(), I(), I(), I()
    rejected = L(Obj())
    import_id = S()


# -- pairing ---------------------------------------------------------------------------------------
class Pairing(View):
    pairing_id = fields.String(required=True)
    kind, child_id, school_id, class_id, partner_id, started_on, ended_on = \
        S(), S(), S(), S(), S(), S(), S()
    active = B()


class Policy(View):
    version = I()
    max_mentees, min_mentees = I(), I()


class PolicyChange(View):
    policy = Obj()
    over_capacity = L(Obj())


class Plan(View):
    plan_id = fields.String(required=True)
    school_id, status = S(), S()


class Coverage(View):
    school_id = S()
    children, with_mentor, with_enough_buddies, with_proxy_parent = I(), I(), I(), I()
    teachers_over_cap, teachers_below_min, policy_version = I(), I(), I()
    proxy_parent_required = B()


# -- activities ------------------------------------------------------------------------------------
class CareRecord(View):
    id = fields.String(required=True)
    child_id, by_id, by_role, kind, occurred_at, notes, place = S(), S(), S(), S(), S(), S(), S()
    revision, duration_minutes, wellbeing = I(), I(), I()
    flagged = B()
    follow_ups = L(Obj())


class DiaryEntry(View):
    id = fields.String(required=True)
    child_id, by_id, entry_date = S(), S(), S()
    revision = I()


class Activity(View):
    id = fields.String(required=True)
    school_id, kind, title, status, starts_at = S(), S(), S(), S(), S()
    revision = I()


class TimelineItem(View):
    type = fields.String(required=True)
    id = fields.String(required=True)
    type_label, at = S(), S()


class Timeline(View):
    items = fields.List(fields.Nested(TimelineItem), required=True)
    next_cursor = S()


class Award(View):
    id = fields.String(required=True)
    recipient_type, title, level, granted_on = S(), S(), S(), S()


# -- health ------------------------------------------------------------------------------------------
class Health(View):
    status = fields.String(required=True)
    services = fields.Dict(keys=fields.String(), values=fields.Dict())


def page_of(item_schema):
    """{items: [item], next_cursor} for a list route."""
    name = "{}Page".format(item_schema.__name__)
    return type(name, (View,), {
        "items": fields.List(fields.Nested(item_schema), required=True),
        "next_cursor": fields.String(allow_none=True, required=True),
        "Meta": type("Meta", (), {"unknown": INCLUDE}),
    })
