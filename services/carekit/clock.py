"""Time as the schools keep it: stored instants are UTC, what people see is China time; and
the database server's clock, which leases are measured against.

Schools keep Beijing time and China has no daylight saving, so a fixed offset is exact. The
county's calendar decides what "today" is: a record made at 00:30 in China belongs to that
China date, not to the UTC date before it.
"""
import time
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


class ServerClock:
    """The database server's time, as epoch seconds, from this process: the local clock plus
    an offset measured against the server (`hello`'s localTime), refreshed now and then.
    Leases compare only times read from this one clock."""

    refresh_seconds = 300

    def __init__(self, database, local=time.time):
        self.database = database
        self.local = local  # this host's clock (a test gives one that is off)
        self._offset = None
        self._measured = 0.0

    def now(self):
        if self._offset is None or time.monotonic() - self._measured > self.refresh_seconds:
            self._measure()
        return self.local() + self._offset

    def _measure(self):
        before = self.local()
        server = self.database.command("hello").get("localTime")
        after = self.local()
        if server is None:
            self._offset = 0.0
        else:
            if server.tzinfo is None:
                server = server.replace(tzinfo=timezone.utc)
            self._offset = server.timestamp() - (before + after) / 2
        self._measured = time.monotonic()
