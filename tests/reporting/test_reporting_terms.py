"""The term calendar over RPC: valid terms kept, anything wrong refused by field with a code
and a Chinese message, and nothing changed."""
import pytest
from nameko.exceptions import RemoteError

from carekit.errors import parse_remote_error


def refused(call, payload):
    with pytest.raises(RemoteError) as info:
        call(payload)
    error = parse_remote_error(info.value)
    assert error["code"] == "validation_failed", error
    return {(e["field"], e["code"]) for e in error["errors"]}, error


def test_terms_are_kept_listed_and_found_by_day(reporting):
    svc = reporting().rpc
    first = svc.set_term({"county_id": "c1", "term": "2025-2026-1",
                          "starts_on": "2025-09-01", "ends_on": "2026-01-20"})
    assert first["label"] == "2025—2026学年第一学期"
    svc.set_term({"county_id": "c1", "term": "2025-2026-2", "starts_on": "2026-02-23",
                  "ends_on": "2026-07-05"})
    assert [t["term"] for t in svc.list_terms({"county_id": "c1"})] == ["2025-2026-1",
                                                                        "2025-2026-2"]
    assert svc.term_on({"county_id": "c1", "on": "2026-03-02"})["term"] == "2025-2026-2"
    assert svc.term_on({"county_id": "c1", "on": "2026-02-01"}) is None   # winter holiday
    assert svc.list_terms({"county_id": "c2"}) == []
    # changing a term's dates keeps one term
    svc.set_term({"county_id": "c1", "term": "2025-2026-1", "starts_on": "2025-09-02",
                  "ends_on": "2026-01-18"})
    assert svc.list_terms({"county_id": "c1"})[0]["starts_on"] == "2025-09-02"
    svc.delete_term({"county_id": "c1", "term": "2025-2026-2"})
    assert len(svc.list_terms({"county_id": "c1"})) == 1


def test_wrong_terms_are_refused_by_field_and_change_nothing(reporting):
    service = reporting()
    svc = service.rpc
    svc.set_term({"county_id": "c1", "term": "2025-2026-1", "starts_on": "2025-09-01",
                  "ends_on": "2026-01-20"})
    before = list(service.db.terms.find({}, {"updated_at": 0}))
    cases = [
        ({"county_id": "c1", "term": "2025-2027-1", "starts_on": "2025-09-01",
          "ends_on": "2026-01-20"}, ("term", "bad_term")),
        ({"county_id": "c1", "term": "2025-2026-3", "starts_on": "2025-09-01",
          "ends_on": "2026-01-20"}, ("term", "bad_term")),
        ({"county_id": "c1", "term": "2025-2026-2", "starts_on": "2026-07-01",
          "ends_on": "2026-03-01"}, ("ends_on", "ends_before_start")),
        ({"county_id": "c1", "term": "2025-2026-2", "starts_on": "2025-12-01",
          "ends_on": "2026-06-30"}, ("starts_on", "outside_school_year")),
        ({"county_id": "c1", "term": "2025-2026-2", "starts_on": "2026-01-10",
          "ends_on": "2026-06-30"}, ("starts_on", "overlaps_term")),
        ({"county_id": "c1", "term": "2025-2026-2", "starts_on": "2026-02-30",
          "ends_on": "2026-06-30"}, ("starts_on", "not_date")),
        ({"county_id": "c1", "term": "2025-2026-2"}, ("starts_on", "required")),
        ({"county_id": "c1", "term": "2025-2026-2", "starts_on": "2026-02-20",
          "ends_on": "2026-06-30", "colour": "red"}, ("colour", "unknown_field")),
    ]
    for payload, expected in cases:
        fields, error = refused(svc.set_term, payload)
        assert expected in fields, (payload, error)
        assert all(e["message"] for e in error["errors"])
    assert list(service.db.terms.find({}, {"updated_at": 0})) == before
    fields, _ = refused(svc.list_terms, {"county_id": {"$gt": ""}})
    assert ("county_id", "bad_id") in fields
