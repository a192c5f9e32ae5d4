"""Routes whose service RPCs are still being built (reporting: statistics, work summary,
downloads). Their place and rule are fixed here; they are
mounted (served, documented, tested) once the RPCs exist — set `mounted=True` and write
the handler then."""
from gateway import errors, views
from gateway.authorisation import AGGREGATES, allow
from gateway.routing import DOCX_TYPES, PDF, XLSX, route

TAG_REPORTS = "统计与工作总结"


def pending(call):
    raise errors.Unavailable(code="not_yet_available", message="该功能即将上线")


_later = dict(mounted=False)
ROUTES = [
    route("school_statistics", "GET", "/api/schools/<id:school_id>/statistics",
          allow(AGGREGATES, target="school"), pending, "学校统计（覆盖、联系、活动、资助）",
          TAG_REPORTS, response=views.Object, **_later),
    route("county_dashboard", "GET", "/api/county/dashboard", allow(AGGREGATES), pending,
          "全县概况（按乡镇、学校）", TAG_REPORTS, response=views.Object, **_later),
    route("request_report", "POST", "/api/reports", allow(AGGREGATES), pending,
          "生成统计表或工作总结（.xlsx/.docx/.pdf）", TAG_REPORTS, response=views.Object,
          status=202, **_later),
    route("get_report", "GET", "/api/reports/<id:report_id>", allow(AGGREGATES), pending,
          "报表生成进度", TAG_REPORTS, response=views.Object, **_later),
    route("download_report", "GET", "/api/reports/<id:report_id>/download", allow(AGGREGATES),
          pending, "下载报表", TAG_REPORTS, produces=(XLSX, PDF) + DOCX_TYPES, **_later),
]
