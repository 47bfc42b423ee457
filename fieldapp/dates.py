"""Dates and times as an officer types them (dd-mm-jjjj, uu:mm), checked in Dutch."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

from fieldapp.store import EntryInvalid

_DATE = re.compile(r"^\s*(\d{1,2})[-/. ](\d{1,2})[-/. ](\d{4})\s*$")
_DATE_COMPACT = re.compile(r"^\s*(\d{2})(\d{2})(\d{4})\s*$")
_ISO_DATE = re.compile(r"^\s*(\d{4})-(\d{1,2})-(\d{1,2})\s*$")
_TIME = re.compile(r"^\s*(\d{1,2})[:.]?(\d{2})\s*$")


def parse_date(text: str) -> date | None:
    """dd-mm-jjjj as typed (also with / or . or without separators, or yyyy-mm-dd)."""
    match = _DATE.match(text) or _DATE_COMPACT.match(text)
    if match:
        day, month, year = (int(g) for g in match.groups())
    elif match := _ISO_DATE.match(text):
        year, month, day = (int(g) for g in match.groups())
    else:
        return None
    try:
        return date(year, month, day)
    except ValueError:
        return None


def parse_birth_date(text: str) -> str:
    """A birth date typed as dd-mm-jjjj, as ISO yyyy-mm-dd; EntryInvalid in Dutch."""
    if not text.strip():
        raise EntryInvalid({"geboortedatum": "is verplicht"})
    parsed = parse_date(text)
    if parsed is None:
        raise EntryInvalid({"geboortedatum": "typ de datum als dd-mm-jjjj, bijv. 05-03-2010"})
    if parsed > date.today():
        raise EntryInvalid({"geboortedatum": "ligt in de toekomst"})
    return parsed.isoformat()


def parse_moment(date_text: str, time_text: str, now: datetime | None = None) -> datetime:
    """The form's date (dd-mm-jjjj) and time (uu:mm) as an aware local datetime."""
    day = parse_date(date_text)
    if day is None:
        raise EntryInvalid({"observed_at": "typ de datum als dd-mm-jjjj"})
    match = _TIME.match(time_text)
    if match is None or int(match[1]) > 23 or int(match[2]) > 59:
        raise EntryInvalid({"observed_at": "typ de tijd als uu:mm, bijv. 14:05"})
    moment = datetime(day.year, day.month, day.day, int(match[1]), int(match[2])).astimezone()
    if moment > (now or datetime.now(UTC)) + timedelta(minutes=10):
        raise EntryInvalid({"observed_at": "ligt in de toekomst"})
    return moment


def aware(moment: datetime) -> datetime:
    """SQLite hands datetimes back without a zone; the store writes them in UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
