"""The page pipeline: who is asking (the gateway's own sessions), the page's roles, the
CSRF token of a form, and `Page.api(...)`, which runs a route of the API table in-process
with the same rule, validation, scope check, handler and audit entry an HTTP call to it gets.
Pages hold no business logic of their own: they call the API's routes and render answers.
"""
import os
import secrets
import time
from urllib.parse import quote, urlencode

import jinja2
from pymongo import ASCENDING, IndexModel
from pymongo.errors import DuplicateKeyError
from werkzeug.wrappers import Response

from carekit.logs import get_logger
from gateway import authentication, errors, web
from gateway.accounts import ROLES
from gateway.api import BY_NAME
from gateway.authorisation import authorise, resolve_target
from gateway.dispatch import Call, FileResult, _audit, _load
from gateway.pages import labels

log = get_logger(__name__)
HERE = os.path.dirname(os.path.abspath(__file__))
TEMPLATES = os.path.join(os.path.dirname(HERE), "templates")
FORMS = "web_forms"            # form tokens already used: a second submission stores nothing
FORM_TOKEN_SECONDS = 86400
INDEXES = {FORMS: [IndexModel([("at", ASCENDING)], expireAfterSeconds=FORM_TOKEN_SECONDS)]}
PAGE_CSP = ("default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
            "script-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'")
HTML_TYPE = "text/html; charset=utf-8"

ENV = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES),
                         autoescape=jinja2.select_autoescape(["html"]),
                         trim_blocks=True, lstrip_blocks=True, undefined=jinja2.ChainableUndefined)
ENV.globals.update(labels=labels, ROLES=ROLES)
ENV.filters.update(labels.FILTERS)


class InternalRequest:
    """The page's request as an API route sees it: the route's own method (audit's read or
    change), everything else (address, user agent, path) the browser's."""

    def __init__(self, request, method):
        self._request = request
        self.method = method

    def __getattr__(self, name):
        return getattr(self._request, name)


class Redirect(Exception):
    def __init__(self, location):
        self.location = location


class Page:
    """One page request: the caller, the form, the API's routes, rendering."""

    def __init__(self, request, spec, path, deps):
        self.request = request
        self.spec = spec
        self.path = path
        self.deps = deps
        self.principal = None
        self.notice = labels.NOTICES.get(request.args.get("done", ""))

    # -- the caller ---------------------------------------------------------------------------
    @property
    def method(self):
        return self.request.method

    @property
    def form(self):
        return self.request.form

    @property
    def args(self):
        return self.request.args

    @property
    def role(self):
        return self.principal.role

    def authenticate(self):
        self.principal, _ = authentication.authenticate(self.request, self.deps.sessions,
                                                        self.deps.accounts)
        if self.principal is not None:
            self.deps.worker_ctx.data.update(self.principal.context_data())
        return self.principal

    def check_csrf(self):
        """A form posted on a session echoes the session's CSRF token (hidden field)."""
        if self.method == "POST" and self.principal is not None:
            presented = self.request.form.get("csrf_token")
            if not presented or not secrets.compare_digest(presented,
                                                           self.principal.csrf_token or ""):
                raise errors.Forbidden(code="csrf_failed",
                                       message="页面已过期，请刷新页面后重新提交")

    # -- the API, in-process --------------------------------------------------------------------
    def api(self, name, path=None, query=None, body=None, upload=None):
        """Run the API route `name` as this caller: rule, input schemas, target within reach,
        handler, audit entry — exactly what `/api/...` does, without HTTP and JSON."""
        route = BY_NAME[name]
        if not route.mounted:
            raise errors.Unavailable(code="not_yet_available", message="该功能即将上线")
        call = Call(InternalRequest(self.request, route.method), route, dict(path or {}),
                    self.deps)
        call.principal = self.principal
        status = 500
        try:
            authorise(call)
            if route.query is not None:
                call.raw_query = {k: v for k, v in (query or {}).items()
                                  if v is not None and v != ""}
                call.query = _load(route.query, call.raw_query)
            if upload is not None:
                call.sent = dict(body or {})
                call.body = _load(route.extra["form"], call.sent)
                call.upload = upload
            elif route.body is not None:
                call.sent = dict(body or {})
                call.body = _load(route.body, call.sent)
            resolve_target(call)
            result = route.handler(call)
            status = route.status
            return result
        except errors.ApiError as exc:
            status = exc.status
            raise
        finally:
            try:
                _audit(call, status)
            except Exception:
                reference = errors.new_reference()
                log.exception("audit_write_failed", route=name, reference=reference)
                raise errors.Unavailable(code="audit_unavailable", reference=reference,
                                         message="审计日志暂时无法写入，请稍后再试")

    def every(self, name, path=None, query=None, limit=200):
        """Every item of a paged list route, page after page."""
        items, cursor = [], None
        while True:
            answer = self.api(name, path=path, query=dict(query or {}, limit=limit,
                                                          cursor=cursor))
            items += answer["items"]
            cursor = answer.get("next_cursor")
            if not cursor:
                return items

    def api_or(self, default, name, **kwargs):
        """An answer that only adds to a page (a side panel): its failure leaves it out."""
        try:
            return self.api(name, **kwargs)
        except errors.ApiError as exc:
            log.info("page_panel_failed", route=name, code=exc.code)
            return default

    # -- forms ----------------------------------------------------------------------------------
    @staticmethod
    def new_token():
        return secrets.token_hex(16)

    def once(self, token, run):
        """Run `run()` (answering a location) once per form token; a second submission of
        the same form goes where the first went and changes nothing."""
        if not token or len(token) > 64:
            raise errors.Invalid.single("form_token", "required", "页面已过期，请刷新后重新提交")
        forms = self.deps.db[FORMS]
        key = "{}:{}".format(self.principal.username, token)
        try:
            forms.insert_one({"_id": key, "at": _now(), "location": None})
        except DuplicateKeyError:
            done = forms.find_one({"_id": key}) or {}
            if done.get("location"):
                return self.redirect(done["location"], "duplicate")
            raise errors.Conflict(code="in_progress", message="该表单正在提交，请勿重复点击")
        try:
            location = run()
        except Exception:
            forms.delete_one({"_id": key})  # refused: the same form may be corrected and sent
            raise
        forms.update_one({"_id": key}, {"$set": {"location": location}})
        return self.redirect(location)

    def stash(self, token, value):
        """Keep a result for the page a form redirects to (its own key, this caller only)."""
        self.deps.db[FORMS].update_one({"_id": "{}:{}".format(self.principal.username, token)},
                                       {"$set": {"result": value}})

    def stashed(self, token):
        doc = self.deps.db[FORMS].find_one(
            {"_id": "{}:{}".format(self.principal.username, token or "")})
        return (doc or {}).get("result")

    # -- answers ----------------------------------------------------------------------------------
    def render(self, template, status=200, **context):
        context.setdefault("form", {})
        context.setdefault("problems", Problems())
        html = ENV.get_template(template).render(
            page=self, me=self.principal, csrf_token=getattr(self.principal, "csrf_token", ""),
            notice=self.notice, nav=self.nav(), **context)
        return html_response(html, status)

    def nav(self):
        from gateway.pages import NAV
        if self.principal is None:
            return []
        return [(href, text) for href, text, roles in NAV if self.principal.role in roles]

    def redirect(self, location, done=None):
        if done:
            location += ("&" if "?" in location else "?") + urlencode({"done": done})
        return Response("", status=303, headers=dict(web.SECURITY_HEADERS, Location=location))

    def file(self, result):
        if isinstance(result, FileResult):
            return web.file_response(result.content, result.filename, result.mimetype)
        return result


class Problems:
    """An ApiError's field errors by form field (names as the API reports them), and the
    rest for the top of the form."""

    def __init__(self, error=None, rename=None):
        self.error = error
        self.fields = {}
        self.general = []
        if error is None:
            return
        rename = rename or {}
        for item in getattr(error, "errors", None) or []:
            field = rename.get(item.get("field"), item.get("field"))
            self.fields.setdefault(field, []).append(item.get("message") or item.get("code"))
        if not self.fields:
            self.general.append(error.message)

    def __bool__(self):
        return self.error is not None

    def of(self, field):
        return self.fields.get(field) or []

    def pop_unknown(self, known):
        """Field errors of fields the form does not show: at the top, with their field."""
        out = []
        for field, messages in self.fields.items():
            if field not in known:
                out += ["{}：{}".format(labels.FIELD_NAMES.get(field, field), m) for m in messages]
        return out


def html_response(html, status=200):
    return Response(html, status=status, content_type=HTML_TYPE,
                    headers=dict(web.SECURITY_HEADERS, **{"Content-Security-Policy": PAGE_CSP}))


def login_location(request):
    return "/login?next=" + quote(request.full_path.rstrip("?"), safe="")


def _now():
    from datetime import datetime, timezone
    return datetime.now(timezone.utc)


def elapsed_ms(started):
    return (time.perf_counter() - started) * 1000
