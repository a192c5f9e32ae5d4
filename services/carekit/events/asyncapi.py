"""The AsyncAPI 2.6 document of every event, generated from the marshmallow schemas.

    python -m carekit.events.asyncapi > docs/asyncapi.json
"""
import json
import sys

from marshmallow import fields, validate

from carekit.events.catalogue import load_contracts
from carekit.events.envelope import TYPE_PREFIX
from carekit.events.topology import event_exchange

_SIMPLE = [
    (fields.AwareDateTime, {"type": "string", "format": "date-time"}),
    (fields.NaiveDateTime, {"type": "string", "format": "date-time"}),
    (fields.DateTime, {"type": "string", "format": "date-time"}),
    (fields.Date, {"type": "string", "format": "date"}),
    (fields.UUID, {"type": "string", "format": "uuid"}),
    (fields.Email, {"type": "string", "format": "email"}),
    (fields.URL, {"type": "string", "format": "uri"}),
    (fields.String, {"type": "string"}),
    (fields.Integer, {"type": "integer"}),
    (fields.Float, {"type": "number"}),
    (fields.Decimal, {"type": "number"}),
    (fields.Number, {"type": "number"}),
    (fields.Boolean, {"type": "boolean"}),
    (fields.Dict, {"type": "object"}),
    (fields.Raw, {}),
]


def field_schema(field):
    if isinstance(field, fields.Nested):
        nested = field.schema
        schema = object_schema(nested)
        return {"type": "array", "items": schema} if field.many else schema
    if isinstance(field, fields.List):
        return {"type": "array", "items": field_schema(field.inner)}
    if isinstance(field, fields.Enum):
        return {"type": "string", "enum": [m.name for m in field.enum]}
    schema = next((dict(s) for cls, s in _SIMPLE if isinstance(field, cls)), {})
    for validator in field.validators:
        if isinstance(validator, validate.OneOf):
            schema["enum"] = list(validator.choices)
        elif isinstance(validator, validate.Length):
            if validator.min is not None:
                schema["minLength" if schema.get("type") == "string" else "minItems"] = validator.min
            if validator.max is not None:
                schema["maxLength" if schema.get("type") == "string" else "maxItems"] = validator.max
        elif isinstance(validator, validate.Range):
            if validator.min is not None:
                schema["minimum"] = validator.min
            if validator.max is not None:
                schema["maximum"] = validator.max
        elif isinstance(validator, validate.Regexp):
            schema["pattern"] = validator.regex.pattern
    if field.allow_none:
        schema = {"oneOf": [schema, {"type": "null"}]} if schema else {}
    if field.metadata.get("description"):
        schema["description"] = field.metadata["description"]
    return schema


def object_schema(schema):
    schema = schema() if isinstance(schema, type) else schema
    props, required = {}, []
    for name, field in schema.fields.items():
        if field.load_only:
            continue
        key = field.data_key or name
        props[key] = field_schema(field)
        if field.required:
            required.append(key)
    out = {"type": "object", "properties": props}
    if required:
        out["required"] = sorted(required)
    return out


def document():
    catalogue = load_contracts()
    channels, messages = {}, {}
    for entry in catalogue.entries():
        name, version, source = entry["name"], entry["version"], entry["source"]
        message_id = "{}.v{}".format(name, version)
        messages[message_id] = {
            "name": message_id,
            "title": name,
            "summary": entry["summary"],
            "contentType": "application/cloudevents+json",
            "headers": {"type": "object", "properties": {
                "type": {"const": "{}{}.v{}".format(TYPE_PREFIX, name, version)},
                "source": {"const": "/care-network/{}".format(source)}}},
            "payload": {
                "type": "object",
                "required": ["specversion", "id", "source", "type", "time", "data"],
                "properties": {
                    "specversion": {"const": "1.0"}, "id": {"type": "string"},
                    "source": {"type": "string"}, "type": {"type": "string"},
                    "time": {"type": "string", "format": "date-time"},
                    "subject": {"type": "string"}, "correlationid": {"type": "string"},
                    "causationid": {"type": "string"},
                    "datacontenttype": {"const": "application/json"},
                    "dataschema": {"type": "string"},
                    "data": object_schema(entry["schema"]),
                }},
        }
        channel = "{}/{}".format(event_exchange(source).name, name)
        channels.setdefault(channel, {
            "description": "{} events from the {} service (routing key {})".format(
                name, source, name),
            "bindings": {"amqp": {"is": "routingKey", "exchange": {
                "name": event_exchange(source).name, "type": "topic", "durable": True,
                "autoDelete": False}}},
            "subscribe": {"operationId": "on{}".format(name), "message": {"oneOf": []}},
        })
        channels[channel]["subscribe"]["message"]["oneOf"].append(
            {"$ref": "#/components/messages/{}".format(message_id)})
    return {
        "asyncapi": "2.6.0",
        "info": {"title": "care-network events", "version": "1.0.0",
                 "description": "Events published by the care-network services (CloudEvents "
                                "1.0, structured JSON). Generated from carekit.contracts."},
        "defaultContentType": "application/cloudevents+json",
        "channels": channels,
        "components": {"messages": messages},
    }


def main():
    json.dump(document(), sys.stdout, ensure_ascii=False, indent=2, sort_keys=True)
    print()


if __name__ == "__main__":
    main()
