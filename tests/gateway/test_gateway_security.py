"""Logins, lockout, sessions and tokens that expire, CSRF, masked versus revealed IDs, the
audit log, and the bounds on what a request may send."""
import csv
import io
import json

import openpyxl
import pytest

from gateway.audit import AUDIT_LOG
from gateway.sessions import SESSIONS, TOKENS, LoginGuard, digest
from gateway import errors
from tests.gateway.support import PASSWORD, now_iso


def new_teacher_account(world, username):
    return world.account(username, "teacher", township_id=world.ids["t1"],
                         school_id=world.ids["A"], person_type=None, person_id=None)


# -- login -------------------------------------------------------------------------------------
def test_repeated_failures_lock_the_username_even_for_the_right_password(world):
    new_teacher_account(world, "lock.me")
    client = world.client()
    for _ in range(3):  # GATEWAY_LOGIN_MAX_FAILURES=3 in this system
        response = client.login("lock.me", "wrong-password-1")
        assert response.status_code == 401
        assert response.json()["code"] == "bad_credentials"
    locked = client.login("lock.me", PASSWORD)
    assert locked.status_code == 429
    assert locked.json()["code"] == "account_locked"
    assert int(locked.headers["Retry-After"]) > 0

    unlock = world.client("school.admin").post("/api/accounts/lock.me/unlock")
    assert unlock.status_code == 204
    assert client.login("lock.me", PASSWORD).status_code == 200


def test_an_unknown_username_locks_the_same_way(world):
    client = world.client()
    answers = [client.login("nobody.here", "whatever-123") for _ in range(4)]
    assert [a.status_code for a in answers] == [401, 401, 401, 429]
    assert answers[0].json() == {"code": "bad_credentials", "message": "用户名或密码错误"}


def test_many_failures_from_one_address_refuse_logins_from_it(world):
    config = {"GATEWAY_LOGIN_MAX_FAILURES": 100, "GATEWAY_LOGIN_LOCK_MINUTES": 15,
              "GATEWAY_LOGIN_IP_MAX_FAILURES": 3}
    guard = LoginGuard(world.gateway_db, config)
    for n in range(3):
        guard.check("user{}".format(n), "10.9.8.7")
        guard.failed("user{}".format(n), "10.9.8.7")
    with pytest.raises(errors.TooManyRequests) as refused:
        guard.check("someone.else", "10.9.8.7")
    assert refused.value.code == "too_many_attempts"
    guard.check("someone.else", "10.9.8.8")  # another address is not affected


def test_a_disabled_account_loses_its_sessions(world):
    new_teacher_account(world, "leaving.teacher")
    teacher = world.client("leaving.teacher")
    assert teacher.get("/api/session").status_code == 200
    changed = world.client("county.admin").request(
        "PATCH", "/api/accounts/leaving.teacher", json={"active": False})
    assert changed.status_code == 200 and changed.json()["active"] is False
    assert teacher.get("/api/session").status_code == 401
    again = world.client().login("leaving.teacher")
    assert again.status_code == 401 and again.json()["code"] == "account_disabled"


def test_the_session_cookie_is_secure_and_httponly(world):
    response = world.client().login("teacher")
    cookie = response.headers["Set-Cookie"]
    assert "care_session=" in cookie
    for flag in ("Secure", "HttpOnly", "SameSite=Lax", "Max-Age="):
        assert flag in cookie
    assert response.json()["csrf_token"]
    assert "password_hash" not in response.text


# -- sessions, tokens, CSRF ----------------------------------------------------------------------
def test_changing_requests_on_a_session_need_the_csrf_token(world):
    admin = world.client("school.admin")
    path = "/api/children/" + world.ids["a3"]
    without = admin.request("PATCH", path, json={"notes": "x"}, csrf=False)
    assert without.status_code == 403 and without.json()["code"] == "csrf_failed"
    wrong = admin.request("PATCH", path, json={"notes": "x"},
                          headers={"X-CSRF-Token": "not-the-token"})
    assert wrong.status_code == 403
    assert admin.request("PATCH", path, json={"notes": "需要多关心"}).status_code == 200
    assert admin.get(path, csrf=False).status_code == 200  # reading needs no token

    token = admin.post("/api/tokens", json={"name": "script"}).json()["token"]
    program = world.client()
    program.token = token
    assert program.request("PATCH", path, json={"notes": "需要多关心"}).status_code == 200


def test_tokens_expire_and_can_be_revoked(world):
    admin = world.client("school.admin")
    created = admin.post("/api/tokens", json={"name": "nightly export", "days": 500})
    assert created.status_code == 422  # longer than the longest allowed (366)
    created = admin.post("/api/tokens", json={"name": "nightly export", "days": 7})
    assert created.status_code == 201
    body = created.json()
    program = world.client()
    program.token = body["token"]
    assert program.get("/api/session").json()["via"] == "token"

    world.gateway_db[TOKENS].update_one({"token_id": body["token_id"]},
                                        {"$set": {"expires_at": 1.0}})
    expired = program.get("/api/session")
    assert expired.status_code == 401 and expired.json()["code"] == "token_expired"

    second = admin.post("/api/tokens", json={"name": "other"}).json()
    assert admin.request("DELETE", "/api/tokens/" + second["token_id"]).status_code == 204
    program.token = second["token"]
    revoked = program.get("/api/session")
    assert revoked.status_code == 401 and revoked.json()["code"] == "invalid_token"
    garbage = world.client()
    garbage.token = "care_not-a-token"
    assert garbage.get("/api/session").status_code == 401


def test_sessions_end_on_expiry_and_logout(world):
    teacher = world.client("teacher")
    world.gateway_db[SESSIONS].update_one({"_id": digest(teacher.cookie)},
                                          {"$set": {"expires_at": 1.0}})
    ended = teacher.get("/api/session")
    assert ended.status_code == 401 and ended.json()["code"] == "session_expired"

    teacher = world.client("teacher")
    assert teacher.request("DELETE", "/api/session").status_code == 204
    assert teacher.get("/api/session").status_code == 401


def test_changing_ones_password_ends_every_other_session(world):
    new_teacher_account(world, "pw.change")
    first, second = world.client("pw.change"), world.client("pw.change")
    wrong = first.post("/api/me/password", json={"current_password": "nope-nope-1",
                                                 "new_password": "Brand-new-pass-1"})
    assert wrong.status_code == 422
    weak = first.post("/api/me/password", json={"current_password": PASSWORD,
                                                "new_password": "short"})
    assert weak.status_code == 422 and weak.json()["errors"][0]["field"] == "new_password"
    assert first.post("/api/me/password", json={"current_password": PASSWORD,
                                                "new_password": "Brand-new-pass-1"}
                      ).status_code == 204
    assert second.get("/api/session").status_code == 401
    assert world.client().login("pw.change", "Brand-new-pass-1").status_code == 200


# -- masked and revealed identities -----------------------------------------------------------
def test_ids_are_masked_unless_a_revealing_role_gives_a_reason(world):
    child_id = world.ids["a3"]
    full = world.rpc.registry.get_child(child_id, {"reveal": True, "reason": "测试准备"})
    admin = world.client("county.admin")
    masked = admin.get("/api/children/" + child_id).json()
    assert "*" in masked["national_id"] and masked["national_id"] != full["national_id"]
    assert "*" in masked["guardian"]["phone"]

    no_reason = admin.get("/api/children/{}?reveal=true".format(child_id))
    assert no_reason.status_code == 422
    assert no_reason.json()["errors"][0]["code"] == "reason_required"
    shown = admin.get("/api/children/{}?reveal=true&reason=核实监护人身份".format(child_id))
    assert shown.status_code == 200
    assert shown.json()["national_id"] == full["national_id"]
    assert shown.json()["guardian"]["phone"] == full["guardian"]["phone"]

    registry_db = world.mongo[world.configs["registry"]["MONGO_DATABASE"]]
    recorded = registry_db.pii_audit.find_one({"subject_id": child_id, "by": "county.admin"})
    assert recorded and recorded["reason"] == "核实监护人身份"
    entry = world.gateway_db[AUDIT_LOG].find_one({"actor": "county.admin", "action": "reveal",
                                                  "target_id": child_id})
    assert entry["reason"] == "核实监护人身份" and entry["outcome"] == "ok"

    teacher = world.client("teacher").get(
        "/api/children/{}?reveal=true&reason=家访".format(child_id))
    assert teacher.status_code == 403 and teacher.json()["code"] == "reveal_not_allowed"
    assert registry_db.pii_audit.find_one({"subject_id": child_id, "by": "teacher"}) is None


# -- the audit log ------------------------------------------------------------------------------
def test_the_audit_log_records_reads_and_the_county_admin_reads_and_exports_it(world):
    child_id = world.ids["a2"]
    assert world.client("head.teacher").get("/api/children/" + child_id).status_code == 200
    assert world.client("head.teacher").get(
        "/api/children/{}/timeline".format(child_id)).status_code == 200

    county = world.client("county.admin")
    page = county.get("/api/audit?child_id={}&actor=head.teacher".format(child_id))
    assert page.status_code == 200
    routes = [e["route"] for e in page.json()["items"]]
    assert routes[:2] == ["timeline", "get_child"]  # newest first
    entry = page.json()["items"][1]
    assert entry["action"] == "read" and entry["outcome"] == "ok"
    assert entry["role"] == "head_teacher" and entry["ip"] == "127.0.0.1"
    assert entry["path"] == "/api/children/" + child_id

    exported = county.get("/api/audit/export?format=csv&actor=head.teacher")
    assert exported.status_code == 200
    assert "attachment" in exported.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["时间（北京时间）", "用户", "角色"]
    assert any(child_id in row[10] for row in rows[1:])
    book = openpyxl.load_workbook(io.BytesIO(county.get(
        "/api/audit/export?actor=head.teacher").content))
    assert book.active.max_row == len(rows)

    assert world.client("school.admin").get("/api/audit").status_code == 403
    assert world.gateway_db[AUDIT_LOG].find_one({"actor": "county.admin",
                                                 "action": "export"})


def test_the_audit_log_cannot_be_changed_through_the_api(world):
    county = world.client("county.admin")
    for method in ("PATCH", "PUT", "DELETE", "POST"):
        response = county.request(method, "/api/audit", json={})
        assert response.status_code == 405 and response.json()["code"] == "method_not_allowed"


# -- what a request may send ----------------------------------------------------------------------
def test_bodies_over_the_limit_are_413(world):
    admin = world.client("school.admin")
    path = "/api/children/{}".format(world.ids["a3"])
    big = {"notes": "很" * 40000}  # 120 KB of UTF-8, over GATEWAY_MAX_BODY_KB=64
    response = admin.request("PATCH", path, json=big)
    assert response.status_code == 413 and response.json()["code"] == "payload_too_large"

    def chunks():  # no Content-Length: the limit holds while reading
        yield b'{"notes": "'
        for _ in range(100):
            yield "很".encode() * 1000
        yield b'"}'
    chunked = admin.request("PATCH", path, data=chunks(),
                            headers={"Content-Type": "application/json"})
    assert chunked.status_code == 413


def test_uploads_over_the_limit_are_413(world):
    admin = world.client("school.admin")
    response = admin.post("/api/schools/{}/roster".format(world.ids["A"]),
                          files={"file": ("roster.xlsx", b"x" * (1024 * 1024 + 10))},
                          data={"mode": "valid_rows_only"})
    assert response.status_code == 413


def test_wrong_content_types_and_bad_json_are_refused_clearly(world):
    admin = world.client("school.admin")
    path = "/api/children/{}".format(world.ids["a3"])
    as_text = admin.request("PATCH", path, data="notes=x", headers={"Content-Type": "text/plain"})
    assert as_text.status_code == 415 and as_text.json()["code"] == "unsupported_media_type"
    as_form = admin.request("PATCH", path, data={"notes": "x"})
    assert as_form.status_code == 415
    broken = admin.request("PATCH", path, data=b'{"notes": ',
                           headers={"Content-Type": "application/json"})
    assert broken.status_code == 400 and broken.json()["code"] == "bad_json"
    a_list = admin.request("PATCH", path, json=["notes"])
    assert a_list.status_code == 422
    invalid_utf8 = admin.request("PATCH", path, data=b'{"notes": "\xff\xfe"}',
                                 headers={"Content-Type": "application/json"})
    assert invalid_utf8.status_code == 400


def test_nobody_writes_in_someone_elses_name(world):
    teacher = world.client("teacher")
    response = teacher.post("/api/children/{}/care-records".format(world.ids["a1"]), json={
        "kind": "talk", "occurred_at": now_iso(),
        "by_id": world.ids["H"]})
    assert response.status_code == 422
    assert response.json()["errors"] == [{"field": "by_id", "code": "unknown_field",
                                          "message": "不认识的字段"}]


def test_field_errors_name_the_field_in_chinese(world):
    teacher = world.client("teacher")
    response = teacher.post("/api/children/{}/care-records".format(world.ids["a1"]),
                            json={"kind": "picnic", "wellbeing": 9})
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "validation_failed" and body["message"]
    fields = {e["field"]: e for e in body["errors"]}
    assert set(fields) == {"kind", "occurred_at", "wellbeing"}
    assert fields["occurred_at"]["code"] == "required"
    assert fields["occurred_at"]["message"] == "必填项不能为空"


def test_unknown_routes_and_methods_answer_in_the_error_body(world):
    client = world.client("county.admin")
    nothing = client.get("/api/nothing-here")
    assert nothing.status_code == 404 and nothing.json()["code"] == "no_such_route"
    odd_id = client.get("/api/children/%7B%22$gt%22:%22%22%7D")
    assert odd_id.status_code == 404 and odd_id.json()["code"] == "no_such_route"
    wrong = client.request("PUT", "/api/children")
    assert wrong.status_code == 405 and "GET" in wrong.headers["Allow"]


def test_metrics_count_requests_by_route_and_status(world):
    world.client("teacher").get("/api/children/" + world.ids["b1"])
    text = world.client().get("/metrics").text
    assert 'care_http_requests_total{method="GET",route="get_child",status="404"}' in text
    assert "care_http_request_seconds_bucket" in text
    assert 'care_http_errors_total{code="not_found",route="get_child",status="404"}' in text


def test_health_reports_every_service(world):
    body = world.client().get("/health").json()
    assert body["status"] == "ok"
    assert sorted(body["services"]) == ["activities", "notifications", "pairing",
                                        "registry", "reporting"]


def test_the_api_document_and_its_page_are_served_locally(world):
    client = world.client()
    document = client.get("/api/openapi.json").json()
    assert document["openapi"].startswith("3.")
    assert "/api/children/{child_id}" in document["paths"]
    page = client.get("/api/docs")
    assert page.status_code == 200 and "/api/docs/assets/swagger-ui-bundle.js" in page.text
    assert "http" not in page.text.replace("http-equiv", "")  # nothing from outside
    assert "default-src 'self'" in page.headers["Content-Security-Policy"]
    script = client.get("/api/docs/assets/docs-init.js")
    assert script.status_code == 200 and "validatorUrl: null" in script.text
    assert client.get("/api/docs/assets/swagger-ui-bundle.js").status_code == 200
    assert client.get("/api/docs/assets/secrets.txt").status_code == 404
    assert json.loads(json.dumps(document))  # plain JSON, no Decimal or dates
    public = client.get("/api/asyncapi.json")  # the other bureaus' contract (carekit.bureaus)
    assert public.status_code == 200 and public.json()["asyncapi"] == "2.6.0"
    assert "{bureau}.VisitLogged" in public.json()["channels"]


def test_dates_no_one_means_are_refused_before_any_service_sees_them(world):
    teacher = world.client("teacher")
    response = teacher.post("/api/children/{}/awards".format(world.ids["a1"]), json={
        "title": "自强少年", "level": "school", "granted_on": "0001-01-01"})
    assert response.status_code == 422
    # the award body is activities' own schema, loaded here: its date range (2000–2099) refuses
    # first; dates in bodies with no such rule fall to the gateway's 1900–2100 check
    assert response.json()["errors"] == [{"field": "granted_on", "code": "out_of_range",
                                          "message": "日期应在 2000-01-01 到 2099-12-31 之间"}]
