"""The public declarations, the de-identifier and the AsyncAPI document, without a broker.

The property test generates the data of every public event version from its marshmallow
schema (every free-text value made unique by its field's path), de-identifies it for an
education-side and another bureau, and searches the copy for every value of a field that is
not declared public as it is: it must be nowhere. The copy must have exactly the declared
keys and validate against the AsyncAPI payload schema."""
import json
from datetime import date, datetime, timezone
from pathlib import Path

import jsonschema
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from marshmallow import Schema, ValidationError, fields, validate

from carekit.bureaus import asyncapi
from carekit.bureaus.broker import publisher_topic_permission
from carekit.bureaus.directory import Subscriber
from carekit.bureaus.stream import public_copy
from carekit.events import event_schema
from carekit.events.catalogue import load_contracts
from carekit.events.envelope import new_envelope
from carekit.events.public import AGE_BANDS, Keyring, Public, PublicDeclarationError, age_band

HERE = Path(__file__).parent
KEY = "a-county-key-for-tests-only-0123456789"
KEYRING = Keyring(KEY)
ENTRIES = load_contracts().public_entries()
DOC = asyncapi.document()
VALIDATORS = {t: jsonschema.Draft7Validator(s) for t, s in asyncapi.payload_schemas(DOC).items()}
FREE = st.text(alphabet=st.sampled_from("abcxyz019李王张镇村路号-"), min_size=1, max_size=12)


# -- data from a marshmallow schema ------------------------------------------------------------
def _validator(field, kind):
    return next((v for v in field.validators if isinstance(v, kind)), None)


def strategy(field, path):
    """Valid values of `field`; free text is prefixed with its path, so a private value can
    never equal a public one by chance."""
    base = _base(field, path)
    if field.allow_none:
        base = st.one_of(st.none(), base)
    return base


def _base(field, path):
    one_of = _validator(field, validate.OneOf)
    if one_of:
        return st.sampled_from(list(one_of.choices))
    if isinstance(field, fields.Nested):
        return data_of(field.schema, path + ".")
    if isinstance(field, fields.List):
        length = _validator(field, validate.Length)
        return st.lists(strategy(field.inner, path), min_size=(length.min or 0) if length else 0,
                        max_size=3)
    if isinstance(field, fields.Boolean):
        return st.booleans()
    if isinstance(field, (fields.Integer, fields.Float)):
        bounds = _validator(field, validate.Range)
        low = bounds.min if bounds and bounds.min is not None else -1000
        high = bounds.max if bounds and bounds.max is not None else low + 100000
        return st.integers(int(low), int(high)) if isinstance(field, fields.Integer) else \
            st.floats(low, high, allow_nan=False, allow_infinity=False)
    if isinstance(field, fields.DateTime):
        return st.datetimes(datetime(2000, 1, 1), datetime(2040, 1, 1),
                            timezones=st.just(timezone.utc)).map(lambda d: d.isoformat())
    if isinstance(field, fields.Date):
        return st.dates(date(2000, 1, 1), date(2040, 1, 1)).map(lambda d: d.isoformat())
    pattern = _validator(field, validate.Regexp)
    if pattern:
        return st.from_regex(pattern.regex, fullmatch=True)
    length = _validator(field, validate.Length)
    prefix = path + "~"
    room = (length.max if length and length.max else 60) - len(prefix)
    return FREE.map(lambda s: prefix + s[:max(room, 1)])


def data_of(schema, prefix=""):
    schema = schema() if isinstance(schema, type) else schema
    required, optional = {}, {}
    for name, field in schema.fields.items():
        (required if field.required else optional)[name] = strategy(field, prefix + name)
    return st.fixed_dictionaries(required, optional=optional)


# -- what may not leave --------------------------------------------------------------------------
def private_values(data, public, path=""):
    """Texts of the fields not kept as they are: every free text and id, the birth date,
    every id that is pseudonymised."""
    kept_as_is = set(public.keep) | set(public.org) | set(public.education)
    found = []
    for name, value in (data or {}).items():
        if not path and name in kept_as_is:
            continue
        if isinstance(value, dict):
            found += private_values(value, public, path + name + ".")
        elif isinstance(value, list):
            for item in value:
                found += private_values({name: item}, public, path) if not isinstance(
                    item, dict) else private_values(item, public, path + name + ".")
        elif isinstance(value, str) and ("~" in value or name in (public.age,)):
            found.append(value)
    if not path and public.child and data.get(public.child):
        found.append(str(data[public.child]))
    for name in () if path else public.refs:
        if data.get(name):
            found.append(str(data[name]))
    return found


def leaks(copy_data, private, public_texts):
    text = json.dumps(copy_data, ensure_ascii=False)
    return sorted(v for v in set(private) if v in text and v not in public_texts)


EDUCATION = Subscriber("jiaoyu", frozenset(e["name"] for e in ENTRIES), True, 1)
CIVIL = Subscriber("minzheng", frozenset(e["name"] for e in ENTRIES), False, 1)


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda e: "{}.v{}".format(e["name"],
                                                                          e["version"]))
def test_no_undeclared_value_reaches_a_public_copy(entry):
    public = entry["public"]

    @settings(max_examples=20, deadline=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
    @given(data=data_of(entry["schema"]))
    def check(data):
        try:
            envelope = new_envelope(entry["source"], entry["name"], data,
                                    version=entry["version"], subject="subject~x")
        except Exception:
            assume(False)
        wire = envelope["data"]
        private = private_values(wire, public) + ["subject~x", envelope["id"]]
        for subscriber in (EDUCATION, CIVIL):
            made = public_copy(envelope, subscriber, KEYRING)
            if public.education_only and not subscriber.education:
                assert made is None
                continue
            key, copy = made
            assert key == "{}.{}".format(subscriber.bureau, entry["name"])
            assert list(copy["data"]) == public.output_names(subscriber.education)
            public_texts = {str(wire.get(n)) for n in public.keep + public.org
                            + public.education + public.dates}
            assert leaks(copy, private, public_texts) == []
            errors = list(VALIDATORS[copy["type"]].iter_errors(copy))
            assert errors == [], [e.message for e in errors]
    check()


CHILD_REGISTERED = next(e for e in ENTRIES if e["name"] == "ChildRegistered"
                        and e["version"] == 2)


@settings(max_examples=5, deadline=None)
@given(data=data_of(CHILD_REGISTERED["schema"]))
def test_the_leak_search_finds_a_leak_when_one_is_planted(data):
    """The search above can fail: a copy that carries an undeclared field is caught, by the
    search and by the AsyncAPI schema."""
    entry = CHILD_REGISTERED
    envelope = new_envelope("registry", "ChildRegistered", data, version=2)
    _, copy = public_copy(envelope, CIVIL, KEYRING)
    copy["data"]["name"] = envelope["data"]["name"]
    assert envelope["data"]["name"] in leaks(
        copy, private_values(envelope["data"], entry["public"]), set())
    assert list(VALIDATORS[copy["type"]].iter_errors(copy))


def test_pseudonyms_are_stable_per_bureau_and_unlinkable_between_bureaus():
    one, other = Keyring(KEY), Keyring(KEY + "x")
    assert one.pseudonym("minzheng", "child", "c1") == one.pseudonym("minzheng", "child", "c1")
    assert one.pseudonym("minzheng", "child", "c1") != one.pseudonym("fulian", "child", "c1")
    assert one.pseudonym("minzheng", "child", "c1") != other.pseudonym("minzheng", "child", "c1")
    assert one.pseudonym("minzheng", "child", "c1") != one.pseudonym("minzheng", "ref", "c1")
    assert one.public_id("minzheng", "e1") == one.public_id("minzheng", "e1")
    assert one.public_id("minzheng", "e1") != one.public_id("fulian", "e1")
    with pytest.raises(ValueError):
        Keyring("short")


def test_age_bands():
    assert age_band(date(2016, 5, 17), date(2026, 5, 16)) == "9-11"
    assert age_band(date(2016, 5, 17), date(2025, 5, 16)) == "6-8"
    assert age_band(date(2016, 5, 17), date(2025, 5, 17)) == "9-11"
    assert age_band(date(2022, 1, 1), date(2026, 1, 1)) == "0-5"
    assert age_band(date(2008, 1, 1), date(2026, 6, 1)) == "18+"
    assert age_band(date(2010, 1, 1), date(2026, 6, 1)) == "15-17"
    assert set(AGE_BANDS) == {"0-5", "6-8", "9-11", "12-14", "15-17", "18+"}


def test_declarations_refuse_free_text_and_unknown_fields():
    class Note(Schema):
        child_id = fields.String(required=True)
        note = fields.String()
        kind = fields.String(validate=validate.OneOf(["a", "b"]))
    with pytest.raises(PublicDeclarationError, match="free text"):
        Public.declare({"child": "child_id", "keep": ("note",)}, Note)
    with pytest.raises(PublicDeclarationError, match="no field"):
        Public.declare({"keep": ("kindd",)}, Note)
    with pytest.raises(PublicDeclarationError, match="unknown public field kinds"):
        Public.declare({"everything": True}, Note)
    assert Public.declare({"child": "child_id", "keep": ("kind",)}, Note).output_names() == [
        "recorded_on", "child", "kind"]
    with pytest.raises(PublicDeclarationError):
        event_schema("sampler", "NoteTaken", version=1, public={"keep": ("note",)})(Note)


def test_every_public_event_has_a_channel_and_the_document_is_valid_asyncapi(tmp_path):
    spec = json.loads((HERE / "asyncapi-2.6.0.schema.json").read_text(encoding="utf-8"))
    validator = jsonschema.Draft7Validator(spec)
    assert [e.message for e in validator.iter_errors(DOC)] == []
    broken = json.loads(json.dumps(DOC))
    broken["channels"]["{bureau}.VisitLogged"]["subscribe"]["message"] = {"oneOf": "x"}
    assert list(validator.iter_errors(broken))  # the spec check can fail
    for entry in ENTRIES:
        channel = DOC["channels"]["{bureau}." + entry["name"]]
        assert channel["bindings"]["amqp"]["exchange"]["name"] == "care.public"
        assert {"$ref": "#/components/messages/{}.v{}".format(entry["name"], entry["version"])} \
            in channel["subscribe"]["message"]["oneOf"]
    private_schemas = {(e["name"], e["version"]) for e in load_contracts().entries()
                       if e.get("public") is None}
    assert ("StaffRegistered", 1) in private_schemas and ("DiaryEntryAdded", 1) in \
        private_schemas
    assert not any("{}.v{}".format(*key) in DOC["components"]["messages"]
                   for key in private_schemas)
    from carekit.bureaus.__main__ import main
    assert main(["asyncapi", "-o", str(tmp_path / "public.json")]) == 0
    assert json.loads((tmp_path / "public.json").read_text(encoding="utf-8")) == DOC


def test_publishers_may_send_only_their_own_public_events():
    import re
    registry = publisher_topic_permission(["ChildRegistered", "TownshipRegistered"])
    assert re.fullmatch(registry["write"], "minzheng.ChildRegistered")
    assert not re.fullmatch(registry["write"], "minzheng.VisitLogged")
    assert not re.fullmatch(registry["write"], "minzheng.ChildRegisteredX")
    assert registry["read"] == "^$"


def test_subscription_rpc_input_is_validated():
    from carekit.bureaus.directory import SubscriptionSchema
    good = {"bureau": "minzheng", "events": ["ChildRegistered"], "education": False,
            "generation": 1}
    SubscriptionSchema().load(good)
    for bad in ({"bureau": {"$ne": None}}, {"bureau": "Min.zheng"}, {"events": []},
                {"events": ["$where"]}, {"generation": "1"}, {"education": "maybe"}):
        with pytest.raises(ValidationError):
            SubscriptionSchema().load(dict(good, **bad))


def test_only_publishers_hold_the_pseudonym_key_and_only_notifications_signs_webhooks():
    from carekit.config import ConfigError, load_settings
    pii = "Y2FyZS1uZXR3b3JrLWRldi1vbmx5LW5vdC1zZWNyZXQ="
    for service in ("registry", "pairing", "activities"):
        with pytest.raises(ConfigError, match="PUBLIC_STREAM_KEY"):
            load_settings(service, {"CARE_ENV": "production", "PII_ENCRYPTION_KEY": pii})
    with pytest.raises(ConfigError, match="WEBHOOK_SIGNING_KEY"):
        load_settings("notifications", {"CARE_ENV": "production"})
    with pytest.raises(ConfigError, match="PUBLIC_STREAM_KEY"):
        load_settings("activities", {"PUBLIC_STREAM_KEY": "short"})
    given = {"PUBLIC_STREAM_KEY": "p" * 40, "WEBHOOK_SIGNING_KEY": "w" * 40,
             "AMQP_URI": "amqp://care-x:s3cret@rabbitmq/care"}  # production: no guest
    assert load_settings("activities", dict(given, CARE_ENV="production"))[
        "PUBLIC_STREAM_KEY"] == "p" * 40
    for service in ("notifications", "reporting", "gateway"):
        assert "PUBLIC_STREAM_KEY" not in load_settings(service, dict(given, CARE_ENV="test"))
    assert "WEBHOOK_SIGNING_KEY" not in load_settings("registry", dict(given, CARE_ENV="test"))
