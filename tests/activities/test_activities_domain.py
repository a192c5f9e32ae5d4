"""The activities domain rules in plain Python (no broker, no database)."""
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from activities import domain


def test_stamps_sort_as_time_and_keep_milliseconds():
    moments = [datetime(2026, 1, 1, 23, 59, 59, 999999, tzinfo=timezone.utc),
               datetime(2026, 1, 2, 8, 0, tzinfo=domain.CHINA_TZ),  # = 00:00 UTC
               datetime(2025, 12, 31, tzinfo=timezone(timedelta(hours=-5)))]
    stamps = [domain.stamp(m) for m in moments]
    assert stamps == ["2026-01-01T23:59:59.999Z", "2026-01-02T00:00:00.000Z",
                      "2025-12-31T05:00:00.000Z"]
    assert sorted(stamps) == [domain.stamp(m) for m in sorted(moments)]
    assert domain.as_utc(stamps[1]) == moments[1]
    assert domain.local_date("2026-01-01T16:30:00.000Z") == date(2026, 1, 2)  # Beijing
    assert domain.day_start(date(2026, 1, 2)) == "2026-01-01T16:00:00.000Z"


def test_cursor_round_trip_and_forgeries():
    cursor = domain.encode_cursor("2026-01-01T00:00:00.000Z", "cr_1")
    assert domain.decode_cursor(cursor) == ("2026-01-01T00:00:00.000Z", "cr_1")
    for forged in ("", "!!", "bm90IG1pbmU", domain.encode_cursor("yesterday", "cr_1"),
                   domain.encode_cursor("2026-01-01T00:00:00Z", "cr_1"),
                   domain.encode_cursor("2026-01-01T00:00:00.000Z", 7)):
        with pytest.raises(domain.BadCursor):
            domain.decode_cursor(forged)


def test_merge_is_newest_first_with_id_as_tie_breaker():
    at = "2026-01-01T00:00:00.000Z"
    batches = [[{"_id": "cr_2", "at": at}, {"_id": "cr_1", "at": at}],
               [{"_id": "gd_1", "at": "2026-01-02T00:00:00.000Z"}, {"_id": "gd_0", "at": at}]]
    assert [i["_id"] for i in domain.newest_first(batches, 3)] == ["gd_1", "gd_0", "cr_2"]


def test_author_role_follows_the_pairing_dates():
    pairings = [{"kind": "mentor", "person_id": "t1", "started_on": "2026-01-01",
                 "ended_on": "2026-02-01"},
                {"kind": "proxy_parent", "person_id": "v1", "started_on": "2026-01-15",
                 "ended_on": None}]
    assert domain.author_role(pairings, "t1", "2025-12-31") == "other"
    assert domain.author_role(pairings, "t1", "2026-01-01") == "mentor"
    assert domain.author_role(pairings, "t1", "2026-02-01") == "mentor"  # last day counts
    assert domain.author_role(pairings, "t1", "2026-02-02") == "other"
    assert domain.author_role(pairings, "v1", "2026-06-01") == "proxy_parent"
    assert domain.author_role(pairings, "x", "2026-06-01") == "other"
    assert domain.flags_for("other", {"active": False}) == ["not_paired", "author_inactive"]
    assert domain.flags_for("mentor", {"active": True}) == []


def test_money_attendance_and_progress():
    assert domain.to_fen(Decimal("200.50")) == 20050 and domain.yuan(20050) == "200.50"
    assert domain.to_fen(Decimal("0.01")) == 1 and domain.to_fen(None) is None
    roll = [{"status": "present", "left_behind": True}, {"status": "present",
                                                         "left_behind": False},
            {"status": "absent", "left_behind": True}, {"status": "excused"}]
    assert domain.attendance_counts(roll) == {"present": 2, "absent": 1, "excused": 1,
                                              "left_behind_present": 1}
    assert domain.average_percent([{"score": 45, "full_marks": 50},
                                   {"score": 70, "full_marks": 100}]) == 80.0
    steps = domain.progress([{"term": "2025-2026-1", "average_percent": 80.0,
                              "behaviour_rating": "good"},
                             {"term": "2024-2025-2", "average_percent": 72.5,
                              "behaviour_rating": "poor"}])
    assert "average_change" not in steps[0]
    assert steps[1]["average_change"] == 7.5 and steps[1]["behaviour_change"] == 2


def test_the_rota_in_force_on_a_day():
    versions = [{"revision": 1, "effective_from": "2026-03-02", "slots": [
                    {"weekday": 1, "period": "noon", "staff_ids": ["a"]}]},
                {"revision": 2, "effective_from": "2026-03-09", "slots": [
                    {"weekday": 1, "period": "noon", "staff_ids": ["b"]},
                    {"weekday": 2, "period": "after_school", "staff_ids": ["c"]}]}]
    assert domain.rota_in_force(versions, date(2026, 3, 1)) is None
    assert domain.rota_in_force(versions, date(2026, 3, 8))["revision"] == 1
    monday = date(2026, 3, 9)
    assert [s["staff_ids"] for s in domain.duty_slots(
        domain.rota_in_force(versions, monday), monday)] == [["b"]]
    assert domain.duty_slots(None, monday) == []
