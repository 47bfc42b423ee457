"""The phone's copy of the district actions (wijkacties) and the hotspots a map
shows: which are on today, which are on right now (their hot times).

Written only by a pull (fieldapp/pull_apply.py); read here. Times are Haarlem
time, as the team leader planned them.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from fieldapp import models as m
from fieldapp.dates import haarlem, now_haarlem


def haarlem_time(now: datetime | None = None) -> datetime:
    """`now` (default: the clock) in Haarlem time; a naive `now` is taken as
    Haarlem time already (hot times are planned as wall-clock times)."""
    if now is None:
        return now_haarlem()
    return now if now.tzinfo is None else haarlem(now)


def in_period(valid_from: str | None, valid_to: str | None, day: date) -> bool:
    """Whether `day` lies in an ISO-date period, both ends inclusive, None open."""
    text = day.isoformat()
    return (valid_from is None or valid_from <= text) and (valid_to is None or text <= valid_to)


def hotspot_active(row: m.Hotspot, day: date) -> bool:
    """A hotspot an officer can pick today: not retired and in its period."""
    return not row.retired and in_period(row.valid_from, row.valid_to, day)


def hotspots_for_map(
    engine: Engine, districts: Iterable[str] | None = None, day: date | None = None
) -> list[m.Hotspot]:
    """The active hotspots with coordinates (a marker each), by name."""
    today = day or haarlem_time().date()
    with Session(engine) as session:
        query = select(m.Hotspot).where(
            col(m.Hotspot.lat).is_not(None), col(m.Hotspot.lon).is_not(None)
        )
        if districts is not None:
            query = query.where(col(m.Hotspot.district).in_(list(districts)))
        rows = session.exec(query.order_by(col(m.Hotspot.name))).all()
    return [row for row in rows if hotspot_active(row, today)]


def wijkacties(
    engine: Engine,
    districts: Iterable[str] | None = None,
    *,
    include_past: bool = False,
    today: date | None = None,
) -> list[m.Wijkactie]:
    """The district's actions, soonest first; without `include_past` only those
    not yet over."""
    day = (today or haarlem_time().date()).isoformat()
    with Session(engine) as session:
        query = select(m.Wijkactie)
        if districts is not None:
            query = query.where(col(m.Wijkactie.district).in_(list(districts)))
        if not include_past:
            query = query.where(col(m.Wijkactie.ends_on) >= day)
        query = query.order_by(col(m.Wijkactie.starts_on), col(m.Wijkactie.title))
        return list(session.exec(query).all())


def wijkactie(engine: Engine, action_id: str) -> m.Wijkactie | None:
    with Session(engine) as session:
        return session.get(m.Wijkactie, action_id)


def on_now(action: m.Wijkactie, now: datetime | None = None) -> bool:
    """Whether the action is on at `now`: inside its period and one of its hot
    times (an action without hot times is on all day within its period)."""
    moment = haarlem_time(now)
    if not in_period(action.starts_on, action.ends_on, moment.date()):
        return False
    if not action.hot_times:
        return True
    return any(
        slot["weekday"] == moment.weekday() and slot["start_hour"] <= moment.hour < slot["end_hour"]
        for slot in action.hot_times
    )


def active_actions(
    engine: Engine, districts: Iterable[str] | None = None, now: datetime | None = None
) -> list[m.Wijkactie]:
    """The actions on right now (period and hot times), for the home screen."""
    moment = haarlem_time(now)
    current = wijkacties(engine, districts, today=moment.date())
    return [action for action in current if on_now(action, moment)]
