"""The web pages (zh-CN, phone first) served by the gateway beside its API: server-rendered
jinja2 templates and plain forms. Every page logs in with the gateway's own sessions and
reads and writes through the API's routes in-process (`Page.api`), so the rules, scope and
audit log are the API's. See the README's "Pages" section."""
import time
from dataclasses import dataclass
from typing import Callable

from carekit.logs import get_logger
from gateway import errors, metrics
from gateway.authorisation import (ADMINS, ALL, ANALYST, COUNTY_ADMIN, HEAD_TEACHER, TEACHERS,
                                   VOLUNTEER)
from gateway.pages.core import INDEXES, Page, Redirect, html_response, login_location  # noqa

log = get_logger(__name__)


@dataclass(frozen=True)
class PageSpec:
    name: str
    method: str
    path: str
    handler: Callable
    roles: frozenset = ALL
    public: bool = False


def page(name, path, handler, roles=ALL, methods=("GET",), public=False):
    return [PageSpec("page_{}_{}".format(name, m.lower()), m, path, handler, frozenset(roles),
                     public) for m in methods]


from gateway.pages import county, school, session, teacher  # noqa: E402

SCHOOL_ADMINS = ADMINS - {COUNTY_ADMIN}
SCHOOL_ROLES = SCHOOL_ADMINS | {HEAD_TEACHER}
PAGES = (session.PAGES + teacher.PAGES + school.PAGES + county.PAGES)
BY_NAME = {spec.name: spec for spec in PAGES}
assert len(BY_NAME) == len(PAGES), "page names are unique"
NAV = [  # (href, text, roles)
    ("/", "首页", ALL),
    ("/school", "学校", SCHOOL_ROLES),
    ("/school/pairing", "结对", SCHOOL_ADMINS),
    ("/school/activities", "活动", SCHOOL_ADMINS | TEACHERS),
    ("/county", "全县概况", {COUNTY_ADMIN, ANALYST}),
    ("/county/policy", "政策", {COUNTY_ADMIN}),
    ("/county/audit", "审计日志", {COUNTY_ADMIN}),
    ("/accounts", "账号", ADMINS),
]


def serve(request, spec, path, deps):
    """One page: login, role, CSRF of a form, then the page's handler; an API error becomes
    a page saying what went wrong in Chinese (404 for what is out of reach, like the API)."""
    started = time.perf_counter()
    p = Page(request, spec, path, deps)
    try:
        if spec.public:
            p.authenticate()
            response = spec.handler(p)
        else:
            if p.authenticate() is None:
                response = p.redirect(login_location(request))
            elif p.role not in spec.roles:
                raise errors.Forbidden(message="您的角色不能打开这个页面")
            else:
                p.check_csrf()
                response = spec.handler(p)
    except Redirect as exc:
        response = p.redirect(exc.location)
    except errors.ApiError as exc:
        response = p.render("error.html", status=exc.status, error=exc)
    except Exception:
        reference = errors.new_reference()
        log.exception("page_failed", page=spec.name, reference=reference)
        response = html_response(
            "<!doctype html><meta charset=utf-8><title>出错了</title><p>服务器内部错误，"
            "请稍后再试（编号 {}）</p>".format(reference), 500)
    metrics.observe(spec.name, request.method, response.status_code,
                    time.perf_counter() - started, None)
    return response
