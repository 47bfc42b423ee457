"""Where the officer is and which focus location an entry is about."""

from __future__ import annotations

from datetime import UTC, datetime

from fieldapp import local_wijkacties, patrol
from fieldapp import models as m
from fieldapp.state.core import StateCore
from fieldapp.store import HotspotChoice


class Places(StateCore):
    """Focus locations: sorted by distance, the one a form starts with, and the
    patrol suggestion fetched at the last sync."""

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

    def default_hotspot(self, theme: str | None = None) -> tuple[HotspotChoice, str] | None:
        """The focus location a form starts with, and why (shown to the officer):
        the nearest when the position is known, else the last one used, else the
        first of the district."""
        choices = self.hotspots(theme=theme)
        if not choices:
            return None
        if choices[0].distance_m is not None:
            return choices[0], f"dichtstbij ({distance_text(choices[0].distance_m)})"
        by_code = {choice.code: choice for choice in choices}
        for entry in self.store.entries(limit=50):
            code = entry.payload.get("hotspot")
            if code in by_code:
                return by_code[code], "laatst gebruikt"
        return choices[0], "eerste van je stadsdeel"

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
