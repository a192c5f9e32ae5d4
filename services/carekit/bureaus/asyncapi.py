"""The AsyncAPI 2.6 document of the public stream, generated from the public declarations.

    python -m carekit.bureaus asyncapi [-o public-asyncapi.json]

Served by the gateway at /api/asyncapi.json (`document()`). One channel per public event
name (`{bureau}.<Event>` on the topic exchange care.public), one message per version; each
payload is the whole CloudEvents envelope with its data, and allows no other field, so a
bureau validating against it would notice anything undeclared.
"""
import json

from marshmallow.utils import missing

from carekit.bureaus.broker import BUREAU_NAME, PUBLIC_EXCHANGE, bureau_queue, webhook_queue
from carekit.events.asyncapi import field_schema
from carekit.events.catalogue import load_contracts
from carekit.events.public import AGE_BANDS, PUBLIC_SOURCE, public_type

DAY = {"type": "string", "format": "date", "pattern": r"^\d{4}-\d{2}-\d{2}$"}
PSEUDONYM = {"type": "string", "pattern": "^[0-9a-f]{32}$"}
EVENT_ID = {"type": "string",
            "pattern": "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"}
BINDING_VERSION = "0.2.0"

DESCRIPTION = """\
De-identified events of the county's care network for left-behind children (关爱留守儿童),
for other bureaus (民政, 妇联, 公安, 卫健 ...). CloudEvents 1.0, structured JSON.

- No name, national ID, phone, address, birth date, class, free-text note or title is ever
  sent. `child` is a pseudonym of the child for YOUR bureau only: stable for you, different
  for every other bureau, and nobody can tell which child it is without the county's key.
  Other ids (`record_id`, `pairing_id` ...) are pseudonymised the same way, so you can match
  a correction or an end to its start. A care or pairing event does not repeat the child's
  facts: join it by `child` with the child's latest registry event (ChildRegistered,
  ChildUpdated, ChildStatusChanged, ChildTransferred carry township, age band, gender and
  left-behind type).
- Education-side subscribers also get the school (`school_id`, and the events marked
  education-side only); nobody else does.
- Delivery is at least once: deduplicate on `id` (the same for every copy of one event sent
  to you). `replay: true` marks an event sent again because you asked for a replay.
- AMQP 0-9-1: read your own queue `public.<bureau>` (declare it passively: your account may
  read it and do nothing else); ack after you stored the event.
- Webhooks: POST to your HTTPS endpoint, body = the event, headers `X-Care-Event-Id`,
  `X-Care-Timestamp` (Unix seconds) and `X-Care-Signature: v1=<hex HMAC-SHA256 of
  "<timestamp>.<body>" with your secret>`. Refuse a bad signature or a timestamp more than
  5 minutes away; answer 2xx once stored. Failures are retried with backoff, then parked
  for the county's administrator.
"""


def _nullable(schema):
    return {"oneOf": [schema, {"type": "null"}]}


def _may_be_null(field):
    return field.allow_none or (not field.required and field.load_default is missing)


def _kept(field):
    schema = field_schema(field)
    if _may_be_null(field) and not field.allow_none:
        schema = _nullable(schema)
    return schema


def _special(field, schema):
    return _nullable(schema) if _may_be_null(field) else dict(schema)


def data_schema(public):
    """The JSON Schema of a public event's data (education fields optional)."""
    f = public.fields_of
    props = {"recorded_on": dict(DAY, description="China date the event was recorded")}
    if public.child:
        props["child"] = dict(_special(f[public.child], PSEUDONYM),
                              description="the child's pseudonym for your bureau")
    for name in public.refs:
        props[name] = dict(_special(f[name], PSEUDONYM), description="pseudonym for your bureau")
    for name in public.keep + public.org:
        props[name] = _kept(f[name])
    for name in public.dates:
        props[name] = _special(f[name], DAY)
    if public.age:
        props["age_band"] = _special(f[public.age], {"type": "string", "enum": list(AGE_BANDS)})
    required = sorted(props)
    for name in public.education:
        props[name] = dict(_kept(f[name]), description="education-side subscribers only")
    return {"type": "object", "additionalProperties": False, "properties": props,
            "required": required}


def envelope_schema(entry):
    name, version, source = entry["name"], entry["version"], entry["source"]
    return {
        "type": "object", "additionalProperties": False,
        "required": ["specversion", "id", "source", "type", "datacontenttype", "dataschema",
                     "data"],
        "properties": {
            "specversion": {"const": "1.0"},
            "id": dict(EVENT_ID, description="the same for every copy of this event sent to "
                                             "your bureau: deduplicate on it"),
            "source": {"const": PUBLIC_SOURCE.format(source)},
            "type": {"const": public_type(name, version)},
            "datacontenttype": {"const": "application/json"},
            "dataschema": {"const": "urn:care-network:public:{}:v{}".format(name, version)},
            "replay": {"type": "boolean", "description": "sent again by a replay you asked for"},
            "data": data_schema(entry["public"]),
        },
    }


def message_id(entry):
    return "{}.v{}".format(entry["name"], entry["version"])


def document():
    catalogue = load_contracts()
    channels, messages = {}, {}
    for entry in catalogue.public_entries():
        name, public = entry["name"], entry["public"]
        summary = " ".join((entry["summary"] or name).split())
        if public.education_only:
            summary += " (education-side subscribers only)"
        messages[message_id(entry)] = {
            "name": message_id(entry), "title": name, "summary": summary,
            "contentType": "application/cloudevents+json",
            "headers": {"type": "object", "properties": {
                "x-care-replay": {"type": "boolean",
                                  "description": "AMQP header: sent by a replay"}}},
            "payload": envelope_schema(entry),
            "bindings": {"amqp": {"contentEncoding": "utf-8",
                                  "messageType": public_type(name, entry["version"]),
                                  "bindingVersion": BINDING_VERSION}},
        }
        channel = channels.setdefault("{bureau}." + name, {
            "description": "{} events from the {} service, your bureau's copies (routing key "
                           "<bureau>.{}); your queue receives them if you subscribe to "
                           "{}".format(name, entry["source"], name, name),
            "parameters": {"bureau": {
                "description": "your bureau's name, as onboarded (e.g. minzheng)",
                "schema": {"type": "string", "pattern": "^" + BUREAU_NAME.pattern + "$"}}},
            "bindings": {"amqp": {
                "is": "routingKey",
                "exchange": {"name": PUBLIC_EXCHANGE, "type": "topic", "durable": True,
                             "autoDelete": False, "vhost": "care"},
                "bindingVersion": BINDING_VERSION}},
            "subscribe": {"operationId": "receive" + name,
                          "bindings": {"amqp": {"ack": True,
                                                "bindingVersion": BINDING_VERSION}},
                          "message": {"oneOf": []}},
        })
        channel["subscribe"]["message"]["oneOf"].append(
            {"$ref": "#/components/messages/" + message_id(entry)})
    return {
        "asyncapi": "2.6.0",
        "id": "urn:care-network:public-stream",
        "info": {"title": "care-network public event stream for other bureaus",
                 "version": "1.0.0", "description": DESCRIPTION},
        "servers": {
            "county": {"url": "rabbitmq:5672", "protocol": "amqp", "protocolVersion": "0-9-1",
                       "description": "the county's RabbitMQ, vhost care; your account reads "
                                      "only {} (webhook bureaus: {} is read by the county "
                                      "and POSTed to you)".format(bureau_queue("<bureau>"),
                                                                  webhook_queue("<bureau>"))}},
        "defaultContentType": "application/cloudevents+json",
        "channels": dict(sorted(channels.items())),
        "components": {"messages": dict(sorted(messages.items()))},
    }


def payload_schemas(doc=None):
    """{CloudEvents type: payload JSON Schema} of every public message."""
    doc = doc or document()
    return {m["payload"]["properties"]["type"]["const"]: m["payload"]
            for m in doc["components"]["messages"].values()}


def write(path):
    with open(path, "w", encoding="utf-8") as out:
        json.dump(document(), out, ensure_ascii=False, indent=2, sort_keys=True)
        out.write("\n")


__all__ = ["document", "payload_schemas", "write"]
