"""The programme's indicator table and trends as the Indicatoren tab shows them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

MONTHS = [
    "jan",
    "feb",
    "mrt",
    "apr",
    "mei",
    "jun",
    "jul",
    "aug",
    "sep",
    "okt",
    "nov",
    "dec",
]


@dataclass(frozen=True)
class TrendPoint:
    year: int
    value: float | None  # None: no figure, or suppressed
    text: str  # as the table shows it: a number, "<5" or "–"
    baseline: bool  # from the programme (2019–2022), not from the logs
    label: str = ""  # under the bar, if not the year ("jan" for a month)

    @property
    def caption(self) -> str:
        return self.label or str(self.year)


@dataclass(frozen=True)
class Trend:
    code: str
    name: str
    source: str
    points: list[TrendPoint]

    @property
    def maximum(self) -> float:
        return max((p.value for p in self.points if p.value is not None), default=0.0)


@dataclass(frozen=True)
class IndicatorLine:
    name: str
    source: str
    cells: list[str]  # one per year: a number, "<5", or "–"
    code: str = ""


def cell_text(cell: dict[str, Any] | None) -> str:
    if not cell or cell.get("value") is None:
        return "–"
    value = cell["value"]
    if isinstance(value, str):
        return value  # "<5" as the server gives it
    if isinstance(value, float) and not value.is_integer():
        return f"{value:.1f}".replace(".", ",")
    return str(int(value))
