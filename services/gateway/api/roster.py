"""The Excel/CSV roster of a school's left-behind children: template and import."""
import base64

from gateway import views
from gateway.api.children import caller_scope
from gateway.authorisation import ADMINS, allow
from gateway.dispatch import FileResult
from gateway.routing import CSV, XLSX, route
from gateway.schemas import RosterBody, RosterForm, TemplateQuery

TAG = "花名册导入"


def roster_template(call):
    answer = call.registry.roster_template(call.query["format"])
    mimetype = XLSX if call.query["format"] == "xlsx" else "text/csv; charset=utf-8"
    return FileResult(base64.b64decode(answer["content_base64"]), answer["filename"], mimetype)


def import_roster(call):
    if call.upload is not None:
        filename, content = call.upload
        payload = {"filename": filename, "mode": call.body["mode"],
                   "content_base64": base64.b64encode(content).decode("ascii")}
    else:
        payload = dict(call.sent)
    result = call.registry.import_roster(dict(payload, school_id=call.target["id"]),
                                         caller_scope(call))
    call.deps.lookups.children_changed()
    call.note(action="import", detail={"rows": result.get("rows"),
                                       "written": result.get("written"),
                                       "rejected": len(result.get("rejected") or [])})
    return result


ROUTES = [
    route("roster_template", "GET", "/api/roster-template", allow(ADMINS), roster_template,
          "下载花名册模板（.xlsx 或 .csv）", TAG, query=TemplateQuery, produces=(XLSX, CSV)),
    route("import_roster", "POST", "/api/schools/<id:school_id>/roster",
          allow(ADMINS, target="school"), import_roster,
          "导入花名册：multipart/form-data（file、mode）或 JSON（base64）", TAG, body=RosterBody,
          upload=True, response=views.ImportResult, audit=True, extra={"form": RosterForm}),
]
