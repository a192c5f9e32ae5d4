"""Looking a child up by national ID is a reveal (issue 9 §2): a reason is required, the
look-up is audited found or not, and a holder outside the caller's scope is only said to
exist."""
import pytest
from nameko.exceptions import RemoteError

from carekit.errors import parse_remote_error
from registry.tests.helpers import child_payload, national_id


def _refusal(call, *args):
    with pytest.raises(RemoteError) as info:
        call(*args)
    return parse_remote_error(info.value)


def test_find_by_national_id_needs_a_reason_and_is_audited(registry, county, db):
    child = registry.register_child(child_payload(county))
    school = county["schools"][0]["id"]
    body = _refusal(registry.find_child_by_national_id, {"national_id": national_id(1)})
    assert [(e["field"], e["code"]) for e in body["errors"]] == [("reason", "reason_required")]
    assert db.pii_audit.count_documents({}) == 0

    outside = registry.find_child_by_national_id({
        "national_id": national_id(1), "reason": "核对是否已建档",
        "scope": {"school_ids": [county["schools"][1]["id"]]}})
    assert outside == {"registered_in_county": True}
    inside = registry.find_child_by_national_id({
        "national_id": national_id(1), "reason": "核对是否已建档",
        "scope": {"school_ids": [school]}})
    assert (inside["child_id"], inside["school_id"]) == (child["id"], school)
    assert _refusal(registry.find_child_by_national_id, {
        "national_id": national_id(5), "reason": "核对是否已建档"})["code"] == "not_found"

    audits = list(db.pii_audit.find({"purpose": "find_by_national_id"}, {"_id": 0, "at": 0}))
    assert [(a["subject_id"], a["reason"], a["fields"]) for a in audits] == [
        (child["id"], "核对是否已建档", ["national_id"]),
        (child["id"], "核对是否已建档", ["national_id"]), (None, "核对是否已建档", ["national_id"])]
    assert all(a["by"] for a in audits)
