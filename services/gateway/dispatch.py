"""What happens to every request, in this order:

1. bounds: body and upload size (413);
2. authentication: session cookie or bearer token;
3. authorisation: the route's rule — login and role (401/403), CSRF on a session (403);
4. input: query string and body through the route's marshmallow schemas (400 bad JSON,
   415 wrong content type, 422 with every field's problem);
5. target: the object the route names must be within the caller's reach (404 otherwise);
6. the route's handler, calling the services over RPC;
7. the audit log (every read and change of a child's data, and every refusal of one),
   metrics, and the response — one JSON error body for anything that went wrong.
"""
import json
import time
from datetime import date, datetime

from marshmallow import ValidationError
from werkzeug.wrappers import Response

from carekit.logs import get_logger
from gateway import authentication, errors, metrics, web
from gateway.audit import outcome_of
from gateway.authorisation import authorise, resolve_target
from gateway.scope import Scope

log = get_logger(__name__)
JSON_TYPES = ("application/json",)
FORM_TYPES = ("multipart/form-data",)


class FileResult:
    def __init__(self, content, filename, mimetype):
        self.content, self.filename, self.mimetype = content, filename, mimetype


class Call:
    """One request as the handlers see it."""

    def __init__(self, request, route, path, deps):
        self.request = request
        self.route = route
        self.path = path
        self.deps = deps
        self.principal = None
        self.auth_problem = None
        self.query = {}          # loaded by the route's schema
        self.raw_query = {}      # as sent (strings), for forwarding to a service
        self.body = None          # loaded by the route's schema
        self.sent = {}            # the JSON object as sent (forwarded to the service)
        self.upload = None        # (filename, bytes) of a multipart upload
        self.target = None
        self.audit_info = {}
        self._scope = None

    # the services, as call.registry.get_child(...)
    def __getattr__(self, name):
        if name in ("registry", "pairing", "activities", "notifications", "reporting"):
            return getattr(self.deps.services, name)
        raise AttributeError(name)

    @property
    def scope(self):
        if self._scope is None:
            self._scope = Scope(self.principal, self.deps.services, self.deps.lookups,
                                self.deps.accounts)
        return self._scope

    @property
    def client_ip(self):
        return self.request.remote_addr or "unknown"

    def note(self, **info):
        """Add to this request's audit entry (child ids, reason, target …)."""
        self.audit_info.update(info)

    def forward(self, **server_side):
        """The body as sent, plus what the gateway sets itself (ids from the path, actor)."""
        return dict(self.sent or {}, **server_side)


def dispatch(call):
    started = time.perf_counter()
    error = None
    try:
        response = _run(call)
    except errors.ApiError as exc:
        error = exc
    except Exception:
        error = errors.Internal(reference=errors.new_reference())
        log.exception("gateway_request_failed", route=call.route.name,
                      reference=error.reference)
    if error is not None:
        response = web.error_response(error)
    try:
        _audit(call, response.status_code)
    except Exception:  # an unrecorded read of a child's file must not be answered
        reference = errors.new_reference()
        log.exception("audit_write_failed", route=call.route.name, reference=reference)
        error = errors.Unavailable(code="audit_unavailable", reference=reference,
                                   message="审计日志暂时无法写入，请稍后再试")
        response = web.error_response(error)
    metrics.observe(call.route.name, call.request.method, response.status_code,
                    time.perf_counter() - started, error.code if error else None)
    return response


def _run(call):
    route, request, deps = call.route, call.request, call.deps
    limit = deps.upload_limit if route.upload else deps.body_limit
    request.max_content_length = limit
    request.max_form_memory_size = limit
    call.principal, call.auth_problem = authentication.authenticate(
        request, deps.sessions, deps.accounts)
    try:
        authorise(call)
    except errors.Unauthenticated as exc:
        if call.auth_problem:
            exc.code = call.auth_problem
            exc.message = authentication.UNAUTHENTICATED_MESSAGES[call.auth_problem]
        raise
    authentication.check_csrf(call)
    if call.principal is not None:
        deps.worker_ctx.data.update(call.principal.context_data())
    _read_input(call, limit)
    resolve_target(call)
    return _respond(call, route.handler(call))


def _respond(call, result):
    if isinstance(result, Response):
        return result
    if isinstance(result, FileResult):
        return web.file_response(result.content, result.filename, result.mimetype)
    if result is None:
        return web.json_response(None, 204)
    return web.json_response(result, call.route.status)


# -- input ------------------------------------------------------------------------------------
def _load(schema, data, prefix=""):
    schema = schema() if isinstance(schema, type) else schema
    try:
        loaded = schema.load(data)
    except ValidationError as exc:
        raise errors.Invalid.from_marshmallow(exc, prefix)
    far = list(_far_dates(loaded))
    if far:
        raise errors.Invalid(errors=[{"field": field, "code": "date_out_of_range",
                                      "message": "日期应在 1900 年至 2100 年之间"}
                                     for field in far])
    return loaded


def _far_dates(value, path=""):
    """Fields holding a date no one in this programme means (year 1 overflows time zones in
    the services)."""
    if isinstance(value, (date, datetime)):
        if not 1900 <= value.year <= 2100:
            yield path
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _far_dates(item, "{}.{}".format(path, key) if path else str(key))
    elif isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            yield from _far_dates(item, "{}.{}".format(path, index))


def _query_data(schema, args):
    schema = schema() if isinstance(schema, type) else schema
    data = {}
    for key in args.keys():
        field = schema.fields.get(key)
        values = args.getlist(key)
        if field is not None and field.__class__.__name__ == "List":
            data[key] = values
        else:
            data[key] = values[0] if len(values) == 1 else values
    return data


def _read_input(call, limit):
    route, request = call.route, call.request
    if route.query is not None:
        call.raw_query = _query_data(route.query, request.args)
        call.query = _load(route.query, call.raw_query)
    elif request.args:
        raise errors.Invalid(errors=[{"field": key, "code": "unknown_field",
                                      "message": "不认识的查询参数"} for key in request.args])
    if route.body is None and not route.upload:
        return
    mimetype = request.mimetype
    if route.upload and mimetype in FORM_TYPES:
        _read_form(call)
        return
    if not mimetype and not request.content_length and request.headers.get(
            "Transfer-Encoding") is None:
        raw = b""
    elif mimetype in JSON_TYPES or mimetype.endswith("+json"):
        raw = web.read_body(request, limit)
    else:
        accepted = ["application/json"] + (["multipart/form-data"] if route.upload else [])
        raise errors.UnsupportedMediaType(detail={"accepted": accepted})
    if not raw.strip():
        sent = {}
    else:
        try:
            sent = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            raise errors.BadRequest(code="bad_json", message="请求内容不是有效的 JSON")
    if not isinstance(sent, dict):
        raise errors.Invalid.single("_schema", "not_object", "请求内容应为 JSON 对象")
    call.sent = sent
    call.body = _load(route.body, sent)


def _read_form(call):
    from werkzeug.exceptions import RequestEntityTooLarge
    request = call.request
    try:
        form, files = request.form, request.files
    except RequestEntityTooLarge:
        raise errors.PayloadTooLarge(detail={"limit_bytes": call.deps.upload_limit})
    upload = files.get("file")
    if upload is None or not upload.filename:
        raise errors.Invalid.single("file", "required", "请选择要上传的文件")
    fields = {k: v for k, v in form.items() if k != "csrf_token"}
    call.body = _load(call.route.extra["form"], fields)
    call.sent = fields
    call.upload = (upload.filename, upload.read(call.deps.upload_limit + 1))
    if len(call.upload[1]) > call.deps.upload_limit:
        raise errors.PayloadTooLarge(detail={"limit_bytes": call.deps.upload_limit})


# -- audit ------------------------------------------------------------------------------------
def _audit(call, status):
    denied = call._scope.denied if call._scope is not None else None
    if not (call.route.audit or denied or call.audit_info.get("force")):
        return
    if call.principal is None and not call.audit_info:
        return  # anonymous and refused before anything was read: nothing about a child
    target_type, target_id = denied or call.audit_info.get("target") or _target_of(call)
    child_ids = list(call.audit_info.get("child_ids") or [])
    target = call.target if isinstance(call.target, dict) else {}
    if target.get("child_id"):
        child_ids.append(target["child_id"])
    if target_type == "child" and target_id:  # (also a child named by reference)
        child_ids.append(target_id)
    p = call.principal
    method = call.request.method
    action = call.audit_info.get("action") or ("read" if method in ("GET", "HEAD") else "change")
    call.deps.audit.record(
        actor=p.username if p else None, role=p.role if p else None,
        county_id=p.county_id if p else None, ip=call.client_ip,
        user_agent=(call.request.user_agent.string or "")[:200], method=method,
        route=call.route.name, path=call.request.path, action=action,
        target_type=target_type, target_id=target_id, child_ids=child_ids,
        reason=call.audit_info.get("reason"), status=status,
        outcome=outcome_of(status, out_of_scope=bool(denied)),
        detail=call.audit_info.get("detail"))


def _target_of(call):
    rule = call.route.rule
    if rule.target:
        ident = call.path.get(rule.param) or (call.body or {}).get(rule.param) \
            if isinstance(call.body, dict) else call.path.get(rule.param)
        return {"child_ref": "child"}.get(rule.target, rule.target), ident
    for name in ("child_id", "class_id", "school_id"):
        if call.path.get(name):
            return name[:-3], call.path[name]
    return None, None
