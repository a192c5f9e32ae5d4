"""The reminder rules as pure functions: state + policy + a moment -> reminders, next look."""
from datetime import date, datetime, timedelta

import pytest

from notifications import policy as policies
from notifications import rules, templates
from notifications.clock import CHINA, at_china
from notifications.rules import ChildState, Recipient

POLICY = policies.merged(None)
MENTOR, HEAD = Recipient("staff", "t-mentor"), Recipient("staff", "t-head")
ADMIN, COUNTY = Recipient("staff", "t-admin"), Recipient("county", "c1")


def china(y, m, d, hh=9, mm=0):
    return datetime(y, m, d, hh, mm, tzinfo=CHINA)


def state(**overrides):
    base = dict(
        child={"id": "k1", "name": "王小明", "school_id": "s1", "class_id": "c1",
               "status": "active", "birth_date": date(2016, 5, 17),
               "registered_on": date(2026, 2, 20), "status_since": None,
               "in_mentor_scope": True},
        pairings=[{"pairing_id": "p1", "kind": "mentor", "partner_id": "t-mentor",
                   "partner_name": "刘老师", "status": "active", "started_on": date(2026, 3, 2),
                   "ended_on": None, "reason": None, "needs_repairing": False}],
        head_teacher=HEAD, admins=(ADMIN,), county=COUNTY,
        names={"class_name": "三年级1班", "school_name": "花明楼镇中心小学"})
    base.update(overrides)
    return ChildState(**base)


def keys(decision):
    return sorted((r.key, tuple(r.recipients)) for r in decision.reminders)


def test_a_talk_overdue_goes_to_the_mentor_then_head_teacher_then_admins():
    s = state(last_contacts={"talk": china(2026, 3, 10, 16), "parent_call": china(2026, 3, 20),
                             "home_visit": china(2026, 3, 5)})
    due = date(2026, 3, 24)  # 14 days after the last talk (China days)
    # the morning before the sweep time: nothing yet, look again at 07:30
    early = rules.contact_overdue(s, china(2026, 3, 24, 7, 0), POLICY)
    assert early.reminders == [] and early.recheck_at == at_china(due, "07:30")
    on_time = rules.contact_overdue(s, china(2026, 3, 24, 7, 31), POLICY)
    assert keys(on_time) == [("contact_overdue:k1:talk:2026-03-24:L0", (MENTOR,))]
    assert on_time.recheck_at == at_china(due + timedelta(days=7), "07:30")
    [reminder] = on_time.reminders
    assert reminder.params["last_date"] == "2026-03-10" and reminder.params["kind"] == "talk"
    week_later = rules.contact_overdue(s, china(2026, 3, 31, 8), POLICY)
    assert [r.recipients for r in week_later.reminders] == [(MENTOR,), (HEAD,)]
    two_weeks = rules.contact_overdue(s, china(2026, 4, 7, 8), POLICY)
    assert [r.level for r in two_weeks.reminders] == [0, 1, 2]
    assert two_weeks.reminders[2].recipients == (ADMIN,)
    # a talk logged since: nothing is due, the next look is 14 days after it
    done = state(last_contacts=dict(s.last_contacts, talk=china(2026, 4, 6, 10)))
    after = rules.contact_overdue(done, china(2026, 4, 7, 8), POLICY)
    assert [r for r in after.reminders if r.params["kind"] == "talk"] == []


def test_no_contact_yet_counts_from_the_pairing_start_and_escalation_falls_back():
    s = state(head_teacher=None, admins=())
    decision = rules.contact_overdue(s, china(2026, 3, 31, 8), POLICY)
    # talk due 2026-03-16 (14 days after pairing), escalations on 03-23 and 03-30
    talks = [r for r in decision.reminders if r.params["kind"] == "talk"]
    assert [r.recipients for r in talks] == [(MENTOR,), (COUNTY,), (COUNTY,)]


VISITS_ONLY = policies.merged({"contact_overdue": {"cadence": {"talk": None,
                                                               "parent_call": None}}})


def test_home_visit_once_per_semester_by_its_sixtieth_day():
    s = state(pairings=[dict(state().pairings[0], started_on=date(2025, 9, 1))])
    ahead = rules.contact_overdue(s, china(2025, 10, 20), VISITS_ONLY)
    assert ahead.reminders == [] and ahead.recheck_at == at_china(date(2025, 10, 31), "07:30")
    due = rules.contact_overdue(s, china(2025, 10, 31, 8), VISITS_ONLY)
    assert keys(due) == [("contact_overdue:k1:home_visit:2025-10-31:L0", (MENTOR,))]
    visited = state(pairings=s.pairings, last_contacts=dict(s.last_contacts,
                                                           home_visit=china(2025, 9, 20)))
    quiet = rules.contact_overdue(visited, china(2025, 11, 1, 8), VISITS_ONLY)
    assert quiet.reminders == []
    # the next look is the next semester's 60th day (spring starts 02-20)
    assert quiet.recheck_at == at_china(date(2026, 4, 21), "07:30")
    holidays = rules.contact_overdue(visited, china(2026, 8, 1), VISITS_ONLY)
    assert holidays.reminders == []


def test_county_cadence_changes_apply():
    county = policies.merged({"contact_overdue": {"cadence": {"talk": {"every_days": 7},
                                                              "home_visit": None}}})
    s = state(last_contacts={"talk": china(2026, 3, 10), "parent_call": china(2026, 3, 20)})
    decision = rules.contact_overdue(s, china(2026, 3, 17, 8), county)
    assert keys(decision) == [("contact_overdue:k1:talk:2026-03-17:L0", (MENTOR,))]


@pytest.mark.parametrize("now, expected", [
    (china(2026, 5, 14, 7, 29), []),
    (china(2026, 5, 14, 7, 30), ["birthday:k1:2026-05-17"]),
    (china(2026, 5, 17, 20), ["birthday:k1:2026-05-17"]),
    (china(2026, 5, 18, 8), []),
])
def test_birthday_three_days_ahead_in_china_time(now, expected):
    decision = rules.birthday(state(), now, POLICY)
    assert [r.key for r in decision.reminders] == expected
    for r in decision.reminders:
        assert r.recipients == (HEAD, MENTOR) and r.params["age"] == 10


def test_birthday_counts_china_days_not_utc_days():
    # 2026-05-13 23:50 UTC is already 07:50 on the 14th in China: the reminder is due
    from datetime import timezone
    utc = datetime(2026, 5, 13, 23, 50, tzinfo=timezone.utc)
    assert [r.key for r in rules.birthday(state(), utc, POLICY).reminders] == [
        "birthday:k1:2026-05-17"]


def test_leap_day_birthday_is_kept_on_28_february():
    s = state(child=dict(state().child, birth_date=date(2016, 2, 29)))
    decision = rules.birthday(s, china(2027, 2, 25, 8), POLICY)
    assert [r.key for r in decision.reminders] == ["birthday:k1:2027-02-28"]


def test_unpaired_child_reminds_admins_then_the_county():
    s = state(pairings=[])
    assert rules.unpaired(s, china(2026, 3, 5), POLICY).recheck_at == at_china(
        date(2026, 3, 6), "07:30")
    first = rules.unpaired(s, china(2026, 3, 6, 8), POLICY)
    assert keys(first) == [("unpaired:k1:2026-02-20:L0", (ADMIN,))]
    later = rules.unpaired(s, china(2026, 3, 20, 8), POLICY)
    assert keys(later) == [("unpaired:k1:2026-02-20:L0", (ADMIN,)),
                           ("unpaired:k1:2026-02-20:L1", (COUNTY,))]
    out_of_scope = state(pairings=[], child=dict(s.child, in_mentor_scope=False))
    assert rules.unpaired(out_of_scope, china(2026, 3, 20, 8), POLICY).reminders == []
    assert rules.unpaired(state(), china(2026, 3, 20, 8), POLICY).reminders == []


def test_a_pairing_ended_by_the_registry_asks_the_admins_to_re_pair():
    ended = {"pairing_id": "p0", "kind": "mentor", "partner_id": "t-old", "partner_name": "陈老师",
             "status": "ended", "started_on": date(2025, 9, 1), "ended_on": date(2026, 3, 10),
             "reason": "teacher_left", "needs_repairing": True}
    s = state(pairings=[ended])
    now = china(2026, 3, 10, 15)
    [reminder] = rules.pairing_ended(s, now, POLICY).reminders
    assert reminder.recipients == (ADMIN,) and reminder.due_at <= now
    repaired = state(pairings=[ended, dict(state().pairings[0], started_on=date(2026, 3, 11))])
    assert rules.pairing_ended(repaired, china(2026, 3, 12), POLICY).reminders == []
    released_by_hand = state(pairings=[dict(ended, needs_repairing=False)])
    assert rules.pairing_ended(released_by_hand, now, POLICY).reminders == []


def test_follow_up_due_goes_to_its_owner_on_the_day():
    owner = Recipient("volunteer", "v1")
    s = state(follow_ups=[{"action_id": "a1", "record_id": "r1", "owner": owner,
                           "due_on": date(2026, 4, 1)}])
    assert rules.follow_up_due(s, china(2026, 3, 31), POLICY).reminders == []
    assert keys(rules.follow_up_due(s, china(2026, 4, 1, 8), POLICY)) == [
        ("follow_up_due:a1:2026-04-01", (owner,))]


def test_flagged_record_goes_to_the_head_teacher_while_recent():
    s = state(flags=[{"item_id": "care-r9", "at": china(2026, 3, 9, 10), "by_id": "t-x",
                      "kind": "talk"}])
    assert keys(rules.flagged_record(s, china(2026, 3, 9, 11), POLICY)) == [
        ("flagged_record:care-r9", (HEAD,))]
    assert rules.flagged_record(s, china(2026, 4, 9), POLICY).reminders == []


def test_attendance_not_taken_reminds_the_organiser_a_day_after():
    organiser = Recipient("staff", "t-org")
    activity = {"id": "a1", "state": "scheduled", "starts_at": china(2026, 3, 10, 14),
                "ends_at": china(2026, 3, 10, 16), "organiser": organiser, "title": "主题队会",
                "kind": "theme_meeting", "school_id": "s1"}
    waiting = rules.attendance_missing(activity, china(2026, 3, 11, 15), POLICY)
    assert waiting.reminders == [] and waiting.recheck_at == china(2026, 3, 11, 16)
    assert keys(rules.attendance_missing(activity, china(2026, 3, 11, 16), POLICY)) == [
        ("attendance_missing:a1:2026-03-10", (organiser,))]
    held = dict(activity, state="held")
    assert rules.attendance_missing(held, china(2026, 3, 12), POLICY).reminders == []


def test_duty_today_goes_to_the_staff_on_the_rota():
    rota = {"school_id": "s1", "effective_from": date(2026, 3, 1), "slots": [
        {"weekday": 3, "period": "after_school", "place": "操场", "staff_ids": ["t1", "t2"]},
        {"weekday": 4, "period": "noon", "place": None, "staff_ids": ["t3"]}]}
    wednesday = china(2026, 3, 11, 8)
    [reminder] = rules.duty_today(rota, wednesday, POLICY).reminders
    assert reminder.recipients == (Recipient("staff", "t1"), Recipient("staff", "t2"))
    assert rules.duty_today(rota, wednesday, POLICY).recheck_at == at_china(date(2026, 3, 12),
                                                                            "07:30")



def test_a_swap_puts_the_substitute_on_duty_for_that_date_only():
    swap = {"duty_date": date(2026, 3, 11), "period": "after_school", "staff_id": "t1",
            "substitute_id": "t9"}
    rota = {"school_id": "s1", "effective_from": date(2026, 3, 1), "swaps": [swap], "slots": [
        {"weekday": 3, "period": "after_school", "staff_ids": ["t1", "t2"]}]}
    [reminder] = rules.duty_today(rota, china(2026, 3, 11, 8), POLICY).reminders
    assert reminder.recipients == (Recipient("staff", "t9"), Recipient("staff", "t2"))
    [next_week] = rules.duty_today(rota, china(2026, 3, 18, 8), POLICY).reminders
    assert next_week.recipients == (Recipient("staff", "t1"), Recipient("staff", "t2"))


def test_parent_summary_month_and_message_hold_no_notes():
    month, sent_at, next_at = rules.parent_summary_month(china(2026, 4, 1, 19, 5), POLICY)
    assert (month, sent_at, next_at) == (date(2026, 3, 1), at_china(date(2026, 4, 1), "19:00"),
                                         at_china(date(2026, 5, 1), "19:00"))
    earlier = rules.parent_summary_month(china(2026, 4, 1, 18), POLICY)
    assert earlier[0] == date(2026, 2, 1)
    decision = rules.parent_summary(
        {"child_id": "k1", "relations": ["father"], "child_name": "王小明", "school_id": "s1"},
        {"talk": 2, "home_visit": 1, "last": date(2026, 3, 20)}, month, sent_at, next_at, POLICY)
    [reminder] = decision.reminders
    assert reminder.recipients == (Recipient("parent", "k1.father"),)
    title, body = templates.render("parent_summary", dict(reminder.params, level=0))
    assert "3月" in title and "3次" in body and "谈心2次" in body and "3月20日" in body


def test_the_same_state_always_gives_the_same_keys():
    s = state(pairings=[], last_contacts={})
    now = china(2026, 5, 15, 8)
    assert keys(rules.evaluate_child(s, now, POLICY)) == keys(rules.evaluate_child(s, now,
                                                                                   POLICY))


def test_quiet_hours_are_china_time():
    schedule = POLICY["schedule"]
    assert policies.in_quiet_hours(china(2026, 3, 10, 22), schedule)
    assert policies.in_quiet_hours(china(2026, 3, 11, 6), schedule)
    assert not policies.in_quiet_hours(china(2026, 3, 11, 7, 30), schedule)
    assert policies.quiet_hours_end(china(2026, 3, 10, 22), schedule) == china(2026, 3, 11, 7,
                                                                              30)


def test_county_templates_are_checked_before_they_are_stored():
    assert templates.check("birthday", "{{ child_name }}生日\n祝{{ child_name }}生日快乐")
    for bad in ("{{ child_name ", "{{ phone_number }}\n正文", "\n只有正文",
                "{{ ''.__class__.__mro__ }}\nx"):
        with pytest.raises(templates.TemplateProblem):
            templates.check("birthday", bad)
