"""RPC input of the bureau webhooks (notifications to other bureaus)."""
from urllib.parse import urlparse

from marshmallow import Schema, ValidationError, fields, validate, validates

from carekit.bureaus.broker import BUREAU_NAME
from carekit.errors import invalid
from carekit.rpc import Text

# \Z, not $: `$` also matches before a final newline
_bureau = dict(required=True, validate=validate.Regexp(BUREAU_NAME.pattern + r"\Z"))
EVENT_ID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\Z"
PAGE = 100


class WebhookSchema(Schema):
    bureau = fields.String(**_bureau)
    url = Text(required=True, min_length=10, max_length=500)
    generation = fields.Integer(required=True, strict=True,
                                validate=validate.Range(min=1, max=2 ** 53))

    def __init__(self, *args, allow_http=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.allow_http = allow_http

    @validates("url")
    def _endpoint(self, value, **kwargs):
        parsed = urlparse(value)
        schemes = ("https", "http") if self.allow_http else ("https",)
        if parsed.scheme not in schemes or not parsed.hostname or parsed.username \
                or parsed.password or parsed.fragment:
            raise invalid("bad_endpoint", "回调地址应为 https://主机/路径（不含用户名、密码）")


class BureauSchema(Schema):
    bureau = fields.String(**_bureau)


class ParkedPageSchema(Schema):
    bureau = fields.String(**_bureau)
    after = fields.String(load_default=None, allow_none=True,
                          validate=validate.Regexp(r"[0-9]{20}:[0-9a-f-]{36}\Z"))
    limit = fields.Integer(load_default=PAGE, strict=True, validate=validate.Range(min=1,
                                                                                  max=PAGE))


class RequeueSchema(Schema):
    bureau = fields.String(**_bureau)
    ids = fields.List(fields.String(validate=validate.Regexp(EVENT_ID)), load_default=None,
                      allow_none=True, validate=validate.Length(min=1, max=1000))


__all__ = ["WebhookSchema", "BureauSchema", "ParkedPageSchema", "RequeueSchema",
           "ValidationError"]
