"""Hot spots and hot times: the weekday × hour heat map of recent activity."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

WEEKDAYS = ["ma", "di", "wo", "do", "vr", "za", "zo"]


@dataclass(frozen=True)
class HeatMap:
    weekdays: list[str]
    matrix: list[list[int]]  # [weekday][hour]
    maximum: int
    total: int
    ranked: list[tuple[str, int]]  # hotspot name, count
    period: str


def heat_map_from(data: dict[str, Any]) -> HeatMap:
    """The server's activity (hot spots and hot times) as the heat map shows it."""
    matrix = [list(row) for row in data["matrix"]]
    ranked = [
        (str(h.get("name") or h.get("code") or "Zonder focuslocatie"), int(h["count"]))
        for h in data["by_hotspot"]
    ]
    ranked.sort(key=lambda pair: -pair[1])
    start = date.fromisoformat(data["date_from"])
    end = date.fromisoformat(data["date_to"])
    return HeatMap(
        weekdays=WEEKDAYS,
        matrix=matrix,
        maximum=max((max(row) for row in matrix if row), default=0),
        total=int(data["total"]),
        ranked=ranked,
        period=f"{start:%d-%m-%Y} t/m {end:%d-%m-%Y}",
    )


def heat_colour(count: int, maximum: int) -> str:
    """White for none, then lighter to darker blue (five steps)."""
    if count <= 0 or maximum <= 0:
        return "#FFFFFF"
    steps = ["#DCE8F5", "#A9C7E8", "#6E9FD3", "#2F6DB5", "#0B3A6E"]
    index = min(len(steps) - 1, (count * len(steps) - 1) // maximum)
    return steps[index]
