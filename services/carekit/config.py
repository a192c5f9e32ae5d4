"""Every setting a service reads, from environment variables, validated in one place.

A service refuses to start when a setting is missing or malformed, and the error names it.
Development defaults (the development keys, the broker's guest:guest) serve only where
CARE_ENV says `development` or `test`: a service started without CARE_ENV, or with
`production`, refuses to start while a secret is missing or is a development one, naming it.
"""
import base64
import binascii
import os
from urllib.parse import urlparse

from marshmallow import Schema, ValidationError, fields, validate, validates, EXCLUDE

SERVICE_NAMES = ("registry", "pairing", "activities", "notifications", "reporting", "gateway")

# Only these services hold national ID numbers and phone numbers (encrypted at rest).
PII_HOLDERS = ("registry",)

# Only for a developer's machine (CARE_ENV=development or test); refused anywhere else.
DEVELOPMENT_PII_KEY = base64.urlsafe_b64encode(b"care-network-dev-only-not-secret").decode()
DEVELOPMENT_PII_HASH_KEY = "care-network-dev-only-pii-lookup-hash-key"
DEVELOPMENT_ENVS = ("development", "test")
DEFAULT_AMQP_URI = "amqp://guest:guest@127.0.0.1:5672//"

# Services whose events have public forms for other bureaus (carekit.events.public): they hold
# the county's pseudonym key. The notifications service alone signs webhooks to bureaus.
PUBLIC_STREAM_PUBLISHERS = ("registry", "pairing", "activities")
WEBHOOK_SENDERS = ("notifications",)
DEVELOPMENT_PUBLIC_STREAM_KEY = "care-network-dev-only-public-stream-key"
DEVELOPMENT_WEBHOOK_SIGNING_KEY = "care-network-dev-only-webhook-signing-key"


class ConfigError(Exception):
    """A setting is missing or malformed; the message names it."""


def _uri_with_scheme(*schemes):
    def check(value):
        parsed = urlparse(value)
        if parsed.scheme not in schemes or not parsed.hostname:
            raise ValidationError(
                "must be a URI like {}://host[:port]/...".format(schemes[0]))
    return check


def _positive_list(cast, unit, example):
    """A validator of comma-separated positive delays (`cast` each, in `unit`)."""
    def check(value):
        try:
            delays = [cast(part) for part in value.split(",") if part.strip()]
        except ValueError:
            raise ValidationError("must be comma-separated {}, e.g. {}".format(unit, example))
        if not delays or any(d <= 0 for d in delays):
            raise ValidationError("must list at least one positive delay in {}".format(unit))
    return check


_delays = _positive_list(int, "milliseconds", "1000,5000,30000")
_seconds_list = _positive_list(float, "seconds", "60,300,1800")


class _Optional(fields.String):
    """A setting that may be left empty (compose passes `${VAR:-}` as ""): empty is None."""

    def deserialize(self, value, attr=None, data=None, **kwargs):
        return super().deserialize(None if value == "" else value, attr, data, **kwargs)


class SettingsSchema(Schema):
    """Environment variable name -> validated value. Defaults suit a developer machine."""

    class Meta:
        unknown = EXCLUDE

    # unset: treated like production (no development default is used)
    CARE_ENV = fields.String(load_default=None, allow_none=True,
                             validate=validate.OneOf(["development", "test", "production"]))
    AMQP_URI = fields.String(load_default=DEFAULT_AMQP_URI,
                             validate=_uri_with_scheme("amqp", "amqps", "pyamqp"))
    MONGO_URI = fields.String(load_default="mongodb://127.0.0.1:27017/",
                              validate=_uri_with_scheme("mongodb", "mongodb+srv"))
    MONGO_DATABASE = fields.String(load_default=None, allow_none=True,
                                   validate=validate.Regexp(r"^[A-Za-z0-9_-]{1,60}$"))
    # the registry's keys: encryption keys newest first (comma-separated), the lookup hash key
    PII_ENCRYPTION_KEY = _Optional(load_default=None, allow_none=True)
    PII_HASH_KEY = _Optional(load_default=None, allow_none=True,
                             validate=validate.Length(min=32, max=512))
    PII_CIPHER = fields.String(load_default="fernet",
                               validate=validate.OneOf(["fernet", "sm4-gcm"]))
    LOG_LEVEL = fields.String(load_default="INFO",
                              validate=validate.OneOf(["DEBUG", "INFO", "WARNING", "ERROR"]))
    EVENT_RETRY_DELAYS_MS = fields.String(load_default="1000,5000,30000", validate=_delays)
    OUTBOX_POLL_SECONDS = fields.Float(load_default=1.0, validate=validate.Range(min=0.01, max=60))
    OUTBOX_BATCH_SIZE = fields.Integer(load_default=200, validate=validate.Range(min=1, max=5000))
    SUBSCRIBER_MODULES = fields.String(load_default="")
    MAX_WORKERS = fields.Integer(load_default=10, validate=validate.Range(min=1, max=200))
    STOP_GRACE_SECONDS = fields.Float(load_default=20, validate=validate.Range(min=1, max=600))
    METRICS_PORT = fields.Integer(load_default=0, validate=validate.Range(min=0, max=65535))
    GATEWAY_PORT = fields.Integer(load_default=8000, validate=validate.Range(min=1, max=65535))
    # declare: a service declares every exchange and queue it touches (development, tests).
    # provisioned: the deployment's topology step declared them; a service declares only its
    # own and checks the others passively (what least-privilege broker accounts allow).
    BROKER_TOPOLOGY = fields.String(load_default="declare",
                                    validate=validate.OneOf(["declare", "provisioned"]))
    OUTBOX_MAX_ATTEMPTS = fields.Integer(load_default=10, validate=validate.Range(min=1, max=1000))
    LEDGER_RETENTION_DAYS = fields.Float(load_default=30, validate=validate.Range(min=1, max=3650))
    # notifications: timers, delivery retries and channels (services/notifications/README.md)
    NOTIFY_TICK_SECONDS = fields.Float(load_default=30.0,
                                       validate=validate.Range(min=0.05, max=3600))
    NOTIFY_RETRY_SECONDS = fields.String(load_default="60,300,1800", validate=_seconds_list)
    SMTP_HOST = _Optional(load_default=None, allow_none=True)
    SMTP_PORT = fields.Integer(load_default=25, validate=validate.Range(min=1, max=65535))
    SMTP_SENDER = fields.Email(load_default="care-network@localhost.localdomain")
    SMTP_USER = _Optional(load_default=None, allow_none=True)
    SMTP_PASSWORD = _Optional(load_default=None, allow_none=True)
    SMTP_STARTTLS = fields.Boolean(load_default=False)
    SMS_PROVIDER = fields.String(load_default="log", validate=validate.OneOf(["log", "http"]))
    SMS_HTTP_URL = _Optional(load_default=None, allow_none=True,
                             validate=_uri_with_scheme("http", "https"))
    SMS_HTTP_TOKEN = _Optional(load_default=None, allow_none=True)
    SMS_SIGN = fields.String(load_default="关爱留守儿童", validate=validate.Length(min=1, max=20))
    # the public stream for other bureaus (carekit/bureaus/README.md)
    PUBLIC_STREAM_KEY = _Optional(load_default=None, allow_none=True,
                                  validate=validate.Length(min=32, max=512))
    PUBLIC_DIRECTORY_SECONDS = fields.Float(load_default=2.0,
                                            validate=validate.Range(min=0.05, max=60))
    WEBHOOK_SIGNING_KEY = _Optional(load_default=None, allow_none=True,
                                    validate=validate.Length(min=32, max=512))
    WEBHOOK_RETRY_DELAYS_MS = fields.String(load_default="5000,30000,120000,600000,1800000",
                                            validate=_delays)
    WEBHOOK_TIMEOUT_SECONDS = fields.Float(load_default=10.0,
                                           validate=validate.Range(min=0.1, max=120))
    # the gateway's sessions, tokens, login protection and request bounds (services/gateway)
    GATEWAY_SESSION_HOURS = fields.Float(load_default=12, validate=validate.Range(min=0.01, max=168))
    GATEWAY_SESSION_IDLE_MINUTES = fields.Float(load_default=120,
                                                validate=validate.Range(min=1, max=10080))
    GATEWAY_TOKEN_MAX_DAYS = fields.Integer(load_default=90, validate=validate.Range(min=1, max=366))
    GATEWAY_COOKIE_SECURE = fields.Boolean(load_default=True)
    GATEWAY_LOGIN_MAX_FAILURES = fields.Integer(load_default=5,
                                                validate=validate.Range(min=1, max=100))
    GATEWAY_LOGIN_LOCK_MINUTES = fields.Float(load_default=15,
                                              validate=validate.Range(min=0.01, max=1440))
    GATEWAY_LOGIN_IP_MAX_FAILURES = fields.Integer(load_default=30,
                                                   validate=validate.Range(min=1, max=10000))
    GATEWAY_MAX_BODY_KB = fields.Integer(load_default=1024, validate=validate.Range(min=1, max=65536))
    GATEWAY_MAX_UPLOAD_MB = fields.Integer(load_default=8, validate=validate.Range(min=1, max=512))
    GATEWAY_MAX_WORKERS = fields.Integer(load_default=40, validate=validate.Range(min=1, max=500))
    GATEWAY_RPC_TIMEOUT_SECONDS = fields.Float(load_default=15,
                                               validate=validate.Range(min=0.1, max=300))

    @validates("PII_ENCRYPTION_KEY")
    def _fernet_key(self, value, **kwargs):
        if value is None:
            return
        for key in [k.strip() for k in value.split(",")]:
            try:
                raw = base64.urlsafe_b64decode(key.encode())
            except (binascii.Error, ValueError):
                raw = b""
            if len(raw) != 32:
                raise ValidationError("must be one or more (comma-separated, newest first) "
                                      "keys of 32 url-safe base64-encoded bytes "
                                      "(python -c 'from cryptography.fernet import Fernet; "
                                      "print(Fernet.generate_key().decode())')")


def load_settings(service_name, environ=None):
    """Read and check every setting; return the nameko config dict for `service_name`."""
    if service_name not in SERVICE_NAMES:
        raise ConfigError("unknown service {!r}; expected one of {}".format(
            service_name, ", ".join(SERVICE_NAMES)))
    environ = os.environ if environ is None else environ
    raw = {key: environ[key] for key in SettingsSchema().fields if key in environ}
    try:
        settings = SettingsSchema().load(raw)
    except ValidationError as exc:
        problems = "; ".join("{}: {}".format(name, " ".join(map(str, msgs)))
                             for name, msgs in sorted(exc.messages.items()))
        raise ConfigError("invalid configuration for {}: {}".format(service_name, problems))
    problems = _secrets(service_name, settings, raw)
    if problems:
        raise ConfigError("invalid configuration for {}: {}".format(
            service_name, "; ".join(problems)))
    settings["CARE_ENV"] = settings["CARE_ENV"] or "production"
    if settings["SMS_PROVIDER"] == "http" and not settings["SMS_HTTP_URL"]:
        raise ConfigError("invalid configuration for {}: SMS_HTTP_URL: required when "
                          "SMS_PROVIDER=http".format(service_name))
    if not settings["MONGO_DATABASE"]:
        settings["MONGO_DATABASE"] = "care_{}".format(service_name)
    settings["SERVICE_NAME"] = service_name
    # the gateway's workers mostly wait on other services' RPC replies: it runs more of them
    settings["max_workers"] = settings["GATEWAY_MAX_WORKERS"] if service_name == "gateway" \
        else settings["MAX_WORKERS"]
    return settings


def retry_delays_ms(config):
    """Backoff delays (ms) for a failing event handler; their count is the retry limit."""
    value = config.get("EVENT_RETRY_DELAYS_MS", SettingsSchema().fields[
        "EVENT_RETRY_DELAYS_MS"].load_default)
    return [int(part) for part in str(value).split(",") if part.strip()]


def _secrets(service_name, settings, raw):
    """Fill in development secrets where CARE_ENV allows them, keep each secret with the
    services that need it; -> problems naming each secret missing or a development one."""
    development = settings["CARE_ENV"] in DEVELOPMENT_ENVS
    where = "CARE_ENV={}".format(settings["CARE_ENV"]) if settings["CARE_ENV"] else \
        "CARE_ENV is not set"
    problems = []
    if not development:
        amqp = urlparse(settings["AMQP_URI"])
        if "AMQP_URI" not in raw:
            problems.append("AMQP_URI: required ({})".format(where))
        elif (amqp.username or "guest") == "guest" and (amqp.password or "guest") == "guest":
            problems.append("AMQP_URI: the broker's guest:guest account is for development "
                            "only ({})".format(where))
    for key, holders, default in (
            ("PII_ENCRYPTION_KEY", PII_HOLDERS, DEVELOPMENT_PII_KEY),
            ("PII_HASH_KEY", PII_HOLDERS, DEVELOPMENT_PII_HASH_KEY),
            ("PUBLIC_STREAM_KEY", PUBLIC_STREAM_PUBLISHERS, DEVELOPMENT_PUBLIC_STREAM_KEY),
            ("WEBHOOK_SIGNING_KEY", WEBHOOK_SENDERS, DEVELOPMENT_WEBHOOK_SIGNING_KEY)):
        if service_name not in holders:
            settings.pop(key)  # the key stays with the services that need it
            continue
        given = [k.strip() for k in (settings[key] or "").split(",") if k.strip()]
        if not given and development:
            settings[key] = default
        elif not given:
            problems.append("{}: required ({})".format(key, where))
        elif default in given and not development:
            problems.append("{}: the development key is refused ({})".format(key, where))
    return problems
