"""Forms without a browser (plain HTTP, as a form posts): a form sent twice stores once, a
form without the session's CSRF token changes nothing, a child out of reach is the API's 404;
and with a browser: no page scrolls sideways on a 360-pixel-wide phone."""
import re

import pytest
import requests

from gateway.demo import spec


NARROW = (360, 740)


class FormClient:
    """Posts forms like a browser: the session cookie by hand (it is Secure; this is http)."""

    def __init__(self, base, username):
        self.base = base
        self.http = requests.Session()
        answer = self.http.post(base + "/login", data={"username": username,
                                                       "password": spec.PASSWORD},
                                allow_redirects=False)
        assert answer.status_code == 303, answer.text
        self.cookie = answer.cookies.get("care_session")

    def get(self, path):
        return self.http.get(self.base + path, headers={"Cookie": "care_session=" + self.cookie},
                             allow_redirects=False)

    def post(self, path, data, **kwargs):
        return self.http.post(self.base + path, data=data, allow_redirects=False,
                              headers={"Cookie": "care_session=" + self.cookie}, **kwargs)

    @staticmethod
    def hidden(html, name):
        return re.search(r'name="{}" value="([^"]*)"'.format(re.escape(name)), html).group(1)


@pytest.fixture(scope="module")
def teacher_child(demo_world):
    teacher = FormClient(demo_world.base, "teacher")
    home = teacher.get("/").text
    return teacher, re.search(r'href="/children/([0-9a-f]+)"', home).group(1)


def test_a_contact_form_sent_twice_is_stored_once(demo_world, teacher_child):
    teacher, child_id = teacher_child
    form = teacher.get("/children/{}/contact".format(child_id)).text
    notes = "同一张表提交两次，只保存一次"
    data = {"csrf_token": teacher.hidden(form, "csrf_token"),
            "record_id": teacher.hidden(form, "record_id"), "kind": "talk",
            "occurred_at": teacher.hidden(form, "occurred_at") if 'name="occurred_at" type="hidden"'
            in form else re.search(r'name="occurred_at" type="datetime-local" value="([^"]*)"',
                                   form).group(1), "notes": notes}
    first = teacher.post("/children/{}/contact".format(child_id), data)
    second = teacher.post("/children/{}/contact".format(child_id), data)
    assert first.status_code == second.status_code == 303
    page = teacher.get("/children/{}".format(child_id)).text
    assert page.count(notes) == 1


def test_a_form_without_the_csrf_token_changes_nothing(demo_world, teacher_child):
    teacher, child_id = teacher_child
    form = teacher.get("/children/{}/contact".format(child_id)).text
    notes = "没有 CSRF 令牌的提交"
    answer = teacher.post("/children/{}/contact".format(child_id), {
        "record_id": teacher.hidden(form, "record_id"), "kind": "talk",
        "occurred_at": "2026-01-05T10:00", "notes": notes})
    assert answer.status_code == 403 and "页面已过期" in answer.text
    assert notes not in teacher.get("/children/{}".format(child_id)).text


def test_a_child_out_of_reach_is_not_found_like_in_the_api(demo_world, teacher_child):
    teacher, _ = teacher_child
    admin = demo_world.client("county.admin", spec.PASSWORD)
    schools = admin.get("/api/schools").json()["items"]
    other = [s for s in schools if s["code"] == spec.SCHOOLS[-1].code][0]
    child = admin.get("/api/children?school_id={}&limit=1".format(other["id"])).json()["items"][0]
    answer = teacher.get("/children/{}".format(child["id"]))
    assert answer.status_code == 404 and child["name"] not in answer.text
    assert teacher.get("/county").status_code == 403


def test_the_roster_form_sent_twice_imports_once(demo_world):
    admin = FormClient(demo_world.base, "school.admin")
    form = admin.get("/school/roster").text
    data = {"csrf_token": admin.hidden(form, "csrf_token"),
            "form_token": admin.hidden(form, "form_token"), "mode": "valid_rows_only"}
    content = "\ufeff姓名,身份证号\r\n".encode("utf-8")  # a file of wrong columns: refused rows

    def send():
        return admin.post("/school/roster", data, files={"file": ("r.csv", content, "text/csv")})
    first, second = send(), send()
    if first.status_code == 303:
        assert second.status_code == 303
        assert second.headers["Location"].startswith(first.headers["Location"])
        assert "done=duplicate" in second.headers["Location"]
    else:  # refused as a whole: the same form may be corrected and sent again
        assert first.status_code == second.status_code == 422
        assert "field-error" in first.text or "form-errors" in first.text


@pytest.mark.parametrize("login, paths", [
    ("teacher", ["/", "/inbox"]),
    ("school.admin", ["/school", "/school/children", "/school/roster", "/school/pairing",
                      "/school/activities", "/accounts"]),
])
def test_no_page_scrolls_sideways_on_a_360_pixel_phone(browser, login, paths):
    b = browser(NARROW, "narrow-" + login.replace(".", "_"))
    b.login(login)
    if login == "teacher":
        b.get("/")
        # read in one script: the page can still be replacing itself after the login's
        # redirect, and a found element may belong to the document it replaced
        child = b.driver.execute_script(
            "var a = document.querySelector('article.child h3 a'); return a && a.href;")
        assert child, "no child on the teacher's home page"
        paths = paths + [child.replace(b.base, ""), child.replace(b.base, "") + "/contact"]
    for path in paths:
        b.get(path)
        assert b.find_all("h1") and "服务器内部错误" not in b.text(), (path, b.text()[:300])
        assert b.no_horizontal_scroll(), path
        b.shot(path.strip("/").replace("/", "-") or "home")


def test_a_school_admin_gets_the_school_statistics_once_however_often_sent(demo_world):
    admin = FormClient(demo_world.base, "school.admin")
    home = admin.get("/school").text
    data = {"csrf_token": admin.hidden(home, "csrf_token"),
            "form_token": admin.hidden(home, "form_token"), "format": "xlsx"}
    first, second = admin.post("/reports", data), admin.post("/reports", data)
    assert first.status_code == second.status_code == 303
    job = first.headers["Location"]
    assert job.startswith("/reports/") and second.headers["Location"].startswith(job)

    def ready():
        page = admin.get(job).text
        assert "生成失败" not in page
        return re.search(r'href="(/reports/[0-9a-f]+/download\?format=xlsx)"', page)
    from carekit.testing.plugin import wait_for
    link = wait_for(ready, timeout=180, message="the school's statistics").group(1)
    answer = admin.get(link)
    assert answer.status_code == 200 and answer.content[:2] == b"PK"
