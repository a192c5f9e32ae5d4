"""The county bureau on a desktop: the dashboard with its ECharts charts (served from the
gateway, nothing from outside), per township and school, linking down to the school."""
from tests.webui.conftest import DESKTOP, PHONE

ERROR_TITLES = ("找不到该页面或记录", "没有权限", "出错了")


def test_county_admin_opens_the_dashboard_and_goes_down_to_a_school(browser):
    b = browser(DESKTOP, "county")
    b.login("county.admin")
    assert b.driver.current_url.endswith("/county")
    assert "全县概况" in b.text()
    for chart in ("#chart-townships", "#chart-schools"):
        assert b.find_all(chart + " svg"), "the chart was drawn"
    scripts = [s.get_attribute("src") for s in b.find_all("script[src]")]
    assert scripts and all(s.startswith(b.base) for s in scripts)
    rows = b.find_all("#schools tbody tr")
    assert len(rows) == 4
    b.shot("dashboard")
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
