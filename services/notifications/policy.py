"""A county's reminder rules: defaults from practice, the county's own changes merged on top,
and the calendar facts rules need (school semesters, quiet hours). No AMQP, no Mongo.

Defaults (the seed: 帮扶教师经常找留守儿童谈心 … 定期家访; 加强与留守儿童父母或监护人的交流与沟通):
a talk (谈心) every 14 days, a call with the parents or guardian (电话联系) every 30 days, a home
visit (家访) each semester (by its 60th day); overdue → the mentor, after 7 more days the head
teacher, after 7 more the school admins. Birthdays 3 days ahead. A child without a mentor
14 days after registration → the school admins, 14 days later → the county bureau.
"""
import copy
from datetime import date, timedelta

from notifications.clock import CHINA, at_china

DEFAULTS = {
    "contact_overdue": {
        "enabled": True,
        "cadence": {
            "talk": {"every_days": 14},
            "parent_call": {"every_days": 30},
            "home_visit": {"per_semester_by_day": 60},
        },
        "escalate_after_days": 7,
    },
    "birthday": {"enabled": True, "days_ahead": 3},
    "unpaired": {"enabled": True, "after_days": 14, "escalate_after_days": 14},
    "pairing_ended": {"enabled": True, "within_days": 30},
    "follow_up_due": {"enabled": True},
    "attendance_missing": {"enabled": True, "after_hours": 24},
    "duty_today": {"enabled": True},
    "flagged_record": {"enabled": True, "within_days": 14},
    "parent_summary": {"enabled": True, "day_of_month": 1, "at": "19:00"},
    "schedule": {
        "sweep_at": "07:30",               # China time the day's reminders go out
        "quiet_start": "21:30",            # no SMS or group-bot message from …
        "quiet_end": "07:30",              # … until (held, then sent)
        # school semesters as MM-DD; a semester may run over New Year
        "semesters": [{"start": "09-01", "end": "01-20"}, {"start": "02-20", "end": "07-10"}],
    },
    "bot_webhook_url": None,               # the county bureau's WeCom / DingTalk group bot
}
RULE_NAMES = tuple(k for k in DEFAULTS if k not in ("schedule", "bot_webhook_url"))


def merged(overrides):
    """DEFAULTS with a county's stored overrides laid over them (dicts merged key by key)."""
    result = copy.deepcopy(DEFAULTS)
    lay_over(result, overrides or {})
    return result


def lay_over(base, changes):
    """Lay `changes` over `base` in place, dicts merged key by key."""
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            lay_over(base[key], value)
        else:
            base[key] = copy.deepcopy(value)


def _month_day(text, year):
    month, day = (int(part) for part in text.split("-"))
    return birthday_in(date(2000, month, day), year)


def birthday_in(born, year):
    """The day `born`'s anniversary falls on in `year` (29 February → 28 in common years)."""
    try:
        return born.replace(year=year)
    except ValueError:
        return date(year, 2, 28)


def semester_of(day, schedule):
    """(start, end) of the semester containing `day`, else None (holidays)."""
    for year in (day.year - 1, day.year):
        for semester in schedule["semesters"]:
            start = _month_day(semester["start"], year)
            end = _month_day(semester["end"], year)
            if end < start:
                end = _month_day(semester["end"], year + 1)
            if start <= day <= end:
                return start, end
    return None


def next_semester_start(day, schedule):
    starts = sorted(_month_day(s["start"], year) for year in (day.year, day.year + 1)
                    for s in schedule["semesters"])
    return next(start for start in starts if start > day)


def _minutes(hhmm):
    hour, minute = (int(part) for part in hhmm.split(":"))
    return hour * 60 + minute


def in_quiet_hours(moment, schedule):
    local = moment.astimezone(CHINA)
    now, start, end = (local.hour * 60 + local.minute, _minutes(schedule["quiet_start"]),
                       _minutes(schedule["quiet_end"]))
    if start == end:
        return False
    return start <= now < end if start < end else (now >= start or now < end)


def quiet_hours_end(moment, schedule):
    """The first instant after `moment` outside quiet hours (China time)."""
    local = moment.astimezone(CHINA)
    end = at_china(local.date(), schedule["quiet_end"])
    return end if end > moment else at_china(local.date() + timedelta(days=1),
                                             schedule["quiet_end"])
