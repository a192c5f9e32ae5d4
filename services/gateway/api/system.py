"""Health, metrics, the OpenAPI document and its browsable page (Swagger UI served from
this process: nothing is loaded from the internet)."""
import os

import eventlet
import swagger_ui_bundle
from nameko.exceptions import RemoteError
from werkzeug.wrappers import Response

from gateway import errors, metrics, openapi, web
from gateway.authorisation import PUBLIC
from gateway.routing import HTML, route

TAG = "系统"
HEALTH_TIMEOUT_SECONDS = 5
HERE = os.path.dirname(os.path.abspath(__file__))
STATIC = os.path.join(os.path.dirname(HERE), "static")
ASSETS = {  # name -> (folder, content type)
    "swagger-ui.css": (swagger_ui_bundle.swagger_ui_path, "text/css; charset=utf-8"),
    "swagger-ui-bundle.js": (swagger_ui_bundle.swagger_ui_path,
                             "application/javascript; charset=utf-8"),
    "favicon-32x32.png": (swagger_ui_bundle.swagger_ui_path, "image/png"),
    "docs-init.js": (STATIC, "application/javascript; charset=utf-8"),
}
DOCS_CSP = ("default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
            "script-src 'self'; connect-src 'self'; frame-ancestors 'none'")


def health(call):
    """Broker and every service's `health` RPC, each within a bound; 503 when one is down."""
    report, healthy = {}, True
    calls = {}
    for service, proxy in call.deps.proxies.items():
        try:
            calls[service] = proxy.health.call_async()
        except Exception as exc:  # broker unreachable: nothing was even sent
            calls[service] = exc
    for service, pending in calls.items():
        try:
            if isinstance(pending, Exception):
                raise pending
            with eventlet.Timeout(HEALTH_TIMEOUT_SECONDS):
                report[service] = pending.result()
        except (RemoteError, eventlet.Timeout, Exception) as exc:  # down, whatever the cause
            healthy = False
            report[service] = {"status": "down", "error": type(exc).__name__}
    return web.json_response({"status": "ok" if healthy else "degraded", "services": report},
                             200 if healthy else 503)


def prometheus(call):
    body, content_type = metrics.exposition()
    return Response(body, status=200, content_type=content_type)


def openapi_document(call):
    from gateway.api import ROUTES
    return openapi.document(tuple(ROUTES))


def asyncapi_document(call):
    """The contract of the de-identified stream for other bureaus (carekit.bureaus)."""
    from carekit.bureaus import asyncapi
    return web.json_response(asyncapi.document())


def docs_page(call):
    page = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>关爱留守儿童 API 文档</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="/api/docs/assets/swagger-ui.css">
<link rel="icon" href="/api/docs/assets/favicon-32x32.png"></head>
<body><div id="swagger-ui"></div>
<script src="/api/docs/assets/swagger-ui-bundle.js"></script>
<script src="/api/docs/assets/docs-init.js"></script></body></html>"""
    return Response(page, status=200, content_type="text/html; charset=utf-8",
                    headers=dict(web.SECURITY_HEADERS, **{"Content-Security-Policy": DOCS_CSP}))


def docs_asset(call):
    name = call.path["asset"]
    if name not in ASSETS:
        raise errors.NotFound(message="没有该文件")
    folder, content_type = ASSETS[name]
    with open(os.path.join(folder, name), "rb") as handle:
        content = handle.read()
    headers = dict(web.SECURITY_HEADERS, **{"Cache-Control": "public, max-age=86400"})
    return Response(content, status=200, content_type=content_type, headers=headers)


_plain = dict(extra={"documented": False})
ROUTES = [
    route("health", "GET", "/health", PUBLIC, health, "健康检查（消息代理和各服务）", TAG,
          response=None, **_plain),
    route("metrics", "GET", "/metrics", PUBLIC, prometheus, "Prometheus 指标", TAG, **_plain),
    route("openapi", "GET", "/api/openapi.json", PUBLIC, openapi_document, "OpenAPI 文档", TAG,
          **_plain),
    route("asyncapi", "GET", "/api/asyncapi.json", PUBLIC, asyncapi_document,
          "其他部门订阅的公开事件流 AsyncAPI 文档", TAG, **_plain),
    route("docs", "GET", "/api/docs", PUBLIC, docs_page, "API 文档页面", TAG, produces=(HTML,),
          **_plain),
    route("docs_asset", "GET", "/api/docs/assets/<asset:asset>", PUBLIC, docs_asset,
          "API 文档页面的静态文件", TAG, **_plain),
]
