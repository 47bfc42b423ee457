"""Haarlem's local time: what "this year", "tuesday 15–19 uur" and a day mean.

Observations are stored in UTC; every figure a person reads (a month, a hot
time, a working day) is in Europe/Amsterdam, daylight saving included.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sync_server.config import TIMEZONE

LOCAL = ZoneInfo(TIMEZONE)
WEEKDAYS = ("maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag")
MONTHS = (
    "januari",
    "februari",
    "maart",
    "april",
    "mei",
    "juni",
    "juli",
    "augustus",
    "september",
    "oktober",
    "november",
    "december",
)


@dataclass(frozen=True)
class LocalFields:
    local_date: date
    local_year: int
    local_month: int
    weekday: int  # 0 = Monday
    hour: int


def local_fields(moment: datetime) -> LocalFields:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    local = moment.astimezone(LOCAL)
    return LocalFields(local.date(), local.year, local.month, local.weekday(), local.hour)


def local_now(now: datetime | None = None) -> datetime:
    return (now or datetime.now(UTC)).astimezone(LOCAL)


def local_today(now: datetime | None = None) -> date:
    return local_now(now).date()


def add_working_days(day: date, days: int) -> date:
    """The date `days` working days (Monday–Friday) after `day`."""
    current = day
    left = days
    while left > 0:
        current += timedelta(days=1)
        if current.weekday() < 5:
            left -= 1
    return current
