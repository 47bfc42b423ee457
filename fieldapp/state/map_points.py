"""What the officer's map shows, flet-free: the district's focus locations that
have a place, and how many have none (27 of the 88 had no coordinates when the
map came), so the screen can say so instead of silently leaving them out.

Reads the phone's copy of the reference data (written only by a pull), so a
hotspot the team leader moved shows at its new place after the next sync.
"""

from __future__ import annotations

from dataclasses import dataclass

from fieldapp.state.places import Places

__all__ = ["HAARLEM", "MapPoint", "MapPoints", "map_points"]

# Where the map opens when nothing better is known: Haarlem's Grote Markt.
HAARLEM = (52.3812, 4.6368)


@dataclass(frozen=True)
class MapPoint:
    code: str
    name: str
    lat: float
    lon: float
    themes: tuple[str, ...] = ()


@dataclass(frozen=True)
class MapPoints:
    points: list[MapPoint]
    without_place: list[str]  # names of the district's hotspots with no coordinates
    position: tuple[float, float] | None  # the officer's own, when usable

    @property
    def center(self) -> tuple[float, float]:
        """Where the map opens: the officer, else the middle of the hotspots, else Haarlem."""
        if self.position is not None:
            return self.position
        if self.points:
            lat = sum(p.lat for p in self.points) / len(self.points)
            lon = sum(p.lon for p in self.points) / len(self.points)
            return (lat, lon)
        return HAARLEM


def map_points(state: Places) -> MapPoints:
    """The officer's district's active focus locations for the map (retired ones and
    those outside their period left out), with the officer's position."""
    rows = state.hotspots_for_map()
    points = [
        MapPoint(row.code, row.name, row.lat, row.lon, tuple(row.themes))
        for row in rows
        if row.lat is not None and row.lon is not None
    ]
    placed = {p.code for p in points}
    without = [c.name for c in state.hotspots() if c.code not in placed]
    pos = state.position()
    return MapPoints(points, without, (float(pos.lat), float(pos.lon)) if pos else None)
