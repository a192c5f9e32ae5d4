"""Domain rules as plain unit tests: no broker, no database."""
from datetime import date

import pytest
from cryptography.fernet import Fernet

from carekit.errors import Conflict, ValidationFailed
from registry import files, identity, lifecycle, roster
from registry.pii import Vault, mask_national_id, mask_phone


# -- national ID (GB 11643) --------------------------------------------------------------------
@pytest.mark.parametrize("first17, check", [
    ("11010519491231002", "X"),   # the standard's own example
    ("44030419850101001", "3"),   # worked by hand: sum 185, 185 % 11 = 9 -> 3
    ("43012420160517001", "9"),   # sum 212, 212 % 11 = 3 -> 9
])
def test_check_digit(first17, check):
    assert identity.check_digit(first17) == check


def test_national_id_is_normalised_and_read():
    value = identity.normalise_national_id(" 11010519491231002x ")
    assert value == "11010519491231002X"
    assert identity.birth_date_of(value) == date(1949, 12, 31)
    assert identity.gender_of(value) == "female"  # 17th digit 2 is even


@pytest.mark.parametrize("value, code", [
    ("1101051949123100", "bad_id_length"),
    ("1101051949123100X1", "bad_id_format"),
    ("11010519491231002A", "bad_id_format"),
    ("99010519491231002X", "bad_id_region"),
    ("110105194902300025", "bad_id_birth_date"),   # 30 February
    ("110105209901010021", "bad_id_birth_date"),   # born in the future
    ("110105194912310021", "bad_id_check_digit"),
])
def test_bad_national_ids(value, code):
    with pytest.raises(identity.IdentityError) as info:
        identity.normalise_national_id(value, today=date(2026, 11, 1))
    assert info.value.code == code
    assert info.value.message


def test_composed_ids_are_valid_and_carry_gender_and_birth_date():
    for seq in range(30):
        for gender in ("male", "female"):
            value = identity.compose_national_id("430124", date(2015, 2, 28), seq, gender)
            assert identity.normalise_national_id(value) == value
            assert identity.gender_of(value) == gender


# -- phones ------------------------------------------------------------------------------------
@pytest.mark.parametrize("raw, normal", [
    ("13812345678", "13812345678"), ("138 1234 5678", "13812345678"),
    ("+86 138-1234-5678", "13812345678"), ("8613812345678", "13812345678"),
    ("0731-84123456", "0731-84123456"), ("073184123456", "0731-84123456"),
    ("010-65123456", "010-65123456"), ("0731-8412345-801", "0731-8412345-801"),
])
def test_phone_formats(raw, normal):
    assert identity.normalise_phone(raw) == normal


@pytest.mark.parametrize("raw", ["12812345678", "1381234567", "138123456789", "0731-0123456",
                                 "84123456", "电话", "731-84123456"])
def test_bad_phones(raw):
    with pytest.raises(identity.IdentityError) as info:
        identity.normalise_phone(raw)
    assert info.value.code == "bad_phone"


# -- lifecycle ---------------------------------------------------------------------------------
@pytest.mark.parametrize("current, target, reason, recorded", [
    ("active", "not_left_behind", None, "parents_returned"),
    ("active", "graduated", None, "graduated"),
    ("not_left_behind", "active", None, "reactivated"),
    ("not_left_behind", "active", "parents_left_again", "parents_left_again"),
    ("graduated", "active", None, "reactivated"),
    ("not_left_behind", "graduated", None, "graduated"),
])
def test_allowed_transitions(current, target, reason, recorded):
    assert lifecycle.check_transition(current, target, reason) == recorded


def test_refused_transitions():
    with pytest.raises(Conflict) as info:
        lifecycle.check_transition("graduated", "not_left_behind")
    assert info.value.code == "transition_not_allowed"
    with pytest.raises(Conflict) as info:
        lifecycle.check_transition("active", "active")
    assert info.value.code == "same_status"
    with pytest.raises(ValidationFailed):
        lifecycle.check_transition("active", "graduated", "parents_returned")
    with pytest.raises(Conflict):
        lifecycle.check_editable("graduated")
    lifecycle.check_editable("not_left_behind")
    with pytest.raises(Conflict):
        lifecycle.check_transferable("not_left_behind")


# -- the file ----------------------------------------------------------------------------------
def _file(**overrides):
    file = {"name": "王芳", "national_id": identity.compose_national_id(
        "430124", date(2014, 6, 1), 3, "female"), "gender": "female", "birth_date": "2014-06-01",
        "school_id": "s", "class_id": "c", "township_id": "t", "grade": 5, "class_number": 1,
        "left_behind_type": "both_parents_away",
        "parents": [{"relation": "father", "phone": "13800000001", "work_city": "长沙"},
                    {"relation": "mother", "phone": "13800000002"}],
        "guardian": {"name": "王奶奶", "relation": "grandmother", "phone": "13800000003",
                     "situation": ["elderly"]},
        "family_hardship": False, "low_income_registered": False, "hardship_note": None,
        "special_needs": [], "notes": None, "household_id": "h", "status": "active",
        "migrant_left_behind": False, "boards_at_school": None, "lunch_at_school": True}
    file.update(overrides)
    return file


def test_whole_file_rules():
    assert files.problems(_file(), today=date(2026, 11, 1)) == []
    found = files.problems(_file(gender="male", birth_date="2014-06-02",
                                 left_behind_type="mother_away"), today=date(2026, 11, 1))
    assert [(p["field"], p["code"]) for p in found] == [
        ("birth_date", "birth_date_mismatch"), ("gender", "gender_mismatch"),
        ("parents.0.relation", "parent_not_away")]
    adult = identity.compose_national_id("430124", date(2000, 1, 1), 1, "female")
    assert [p["code"] for p in files.problems(
        _file(national_id=adult, birth_date=None), today=date(2026, 11, 1))] == ["not_a_child"]


def test_merge_keeps_what_was_not_mentioned():
    old = _file()
    new = files.merge_changes(old, {"guardian": {"age": 70},
                                    "parents": [{"relation": "mother", "work_city": "深圳"}],
                                    "left_behind_type": "mother_away"})
    assert new["guardian"] == dict(old["guardian"], age=70)
    assert new["parents"] == [{"relation": "mother", "phone": "13800000002", "work_city": "深圳"}]
    assert files.problems(new, today=date(2026, 11, 1)) == []


def test_diff_names_fields_and_masks_id_and_phones():
    old = _file()
    new = files.merge_changes(old, {"guardian": {"phone": "13900000009"}, "notes": "新备注",
                                    "parents": [{"relation": "father", "phone": "13800000001",
                                                 "work_city": "长沙"}],
                                    "left_behind_type": "father_away"})
    changes = {c["field"]: c for c in files.diff(old, new)}
    assert set(changes) == {"guardian.phone", "notes", "left_behind_type", "parents.mother",
                            "parents.mother.phone"}
    assert (changes["guardian.phone"]["old"], changes["guardian.phone"]["new"]) == (
        "138****0003", "139****0009")
    assert changes["parents.mother.phone"] == {"field": "parents.mother.phone",
                                               "label": "母亲电话", "old": "138****0002",
                                               "new": None}
    assert files.diff(old, files.merge_changes(old, {"notes": None})) == []


def test_snapshot_carries_no_id_or_phone():
    text = repr(files.snapshot("c1", 4, _file()))
    assert "13800000001" not in text and _file()["national_id"] not in text
    assert files.snapshot("c1", 4, _file())["parents"][0] == {
        "relation": "father", "work_province": None, "work_city": "长沙", "occupation": None,
        "home_frequency": None}


# -- PII ---------------------------------------------------------------------------------------
def test_vault_seals_opens_and_hashes_with_a_derived_key():
    key = Fernet.generate_key().decode()
    vault = Vault(key)
    sealed = vault.seal("13812345678")
    assert "13812345678" not in repr(sealed)
    assert vault.open(sealed) == "13812345678"
    assert vault.seal("13812345678")["enc"] != sealed["enc"]           # randomised encryption
    assert vault.seal("13812345678")["hash"] == sealed["hash"]         # stable lookup hash
    assert Vault(Fernet.generate_key().decode()).hash("13812345678") != sealed["hash"]
    import hashlib
    assert sealed["hash"] != hashlib.sha256(b"13812345678").hexdigest()


def test_masks():
    assert mask_national_id("430124201605170018") == "4301**************"
    assert mask_phone("13812345678") == "138****5678"
    assert mask_phone("0731-84123456") == "0731-****3456"
    assert mask_phone(None) is None


# -- roster rows -------------------------------------------------------------------------------
def test_row_becomes_payload_and_errors_point_at_columns():
    record = {"姓名": "陈一", "身份证号": "x", "年级": "三年级", "班级": "2班", "留守类型": "母亲外出",
              "母亲姓名": "刘某", "母亲电话": "138", "监护人姓名": "陈爷爷", "监护人关系": "祖父",
              "特殊需要": "健康、心理", "家庭困难": "是"}
    payload = roster.payload_of(record)
    assert payload["parents"] == [{"relation": "mother", "name": "刘某", "phone": "138"}]
    assert payload["guardian"] == {"name": "陈爷爷", "relation": "祖父"}
    assert payload["special_needs"] == [{"kind": "健康"}, {"kind": "心理"}]
    assert (roster.grade_of("三年级"), roster.grade_of("3"), roster.class_number_of("(2)班")) == (
        3, 3, 2)
    assert roster.column_of("parents.0.phone", payload) == "母亲电话"
    assert roster.column_of("parents.0.relation", payload) == "留守类型"
    assert roster.column_of("guardian.age", payload) == "监护人年龄"
    assert roster.column_of("class_id", payload) == "年级/班级"
    assert roster.column_of("national_id", payload) == "身份证号"
