"""History entered late (issue 10): files are opened by the roster import, weeks into a
term whose care work is already under way. Records back to the start of that term are
accepted and judged against the pairings made in the school's first weeks on the system;
earlier dates are refused as slips."""
from datetime import date, timedelta

from activities import domain
from tests.activities.support import build_school


def test_term_start():
    assert domain.term_start(date(2026, 11, 29)) == date(2026, 9, 1)
    assert domain.term_start(date(2026, 9, 1)) == date(2026, 9, 1)
    assert domain.term_start(date(2026, 8, 31)) == date(2026, 2, 1)   # summer: spring's
    assert domain.term_start(date(2027, 1, 15)) == date(2026, 9, 1)   # winter: autumn's
    assert domain.term_start(date(2026, 3, 10)) == date(2026, 2, 1)


def test_a_pairing_made_in_the_first_weeks_covers_history_entered_late():
    mentor = {"kind": "mentor", "person_id": "t1", "started_on": "2026-11-20"}
    late = {"kind": "mentor", "person_id": "t2", "started_on": "2026-12-20"}
    ended = {"kind": "proxy_parent", "person_id": "v1", "started_on": "2026-11-20",
             "ended_on": "2026-10-01"}
    pairings = [mentor, late, ended]
    opened = "2026-11-15"
    assert domain.author_role(pairings, "t1", "2026-09-10", opened) == "mentor"
    assert domain.author_role(pairings, "t2", "2026-09-10", opened) == "other"
    assert domain.author_role(pairings, "v1", "2026-09-10", opened) == "proxy_parent"
    assert domain.author_role(pairings, "v1", "2026-10-02", opened) == "other"
    # after the file was opened the usual rule: from the pairing's start
    assert domain.author_role(pairings, "t1", "2026-11-16", opened) == "other"


def test_records_back_to_the_term_start_of_the_file(world):
    school = build_school(world, registered_days_ago=0)   # imported today, mentor paired today
    earliest = domain.term_start(school.registered_on)
    child, mentor = school.child_ids[0], school.teacher_ids[0]
    record = world.call("log_care_record", {
        "child_id": child, "by_id": mentor, "kind": "home_visit",
        "occurred_at": "{}T16:00:00+08:00".format(earliest.isoformat())})
    assert record["by_role"] == "mentor" and record["flagged"] is False
    entry = world.call("add_diary_entry", {"child_id": child, "by_id": mentor,
                                           "entry_date": earliest.isoformat(), "study": "好"})
    assert entry["flagged"] is False
    stranger = world.call("log_care_record", {
        "child_id": child, "by_id": school.teacher_ids[2], "kind": "talk",
        "occurred_at": "{}T16:00:00+08:00".format(earliest.isoformat())})
    assert stranger["flag_reasons"] == ["not_paired"]
    too_early = (earliest - timedelta(days=1)).isoformat()
    error = world.error("log_care_record", {"child_id": child, "by_id": mentor,
                                            "kind": "talk",
                                            "occurred_at": too_early + "T16:00:00+08:00"})
    assert [(e["field"], e["code"]) for e in error["errors"]] == [("occurred_at",
                                                                   "before_registration")]
    assert earliest.isoformat() in error["errors"][0]["message"]
    assert world.error("add_diary_entry", {"child_id": child, "by_id": mentor,
                                           "entry_date": too_early, "study": "好"})[
        "errors"][0]["code"] == "before_registration"
