"""Who is calling: a browser session (cookie, with a CSRF token on changing requests) or a
program's bearer token. Disabled accounts and ended sessions or tokens are not anyone."""
from gateway import errors
from gateway.authorisation import Principal
from gateway.sessions import COOKIE

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CSRF_HEADER = "X-CSRF-Token"


def authenticate(request, sessions, accounts):
    """(principal or None, why there is none: a 401 code)."""
    header = request.headers.get("Authorization")
    if header:
        scheme, _, value = header.partition(" ")
        if scheme.lower() != "bearer" or not value.strip():
            raise errors.Unauthenticated(code="bad_authorization",
                                         message="Authorization 应为 Bearer 访问令牌")
        token = sessions.find_token(value.strip())
        account = token.get("account") or accounts.get(token["username"])
        if account is None or not account.get("active"):
            raise errors.Unauthenticated(code="account_disabled", message="该账号已停用")
        return Principal.of(account, "token", token["token_id"]), None
    value = request.cookies.get(COOKIE)
    if not value:
        return None, None
    session = sessions.find(value)
    if session is None:
        return None, "session_expired"
    account = session.get("account") or accounts.get(session["username"])
    if account is None or not account.get("active"):
        sessions.close(session["_id"])
        return None, "account_disabled"
    return Principal.of(account, "session", session["_id"], session["csrf_token"]), None


def check_csrf(call):
    """A changing request on a browser session must echo the session's CSRF token."""
    p = call.principal
    if p is None or p.via != "session" or call.request.method in SAFE_METHODS:
        return
    presented = call.request.headers.get(CSRF_HEADER)
    if not presented and call.request.mimetype in ("application/x-www-form-urlencoded",
                                                   "multipart/form-data"):
        presented = call.request.form.get("csrf_token")
    from gateway.sessions import Sessions
    if not Sessions.csrf_matches({"csrf_token": p.csrf_token}, presented):
        raise errors.Forbidden(code="csrf_failed",
                               message="页面已过期或请求来源不明，请刷新页面后重试")


UNAUTHENTICATED_MESSAGES = {
    "session_expired": "登录已过期，请重新登录",
    "account_disabled": "该账号已停用",
}
