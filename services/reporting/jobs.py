"""Report jobs: a request is stored as a queued job; the service's timer claims it (any
replica, with a lease so a dead replica's job is taken over), makes the files with progress
on the job, stores them, and marks the job done in the same write that carries
ReportGenerated (outbox)."""
import base64
import time
import uuid


from bson import Binary
from pymongo import ReturnDocument

from carekit.clock import utc_now
from carekit.errors import NotFound
from carekit.logs import get_logger
from reporting import figures as fig
from reporting import storage as st
from reporting import summary, tables, workbook
from reporting.dashboard import scope_and_period
from reporting.scopes import check_reach, resolve

log = get_logger(__name__)
LEASE_SECONDS = 300
CONTENT_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pdf": "application/pdf"}
KIND_NAMES = {"statistics": "统计表", "summary": "工作总结"}


def request(db, data, caller, now):
    scope, period = scope_and_period(db, data, caller)   # refused now, not in the job
    job = {"_id": uuid.uuid4().hex, "kind": data["kind"], "scope": scope.type,
           "scope_id": scope.id, "scope_name": scope.name, "county_id": scope.county_id,
           "term": period["term"], "date_from": period["from"], "date_to": period["to"],
           "as_of": period["as_of"], "status": "queued", "progress": 0, "step": "排队中",
           "requested_by": data.get("by") or caller.get("user_id"), "created_at": now,
           "lease_until": 0, "formats": []}
    db[st.JOBS].insert_one(job)
    return view(job)


def _job_in_reach(db, report_id, caller):
    job = db[st.JOBS].find_one({"_id": report_id})
    if job is None:
        raise NotFound(message="找不到该报表")
    try:
        check_reach(resolve(db, job["scope"], job["scope_id"]), caller)
    except NotFound:
        raise NotFound(message="找不到该报表")
    return job


def status(db, report_id, caller):
    return view(_job_in_reach(db, report_id, caller))


def download(db, report_id, fmt, caller):
    job = _job_in_reach(db, report_id, caller)
    stored = db[st.FILES].find_one({"_id": "{}:{}".format(report_id, fmt)})
    if job["status"] != "done" or stored is None:
        raise NotFound(message="该报表还没有生成{}文件".format(fmt.upper()), code="not_ready")
    return {"report_id": report_id, "format": fmt, "filename": stored["filename"],
            "content_type": CONTENT_TYPES[fmt], "size": len(stored["content"]),
            "content_base64": base64.b64encode(bytes(stored["content"])).decode("ascii")}


def view(job):
    return {"report_id": job["_id"], "kind": job["kind"], "scope": job["scope"],
            "scope_id": job["scope_id"], "scope_name": job.get("scope_name"),
            "term": job.get("term"), "date_from": job["date_from"], "date_to": job["date_to"],
            "status": job["status"], "progress": job["progress"], "step": job.get("step"),
            "formats": list(job.get("formats") or []), "error": job.get("error"),
            "requested_by": job.get("requested_by")}


# -- running ------------------------------------------------------------------------------------
def claim(db):
    """Take the oldest queued job, or one whose runner's lease ran out."""
    now = time.time()
    return db[st.JOBS].find_one_and_update(
        {"status": {"$in": ["queued", "running"]}, "lease_until": {"$lt": now}},
        {"$set": {"status": "running", "lease_until": now + LEASE_SECONDS,
                  "step": "开始生成", "progress": 1}},
        sort=[("created_at", 1)], return_document=ReturnDocument.AFTER)


def run_due(db, outbox, limit=3):
    done = 0
    for _ in range(limit):
        job = claim(db)
        if job is None:
            break
        try:
            run(db, outbox, job)
        except Exception as exc:   # a broken report must not stop the next one
            log.exception("report_failed", report_id=job["_id"])
            db[st.JOBS].update_one({"_id": job["_id"]}, {"$set": {
                "status": "failed", "step": "生成失败", "error": "{}: {}".format(
                    type(exc).__name__, exc)[:500]}})
        done += 1
    return done


def progress(db, job, percent, step):
    db[st.JOBS].update_one({"_id": job["_id"]}, {"$set": {
        "progress": percent, "step": step, "lease_until": time.time() + LEASE_SECONDS}})


def run(db, outbox, job):
    scope = resolve(db, job["scope"], job["scope_id"])
    period = {"from": job["date_from"], "to": job["date_to"], "term": job.get("term"),
              "as_of": job["as_of"]}
    progress(db, job, 10, "统计数据")
    figures = fig.compute(db, scope, period)
    files = {}
    if job["kind"] == "statistics":
        progress(db, job, 50, "生成统计表")
        levels = ({"township": tables.breakdown(db, scope, period),
                   "school": tables.breakdown(db, scope, period, level="school")}
                  if scope.type == "county" else {"class": tables.breakdown(db, scope, period)})
        files["xlsx"] = workbook.build(figures, levels)
    else:
        files.update(summary.render_all(db, scope, period, figures,
                                    lambda p, s: progress(db, job, p, s)))
    base = "{}{}{}".format(scope.name, period["term"] or "{}至{}".format(
        period["from"], period["to"]), KIND_NAMES[job["kind"]])
    for fmt, content in files.items():
        # delete + insert: the stand-in drops binary content sent through an upsert
        key = "{}:{}".format(job["_id"], fmt)
        db[st.FILES].delete_one({"_id": key})
        db[st.FILES].insert_one({"_id": key, "report_id": job["_id"], "format": fmt,
                                 "filename": "{}.{}".format(base, fmt),
                                 "content": Binary(content)})
    generated = outbox.event("ReportGenerated", {
        "report_id": job["_id"], "kind": job["kind"], "scope": scope.type,
        "scope_id": scope.id, "county_id": scope.county_id, "term": period["term"],
        "date_from": period["from"], "date_to": period["to"], "formats": sorted(files),
        "sizes": {k: len(c) for k, c in files.items()},
        "requested_by": job.get("requested_by"), "generated_at": utc_now().isoformat()},
        subject=job["_id"])
    outbox.update(st.JOBS, {"_id": job["_id"]}, {"$set": {
        "status": "done", "progress": 100, "step": "已完成", "formats": sorted(files),
        "finished_at": utc_now(), "lease_until": 0}}, [generated])


