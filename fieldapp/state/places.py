"""Where the officer is and which focus location an entry is about."""

from __future__ import annotations

from datetime import UTC, datetime

from fieldapp import local_wijkacties, patrol
from fieldapp import models as m
from fieldapp.location import Position
from fieldapp.state.core import StateCore
from fieldapp.store import HotspotChoice

# A focus location is only suggested this close: the same distance the server
# uses to link an entry without a focus location to one (HV_NEAREST_HOTSPOT_M).
NEAREST_HOTSPOT_M = 250.0


class Places(StateCore):
    """Focus locations: sorted by distance, the one a form starts with, and the
    patrol suggestion fetched at the last sync."""

    nearest_hotspot_m: float = NEAREST_HOTSPOT_M  # set per instance to configure

    def patrol_suggestion(self, now: datetime | None = None) -> patrol.PatrolSuggestion | None:
        """Where to go this shift, as fetched at the last sync (None before the first)."""
        return patrol.load(self.folder, now or datetime.now(UTC))

    def hotspots(self, search: str = "", theme: str | None = None) -> list[HotspotChoice]:
        pos = self.position()
        return self.store.hotspots(
            districts=self.districts or None,
            search=search,
            theme=theme,
            near=(pos.lat, pos.lon) if pos else None,
        )

    def hotspot_name(self, code: str | None) -> str:
        return self.store.hotspot_name(code)

    def default_hotspot(
        self, theme: str | None = None, now: datetime | None = None
    ) -> tuple[HotspotChoice, str] | None:
        """The focus location a form starts with, and why (shown to the officer):
        only the nearest, and only when it is within `nearest_hotspot_m` of a known
        position (the server's rule, DEFAULT_NEAREST_HOTSPOT_M). Anything else
        (no position, a far one, no history) preselects nothing: a wrong place
        the officer does not notice is worse than a choice they have to make."""
        choices = self.hotspots(theme=theme)
        if not choices or choices[0].distance_m is None:
            return None
        nearest = choices[0]
        assert nearest.distance_m is not None
        if nearest.distance_m > self.nearest_hotspot_m:
            return None
        return nearest, "dichtstbij (" + fix_text(nearest.distance_m, self.position(), now) + ")"

    def nearby_hotspots(self, limit: int = 5) -> list[HotspotChoice]:
        return self.hotspots()[:limit]

    def hotspots_for_map(self) -> list[m.Hotspot]:
        """The officer's districts' active hotspots with coordinates (map markers)."""
        return self.store.hotspots_for_map(self.districts or None)

    def wijkacties(self, include_past: bool = False) -> list[m.Wijkactie]:
        """The district actions of the officer's districts, soonest first."""
        return self.store.wijkacties(self.districts or None, include_past=include_past)

    def active_actions(self, now: datetime | None = None) -> list[m.Wijkactie]:
        """The actions on right now (period and hot times), for the home screen."""
        return local_wijkacties.active_actions(self.store.engine, self.districts or None, now)


def distance_text(metres: float) -> str:
    if metres < 1000:
        return f"{round(metres / 10) * 10:.0f} m"
    return f"{metres / 1000:.1f} km".replace(".", ",")


def fix_text(metres: float, pos: Position | None, now: datetime | None = None) -> str:
    """ "120 m, GPS ±15 m, 2 min oud": what the officer needs to trust a suggestion."""
    parts = [distance_text(metres)]
    if pos is not None and pos.accuracy_m is not None:
        parts.append(f"GPS ±{pos.accuracy_m:.0f} m")
    if pos is not None and pos.taken_at is not None:
        age = max(0.0, ((now or datetime.now(UTC)) - pos.taken_at).total_seconds())
        parts.append("net bepaald" if age < 60 else f"{age // 60:.0f} min oud")
    return ", ".join(parts)
