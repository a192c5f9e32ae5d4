"""RPC arguments through a schema, and internal errors that do not leak (issue 9 §5).

`@validated(name=field_or_schema, ...)` under `@rpc` loads every argument of the method
before it runs:

- a marshmallow *field* for a scalar or a list (`Id()`, `Text()`, `fields.Integer(...)`):
  errors are named by the argument (`child_id`);
- a marshmallow *schema* for a payload dict: errors are named by the payload's own fields
  (`guardian.phone`), the names every caller already knows.

What the schema accepted, `screen` then walks in its raw form: no key starting with `$` or holding a dot or
NUL (MongoDB operators and paths), no text that is not valid UTF-8 (a lone surrogate is what
invalid UTF-8 becomes after JSON), at most MAX_DEPTH levels, MAX_ITEMS entries per list or
dict. A dict where a scalar belongs, or the reverse, is refused by the field itself: `Id` and
`Text` take `str` only.

`rpc` is nameko's entrypoint with two changes: an exception that is not a CareError answers
`internal_error` with a reference (the error's text stays in the log line carrying the same
reference), and a call with the wrong arguments answers `validation_failed`.
"""
import functools
import inspect
import re
import sys
import uuid

from marshmallow import Schema, ValidationError, fields
from nameko.exceptions import IncorrectSignature, MalformedRequest
from nameko.rpc import Rpc

from carekit.errors import CareError, ValidationFailed, flatten, invalid
from carekit.logs import get_logger

log = get_logger(__name__)

MAX_DEPTH = 8
MAX_ITEMS = 1000
MAX_KEY_LENGTH = 64
ID_SHAPE = re.compile(r"[0-9A-Za-z_-]{1,64}")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_CONTROL_OR_NEWLINE = re.compile(r"[\x00-\x1f\x7f]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")


class InternalError(CareError):
    """What a caller sees of a bug or an outage: a code, and the reference of the log line."""

    code = "internal_error"
    message = "服务内部出错，请稍后重试；如仍出错，请把参考编号告诉管理员"


# -- fields ----------------------------------------------------------------------------------
class Text(fields.String):
    """A `str` (nothing else), blanks around removed, at most `max_length` characters, no
    control characters (newlines and tabs only where `multiline`), valid UTF-8."""

    def __init__(self, max_length=200, multiline=False, min_length=0, **kwargs):
        super().__init__(**kwargs)
        self.max_length, self.min_length, self.multiline = max_length, min_length, multiline

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str):
            raise invalid("not_string", "应为文字")
        if len(value) > self.max_length:
            raise invalid("too_long", "太长（最多{}字）".format(self.max_length))
        if _SURROGATE.search(value):
            raise invalid("bad_text", "含有无效字符（不是有效的 UTF-8）")
        if (_CONTROL if self.multiline else _CONTROL_OR_NEWLINE).search(value):
            raise invalid("bad_text", "含有控制字符")
        text = value.strip()
        if len(text) < self.min_length:
            raise invalid("too_short", "太短（至少{}字）".format(self.min_length))
        return text


class Id(fields.String):
    """An id as the services hand them out: 1-64 letters, digits, `-` or `_`."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str) or not ID_SHAPE.fullmatch(value):
            raise invalid("bad_id", "编号格式不对")
        return value


class Limit(fields.Integer):
    """A page size: an integer (not a boolean) from 1 to `most`."""

    def __init__(self, most=500, **kwargs):
        kwargs.setdefault("load_default", 100)
        super().__init__(strict=True, **kwargs)
        self.most = most

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= self.most:
            raise invalid("bad_limit", "每页条数应为1至{}的整数".format(self.most))
        return value


class Whole(fields.Integer):
    """An integer: not a boolean, not 3.5; digits as text too (a query string the gateway
    forwards as sent)."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool) or not (
                isinstance(value, int) or
                isinstance(value, str) and re.fullmatch(r"-?[0-9]{1,9}", value)):
            raise invalid("not_integer", "应为整数")
        return super()._deserialize(value, attr, data, **kwargs)


class Cursor(Text):
    def __init__(self, **kwargs):
        kwargs.setdefault("load_default", None)
        kwargs.setdefault("allow_none", True)
        super().__init__(max_length=400, **kwargs)


class Strict(fields.Boolean):
    """true or false, nothing else."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, bool):
            raise invalid("not_boolean", "应为 true 或 false")
        return value


# -- the screen ------------------------------------------------------------------------------
def screen(value, path=(), depth=0):
    """Problems of a raw argument no schema should ever see: [{'field', 'code', 'message'}]."""
    name = ".".join(map(str, path)) or "_schema"
    if depth > MAX_DEPTH:
        return [{"field": name, "code": "too_deep", "message": "嵌套层数太多"}]
    if isinstance(value, str):
        if _SURROGATE.search(value):
            return [{"field": name, "code": "bad_text",
                     "message": "含有无效字符（不是有效的 UTF-8）"}]
        return []
    if isinstance(value, (list, tuple)):
        if len(value) > MAX_ITEMS:
            return [{"field": name, "code": "too_many", "message": "条目太多"}]
        found = []
        for index, item in enumerate(value):
            found += screen(item, path + (index,), depth + 1)
        return found
    if isinstance(value, dict):
        if len(value) > MAX_ITEMS:
            return [{"field": name, "code": "too_many", "message": "条目太多"}]
        found = []
        for key, item in value.items():
            where = path + (key,)
            if not isinstance(key, str) or key.startswith("$") or "." in key or \
                    "\x00" in key or len(key) > MAX_KEY_LENGTH or _SURROGATE.search(key):
                found.append({"field": ".".join(map(str, where)), "code": "bad_key",
                              "message": "不认识的字段"})
                continue
            found += screen(item, where, depth + 1)
        return found
    return []


# -- loading the arguments -------------------------------------------------------------------
def _schema_of(spec):
    return spec() if isinstance(spec, type) and issubclass(spec, Schema) else spec


def load_arguments(spec, values):
    """{argument: value} -> {argument: loaded}; ValidationFailed naming every bad field.

    The schema speaks first (its errors are the precise ones); what it let through is then
    screened, so a lenient schema (unknown keys excluded, a free-form field) cannot carry
    an operator or invalid text into the service."""
    loaded, errors, scalars = {}, [], {}
    for name, value in values.items():
        rule = _schema_of(spec[name])
        if not isinstance(rule, Schema):
            scalars[name] = value
        elif value is not None and not isinstance(value, dict):
            errors.append({"field": name, "code": "not_object", "message": "应为对象"})
        else:
            try:
                loaded[name] = rule.load(value or {})
                errors += screen(value)
            except ValidationError as exc:
                errors += flatten(exc.messages)
    if scalars:
        try:
            loaded.update(Schema.from_dict({n: spec[n] for n in scalars})().load(scalars))
            for name, value in scalars.items():
                errors += screen(value, (name,))
        except ValidationError as exc:
            errors += flatten(exc.messages)
    if errors:
        raise ValidationFailed(errors=sorted(errors, key=lambda e: (e["field"], e["code"])))
    return loaded


def validated(**spec):
    """Load each argument of the decorated RPC method through `spec[name]` before it runs."""
    def decorate(method):
        signature = inspect.signature(method)
        missing = set(signature.parameters) - {"self"} - set(spec)
        if missing:
            raise TypeError("{}: no rule for {}".format(method.__name__, sorted(missing)))

        @functools.wraps(method)
        def wrapper(self, *args, **kwargs):
            try:
                bound = signature.bind(self, *args, **kwargs)
            except TypeError:  # nameko checks the wrapper's (*args, **kwargs) only
                raise ValidationFailed.single("_arguments", "bad_arguments",
                                              "调用参数不对（参数名或个数）")
            bound.apply_defaults()
            values = {k: v for k, v in bound.arguments.items() if k != "self"}
            return method(self, **load_arguments(spec, values))
        wrapper.rpc_arguments = spec
        return wrapper
    return decorate


# -- the entrypoint ---------------------------------------------------------------------------
def _exc_info(exc):
    try:
        raise exc
    except CareError:
        return sys.exc_info()


def answerable(exc_info, entrypoint=""):
    """exc_info of a failed call -> exc_info a caller may see (CareErrors pass unchanged)."""
    if exc_info is None or isinstance(exc_info[1], CareError):
        return exc_info
    reference = uuid.uuid4().hex
    # the text and the traceback stay here, in the log line the reference names
    log.error("rpc_internal_error", reference=reference, entrypoint=entrypoint,
              error_type=type(exc_info[1]).__name__, exc_info=exc_info)
    return _exc_info(InternalError(reference=reference))


class CareRpc(Rpc):
    """nameko's Rpc: CareErrors pass, anything else answers `internal_error` + reference."""

    def handle_message(self, body, message):
        try:
            super().handle_message(body, message)
        except (IncorrectSignature, MalformedRequest):
            error = ValidationFailed.single("_arguments", "bad_arguments",
                                            "调用参数不对（参数名或个数）")
            self.rpc_consumer.handle_result(message, None, _exc_info(error))

    def handle_result(self, message, worker_ctx, result, exc_info):
        exc_info = answerable(exc_info, self.method_name)
        return super().handle_result(message, worker_ctx, result, exc_info)


rpc = CareRpc.decorator
