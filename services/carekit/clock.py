"""Time as the schools keep it: stored instants are UTC, what people see is China time.

Schools keep Beijing time and China has no daylight saving, so a fixed offset is exact. The
county's calendar decides what "today" is: a record made at 00:30 in China belongs to that
China date, not to the UTC date before it.
"""
from datetime import date, datetime, timedelta, timezone

CHINA_TZ = timezone(timedelta(hours=8), "Asia/Shanghai")


def utc_now():
    return datetime.now(timezone.utc)


def china_date(moment):
    """The China calendar date of an aware instant (naive instants are taken as UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(CHINA_TZ).date()


def china_today(now=None):
    return china_date(now or utc_now())


def iso(value):
    """A date or datetime as ISO text (dates are stored as text: BSON has no date type);
    anything else unchanged."""
    return value.isoformat() if isinstance(value, (date, datetime)) else value
