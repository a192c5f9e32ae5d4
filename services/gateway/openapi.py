"""The OpenAPI 3 document, generated with apispec from the route table and the same
marshmallow schemas that validate requests (served at /api/openapi.json, browsable at
/api/docs)."""
import functools
import warnings

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin

from gateway import views, web
from gateway.routing import JSON, openapi_path

TITLE = "关爱留守儿童 county care network API"
DESCRIPTION = """县教育局、学校、教师和代理家长使用的接口（JSON）。

- 登录：`POST /api/session`（浏览器会话 Cookie + `csrf_token`，修改类请求须带 `X-CSRF-Token` 头），
  或程序使用 `Authorization: Bearer <令牌>`（`POST /api/tokens` 创建）。
- 错误：统一格式 `{code, message, errors[{field, code, message}]}`；`code` 稳定，`message` 为中文。
- 身份证号和电话默认遮蔽；每次查看或修改儿童信息都记入审计日志。
"""
_PREFIX = {"gateway": "", "registry": "Registry", "pairing": "Pairing",
           "activities": "Activities"}


def schema_name(schema):
    cls = schema if isinstance(schema, type) else type(schema)
    prefix = _PREFIX.get(cls.__module__.split(".")[0], "")
    name = prefix + cls.__name__.removesuffix("Schema")
    if not isinstance(schema, type):
        if schema.partial:
            name += "Partial"
        if schema.exclude or schema.only:
            name += "Part"
    return name


def _path_parameters(route):
    import re
    out = []
    for converter, name in re.findall(r"<(?:([a-z]+):)?([a-z_]+)>", route.path):
        pattern = web.PATTERNS.get(converter or "", r"[^/]+")
        out.append({"in": "path", "name": name, "required": True,
                    "schema": {"type": "string", "pattern": "^{}$".format(pattern)}})
    return out


def _request_body(route):
    content = {}
    if route.body is not None:
        content[JSON] = {"schema": route.body}
    if route.upload:
        form = route.extra["form"]
        content["multipart/form-data"] = {"schema": {
            "type": "object", "required": ["file"],
            "properties": dict({"file": {"type": "string", "format": "binary",
                                         "description": ".xlsx 或 .csv"}},
                               **{name: {"type": "string"} for name in form._declared_fields})}}
    return {"required": True, "content": content}


def _success(route):
    status = str(route.status)
    if route.status == 204:
        return {status: {"description": "完成"}}
    if route.produces != (JSON,):
        return {status: {"description": "文件下载", "content": {
            mime: {"schema": {"type": "string", "format": "binary"}} for mime in route.produces}}}
    schema = route.response or views.Object
    if route.many:
        schema = _page(schema)
    return {status: {"description": "成功", "content": {JSON: {"schema": schema}}}}


@functools.lru_cache(maxsize=None)
def _page(item_schema):
    return views.page_of(item_schema)


def operation(route):
    op = {"operationId": route.name, "summary": route.summary, "tags": [route.tag],
          "description": "\n\n".join(filter(None, [route.rule.describe(), route.description])),
          "parameters": _path_parameters(route),
          "responses": dict(_success(route), default={
              "description": "错误（统一格式；状态码见说明）",
              "content": {JSON: {"schema": "Error"}}})}
    if route.query is not None:
        op["parameters"].append({"in": "query", "schema": route.query})
    if route.body is not None or route.upload:
        op["requestBody"] = _request_body(route)
    op["security"] = [] if route.rule.public else [{"session": []}, {"bearer": []}]
    return op


_DOCUMENTS = {}


def document(routes, version="1.0.0"):
    """The spec as a dict (built once per route table and process)."""
    key = (tuple(r.name for r in routes), version)
    if key not in _DOCUMENTS:
        _DOCUMENTS[key] = _build(routes, version)
    return _DOCUMENTS[key]


def _build(routes, version):
    spec = APISpec(title=TITLE, version=version, openapi_version="3.0.3",
                   plugins=[MarshmallowPlugin(schema_name_resolver=schema_name)],
                   info={"description": DESCRIPTION})
    spec.components.security_scheme("session", {"type": "apiKey", "in": "cookie",
                                                "name": "care_session"})
    spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    spec.components.schema("Error", schema=views.Error)
    paths = {}
    for route in routes:
        if route.mounted and route.path.startswith("/api/") and route.extra.get("documented", True):
            paths.setdefault(openapi_path(route.path), {})[route.method.lower()] = \
                operation(route)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # two schemas under one name would be a silent error
        for path, operations in paths.items():
            spec.path(path=path, operations=operations)
    return _json_numbers(spec.to_dict())


def _json_numbers(value):
    """Decimal bounds (an amount in yuan) as JSON numbers."""
    import decimal
    if isinstance(value, dict):
        return {k: _json_numbers(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_json_numbers(v) for v in value]
    if isinstance(value, decimal.Decimal):
        return float(value)
    return value
