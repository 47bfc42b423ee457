"""Dates and times as an officer types them (dd-mm-jjjj, uu:mm), checked in Dutch."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from fieldapp.entry_errors import EntryInvalid


def _haarlem_zone() -> tzinfo | None:
    try:
        return ZoneInfo("Europe/Amsterdam")
    except ZoneInfoNotFoundError:  # a platform without a time-zone database
        return None


#: Haarlem's zone. An officer reads and types times in Haarlem time, whatever zone
#: the machine runs in (the web demo's server runs in UTC); None only where the
#: platform has no time-zone database, and then the machine's own zone is used.
HAARLEM = _haarlem_zone()


def haarlem(moment: datetime) -> datetime:
    """`moment` in Haarlem time, for showing it (a naive one is taken as UTC, the way
    the store writes it)."""
    moment = aware(moment)
    return moment.astimezone(HAARLEM) if HAARLEM is not None else moment.astimezone()


def now_haarlem() -> datetime:
    return haarlem(datetime.now(UTC))


_DATE = re.compile(r"^\s*(\d{1,2})[-/. ](\d{1,2})[-/. ](\d{4})\s*$")
_DATE_COMPACT = re.compile(r"^\s*(\d{2})(\d{2})(\d{4})\s*$")
_ISO_DATE = re.compile(r"^\s*(\d{4})-(\d{1,2})-(\d{1,2})\s*$")
_TIME = re.compile(r"^\s*(\d{1,2})[:.]?(\d{2})\s*$")


def _date_parts(text: str) -> tuple[int, int, int] | None:
    """(year, month, day) as typed, not yet checked for being a real day."""
    match = _DATE.match(text) or _DATE_COMPACT.match(text)
    if match:
        day, month, year = (int(g) for g in match.groups())
        return year, month, day
    if match := _ISO_DATE.match(text):
        year, month, day = (int(g) for g in match.groups())
        return year, month, day
    return None


def parse_date(text: str) -> date | None:
    """dd-mm-jjjj as typed (also with / or . or without separators, or yyyy-mm-dd)."""
    parts = _date_parts(text)
    if parts is None:
        return None
    try:
        return date(*parts)
    except ValueError:
        return None


def _checked_date(field: str, text: str, example: str) -> date:
    """A typed date, or EntryInvalid saying whether the form or the day is wrong:
    31-02 is typed well but does not exist, and the officer should hear that."""
    parts = _date_parts(text)
    if parts is None:
        raise EntryInvalid({field: f"typ de datum als dd-mm-jjjj{example}"})
    try:
        return date(*parts)
    except ValueError:
        raise EntryInvalid({field: "deze datum bestaat niet"}) from None


# A yellow card is for youths: a birth date that makes them younger than 12 or
# older than 23 on the day of the card is a typing error (e.g. this year typed).
YOUTH_MIN_AGE = 12
YOUTH_MAX_AGE = 23


def age_on(born: date, day: date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def parse_birth_date(text: str, today: date | None = None) -> str:
    """A birth date typed as dd-mm-jjjj, as ISO yyyy-mm-dd; EntryInvalid in Dutch."""
    if not text.strip():
        raise EntryInvalid({"geboortedatum": "is verplicht"})
    parsed = _checked_date("geboortedatum", text, ", bijv. 05-03-2010")
    today = today or date.today()
    if parsed > today:
        raise EntryInvalid({"geboortedatum": "ligt in de toekomst"})
    age = age_on(parsed, today)
    if not YOUTH_MIN_AGE <= age <= YOUTH_MAX_AGE:
        raise EntryInvalid(
            {
                "geboortedatum": f"geeft een leeftijd van {age} jaar; een gele kaart is voor "
                f"jongeren van {YOUTH_MIN_AGE} tot en met {YOUTH_MAX_AGE} jaar"
            }
        )
    return parsed.isoformat()


def parse_moment(date_text: str, time_text: str, now: datetime | None = None) -> datetime:
    """The form's date (dd-mm-jjjj) and time (uu:mm), typed in Haarlem time, as an
    aware datetime."""
    day = _checked_date("observed_at", date_text, "")
    match = _TIME.match(time_text)
    if match is None or int(match[1]) > 23 or int(match[2]) > 59:
        raise EntryInvalid({"observed_at": "typ de tijd als uu:mm, bijv. 14:05"})
    typed = datetime(day.year, day.month, day.day, int(match[1]), int(match[2]))
    moment = typed.replace(tzinfo=HAARLEM) if HAARLEM is not None else typed.astimezone()
    if moment > (now or datetime.now(UTC)) + timedelta(minutes=10):
        raise EntryInvalid({"observed_at": "ligt in de toekomst"})
    return moment


def aware(moment: datetime) -> datetime:
    """SQLite hands datetimes back without a zone; the store writes them in UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
