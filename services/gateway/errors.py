"""One error body for every HTTP answer that is not a success:

    {"code": "validation_failed", "message": "提交的内容有误，未做任何修改",
     "errors": [{"field": "name", "code": "required", "message": "必填项不能为空"}],
     "reference": "3f2a…"}            # errors and reference only when there are some

`code` is stable (programs branch on it), `message` is for people (zh-CN), the HTTP status
fits the case. Backend services raise carekit errors; they arrive as nameko RemoteErrors and
are mapped here, with their codes and field errors kept.
"""
import uuid

from carekit.errors import CareError, ValidationFailed, parse_remote_error

# a backend's carekit error class -> HTTP status
_REMOTE_STATUS = {"ValidationFailed": 422, "NotFound": 404, "Conflict": 409}


class ApiError(CareError):
    """A carekit error with what HTTP needs besides: a status, headers, a log reference."""
    status = 400
    code = "bad_request"
    message = "请求有误"

    def __init__(self, message=None, code=None, status=None, errors=None, headers=None,
                 reference=None, detail=None):
        self.status = status or self.status
        self.headers = headers or {}
        self.reference = reference
        super().__init__(message=message, code=code, errors=errors, **(detail or {}))

    def body(self):
        out = self.to_dict()
        if self.reference:
            out["reference"] = self.reference
        return out


class BadRequest(ApiError):
    status, code, message = 400, "bad_request", "请求有误"


class Unauthenticated(ApiError):
    status, code, message = 401, "unauthenticated", "请先登录"


class Forbidden(ApiError):
    status, code, message = 403, "forbidden", "没有权限进行此操作"


class NotFound(ApiError):
    status, code, message = 404, "not_found", "找不到该记录"


class Conflict(ApiError):
    status, code, message = 409, "conflict", "与现有记录冲突"


class PayloadTooLarge(ApiError):
    status, code, message = 413, "payload_too_large", "提交的内容太大"


class UnsupportedMediaType(ApiError):
    status, code, message = 415, "unsupported_media_type", "不支持的内容类型"


class Invalid(ApiError, ValidationFailed):
    """carekit's ValidationFailed (from_marshmallow, single) as an HTTP 422."""
    status, code, message = 422, ValidationFailed.code, ValidationFailed.message


class TooManyRequests(ApiError):
    status, code, message = 429, "too_many_requests", "尝试次数太多，请稍后再试"

    def __init__(self, retry_after_seconds, **kwargs):
        kwargs.setdefault("headers", {})["Retry-After"] = str(max(1, int(retry_after_seconds)))
        super().__init__(**kwargs)


class Internal(ApiError):
    status, code, message = 500, "internal_error", "服务器内部错误，请稍后再试或联系管理员"


class UpstreamError(ApiError):
    status, code, message = 502, "upstream_error", "后台服务出错，请稍后再试或联系管理员"


class Unavailable(ApiError):
    status, code, message = 503, "service_unavailable", "后台服务暂时不可用，请稍后再试"


class UpstreamTimeout(ApiError):
    status, code, message = 504, "upstream_timeout", "后台服务响应超时，请稍后再试"


def new_reference():
    """What a person quotes to the administrator; the log line carries the same value."""
    return uuid.uuid4().hex[:12]


def from_remote(remote_error):
    """A backend's RemoteError -> ApiError. A carekit error keeps its code, message and
    field errors; anything else is the backend's fault (502) and its text is not shown."""
    body = parse_remote_error(remote_error)
    status = _REMOTE_STATUS.get(getattr(remote_error, "exc_type", None))
    if body is None or status is None:
        return None
    return ApiError(message=body.get("message"), code=body.get("code"), status=status,
                    errors=body.get("errors") or [])


def from_http_exception(exc):
    """werkzeug's own answers (no such route, wrong method) in our body."""
    if exc.code == 404:
        return NotFound(message="没有这个地址", code="no_such_route")
    if exc.code == 405:
        return ApiError(status=405, code="method_not_allowed", message="该地址不支持此请求方法",
                        headers={"Allow": ", ".join(getattr(exc, "valid_methods", None) or [])})
    if exc.code == 413:
        return PayloadTooLarge()
    return ApiError(status=exc.code or 400, code="bad_request", message="请求有误")
