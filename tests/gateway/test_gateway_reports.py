"""The report routes over HTTP: the term calendar, dashboard figures per scope (out of reach
answers 404), a statistics table made as a job and downloaded, the school's own paragraphs,
and refusals naming the field."""
import time
from datetime import date, timedelta
from io import BytesIO

import pytest
from openpyxl import load_workbook

from carekit.testing.plugin import wait_for

TODAY = date.today()
FIRST_YEAR = TODAY.year if TODAY.month >= 8 else TODAY.year - 1
SEMESTER = 1 if TODAY.month >= 8 or TODAY.month == 1 else 2
TERM = "{}-{}-{}".format(FIRST_YEAR, FIRST_YEAR + 1, SEMESTER)
STARTS = date(FIRST_YEAR, 8, 20) if SEMESTER == 1 else date(FIRST_YEAR + 1, 2, 1)
ENDS = date(FIRST_YEAR + 1, 1, 31) if SEMESTER == 1 else date(FIRST_YEAR + 1, 7, 31)


@pytest.fixture(scope="module")
def reports(own_world):
    world = own_world
    county = world.client("county.admin")
    answer = county.request("PUT", "/api/terms/" + TERM, json={
        "starts_on": STARTS.isoformat(), "ends_on": ENDS.isoformat()})
    assert answer.status_code == 200, answer.text
    db = world.mongo[world.configs["reporting"]["MONGO_DATABASE"]]
    ids = world.ids
    wait_for(lambda: db.children.count_documents({"status": "active"}) >= 4
             and db.schools.count_documents({}) >= 2
             and db.pairings.count_documents({}) >= 2, timeout=60,
             message="reporting knows the county")
    return world, county


def test_terms_and_dashboards_by_scope(reports):
    world, county = reports
    ids = world.ids
    terms = world.client("teacher").get("/api/terms").json()["items"]
    assert [t["term"] for t in terms] == [TERM]
    whole = county.get("/api/county/dashboard", params={"term": TERM})
    assert whole.status_code == 200, whole.text
    body = whole.json()
    assert body["children"]["total"] == 4
    assert body["pairing"]["mentored"] == 1 and body["pairing"]["with_proxy_parent"] == 1
    assert [r["name"] for r in body["breakdown"]["rows"]] == ["一镇", "二镇"]
    assert [r["children"] for r in body["breakdown"]["rows"]] == [3, 1]
    school = world.client("school.admin")
    mine = school.get("/api/schools/{}/statistics".format(ids["A"]), params={"term": TERM})
    assert mine.status_code == 200 and mine.json()["children"]["total"] == 3
    assert [r["children"] for r in mine.json()["breakdown"]["rows"]] == [2, 1]
    # the school admin's "county" dashboard is the school's own
    assert school.get("/api/county/dashboard", params={"term": TERM}).json()["scope"]["id"] \
        == ids["A"]
    other = school.get("/api/schools/{}/statistics".format(ids["B"]), params={"term": TERM})
    assert other.status_code == 404
    township = world.client("township.admin")
    assert township.get("/api/townships/{}/dashboard".format(ids["t2"]),
                        params={"term": TERM}).status_code == 404
    assert township.get("/api/townships/{}/dashboard".format(ids["t1"]),
                        params={"term": TERM}).json()["children"]["total"] == 3
    head = world.client("head.teacher")
    klass = head.get("/api/classes/{}/statistics".format(ids["A1"]), params={"term": TERM})
    assert klass.status_code == 200 and klass.json()["children"]["total"] == 2


def test_refusals_name_the_field(reports):
    world, county = reports
    cases = [({}, "date_from", "period_required"),
             ({"term": "2025-26"}, "term", "bad_term"),
             ({"date_from": "2026-03-01", "date_to": "2026-02-01"}, "date_to",
              "ends_before_start"),
             ({"date_from": "someday", "date_to": "2026-02-01"}, "date_from", None)]
    for params, field, code in cases:
        answer = county.get("/api/county/dashboard", params=params)
        assert answer.status_code in (400, 422), answer.text
        errors = answer.json()["errors"]
        assert field in [e["field"] for e in errors], answer.text
        if code:
            assert code in [e["code"] for e in errors]
        assert all(e["message"] for e in errors)
    bad = county.request("PUT", "/api/terms/" + TERM, json={"starts_on": "2026-03-01",
                                                           "ends_on": "2026-01-01"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "ends_on"


def test_statistics_table_job_and_download(reports):
    world, county = reports
    ids = world.ids
    started = county.post("/api/reports", json={"kind": "statistics", "scope": "school",
                                                "scope_id": ids["A"], "term": TERM})
    assert started.status_code == 202, started.text
    report_id = started.json()["report_id"]
    deadline = time.monotonic() + 60
    while True:
        state = county.get("/api/reports/" + report_id).json()
        if state["status"] in ("done", "failed") or time.monotonic() > deadline:
            break
        time.sleep(0.3)
    assert state["status"] == "done", state
    assert state["progress"] == 100 and state["formats"] == ["xlsx"]
    download = county.get("/api/reports/{}/download".format(report_id),
                          params={"format": "xlsx"})
    assert download.status_code == 200, download.text
    assert download.headers["Content-Type"].startswith("application/vnd.openxmlformats")
    book = load_workbook(BytesIO(download.content))
    assert book.sheetnames == ["汇总", "分班统计", "活动明细"]
    assert book["汇总"]["A4"].value == "留守儿童数" and book["汇总"]["B4"].value == 3
    # another school's admin cannot see it
    other = world.client("school.admin.b")
    assert other.get("/api/reports/" + report_id).status_code == 404
    assert county.get("/api/reports/{}/download".format(report_id),
                      params={"format": "pdf"}).status_code == 404


def test_school_paragraphs_are_kept_per_term(reports):
    world, _ = reports
    ids = world.ids
    school = world.client("school.admin")
    path = "/api/schools/{}/summary-paragraphs".format(ids["A"])
    put = school.request("PUT", path + "/aims", json={
        "term": TERM, "text": "为留守儿童营造健康、快乐、平等、和谐的成长环境。"})
    assert put.status_code == 200, put.text
    got = school.get(path, params={"term": TERM}).json()
    assert got["sections"]["aims"].startswith("为留守儿童") and got["sections"]["plans"] == ""
    assert school.get(path, params={"term": "2020-2021-1"}).json()["sections"]["aims"] == ""
    bad = school.request("PUT", path + "/poetry", json={"term": TERM, "text": "x"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "section"
