"""Time for the notifications service: an injectable clock, and China dates.

Rules and the scheduler ask `clock.now()` (aware UTC); a test or a drill passes another clock
in the service config (key NOTIFICATIONS_CLOCK) and moves it. Dates people see and the
days rules count are China dates (Asia/Shanghai, UTC+8 all year).
"""
import time
from datetime import date, datetime, timedelta, timezone

from nameko.extensions import DependencyProvider

from carekit.clock import CHINA_TZ as CHINA
from carekit.clock import china_date as china_day  # noqa: F401  (the rules' "today")

CONFIG_KEY = "NOTIFICATIONS_CLOCK"


class SystemClock:
    def now(self):
        return datetime.now(timezone.utc)


class OffsetClock:
    """Runs at real speed from a moment you set: retries and backoff still elapse while a
    test has put the calendar at 23:00 on some day."""

    def __init__(self, start=None):
        self._offset = 0.0
        if start is not None:
            self.set(start)

    def set(self, moment):
        self._offset = moment.timestamp() - time.time()

    def advance(self, **delta):
        self._offset += timedelta(**delta).total_seconds()

    def now(self):
        return datetime.fromtimestamp(time.time() + self._offset, timezone.utc)


class Clock(DependencyProvider):
    def setup(self):
        self.clock = self.container.config.get(CONFIG_KEY) or SystemClock()

    def get_dependency(self, worker_ctx):
        return self.clock


def at_china(day, hhmm):
    """The instant (aware UTC) of China time `hhmm` ("07:30") on `day`."""
    hour, minute = (int(part) for part in hhmm.split(":"))
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=CHINA).astimezone(
        timezone.utc)


def epoch(moment):
    return moment.timestamp()


def from_epoch(seconds):
    return datetime.fromtimestamp(seconds, timezone.utc)


def parse_day(text):
    return date.fromisoformat(text) if isinstance(text, str) else text
