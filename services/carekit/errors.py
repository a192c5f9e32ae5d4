"""Errors that cross a service boundary: stable code for programs, Chinese message for people.

Field problems come from marshmallow. Validators of ours raise `invalid(code, message)`;
marshmallow's own messages are mapped to codes here, so every error has both.
"""
import json
import re

from marshmallow import ValidationError

_SEPARATOR = "|"

# marshmallow's built-in messages (by prefix) -> (stable code, Chinese message)
_BUILTIN = [
    ("Missing data for required field", "required", "必填项不能为空"),
    ("Field may not be null", "null", "不能为空值"),
    ("Unknown field", "unknown_field", "不认识的字段"),
    ("Not a valid integer", "not_integer", "应为整数"),
    ("Not a valid number", "not_number", "应为数字"),
    ("Not a valid string", "not_string", "应为文字"),
    ("Not a valid boolean", "not_boolean", "应为是或否"),
    # datetime before date: matching is by prefix
    ("Not a valid datetime", "not_datetime", "时间格式不对，应为 ISO 8601"),
    ("Not a valid date", "not_date", "日期格式不对，应为 YYYY-MM-DD"),
    ("Not a valid UUID", "not_uuid", "编号格式不对"),
    ("Not a valid list", "not_list", "应为列表"),
    ("Invalid input type", "invalid_type", "类型不对"),
    ("Not a valid mapping type", "not_object", "应为对象"),
    ("Invalid value", "invalid_value", "取值不对"),
    ("Must be one of", "not_allowed", "取值不在允许范围内"),
    ("Must be greater than or equal to", "too_small", "数值太小"),
    ("Must be less than or equal to", "too_large", "数值太大"),
    ("Must be greater than", "too_small", "数值太小"),
    ("Must be less than", "too_large", "数值太大"),
    ("Shorter than minimum length", "too_short", "太短"),
    ("Longer than maximum length", "too_long", "太长"),
    ("Length must be", "bad_length", "长度不对"),
    ("String does not match expected pattern", "bad_format", "格式不对"),
    ("Not a valid email address", "bad_email", "邮箱格式不对"),
    ("Not a valid URL", "bad_url", "网址格式不对"),
]


_BETWEEN = re.compile(r"^Must be greater than (?:or equal to )?(\S+) and less than "
                      r"(?:or equal to )?(\S+?)\.?$")


def invalid(code, message):
    """A ValidationError for a field, carrying a stable code and a Chinese message."""
    return ValidationError("{}{}{}".format(code, _SEPARATOR, message))


def _describe(raw):
    raw = str(raw)
    if _SEPARATOR in raw:
        code, message = raw.split(_SEPARATOR, 1)
        return code, message
    between = _BETWEEN.match(raw)  # a Range with both ends: not "too small" either way
    if between:
        return "out_of_range", "数值应在 {} 到 {} 之间".format(*between.groups())
    for prefix, code, message in _BUILTIN:
        if raw.startswith(prefix):
            return code, "{}（{}）".format(message, raw) if code == "not_allowed" else message
    return "invalid", raw


def flatten(messages, path=""):
    """marshmallow's nested messages -> [{'field': 'a.b.0.c', 'code', 'message'}], sorted."""
    problems = []
    if isinstance(messages, dict):
        for key, value in messages.items():
            child = "{}.{}".format(path, key) if path else str(key)
            if key == "_schema":
                child = path or "_schema"
            problems.extend(flatten(value, child))
    elif isinstance(messages, (list, tuple)):
        for item in messages:
            problems.extend(flatten(item, path))
    else:
        code, message = _describe(messages)
        problems.append({"field": path or "_schema", "code": code, "message": message})
    return sorted(problems, key=lambda p: (p["field"], p["code"]))


class CareError(Exception):
    """Base of errors returned to callers: `code` is stable, `message` is for people (zh-CN)."""

    code = "error"
    message = "出错了"

    def __init__(self, message=None, code=None, errors=None, **detail):
        self.code = code or self.code
        self.message = message or self.message
        self.errors = errors or []
        self.detail = detail
        super().__init__(self.to_json())

    def to_dict(self):
        body = {"code": self.code, "message": self.message}
        if self.errors:
            body["errors"] = self.errors
        if self.detail:
            body["detail"] = self.detail
        return body

    def to_json(self):
        return json.dumps(self.to_dict(), ensure_ascii=False, sort_keys=True, default=str)


class ValidationFailed(CareError):
    """Input was refused; `errors` names every field and why. Nothing was changed."""

    code = "validation_failed"
    message = "提交的内容有误，未做任何修改"

    @classmethod
    def from_marshmallow(cls, exc, prefix=""):
        return cls(errors=flatten(exc.messages, prefix))

    @classmethod
    def single(cls, field, code, message):
        return cls(errors=[{"field": field, "code": code, "message": message}])


class NotFound(CareError):
    code = "not_found"
    message = "找不到该记录"


class Conflict(CareError):
    code = "conflict"
    message = "与现有记录冲突"


def load_or_raise(schema, data, **kwargs):
    """schema.load, with marshmallow's error turned into ValidationFailed."""
    try:
        return schema.load(data, **kwargs)
    except ValidationError as exc:
        raise ValidationFailed.from_marshmallow(exc)


def parse_remote_error(remote_error):
    """A nameko RemoteError raised by a CareError on the other side -> its dict, or None."""
    value = getattr(remote_error, "value", None) or ""
    try:
        body = json.loads(value)
    except (TypeError, ValueError):
        return None
    return body if isinstance(body, dict) and "code" in body else None
