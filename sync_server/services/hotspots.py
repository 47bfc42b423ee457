"""Hot spots and hot times: where and when the logs of a district come in.

These read the records of one period and one district (or a team leader's
districts) through the (district, local_date) and (district, weekday, hour)
indexes: a range scan, never the whole table. Times are local (Europe/Amsterdam).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import UTC, date, datetime, timedelta
from typing import Any

from pydantic import BaseModel
from sqlalchemy import and_, func, or_, update
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from sync_protocol import ErrorCode, RecordKind
from sync_server.errors import ServiceError
from sync_server.models import District, Hotspot, Record, Theme
from sync_server.services.geo import nearest
from sync_server.services.localtime import WEEKDAYS, local_now
from sync_server.services.push import hotspot_spots
from sync_server.services.scope import Scope

MAX_PERIOD_DAYS = 400
SUGGESTION_WEEKS = 8
SHIFT_HOURS = 4
TOP = 5


class HotspotCount(BaseModel):
    code: str | None  # None: logs that count for no hotspot
    name: str
    count: int


class Activity(BaseModel):
    scope: dict[str, Any]
    theme: str | None
    kind: str | None
    date_from: date
    date_to: date
    total: int
    by_hotspot: list[HotspotCount]
    weekdays: list[str]
    matrix: list[list[int]]  # [weekday 0=maandag][hour 0–23]


def _period(
    date_from: date | None, date_to: date | None, now: datetime | None
) -> tuple[date, date]:
    today = local_now(now).date()
    end = date_to or today
    start = date_from or end - timedelta(days=SUGGESTION_WEEKS * 7 - 1)
    if start > end:
        raise ServiceError(ErrorCode.INVALID_REQUEST, "date_from ligt na date_to.")
    if (end - start).days > MAX_PERIOD_DAYS:
        raise ServiceError(
            ErrorCode.INVALID_REQUEST, f"Kies een periode van hoogstens {MAX_PERIOD_DAYS} dagen."
        )
    return start, end


def _districts(session: Session, scope: Scope) -> Any:
    """The district condition, also for "all districts": an IN list over every
    district keeps the (district, ...) indexes usable for the beheerder."""
    codes = scope.districts if scope.districts is not None else every_district(session)
    return col(Record.district_code).in_(codes)


def _filters(
    session: Session, scope: Scope, theme: str | None, kind: str | None, start: date, end: date
) -> list[Any]:
    conditions: list[Any] = [
        _districts(session, scope),
        col(Record.local_date).between(start, end),
    ]
    if theme is not None:
        conditions.append(col(Record.theme_code) == theme)
    if kind is not None:
        conditions.append(col(Record.kind) == kind)
    return conditions


def every_district(session: Session) -> list[str]:
    """Every district code, retired ones included (their logs still count)."""
    return list(session.exec(select(District.code).order_by(col(District.code))).all())


def check_filters(session: Session, theme: str | None, kind: str | None) -> None:
    if theme is not None and session.get(Theme, theme) is None:
        raise ServiceError(ErrorCode.INVALID_REQUEST, "Onbekend thema.")
    if kind is not None and kind not in {k.value for k in RecordKind}:
        raise ServiceError(ErrorCode.INVALID_REQUEST, "Onbekende soort.")


def activity(
    session: Session,
    scope: Scope,
    *,
    theme: str | None = None,
    kind: str | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    now: datetime | None = None,
) -> Activity:
    """Counts by (assigned) hotspot and a weekday × hour matrix for a period."""
    check_filters(session, theme, kind)
    start, end = _period(date_from, date_to, now)
    where = _filters(session, scope, theme, kind, start, end)
    per_hotspot = session.exec(
        select(col(Record.assigned_hotspot_code), func.count())
        .where(*where)
        .group_by(col(Record.assigned_hotspot_code))
    ).all()
    matrix = [[0] * 24 for _ in range(7)]
    for weekday, hour, count in session.exec(
        select(col(Record.weekday), col(Record.hour), func.count())
        .where(*where)
        .group_by(col(Record.weekday), col(Record.hour))
    ).all():
        matrix[weekday][hour] = int(count)
    names = _names(session, [code for code, _ in per_hotspot if code])
    by_hotspot = [
        HotspotCount(
            code=code,
            name=names.get(code, code) if code else "zonder focuslocatie",
            count=int(n),
        )
        for code, n in per_hotspot
    ]
    by_hotspot.sort(key=lambda h: (-h.count, h.code is None, h.code or ""))
    return Activity(
        scope=scope.describe(),
        theme=theme,
        kind=kind,
        date_from=start,
        date_to=end,
        total=sum(h.count for h in by_hotspot),
        by_hotspot=by_hotspot,
        weekdays=list(WEEKDAYS),
        matrix=matrix,
    )


def _names(session: Session, codes: list[str]) -> dict[str, str]:
    if not codes:
        return {}
    return dict(
        session.exec(select(Hotspot.code, Hotspot.name).where(col(Hotspot.code).in_(codes))).all()
    )


# ---------------------------------------------------------------- patrol suggestion


class Shift(BaseModel):
    start: datetime
    end: datetime
    weekday: str
    hours: str  # "15–19 uur"


class Suggestion(BaseModel):
    rank: int
    hotspot: str
    name: str
    district: str
    lat: float | None
    lon: float | None
    count: int
    score: float
    theme: str | None
    reason: str


class PatrolSuggestion(BaseModel):
    scope: dict[str, Any]
    shift: Shift
    weeks: int
    suggestions: list[Suggestion]


def _plural(n: int, one: str, many: str) -> str:
    return one if n == 1 else many


def patrol_suggestion(
    session: Session, scope: Scope, *, start: datetime | None = None
) -> PatrolSuggestion:
    """Hotspots ranked by their activity in the same weekday and hours as the
    coming shift (start → +4 h) over the last 8 weeks, recent weeks weighing more."""
    begin = local_now(start)
    begin = begin.replace(minute=0, second=0, microsecond=0)
    slots = [begin + timedelta(hours=h) for h in range(SHIFT_HOURS)]
    hours_by_day: dict[int, list[int]] = defaultdict(list)
    for slot in slots:
        hours_by_day[slot.weekday()].append(slot.hour)
    first_day = begin.date() - timedelta(weeks=SUGGESTION_WEEKS)
    at_shift_times = or_(
        *(
            and_(col(Record.weekday) == day, col(Record.hour).in_(hours))
            for day, hours in sorted(hours_by_day.items())
        )
    )
    where: list[Any] = [
        _districts(session, scope),
        at_shift_times,
        col(Record.local_date) >= first_day,
        col(Record.local_date) <= begin.date(),
        col(Record.assigned_hotspot_code).is_not(None),
    ]
    rows = session.exec(
        select(
            col(Record.assigned_hotspot_code),
            col(Record.local_date),
            col(Record.kind),
            col(Record.theme_code),
        ).where(*where)
    ).all()
    begin_day = begin.date()
    score: dict[str, float] = defaultdict(float)
    count: Counter[str] = Counter()
    themes: dict[str, Counter[str]] = defaultdict(Counter)
    only_observations: dict[str, bool] = defaultdict(lambda: True)
    for code, day, kind, theme in rows:
        assert code is not None
        weeks_ago = min((begin_day - day).days // 7, SUGGESTION_WEEKS - 1)
        score[code] += (SUGGESTION_WEEKS - weeks_ago) / SUGGESTION_WEEKS
        count[code] += 1
        if theme:
            themes[code][theme] += 1
        if kind != RecordKind.WAARNEMING.value:
            only_observations[code] = False
    ranked = sorted(score, key=lambda c: (-round(score[c], 6), -count[c], c))[:TOP]
    spots = {
        h.code: h for h in session.exec(select(Hotspot).where(col(Hotspot.code).in_(ranked))).all()
    }
    theme_names = {
        code: name.lower() for code, name in session.exec(select(Theme.code, Theme.name)).all()
    }
    end_hour = (begin + timedelta(hours=SHIFT_HOURS)).hour or 24
    hours = f"{begin.hour}–{end_hour} uur"
    day_name = WEEKDAYS[begin.weekday()]
    suggestions: list[Suggestion] = []
    for rank, code in enumerate(ranked, start=1):
        spot = spots.get(code)
        top_theme = themes[code].most_common(1)[0][0] if themes[code] else None
        n = count[code]
        what = (
            _plural(n, "waarneming", "waarnemingen")
            if only_observations[code]
            else _plural(n, "registratie", "registraties")
        )
        theme_text = f" {theme_names.get(top_theme, top_theme)}" if top_theme else ""
        suggestions.append(
            Suggestion(
                rank=rank,
                hotspot=code,
                name=spot.name if spot else code,
                district=spot.district_code if spot else "",
                lat=spot.lat if spot else None,
                lon=spot.lon if spot else None,
                count=n,
                score=round(score[code], 3),
                theme=top_theme,
                reason=(
                    f"{n} {what}{theme_text} op {day_name} {hours} "
                    f"in de laatste {SUGGESTION_WEEKS} weken"
                ),
            )
        )
    return PatrolSuggestion(
        scope=scope.describe(),
        shift=Shift(
            start=begin.astimezone(UTC),
            end=(begin + timedelta(hours=SHIFT_HOURS)).astimezone(UTC),
            weekday=day_name,
            hours=hours,
        ),
        weeks=SUGGESTION_WEEKS,
        suggestions=suggestions,
    )


# ---------------------------------------------------------------- nightly re-assignment


def reassign_nearest(session: Session, *, max_m: float) -> int:
    """Recompute the assigned hotspot of logs that have coordinates and no hotspot
    of their own, with the configured distance and the current hotspots (the
    migration filled them with the default distance; hotspots may have moved)."""
    spots = hotspot_spots(session)
    changed = 0
    rows = session.execute(
        sa_select(
            col(Record.id),
            col(Record.district_code),
            col(Record.lat),
            col(Record.lon),
            col(Record.assigned_hotspot_code),
        ).where(
            col(Record.hotspot_code).is_(None),
            col(Record.lat).is_not(None),
            col(Record.lon).is_not(None),
        )
    ).all()
    for record_id, district, lat, lon, assigned in rows:
        best = nearest(spots, district=district, lat=lat, lon=lon, max_m=max_m)
        if best != assigned:
            session.execute(
                update(Record).where(col(Record.id) == record_id).values(assigned_hotspot_code=best)
            )
            changed += 1
    return changed
