"""The county bureau on a desktop: the dashboard with its ECharts charts (served from the
gateway, nothing from outside), per township and school, linking down to the school; the
work summary (工作总结, .docx) asked for, its progress page, and the file downloaded."""
import os
import zipfile

import requests

from carekit.testing.plugin import wait_for
from tests.webui.conftest import DESKTOP, PHONE

ERROR_TITLES = ("找不到该页面或记录", "没有权限", "出错了")


def test_county_admin_opens_the_dashboard_and_goes_down_to_a_school(browser, tmp_path):
    downloads = str(tmp_path)
    b = browser(DESKTOP, "county", downloads=downloads)
    b.login("county.admin")
    assert b.driver.current_url.endswith("/county")
    assert "全县概况" in b.text()
    for chart in ("#chart-townships", "#chart-schools"):
        assert b.find_all(chart + " svg"), "the chart was drawn"
    scripts = [s.get_attribute("src") for s in b.find_all("script[src]")]
    assert scripts and all(s.startswith(b.base) for s in scripts)
    rows = b.find_all("#schools tbody tr")
    assert len(rows) == 4
    assert "统计报表服务暂时无法回答" not in b.text(), "figures from reporting"
    b.shot("dashboard")

    b.find('select[name="format"] option[value="docx"]').click()   # the 工作总结
    b.click("#request-summary")
    assert "/reports/" in b.driver.current_url
    b.shot("summary-progress")
    wait_for(lambda: b.find_all("#download-docx") or b.find_all("#report-job .form-errors"),
             timeout=180, message="the report")
    assert not b.find_all("#report-job .form-errors"), b.text()
    b.shot("summary-ready")
    # the link the page offers, fetched with the browser's own session (headless chromium's
    # download folder is not dependable across versions)
    link = b.find("#download-docx").get_attribute("href")
    cookie = b.driver.get_cookie("care_session")["value"]
    answer = requests.get(link, headers={"Cookie": "care_session=" + cookie}, timeout=60)
    assert answer.status_code == 200, answer.text[:300]
    assert "attachment" in answer.headers["Content-Disposition"]
    path = os.path.join(downloads, "summary.docx")
    with open(path, "wb") as handle:
        handle.write(answer.content)
    with zipfile.ZipFile(path) as docx:
        assert "工作总结" in docx.read("word/document.xml").decode("utf-8")

    b.get("/county")
    rows = b.find_all("#schools tbody tr")
    name = rows[0].find_element("css selector", "a").text
    b.click(rows[0].find_element("css selector", "a"))
    assert "/school?school_id=" in b.driver.current_url and name in b.text()
    b.shot("school")
    for path in ("/county/policy", "/county/audit", "/accounts"):
        b.get(path)
        assert b.find("h1").text not in ERROR_TITLES, (path, b.text()[:300])
        b.shot(path.strip("/").replace("/", "-"))


def test_dashboard_on_a_phone_has_no_horizontal_scroll(browser):
    b = browser(PHONE, "county-phone")
    b.login("county.admin")
    assert b.find_all("#chart-schools svg")
    assert b.no_horizontal_scroll()
    b.shot("dashboard")
