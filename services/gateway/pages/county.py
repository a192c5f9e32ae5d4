"""The county bureau's pages (desktop): the dashboard (charts per township and school that
link down to the school), pairing and contact policy, the audit log, accounts, and the work
summary download.

The dashboard's figures are reporting's (`county_dashboard` per township, `township_dashboard`
per school, for the current term of the county calendar, else the last 90 days); when
reporting cannot answer, the page falls back to what pairing and activities answer per
school (coverage, last contacts, calendar) and says so."""
import json
from datetime import timedelta

from carekit.logs import get_logger
from gateway import errors
from gateway.accounts import ROLES
from gateway.authorisation import ACCOUNT_ADMINS, AGGREGATES, ANALYST, COUNTY_ADMIN
from gateway.pages import labels, page
from gateway.pages.core import Problems

log = get_logger(__name__)
QUIET_DAYS = 30   # a child "not contacted lately" on the dashboard
POLICY_NUMBERS = ("max_mentees", "min_mentees", "priority_per_class_min",
                  "priority_per_class_max", "buddies_per_child", "buddy_max_children")
POLICY_FLAGS = ("head_teacher_first", "proxy_parent_required")
POLICY_LABELS = {"max_mentees": "每位教师最多帮扶人数", "min_mentees": "每位教师至少帮扶人数",
                 "priority_per_class_min": "每班典型儿童最少", "priority_per_class_max": "每班典型儿童最多",
                 "buddies_per_child": "每名儿童好朋友数", "buddy_max_children": "每名好朋友最多结对",
                 "head_teacher_first": "班主任优先结对本班儿童", "proxy_parent_required": "每名儿童须有代理家长",
                 "mentor_scope": "帮扶教师范围"}
REPORT_FORMATS = {"xlsx": "Excel 统计表（.xlsx）", "docx": "工作总结（.docx）", "pdf": "工作总结（.pdf）"}
REPORT_KIND = {"xlsx": "statistics", "docx": "summary", "pdf": "summary"}


def _school_figures(p, school, since):
    coverage = p.api_or({}, "coverage", path={"school_id": school["id"]}) or {}
    quiet = never = None
    if p.role != ANALYST:  # the analyst sees counts only: last contacts name children
        rows = p.api_or(None, "last_contacts", path={"school_id": school["id"]})
        if rows is not None:
            active = [r for r in rows["items"] if r.get("status") in (None, "active")]
            never = sum(1 for r in active if not r.get("last"))
            quiet = sum(1 for r in active if r.get("last") and r["last"]["at"][:10] < since)
    held = p.api_or({"activities": []}, "activity_calendar", path={"school_id": school["id"]},
                    query={"date_from": (labels.today() - timedelta(days=90)).isoformat(),
                           "date_to": labels.today().isoformat()})["activities"]
    children = coverage.get("children") or 0
    return {"id": school["id"], "name": school["name"], "township_id": school.get("township_id"),
            "children": children, "with_mentor": coverage.get("with_mentor") or 0,
            "coverage": round(100.0 * (coverage.get("with_mentor") or 0) / children)
            if children else 0,
            "never": never, "quiet": quiet, "activities": len(held)}


def _figures(p):
    schools = p.api("list_schools")["items"]
    townships = {t["id"]: t["name"] for t in p.api("list_townships")["items"]}
    since = (labels.today() - timedelta(days=QUIET_DAYS)).isoformat()
    rows = [_school_figures(p, s, since) for s in schools]
    per_township = {}
    for row in rows:
        t = per_township.setdefault(row["township_id"], {
            "id": row["township_id"], "name": townships.get(row["township_id"], ""),
            "children": 0, "with_mentor": 0, "never": 0, "quiet": 0, "activities": 0})
        for key in ("children", "with_mentor", "never", "quiet", "activities"):
            t[key] += row[key] or 0
    for t in per_township.values():
        t["coverage"] = round(100.0 * t["with_mentor"] / t["children"]) if t["children"] else 0
    return rows, sorted(per_township.values(), key=lambda t: t["name"])


def _period(p):
    """The term of the county calendar today falls in, else the last 90 days."""
    today = labels.today().isoformat()
    for term in p.api_or({"items": []}, "list_terms")["items"]:
        if term["starts_on"] <= today <= term["ends_on"]:
            return {"term": term["term"]}, term["label"]
    start = (labels.today() - timedelta(days=90)).isoformat()
    return {"date_from": start, "date_to": today}, "近 90 天"


def _row(unit, township_id=None):
    """A breakdown row of reporting's dashboard, in the page's terms."""
    children = unit.get("children") or 0
    mentored = unit.get("mentored") or 0
    return {"id": unit["id"], "name": unit.get("name") or "", "township_id": township_id,
            "children": children, "with_mentor": mentored,
            "coverage": round(100.0 * mentored / children) if children else 0,
            "never": None, "quiet": unit.get("no_contact_30_days") or 0,
            "activities": unit.get("activities") or 0, "aid_yuan": unit.get("aid_yuan") or 0,
            "aid_children": unit.get("aid_children") or 0,
            "contacts": unit.get("contacts") or 0}


def _reported(p):
    """(schools, townships, period label) from reporting's dashboards."""
    period, label = _period(p)
    county = p.api("county_dashboard", query=period)
    townships = [_row(t) for t in county["breakdown"]["rows"]]
    schools = []
    for township in townships:
        answer = p.api("township_dashboard", path={"township_id": township["id"]},
                       query=period)
        schools += [_row(s, township["id"]) for s in answer["breakdown"]["rows"]]
    return schools, townships, label


def dashboard(p):
    source = "reporting"
    try:
        if p.role not in (COUNTY_ADMIN, ANALYST):
            raise errors.Forbidden()  # a township admin's county view: the fallback below
        schools, townships, period_label = _reported(p)
    except errors.ApiError as exc:
        log.info("dashboard_fallback", code=exc.code)
        schools, townships = _figures(p)
        source, period_label = "services", "近 90 天"
    links = p.role in (COUNTY_ADMIN, "township_admin")
    data = {"schools": [dict(s, link="/school?school_id=" + s["id"] if links else None)
                        for s in schools],
            "townships": townships, "quiet_days": QUIET_DAYS}
    inbox = p.api_or({"items": [], "unread": 0}, "my_inbox", query={"limit": 5})
    totals = {k: sum(s.get(k) or 0 for s in schools) for k in (
        "children", "with_mentor", "never", "quiet", "activities", "aid_yuan")}
    return p.render("dashboard.html", form={"form_token": p.new_token()}, schools=data["schools"], townships=townships,
                    totals=totals, source=source, period_label=period_label, chart_json=json.dumps(data, ensure_ascii=False)
                    .replace("<", "\\u003c"), inbox=inbox, quiet_days=QUIET_DAYS,
                    formats=REPORT_FORMATS)


def policy(p):
    current = p.api("get_policy")
    form, problems = dict(current), Problems()
    if p.method == "POST":
        form = p.form.to_dict()
        body = {"expected_version": current.get("version")}
        for name in POLICY_NUMBERS:
            value = (form.get(name) or "").strip()
            body[name] = int(value) if value.lstrip("-").isdigit() else value
        for name in POLICY_FLAGS:
            body[name] = form.get(name) == "on"
        try:
            p.api("set_policy", body=body)
            return p.redirect("/county/policy", "policy")
        except errors.ApiError as exc:
            problems = Problems(exc)
        for name in POLICY_FLAGS:
            form[name] = form.get(name) == "on"
    return p.render("policy.html", form=form, problems=problems, numbers=POLICY_NUMBERS,
                    flags=POLICY_FLAGS, names=POLICY_LABELS, current=current,
                    status=problems.error.status if problems else 200)


def audit(p):
    query = {k: p.args.get(k) for k in ("actor", "child_id", "action", "outcome", "date_from",
                                        "date_to", "cursor")}
    query["limit"] = 50
    try:
        answer, problems = p.api("query_audit", query=query), Problems()
    except errors.ApiError as exc:
        if exc.status != 422:
            raise
        answer, problems = {"items": [], "next_cursor": None}, Problems(exc)
    export = {k: v for k, v in query.items() if v and k not in ("cursor", "limit")}
    return p.render("audit.html", entries=answer["items"], next_cursor=answer.get("next_cursor"),
                    form={k: v or "" for k, v in query.items()}, problems=problems,
                    export=export)


def accounts(p):
    problems, form = Problems(), {"role": "teacher"}
    if p.method == "POST":
        form = p.form.to_dict()
        body = {k: (form.get(k) or "").strip() or None for k in (
            "username", "display_name", "role", "password", "township_id", "school_id",
            "staff_id", "volunteer_id")}
        try:
            p.api("create_account", body={k: v for k, v in body.items() if v is not None})
            return p.redirect("/accounts", "account")
        except errors.ApiError as exc:
            problems = Problems(exc)
    answer = p.api("list_accounts", query={"limit": 200, "cursor": p.args.get("cursor")})
    schools = p.api_or({"items": []}, "list_schools")["items"]
    return p.render("accounts.html", accounts=answer["items"], schools=schools, form=form,
                    problems=problems, next_cursor=answer.get("next_cursor"),
                    status=problems.error.status if problems else 200)


def summary(p):
    """Ask reporting for the 统计表 or the 工作总结 of the caller's county, township or school
    (a job), then the
    job's page: it refreshes itself while the job runs (the progress), then offers the file."""
    fmt = p.form.get("format")
    if fmt not in REPORT_FORMATS:
        raise errors.Invalid.single("format", "bad_choice", "请选择报表格式")
    period, _ = _period(p)

    def run():
        job = p.api("request_report", body=dict(period, kind=REPORT_KIND[fmt], **_own_scope(p)))
        return "/reports/{}?format={}".format(job["report_id"], fmt)
    return p.once(p.form.get("form_token"), run)


def _own_scope(p):
    """What a report is about: the caller's county, township or school."""
    principal = p.principal
    if principal.role in (COUNTY_ADMIN, ANALYST):
        return {"scope": "county", "scope_id": principal.county_id}
    if principal.role == "township_admin":
        return {"scope": "township", "scope_id": principal.township_id}
    return {"scope": "school", "scope_id": principal.school_id}


def report(p):
    job = p.api("get_report", path={"report_id": p.path["report_id"]})
    fmt = p.args.get("format")
    return p.render("report.html", job=job, format=fmt if fmt in REPORT_FORMATS else None)


def download(p):
    fmt = p.args.get("format") or "xlsx"
    return p.file(p.api("download_report", path={"report_id": p.path["report_id"]},
                        query={"format": fmt}))


PAGES = (page("dashboard", "/county", dashboard, AGGREGATES)
         + page("policy", "/county/policy", policy, {COUNTY_ADMIN}, methods=("GET", "POST"))
         + page("audit", "/county/audit", audit, {COUNTY_ADMIN})
         + page("accounts", "/accounts", accounts, ACCOUNT_ADMINS, methods=("GET", "POST"))
         + page("summary", "/reports", summary, AGGREGATES, methods=("POST",))
         + page("report", "/reports/<id:report_id>", report, AGGREGATES)
         + page("download", "/reports/<id:report_id>/download", download, AGGREGATES))

ROLE_CHOICES = ROLES
