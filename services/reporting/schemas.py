"""Every RPC argument of the reporting service, validated here (marshmallow): a refusal
names the field, a stable code and a Chinese message (carekit.errors), and changes nothing.
Ids and text are carekit.rpc's fields (the shared id shape; no control characters or invalid
UTF-8); the service then screens every payload (carekit.rpc.validated)."""
from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates, validates_schema

from carekit.errors import invalid
from carekit.rpc import Id, Text
from reporting.terms import parse_term

SCOPES = ("county", "township", "school", "class")
SECTIONS = ("aims", "organisation", "practices", "examples", "results", "problems", "plans")
FORMATS = ("docx", "pdf")
REPORT_KINDS = ("statistics", "summary")
MAX_RANGE_DAYS = 800

_id = dict(required=True)


class Strict(Schema):
    class Meta:
        unknown = RAISE


def _term_field(**kwargs):
    return Text(max_length=20, **kwargs)


def _check_term(value):
    if value is not None and parse_term(value) is None:
        raise invalid("bad_term", "学期名称应如 2025-2026-1（学年-第几学期）")


class TermInput(Strict):
    county_id = Id(**_id)
    term = _term_field(required=True)
    starts_on = fields.Date(required=True)
    ends_on = fields.Date(required=True)

    @validates("term")
    def _term(self, value, **_):
        _check_term(value)


class TermRef(Strict):
    county_id = Id(**_id)
    term = _term_field(required=True)

    @validates("term")
    def _term(self, value, **_):
        _check_term(value)


class CountyRef(Strict):
    county_id = Id(**_id)


class TermOn(Strict):
    county_id = Id(**_id)
    on = fields.Date(required=True)


class Period(Strict):
    """A scope and a period: a term of the county's calendar, or a date range."""
    scope = fields.String(required=True, validate=validate.OneOf(SCOPES))
    scope_id = Id(**_id)
    term = _term_field(load_default=None, allow_none=True)
    date_from = fields.Date(load_default=None, allow_none=True)
    date_to = fields.Date(load_default=None, allow_none=True)
    as_of = fields.Date(load_default=None, allow_none=True)   # "today" for 14/30-day figures

    @validates("term")
    def _term(self, value, **_):
        _check_term(value)

    @validates_schema
    def _period(self, data, **_):
        term, start, end = data.get("term"), data.get("date_from"), data.get("date_to")
        if term and (start or end):
            raise ValidationError("term_or_dates|学期和日期范围只能选一种", "term")
        if not term and not (start and end):
            field = "date_to" if start else "date_from"
            raise ValidationError("period_required|请选择学期，或填写开始和结束日期", field)
        if start and end and end < start:
            raise ValidationError("ends_before_start|结束日期应不早于开始日期", "date_to")
        if start and end and (end - start).days > MAX_RANGE_DAYS:
            raise ValidationError("range_too_long|日期范围不能超过 {} 天".format(MAX_RANGE_DAYS),
                                  "date_to")


class ParagraphInput(Strict):
    school_id = Id(**_id)
    term = _term_field(required=True)
    section = fields.String(required=True, validate=validate.OneOf(SECTIONS))
    text = Text(required=True, max_length=4000, multiline=True)
    by = Text(load_default=None, allow_none=True, max_length=64)

    @validates("term")
    def _term(self, value, **_):
        _check_term(value)


class ParagraphsRef(Strict):
    school_id = Id(**_id)
    term = _term_field(required=True)

    @validates("term")
    def _term(self, value, **_):
        _check_term(value)


class ReportRequest(Period):
    kind = fields.String(required=True, validate=validate.OneOf(REPORT_KINDS))
    by = Text(load_default=None, allow_none=True, max_length=64)

    @validates_schema
    def _statistics_scope(self, data, **_):
        if data.get("kind") == "statistics" and data.get("scope") not in ("school", "county"):
            raise ValidationError("statistics_scope|统计表只按学校或全县生成", "scope")


class JobRef(Strict):
    report_id = Id(**_id)


class FileRef(Strict):
    report_id = Id(**_id)
    format = fields.String(required=True, validate=validate.OneOf(FORMATS + ("xlsx",)))
