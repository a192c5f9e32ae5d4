"""Report jobs through the running service: requested, run by the timer with progress,
stored, downloadable as .docx / .pdf / .xlsx, announced by ReportGenerated; another
school's caller cannot see them; a refused request leaves no job."""
import base64
import time
from io import BytesIO

import pytest
from docx import Document
from nameko.exceptions import RemoteError
from openpyxl import load_workbook

from carekit.errors import parse_remote_error
from tests.reporting.dataset import AS_OF, END, START, TERM, World


def wait_job(rpc, report_id, timeout=90):
    deadline = time.monotonic() + timeout
    seen = set()
    while time.monotonic() < deadline:
        state = rpc.report_status({"report_id": report_id})
        seen.add(state["progress"])
        if state["status"] in ("done", "failed"):
            return state, seen
        time.sleep(0.2)
    raise AssertionError("job not finished: {}".format(state))


def test_summary_and_statistics_jobs(reporting, rpc):
    world = World(seed=3, children=24, records=100)
    service = reporting()
    for source, name, version, data in world.events:
        service.publish(source, name, data, version)
    service.wait_done(len(world.events), timeout=120)
    service.rpc.set_term({"county_id": "c1", "term": TERM, "starts_on": START.isoformat(),
                          "ends_on": END.isoformat()})
    job = service.rpc.request_report({"kind": "summary", "scope": "school", "scope_id": "s2",
                                      "term": TERM, "as_of": AS_OF.isoformat()})
    assert job["status"] == "queued" and job["progress"] == 0
    state, seen = wait_job(service.rpc, job["report_id"])
    assert state["status"] == "done", state
    assert state["formats"] == ["docx", "pdf"] and 100 in seen
    docx = service.rpc.download_report({"report_id": job["report_id"], "format": "docx"})
    assert docx["filename"] == "花明楼镇第二小学2025-2026-1工作总结.docx"
    text = "\n".join(p.text for p in Document(BytesIO(base64.b64decode(
        docx["content_base64"]))).paragraphs)
    expected = world.expected("school", "s2")
    assert "留守儿童{}人".format(expected["children.total"]) in text
    pdf = service.rpc.download_report({"report_id": job["report_id"], "format": "pdf"})
    assert base64.b64decode(pdf["content_base64"]).startswith(b"%PDF")
    logged = service.db.event_log.find_one({"name": "ReportGenerated"})
    assert logged["envelope"]["data"]["report_id"] == job["report_id"]
    assert logged["envelope"]["data"]["formats"] == ["docx", "pdf"]

    county = service.rpc.request_report({"kind": "statistics", "scope": "county",
                                         "scope_id": "c1", "term": TERM,
                                         "as_of": AS_OF.isoformat()})
    state, _ = wait_job(service.rpc, county["report_id"])
    assert state["status"] == "done", state
    xlsx = service.rpc.download_report({"report_id": county["report_id"], "format": "xlsx"})
    book = load_workbook(BytesIO(base64.b64decode(xlsx["content_base64"])))
    assert book.sheetnames == ["汇总", "分乡镇统计", "分学校统计", "活动明细"]

    with rpc(service.config, context_data={"scope_school_id": "s1",
                                           "scope_county_id": "c1"}) as proxy:
        with pytest.raises(RemoteError) as info:
            proxy.reporting.report_status({"report_id": job["report_id"]})
        assert parse_remote_error(info.value)["code"] == "not_found"
        with pytest.raises(RemoteError) as info:
            proxy.reporting.request_report({"kind": "summary", "scope": "school",
                                            "scope_id": "s2", "term": TERM})
        assert parse_remote_error(info.value)["code"] == "not_found"
    before = service.db.report_jobs.count_documents({})
    with pytest.raises(RemoteError) as info:
        service.rpc.request_report({"kind": "statistics", "scope": "township",
                                    "scope_id": "t1", "term": TERM})
    error = parse_remote_error(info.value)
    assert error["errors"][0]["field"] == "scope"
    assert error["errors"][0]["code"] == "statistics_scope"
    assert service.db.report_jobs.count_documents({}) == before
