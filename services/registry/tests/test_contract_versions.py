"""The registry's v2 events beside v1: a consumer can treat both alike (every v1 field kept
with its name, type and meaning), both versions parse, and the registry publishes the latest.
Plus the guardian's situation rules. No broker, no database."""
import pytest
from marshmallow import fields, validate

from carekit.errors import ValidationFailed, load_or_raise
from carekit.events.catalogue import load_contracts
from carekit.events.envelope import new_envelope, parse
from registry import files
from registry.context import PUBLISHED_VERSIONS
from registry.schemas import ChildChanges, GuardianInput
from registry.tests.test_rules import _file

CATALOGUE = load_contracts()
TWICE = sorted(e["name"] for e in CATALOGUE.entries()
               if e["source"] == "registry" and e["version"] == 2)


def _fields(name, version):
    return CATALOGUE.entry(name, version)["schema"]().fields


def _shape(field):
    choices = [v.choices for v in field.validators if isinstance(v, validate.OneOf)]
    inner = _shape(field.inner) if isinstance(field, fields.List) else None
    nested = sorted(field.schema.fields) if isinstance(field, fields.Nested) else None
    return (type(field), field.required, field.allow_none, choices, inner, nested)


def test_these_events_have_a_v2_and_the_registry_publishes_it():
    assert TWICE == ["ChildRegistered", "ChildStatusChanged", "ChildTransferred", "ChildUpdated",
                     "ClassCreated", "ClassUpdated", "SchoolRegistered", "SchoolUpdated"]
    assert sorted(PUBLISHED_VERSIONS) == TWICE
    for name, version in PUBLISHED_VERSIONS.items():
        assert CATALOGUE.versions(name)[-1] == version


@pytest.mark.parametrize("name", TWICE)
def test_v2_keeps_every_v1_field_as_it_was(name):
    v1, v2 = _fields(name, 1), _fields(name, 2)
    assert set(v1) < set(v2)
    for key, field in v1.items():
        assert _shape(v2[key]) == _shape(field), key
    for key in set(v2) - set(v1):
        assert not v2[key].required, key  # additions are optional: absent in v1 data


def _child_data(name, snapshot):
    extra = {"ChildRegistered": {"registered_on": "2026-09-01"},
             "ChildUpdated": {"changed_fields": ["guardian.situation"]},
             "ChildStatusChanged": {"previous_status": "active", "reason_code": "other",
                                    "effective_date": "2026-10-01"},
             "ChildTransferred": {"from_school_id": "s0", "from_class_id": "c0",
                                  "from_township_id": "t0", "effective_date": "2026-10-01"}}
    return dict(snapshot, **extra[name])


@pytest.mark.parametrize("name", [n for n in TWICE if n.startswith("Child")])
def test_a_v2_child_event_read_as_v1_says_the_same(name):
    file = _file(guardian={"relation": "grandmother", "situation": ["elderly", "sick"],
                           "literacy": "illiterate"}, migrant_left_behind=True,
                 boards_at_school=False)
    data = _child_data(name, files.snapshot("c1", 3, file))
    v2 = parse(new_envelope("registry", name, data, version=2, subject="c1"))
    v1_names = set(_fields(name, 1))
    as_v1 = parse(new_envelope("registry", name, {k: v for k, v in data.items()
                                                  if k in v1_names}, version=1, subject="c1"))
    assert (v2.version, as_v1.version) == (2, 1)
    assert {k: v2.data[k] for k in v1_names} == as_v1.data
    assert (v2.data["guardian_health"], v2.data["guardian_situation"]) == ("sick",
                                                                          ["elderly", "sick"])
    assert (v2.data["migrant_left_behind"], v2.data["boards_at_school"],
            v2.data["lunch_at_school"]) == (True, False, True)


def test_a_v1_event_from_before_still_parses_with_the_additions_absent():
    data = _child_data("ChildRegistered", {
        k: v for k, v in files.snapshot("c1", 1, _file()).items()
        if k in _fields("ChildRegistered", 1)})
    event = parse(new_envelope("registry", "ChildRegistered", data, version=1, subject="c1"))
    assert event.version == 1 and "guardian_situation" not in event.data
    class_v1 = parse(new_envelope("registry", "ClassCreated", {
        "class_id": "k", "version": 1, "school_id": "s", "township_id": "t", "grade": 3,
        "class_number": 2, "name": "三年级2班"}, version=1))
    assert "enrolment" not in class_v1.data


# -- the guardian's situation ------------------------------------------------------------------
def _guardian(**given):
    return load_or_raise(GuardianInput(), dict({"name": "张", "relation": "祖母"}, **given))


@pytest.mark.parametrize("given, situation", [
    ({"situation": "年老、患病"}, ["elderly", "sick"]),
    ({"situation": "残疾 体弱,年老"}, ["elderly", "weak", "disabled"]),
    ({"situation": ["disabled", "体弱", "体弱"]}, ["weak", "disabled"]),
    ({"situation": "健康"}, []),
    ({"situation": None}, None),
    ({}, None),
    ({"health": "sick"}, ["sick"]),          # the single value of before
    ({"health": "健康"}, []),
    ({"health": "sick", "situation": ["elderly"]}, ["elderly"]),
])
def test_situation_is_several_facts(given, situation):
    assert _guardian(**given)["situation"] == situation
    assert "health" not in _guardian(**given)


@pytest.mark.parametrize("given, code", [
    ("健康、残疾", "healthy_and_not"), ("还行", "not_allowed"), ([["sick"]], "not_allowed"),
    ({"$ne": None}, "not_list"), (7, "not_list"), (["年老"] * 9, "not_list"),
])
def test_bad_situations_are_named(given, code):
    with pytest.raises(ValidationFailed) as info:
        _guardian(situation=given)
    assert [(e["field"], e["code"]) for e in info.value.errors] == [("situation", code)]


def test_partial_change_of_health_only_touches_the_situation():
    assert load_or_raise(ChildChanges(), {"guardian": {"health": "体弱"}}, partial=True) == {
        "guardian": {"situation": ["weak"]}}


@pytest.mark.parametrize("situation, health", [
    (None, None), ([], "healthy"), (["elderly"], "elderly"), (["elderly", "weak"], "weak"),
    (["weak", "sick", "disabled"], "disabled")])
def test_one_value_health_is_the_most_serious(situation, health):
    assert files.health_of(situation) == health


def test_a_file_of_before_reads_its_single_health_as_a_situation():
    assert files.guardian_of({"name": "张", "health": "weak"}) == {"name": "张",
                                                                  "situation": ["weak"]}
    assert files.guardian_of({"name": "张", "health": "healthy"})["situation"] == []
    assert files.guardian_of({"name": "张"})["situation"] is None
    flags = files.flags_of({"family_hardship": 1, "migrant_left_behind": None,
                            "boards_at_school": 0, "lunch_at_school": None})
    assert flags == {"family_hardship": True, "low_income_registered": False,
                     "migrant_left_behind": False, "boards_at_school": False,
                     "lunch_at_school": None}


def test_flags_in_history_have_labels():
    old = _file()
    new = files.merge_changes(old, {"boards_at_school": True, "migrant_left_behind": True})
    assert {c["field"]: c["label"] for c in files.diff(old, new)} == {
        "boards_at_school": "住校", "migrant_left_behind": "流动留守"}
