"""The phone's copy of the reference data, as the forms read it: districts,
themes, and hotspots ranked by distance or name.

Written only by a pull (fieldapp/pull_apply.py); read here, never changed.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from fieldapp import models as m
from fieldapp.local_wijkacties import haarlem_time, hotspot_active


@dataclass(frozen=True)
class HotspotChoice:
    code: str
    name: str
    district: str
    themes: list[str]
    distance_m: float | None


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    radius = 6_371_000.0
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * radius * math.asin(math.sqrt(a))


def districts(engine: Engine) -> list[m.District]:
    with Session(engine) as session:
        return list(session.exec(select(m.District).order_by(col(m.District.name))).all())


def themes(engine: Engine, kind: str | None = "handhaving") -> list[m.Theme]:
    with Session(engine) as session:
        query = select(m.Theme).order_by(col(m.Theme.name))
        if kind:
            query = query.where(m.Theme.kind == kind)
        return list(session.exec(query).all())


def hotspots(
    engine: Engine,
    *,
    districts: Iterable[str] | None = None,
    search: str = "",
    theme: str | None = None,
    near: tuple[float, float] | None = None,
    today: date | None = None,
) -> list[HotspotChoice]:
    """The district's hotspots an officer can pick (not retired, in their period):
    nearest first when a position is known, otherwise alphabetical; `search`
    matches any part of the name."""
    day = today or haarlem_time().date()
    with Session(engine) as session:
        query = select(m.Hotspot)
        if districts is not None:
            query = query.where(col(m.Hotspot.district).in_(list(districts)))
        rows = session.exec(query).all()
    needle = search.strip().lower()
    choices = []
    for row in rows:
        if not hotspot_active(row, day):
            continue
        if needle and needle not in row.name.lower():
            continue
        if theme and row.themes and theme not in row.themes:
            continue
        dist = None
        if near and row.lat is not None and row.lon is not None:
            dist = distance_m(near[0], near[1], row.lat, row.lon)
        choices.append(HotspotChoice(row.code, row.name, row.district, row.themes, dist))
    if near:
        choices.sort(key=lambda c: (c.distance_m is None, c.distance_m or 0, c.name))
    else:
        choices.sort(key=lambda c: c.name.lower())
    return choices


def hotspot_name(engine: Engine, code: str | None) -> str:
    if not code:
        return ""
    with Session(engine) as session:
        row = session.get(m.Hotspot, code)
    return row.name if row else code
