"""The AsyncAPI document is generated from the schemas and covers every event."""
from carekit.events.asyncapi import document
from carekit.events.catalogue import load_contracts


def test_every_registered_event_is_documented_with_its_fields():
    doc = document()
    catalogue = load_contracts()
    assert doc["asyncapi"].startswith("2.")
    for entry in catalogue.entries():
        message = doc["components"]["messages"]["{}.v{}".format(entry["name"], entry["version"])]
        data = message["payload"]["properties"]["data"]
        schema = entry["schema"]()
        assert set(data["properties"]) == {f.data_key or n for n, f in schema.fields.items()
                                           if not f.load_only}
        required = {f.data_key or n for n, f in schema.fields.items() if f.required}
        assert set(data.get("required", [])) == required
        channel = doc["channels"]["{}.events/{}".format(entry["source"], entry["name"])]
        refs = [m["$ref"] for m in channel["subscribe"]["message"]["oneOf"]]
        assert "#/components/messages/{}.v{}".format(entry["name"], entry["version"]) in refs


def test_contracts_define_events():
    assert load_contracts().entries(), "no event contracts registered"
