"""Logging in and out through the API's own login (lockout, cookie, CSRF token), the home
page each role lands on, and the pages' static files (stylesheet, vendored ECharts)."""
import os

from werkzeug.wrappers import Response

from gateway import errors, web
from gateway.authorisation import ADMINS, ALL, ANALYST, COUNTY_ADMIN, TEACHERS, VOLUNTEER
from gateway.pages import page
from gateway.pages.core import Problems
from gateway.sessions import COOKIE

STATIC = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "static")
ASSET_TYPES = {".css": "text/css; charset=utf-8", ".js": "application/javascript; charset=utf-8",
               ".png": "image/png", ".svg": "image/svg+xml", ".txt": "text/plain; charset=utf-8"}
PAGE_ASSETS = ("app.css", "echarts.min.js", "dashboard.js", "ECHARTS-LICENSE.txt")


def _safe_next(value):
    """Only a path of this site (no //host, no scheme)."""
    if value and value.startswith("/") and not value.startswith("//") and "\\" not in value:
        return value
    return "/"


def login(p):
    target = _safe_next(p.args.get("next") or p.form.get("next"))
    if p.method == "GET":
        if p.principal is not None:
            return p.redirect(target)
        return p.render("login.html", form={"next": target})
    form = {"username": p.form.get("username", ""), "next": target}
    try:
        answer = p.api("login", body={"username": form["username"],
                                      "password": p.form.get("password", "")})
    except errors.ApiError as exc:
        return p.render("login.html", status=exc.status, form=form, problems=Problems(exc))
    response = p.redirect(target)
    for value in answer.headers.getlist("Set-Cookie"):
        response.headers.add("Set-Cookie", value)
    return response


def logout(p):
    answer = p.api("logout")
    response = p.redirect("/login")
    for value in answer.headers.getlist("Set-Cookie"):
        response.headers.add("Set-Cookie", value)
    if not answer.headers.get("Set-Cookie"):
        response.delete_cookie(COOKIE, path="/")
    return response


def home(p):
    role = p.role
    if role in TEACHERS or role == VOLUNTEER:
        from gateway.pages.teacher import home as teacher_home
        return teacher_home(p)
    if role in (COUNTY_ADMIN, ANALYST) or (role in ADMINS and not p.principal.school_id):
        return p.redirect("/county")
    return p.redirect("/school")


def asset(p):
    name = p.path["asset"]
    if name not in PAGE_ASSETS:
        raise errors.NotFound(message="没有该文件")
    with open(os.path.join(STATIC, name), "rb") as handle:
        content = handle.read()
    kind = ASSET_TYPES[os.path.splitext(name)[1]]
    return Response(content, status=200, content_type=kind, headers=dict(
        web.SECURITY_HEADERS, **{"Cache-Control": "public, max-age=3600"}))


PAGES = (page("login", "/login", login, methods=("GET", "POST"), public=True)
         + page("logout", "/logout", logout, ALL, methods=("POST",))
         + page("home", "/", home, ALL)
         + page("asset", "/static/<asset:asset>", asset, public=True))
