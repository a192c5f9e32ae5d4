"""A route of the table: method, path, rule, input and output schemas, handler.

Paths use werkzeug syntax with the `id` converter for ids (`/api/children/<id:child_id>`);
the OpenAPI document, the role × route test and the dispatcher all read the same Route."""
from dataclasses import dataclass, field
from typing import Callable, Optional

from gateway.authorisation import Rule

JSON, PDF, XLSX, CSV, TEXT, HTML, ANY = (
    "application/json", "application/pdf",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "text/csv",
    "text/plain", "text/html", "*/*")
DOCX_TYPES = ("application/vnd.openxmlformats-officedocument.wordprocessingml.document",)


@dataclass(frozen=True)
class Route:
    name: str                      # stable: operationId, metrics label, audit `route`
    method: str
    path: str
    rule: Rule
    handler: Callable
    summary: str                   # for people (zh-CN), shown in the API page
    tag: str
    body: Optional[type] = None    # marshmallow schema of a JSON body
    query: Optional[type] = None   # marshmallow schema of the query string
    response: Optional[type] = None
    many: bool = False             # response is a page {items: [response], next_cursor}
    status: int = 200
    audit: bool = False            # reads or changes a child's data
    produces: tuple = (JSON,)
    upload: bool = False           # body may be a file (multipart/form-data)
    description: str = ""
    mounted: bool = True           # False: its service RPCs are not there yet (pending)
    extra: dict = field(default_factory=dict)


def route(name, method, path, rule, handler, summary, tag, **kwargs):
    return Route(name=name, method=method, path=path, rule=rule, handler=handler,
                 summary=summary, tag=tag, **kwargs)


def openapi_path(path):
    """/api/children/<id:child_id> -> /api/children/{child_id}"""
    import re
    return re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", path)


def path_params(path):
    import re
    return re.findall(r"<(?:[a-z]+:)?([a-z_]+)>", path)
