"""Days as the server counts them (Haarlem time) and as the screens write them."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


def haarlem_today() -> date:
    """Today where the logs are made: the server counts days in Haarlem time, and a
    team leader's laptop set to UTC would otherwise lose the last day after 23:00."""
    try:
        return datetime.now(ZoneInfo("Europe/Amsterdam")).date()
    except ZoneInfoNotFoundError:  # a platform without a time-zone database
        return date.today()


def day_text(value: str | None) -> str:
    return f"{date.fromisoformat(value):%d-%m-%Y}" if value else "–"
