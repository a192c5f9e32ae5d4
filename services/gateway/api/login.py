"""Logging in and out, the current account, program tokens, changing one's password."""
from gateway import errors, passwords, web
from gateway.accounts import public_view
from gateway.authorisation import ALL, PUBLIC, allow
from gateway.routing import route
from gateway.schemas import LoginBody, PasswordBody, TokenBody
from gateway.sessions import COOKIE, token_view
from gateway import views

TAG = "登录与令牌"


def _session_body(account, session, max_age):
    return {"account": public_view(account), "csrf_token": session["csrf_token"],
            "expires_in": max_age}


def login(call):
    deps, body = call.deps, call.body
    username = body["username"].strip().lower()
    deps.guard.check(username, call.client_ip)
    account = deps.accounts.get(username)
    if not passwords.verify(account and account["password_hash"], body["password"]):
        deps.guard.failed(username, call.client_ip)
        raise errors.Unauthenticated(code="bad_credentials", message="用户名或密码错误")
    if not account.get("active"):
        raise errors.Unauthenticated(code="account_disabled", message="该账号已停用")
    deps.guard.succeeded(username)
    deps.accounts.rehash_if_needed(account, body["password"])
    value, session = deps.sessions.open(account, call.client_ip,
                                        call.request.user_agent.string)
    if not (deps.accounts.get(username) or {}).get("active"):  # disabled meanwhile
        deps.sessions.close(session["_id"])
        raise errors.Unauthenticated(code="account_disabled", message="该账号已停用")
    response = web.json_response(_session_body(account, session, deps.sessions.max_age()))
    response.set_cookie(COOKIE, value, max_age=deps.sessions.max_age(), path="/",
                        secure=deps.cookie_secure, httponly=True, samesite="Lax")
    return response


def logout(call):
    if call.principal.via == "session":
        call.deps.sessions.close(call.principal.credential_id)
    response = web.json_response(None, 204)
    response.delete_cookie(COOKIE, path="/", secure=call.deps.cookie_secure, httponly=True,
                           samesite="Lax")
    return response


def whoami(call):
    account = call.deps.accounts.get(call.principal.username)
    return {"account": public_view(account), "csrf_token": call.principal.csrf_token,
            "via": call.principal.via}


def change_password(call):
    deps, username = call.deps, call.principal.username
    deps.guard.check(username, call.client_ip)
    account = deps.accounts.get(username)
    if not passwords.verify(account["password_hash"], call.body["current_password"]):
        deps.guard.failed(username, call.client_ip)
        raise errors.Invalid.single("current_password", "wrong_password", "当前密码不正确")
    deps.accounts.set_password(username, call.body["new_password"])
    deps.sessions.close_all(username)  # every other browser and program logs in again
    return logout(call)


def list_tokens(call):
    return {"items": [token_view(t) for t in call.deps.sessions.tokens_of(
        call.principal.username)], "next_cursor": None}


def create_token(call):
    account = call.deps.accounts.get(call.principal.username)
    value, doc = call.deps.sessions.issue_token(account, call.body["name"], call.body["days"])
    return dict(token_view(doc), token=value)


def revoke_token(call):
    call.deps.sessions.revoke_token(call.principal.username, call.path["token_id"])


ROUTES = [
    route("login", "POST", "/api/session", PUBLIC, login, "登录（浏览器会话）", TAG,
          body=LoginBody, response=views.Session,
          description="成功时设置 HttpOnly 会话 Cookie，并返回 csrf_token：之后的修改类请求须在 "
                      "X-CSRF-Token 头中带上它。连续失败会锁定账号（429）。"),
    route("logout", "DELETE", "/api/session", allow(ALL), logout, "退出登录", TAG, status=204),
    route("whoami", "GET", "/api/session", allow(ALL), whoami, "当前登录账号", TAG,
          response=views.Session),
    route("change_password", "POST", "/api/me/password", allow(ALL), change_password,
          "修改本人密码（之后所有会话与令牌失效）", TAG, body=PasswordBody, status=204),
    route("list_tokens", "GET", "/api/tokens", allow(ALL), list_tokens, "本人的访问令牌", TAG,
          response=views.Token, many=True),
    route("create_token", "POST", "/api/tokens", allow(ALL), create_token,
          "创建访问令牌（供程序调用，令牌只显示这一次）", TAG, body=TokenBody,
          response=views.NewToken, status=201),
    route("revoke_token", "DELETE", "/api/tokens/<id:token_id>", allow(ALL), revoke_token,
          "撤销访问令牌", TAG, status=204),
]
