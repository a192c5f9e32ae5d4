"""CloudEvents 1.0 structured-mode envelopes: build one, or parse and validate one.

type is `org.care-network.<Name>.v<version>`; the routing key on the bus is the bare name,
so a subscriber meeting a version it does not know dead-letters it instead of guessing.
Extension attributes: correlationid (the command that started it all), causationid (the
event that directly caused this one).
"""
import json
import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone

import kombu.serialization
from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate

from carekit.errors import flatten
from carekit.events.catalogue import UnknownEventType, catalogue

SPECVERSION = "1.0"
CONTENT_TYPE = "application/cloudevents+json"
TYPE_PREFIX = "org.care-network."
_TYPE_PATTERN = re.compile(r"^org\.care-network\.([A-Za-z][A-Za-z0-9]*)\.v([1-9][0-9]*)$")
_EXTENSION_NAME = re.compile(r"^[a-z0-9]{1,20}$")


def _dumps(obj):
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def _loads(text):
    return json.loads(text)


# Registered so kombu consumers accept and decode our envelopes by their proper content type.
kombu.serialization.register("cloudevents", _dumps, _loads, content_type=CONTENT_TYPE,
                             content_encoding="utf-8")


class InvalidEvent(Exception):
    """An event that cannot be accepted. `code` is stable: not_json, not_envelope,
    unknown_type, unknown_version, invalid_data."""

    def __init__(self, code, message, errors=None):
        self.code = code
        self.message = message
        self.errors = errors or []
        super().__init__("{}: {}{}".format(code, message, (" " + json.dumps(
            self.errors, ensure_ascii=False)) if self.errors else ""))


def type_name(name, version):
    return "{}{}.v{}".format(TYPE_PREFIX, name, version)


def split_type(ce_type):
    match = _TYPE_PATTERN.match(ce_type or "")
    if not match:
        raise InvalidEvent("unknown_type", "事件类型格式不对: {!r}".format(ce_type))
    return match.group(1), int(match.group(2))


def source_of(service):
    return "/care-network/{}".format(service)


class EnvelopeSchema(Schema):
    class Meta:
        unknown = EXCLUDE  # other CloudEvents extensions are allowed and ignored

    specversion = fields.String(required=True, validate=validate.Equal(SPECVERSION))
    id = fields.String(required=True, validate=validate.Length(min=1, max=128))
    source = fields.String(required=True, validate=validate.Length(min=1, max=256))
    type = fields.String(required=True, validate=validate.Length(min=1, max=256))
    time = fields.AwareDateTime(required=True, default_timezone=timezone.utc)
    subject = fields.String(allow_none=True)
    datacontenttype = fields.String(load_default="application/json",
                                    validate=validate.Equal("application/json"))
    dataschema = fields.String(allow_none=True)
    correlationid = fields.String(allow_none=True)
    causationid = fields.String(allow_none=True)
    data = fields.Dict(required=True)


# Building a Schema deep-copies its fields; one instance (no per-call state) serves all parses.
_ENVELOPE_SCHEMA = EnvelopeSchema()


@dataclass(frozen=True)
class Event:
    """An accepted event, data already validated and loaded by its schema."""

    id: str
    name: str
    version: int
    source: str
    time: datetime
    data: dict
    subject: str = None
    correlation_id: str = None
    causation_id: str = None
    envelope: dict = field(default=None, repr=False, compare=False)

    @property
    def source_service(self):
        return self.source.rsplit("/", 1)[-1]


def new_envelope(service, name, data, version=1, subject=None, correlation_id=None,
                 causation_id=None, event_id=None, time=None):
    """A ready-to-send envelope. Raises InvalidEvent before anything leaves the service."""
    try:
        wire_data = catalogue.to_wire(name, version, data)
    except UnknownEventType as exc:
        raise InvalidEvent("unknown_version", str(exc))
    except ValidationError as exc:
        raise InvalidEvent("invalid_data", "事件内容不符合 {} v{} 的格式".format(name, version),
                           flatten(exc.messages, "data"))
    event_id = event_id or str(uuid.uuid4())
    envelope = {
        "specversion": SPECVERSION,
        "id": event_id,
        "source": source_of(service),
        "type": type_name(name, version),
        "time": (time or datetime.now(timezone.utc)).isoformat(timespec="milliseconds"),
        "datacontenttype": "application/json",
        "dataschema": "urn:care-network:event:{}:v{}".format(name, version),
        "correlationid": correlation_id or event_id,
        "data": wire_data,
    }
    if subject is not None:
        envelope["subject"] = str(subject)
    if causation_id:
        envelope["causationid"] = causation_id
    return envelope


def encode(envelope):
    return _dumps(envelope).encode("utf-8")


def parse(body):
    """bytes / str / dict -> Event, or InvalidEvent naming what is wrong."""
    if isinstance(body, (bytes, bytearray)):
        try:
            body = bytes(body).decode("utf-8")
        except UnicodeDecodeError:
            raise InvalidEvent("not_json", "消息不是 UTF-8 文本")
    if isinstance(body, str):
        try:
            body = json.loads(body)
        except ValueError as exc:
            raise InvalidEvent("not_json", "消息不是合法的 JSON: {}".format(exc))
    if not isinstance(body, dict):
        raise InvalidEvent("not_envelope", "消息不是 CloudEvents 信封（应为 JSON 对象）")
    try:
        attrs = _ENVELOPE_SCHEMA.load(body)
    except ValidationError as exc:
        raise InvalidEvent("not_envelope", "CloudEvents 信封不完整或格式不对",
                           flatten(exc.messages))
    name, version = split_type(attrs["type"])
    if not catalogue.versions(name):
        raise InvalidEvent("unknown_type", "不认识的事件类型 {}".format(name))
    try:
        data = catalogue.load(name, version, attrs["data"])
    except UnknownEventType as exc:
        raise InvalidEvent("unknown_version", str(exc))
    except ValidationError as exc:
        raise InvalidEvent("invalid_data", "事件内容不符合 {} v{} 的格式".format(name, version),
                           flatten(exc.messages, "data"))
    return Event(id=attrs["id"], name=name, version=version, source=attrs["source"],
                 time=attrs["time"], data=data, subject=attrs.get("subject"),
                 correlation_id=attrs.get("correlationid"),
                 causation_id=attrs.get("causationid"), envelope=body)
