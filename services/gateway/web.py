"""HTTP plumbing on nameko's werkzeug-based web server: one entrypoint per route of the
route table, our error body for werkzeug's own answers (no such route, wrong method), JSON
and file responses, and bounded reading of request bodies.
"""
import json
from functools import partial

from eventlet.event import Event
from nameko.exceptions import ContainerBeingKilled
from nameko.web.handlers import HttpRequestHandler
from nameko.web.server import WebServer, WsgiApp
from werkzeug.exceptions import HTTPException
from werkzeug.routing import BaseConverter, Map, Rule
from werkzeug.wrappers import Request, Response

from carekit.logs import get_logger
from gateway import errors, metrics

log = get_logger(__name__)

JSON_TYPE = "application/json; charset=utf-8"
ID_PATTERN = r"[A-Za-z0-9_-]{1,64}"
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
}


USERNAME_PATTERN = r"[a-z0-9][a-z0-9._-]{2,31}"
ASSET_PATTERN = r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}"
NOTE_PATTERN = r"[A-Za-z0-9_:>.-]{1,300}"   # notifications' ids: rule:subject:day:level>recipient


class IdConverter(BaseConverter):
    """Ids in paths: what every service uses (uuid hex, caller-chosen 8-64 characters)."""
    regex = ID_PATTERN


class UsernameConverter(BaseConverter):
    regex = USERNAME_PATTERN


class AssetConverter(BaseConverter):
    regex = ASSET_PATTERN


class NoteConverter(BaseConverter):
    regex = NOTE_PATTERN


CONVERTERS = {"id": IdConverter, "user": UsernameConverter, "asset": AssetConverter,
              "note": NoteConverter}
PATTERNS = {"id": ID_PATTERN, "user": USERNAME_PATTERN, "asset": ASSET_PATTERN,
            "note": NOTE_PATTERN}


def json_response(payload, status=200, headers=None):
    body = "" if payload is None else json.dumps(payload, ensure_ascii=False, default=str)
    response = Response(body, status=status, headers=dict(SECURITY_HEADERS, **(headers or {})))
    if payload is not None:
        response.headers["Content-Type"] = JSON_TYPE
    return response


def error_response(error):
    return json_response(error.body(), error.status, error.headers)


def file_response(content, filename, mimetype):
    """A download: the filename is given both plainly (ASCII fallback) and as UTF-8."""
    from urllib.parse import quote
    ascii_name = filename.encode("ascii", "replace").decode("ascii").replace("?", "_")
    disposition = "attachment; filename=\"{}\"; filename*=UTF-8''{}".format(
        ascii_name.replace('"', ""), quote(filename))
    return Response(content, status=200, mimetype=mimetype,
                    headers=dict(SECURITY_HEADERS, **{"Content-Disposition": disposition}))


def read_body(request, limit_bytes):
    """The request body, at most `limit_bytes` (413 beyond, whether announced by
    Content-Length or only found while reading a chunked body)."""
    if request.content_length is not None and request.content_length > limit_bytes:
        raise errors.PayloadTooLarge(detail={"limit_bytes": limit_bytes})
    if request.content_length is None and "chunked" in request.headers.get(
            "Transfer-Encoding", "").lower():
        # werkzeug reads a body without Content-Length as empty; the server decodes chunks
        data = request.environ["wsgi.input"].read(limit_bytes + 1)
    else:
        data = request.stream.read(limit_bytes + 1)
    if len(data) > limit_bytes:
        raise errors.PayloadTooLarge(detail={"limit_bytes": limit_bytes})
    return data


class ApiWsgiApp(WsgiApp):
    def __call__(self, environ, start_response):
        request = Request(environ, shallow=True)
        adapter = self.url_map.bind_to_environ(environ)
        try:
            provider, values = adapter.match()
            request.path_values = values
            response = provider.handle_request(request)
        except HTTPException as exc:
            error = errors.from_http_exception(exc)
            metrics.observe("unmatched", request.method, error.status, 0.0, error.code)
            response = error_response(error)
        return response(environ, start_response)


class ApiServer(WebServer):
    """nameko's WebServer answering in our error body; ids in paths use `<id:name>`."""

    def get_wsgi_app(self):
        return ApiWsgiApp(self)

    def make_url_map(self):
        url_map = Map(converters=CONVERTERS, strict_slashes=False)
        for provider in self._providers:
            rule = provider.get_url_rule()
            rule.endpoint = provider
            url_map.add(rule)
        return url_map


class Endpoint(HttpRequestHandler):
    """One route of the table. The worker gets (request, route_name, path values) and must
    answer with a werkzeug Response; nothing escapes as nameko's plain-text 500."""

    server = ApiServer()

    def __init__(self, route_name, method, url, **kwargs):
        self.route_name = route_name
        super().__init__(method, url, **kwargs)

    def get_url_rule(self):
        return Rule(self.url, methods=[self.method])

    def handle_request(self, request):
        request.shallow = False
        event = Event()
        try:
            self.container.spawn_worker(
                self, (request, self.route_name, dict(request.path_values)), {},
                context_data={}, handle_result=partial(self.handle_result, event))
            result = event.wait()
        except ContainerBeingKilled:
            return error_response(errors.Unavailable(message="网关正在重启，请稍后再试"))
        except Exception:  # the worker itself failed: still our body, with a reference
            reference = errors.new_reference()
            log.exception("gateway_worker_failed", route=self.route_name, reference=reference)
            return error_response(errors.Internal(reference=reference))
        return result


def endpoints(routes):
    """Decorator registering one Endpoint per route on a service method."""
    from nameko.extensions import register_entrypoint

    def decorate(fn):
        for route in routes:
            register_entrypoint(fn, Endpoint(route.name, route.method, route.path))
        return fn
    return decorate
