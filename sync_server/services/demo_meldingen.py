"""Residents' reports (meldingen) for the demo, imported the way a city's own
Signalen export is: so that `make run` shows the reports layer on the map, the
reports' series in the indicators and the before/during/after figures of a
wijkactie, instead of "–" everywhere.

Made near the demo district's focus locations, with the categories their themes
suggest, mostly in the evening; deterministic for a seed.
"""

from __future__ import annotations

import csv
import io
import math
import random
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from sync_protocol import Role
from sync_server.db import session_scope
from sync_server.models import Hotspot, Melding
from sync_server.services.meldingen_import import import_meldingen
from sync_server.services.scope import Scope

# Signalen's main and sub categories (slugs) per theme of a focus location.
CATEGORIES: dict[str, list[tuple[str, str]]] = {
    "afval": [("afval", "zwerfafval"), ("afval", "grofvuil"), ("afval", "container-is-vol")],
    "honden": [("overlast-van-dieren", "hondenpoep")],
    "parkeren": [("overlast-in-de-openbare-ruimte", "parkeeroverlast")],
    "jeugd": [("overlast-van-en-door-personen-of-groepen", "jongerenoverlast")],
    "dak-en-thuislozen": [("overlast-van-en-door-personen-of-groepen", "daklozen-bedelen")],
}
_ANY = [pair for pairs in CATEGORIES.values() for pair in pairs]
_HOURS = [9, 11, 13, 15, 16, 17, 18, 19, 20, 20, 21, 21, 22, 22, 23]


def demo_meldingen_csv(hotspots: list[Hotspot], days: int, today: date, seed: int) -> bytes:
    """A Signalen-shaped CSV export of reports near these focus locations."""
    rng = random.Random(seed)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["id", "created_at", "geometry", "status", "main_slug", "sub_slug"])
    number = 0
    for spot in hotspots:
        if spot.lat is None or spot.lon is None:
            continue
        choices = [pair for theme in spot.themes or [] for pair in CATEGORIES.get(theme, [])]
        for _ in range(rng.randint(1, 7)):
            number += 1
            main, sub = rng.choice(choices or _ANY)
            day = today - timedelta(days=rng.randrange(days))
            when = datetime.combine(day, time(rng.choice(_HOURS), rng.randrange(60)), UTC)
            # Within about 120 m of the focus location.
            north, east = rng.uniform(-120, 120), rng.uniform(-120, 120)
            lat = spot.lat + north / 111_320
            lon = spot.lon + east / (111_320 * math.cos(math.radians(spot.lat)))
            writer.writerow(
                [f"DEMO-{seed}-{number}", when.isoformat(), f"POINT ({lon:.6f} {lat:.6f})",
                 "o", main, sub]
            )  # fmt: skip
    return out.getvalue().encode()


def create_demo_meldingen(
    engine: Engine, *, days: int, today: date, max_m: float, seed: int = 2023
) -> int:
    """Import the demo reports once (idempotent by their ids); how many there are."""
    with Session(engine) as session:
        if session.exec(select(Melding.id).where(col(Melding.id).startswith("DEMO-"))).first():
            return 0
        hotspots = list(session.exec(select(Hotspot).where(col(Hotspot.retired).is_(False))))
    content = demo_meldingen_csv(hotspots, days, today, seed)
    with session_scope(engine) as session:
        result = import_meldingen(
            session, Scope(None, Role.BEHEERDER), content, form="csv", max_m=max_m
        )
    return result.created
