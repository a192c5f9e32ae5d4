"""Statistics, the 统计表 and the 工作总结 (reporting service): dashboard figures per county,
township, school and class; report jobs (start, progress, download); the term calendar; the
school's own paragraphs of its work summary.

The reporting service checks the scope once more against the caller's reach (the context
the dispatcher sends), so a scope outside it answers 404 like one that does not exist.
Figures are counts only: no child is named, so the analyst may use every route here."""
import base64

from marshmallow import Schema, fields, validate

from gateway import errors, views
from gateway.authorisation import (ADMINS, AGGREGATES, ALL, ANALYST, COUNTY_ADMIN,
                                   COUNTY_ONLY, HEAD_TEACHER, TOWNSHIP_ADMIN, allow)
from gateway.dispatch import FileResult
from gateway.routing import DOCX_TYPES, PDF, XLSX, route
from gateway.schemas import ID
from reporting import schemas as rep

TAG = "统计与工作总结"
FORMATS = ("xlsx", "docx", "pdf")


class PeriodQuery(Schema):
    """A term of the county calendar (2025-2026-1) or a date range; checked in full by the
    reporting service (either a term or both dates)."""
    term = fields.String(validate=validate.Length(max=20))
    date_from = fields.Date()
    date_to = fields.Date()
    as_of = fields.Date()


class ReportBody(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(rep.REPORT_KINDS))
    scope = fields.String(required=True, validate=validate.OneOf(rep.SCOPES))
    scope_id = fields.String(required=True, validate=ID)
    term = fields.String(validate=validate.Length(max=20))
    date_from = fields.Date()
    date_to = fields.Date()
    as_of = fields.Date()


class DownloadQuery(Schema):
    format = fields.String(required=True, validate=validate.OneOf(FORMATS))


class TermQuery(Schema):
    term = fields.String(required=True, validate=validate.Length(max=20))


class TermBody(Schema):
    starts_on = fields.Date(required=True)
    ends_on = fields.Date(required=True)


class ParagraphBody(Schema):
    term = fields.String(required=True, validate=validate.Length(max=20))
    text = fields.String(required=True, validate=validate.Length(max=4000))


def _period(call):
    return {k: v for k, v in call.raw_query.items() if k in ("term", "date_from", "date_to",
                                                            "as_of")}


def _dashboard(call, scope, scope_id):
    return call.reporting.dashboard(dict(_period(call), scope=scope, scope_id=scope_id))


def county_dashboard(call):
    """The county for county staff; a township or school admin gets their own scope."""
    p = call.principal
    if p.role == TOWNSHIP_ADMIN:
        return _dashboard(call, "township", p.township_id)
    if p.role in (COUNTY_ADMIN, ANALYST):
        return _dashboard(call, "county", p.county_id)
    return _dashboard(call, "school", p.school_id)


def township_dashboard(call):
    if call.principal.role == TOWNSHIP_ADMIN and \
            call.path["township_id"] != call.principal.township_id:
        raise errors.NotFound()
    return _dashboard(call, "township", call.path["township_id"])


def school_statistics(call):
    return _dashboard(call, "school", call.target["id"])


def class_statistics(call):
    return _dashboard(call, "class", call.target["id"])


def request_report(call):
    return call.reporting.request_report(call.forward(by=call.principal.username))


def get_report(call):
    return call.reporting.report_status({"report_id": call.path["report_id"]})


def download_report(call):
    answer = call.reporting.download_report({"report_id": call.path["report_id"],
                                             "format": call.query["format"]})
    return FileResult(base64.b64decode(answer["content_base64"]), answer["filename"],
                      answer["content_type"])


def list_terms(call):
    return {"items": call.reporting.list_terms({"county_id": call.principal.county_id}),
            "next_cursor": None}


def set_term(call):
    return call.reporting.set_term(call.forward(county_id=call.principal.county_id,
                                                term=call.path["term"]))


def school_paragraphs(call):
    return call.reporting.paragraphs({"school_id": call.target["id"],
                                      "term": call.query["term"]})


def set_school_paragraph(call):
    return call.reporting.set_paragraph(call.forward(
        school_id=call.target["id"], section=call.path["section"], by=call.principal.username))


_reports = AGGREGATES
ROUTES = [
    route("county_dashboard", "GET", "/api/county/dashboard", allow(_reports),
          county_dashboard, "全县概况（按乡镇；乡镇、学校管理员看本乡镇、本校）", TAG,
          query=PeriodQuery, response=views.Object),
    route("township_dashboard", "GET", "/api/townships/<id:township_id>/dashboard",
          allow({COUNTY_ADMIN, ANALYST, TOWNSHIP_ADMIN}), township_dashboard,
          "乡镇概况（按学校）", TAG, query=PeriodQuery, response=views.Object),
    route("school_statistics", "GET", "/api/schools/<id:school_id>/statistics",
          allow(_reports, target="school"), school_statistics,
          "学校统计（覆盖、联系、活动、资助；按班级）", TAG, query=PeriodQuery,
          response=views.Object),
    route("class_statistics", "GET", "/api/classes/<id:class_id>/statistics",
          allow(_reports | {HEAD_TEACHER}, target="class"), class_statistics, "班级统计", TAG,
          query=PeriodQuery, response=views.Object),
    route("request_report", "POST", "/api/reports", allow(_reports), request_report,
          "生成统计表（.xlsx）或工作总结（.docx/.pdf）", TAG, body=ReportBody,
          response=views.Object, status=202),
    route("get_report", "GET", "/api/reports/<id:report_id>", allow(_reports), get_report,
          "报表生成进度", TAG, response=views.Object),
    route("download_report", "GET", "/api/reports/<id:report_id>/download", allow(_reports),
          download_report, "下载报表（format=xlsx|docx|pdf）", TAG, query=DownloadQuery,
          produces=(XLSX, PDF) + DOCX_TYPES),
    route("list_terms", "GET", "/api/terms", allow(ALL), list_terms, "本县校历（学年、学期）",
          TAG, response=views.Object, many=True),
    route("set_term", "PUT", "/api/terms/<term>", allow(COUNTY_ONLY), set_term,
          "设置学期起止日期（如 2025-2026-1）", TAG, body=TermBody, response=views.Object),
    route("school_paragraphs", "GET", "/api/schools/<id:school_id>/summary-paragraphs",
          allow(ADMINS, target="school"), school_paragraphs, "学校自写的工作总结段落（按学期）",
          TAG, query=TermQuery, response=views.Object),
    route("set_school_paragraph", "PUT",
          "/api/schools/<id:school_id>/summary-paragraphs/<section>",
          allow(ADMINS, target="school"), set_school_paragraph,
          "写入工作总结段落（aims/organisation/practices/examples/results/problems/plans）",
          TAG, body=ParagraphBody, response=views.Object),
]
