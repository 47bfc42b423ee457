"""Distances and the nearest hotspot of a district."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

EARTH_RADIUS_M = 6_371_000.0


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine); plenty precise within a city."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(a))


@dataclass(frozen=True)
class Spot:
    code: str
    district_code: str
    lat: float
    lon: float


def nearest(
    spots: Iterable[Spot], *, district: str, lat: float, lon: float, max_m: float
) -> str | None:
    """The code of the district's hotspot nearest to the point, if within max_m."""
    best: tuple[float, str] | None = None
    for spot in spots:
        if spot.district_code != district:
            continue
        d = distance_m(lat, lon, spot.lat, spot.lon)
        if d <= max_m and (best is None or (d, spot.code) < best):
            best = (d, spot.code)
    return best[1] if best else None
