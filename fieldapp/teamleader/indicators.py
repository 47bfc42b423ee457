"""The programme's indicator table and trends as the Indicatoren tab shows them.

Every line says what it counts (officers' logs or residents' reports, or an
import), for which area, and whether its figures are the nightly stand or
counted live today."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fieldapp.teamleader.review import local_time

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
    area: str = ""  # "stadsdeel Noord", "heel Haarlem"
    haarlem: Trend | None = None  # for a selection: the Haarlem-wide trend beside it

    @property
    def maximum(self) -> float:
        return max((p.value for p in self.points if p.value is not None), default=0.0)


@dataclass(frozen=True)
class IndicatorLine:
    name: str
    source: str
    cells: list[str]  # one per year: a number, "<5", or "–"
    code: str = ""
    area: str = ""  # "stadsdeel Noord", or "heel Haarlem"
    haarlem: bool = False  # the Haarlem-wide line beside a selection's line
    live: str | None = None  # this year counted live today, if asked for


def cell_text(cell: dict[str, Any] | None) -> str:
    if not cell or cell.get("value") is None:
        return "–"
    value = cell["value"]
    if isinstance(value, str):
        return value  # "<5" as the server gives it
    if isinstance(value, float) and not value.is_integer():
        return f"{value:.1f}".replace(".", ",")
    return str(int(value))


# What a row counts, as the table names it (the server sends `data_source`).
SOURCE_LABELS = {
    "handhavers": "Registraties handhavers",
    "meldingen": "Meldingen bewoners (gemeente)",
}
HAARLEM = "heel Haarlem"


def source_label(row: dict[str, Any]) -> str:
    kind = row.get("data_source")
    if kind in SOURCE_LABELS:
        return SOURCE_LABELS[kind]
    return str(row.get("data_source_name") or row.get("source_name") or row.get("source") or "")


@dataclass(frozen=True)
class IndicatorTableView:
    """The table as the tab shows it: per indicator a line for the chosen area and,
    for a selection of districts, a "heel Haarlem" line beside it (the 2019–2022
    baseline is Haarlem-wide and is set only beside Haarlem-wide figures)."""

    years: list[int]
    lines: list[IndicatorLine]
    area_name: str  # "stadsdeel Noord", "heel Haarlem"
    basis: str  # "nachtelijke stand van 1 december 2026"
    live_header: str | None  # "2026 vandaag (live)": the live column, if asked for
    haarlem_wide: bool  # the area is all of Haarlem (no separate Haarlem lines)


def table_view(table: dict[str, Any], live: dict[str, Any] | None = None) -> IndicatorTableView:
    """The nightly table, with the current year counted live beside it if given."""
    years = list(table["years"])
    this_year = str(years[-1])
    live_rows = {row["code"]: row for row in (live or {}).get("rows", [])}
    everything = table.get("area", "haarlem") == "haarlem"
    area = table.get("area_name") or HAARLEM
    lines: list[IndicatorLine] = []
    for row in table["rows"]:
        live_row = live_rows.get(row["code"])
        for values, live_values, where in (
            (row["values"], (live_row or {}).get("values"), area),
            (row.get("haarlem"), (live_row or {}).get("haarlem"), HAARLEM),
        ):
            if values is None:
                continue
            lines.append(
                IndicatorLine(
                    name=row["name"],
                    source=source_label(row),
                    cells=[cell_text(values.get(str(year))) for year in years],
                    code=row["code"],
                    area=where,
                    haarlem=where == HAARLEM and not everything,
                    live=(
                        cell_text(live_values.get(this_year))
                        if live_values is not None and row.get("computed")
                        else None
                    ),
                )
            )
    basis = (table.get("basis") or {}).get("label") or "nachtelijke stand"
    live_header = None
    if live is not None:
        live_header = f"{this_year} {(live.get('basis') or {}).get('label') or 'vandaag (live)'}"
    return IndicatorTableView(
        years=years,
        lines=lines,
        area_name=area,
        basis=basis,
        live_header=live_header,
        haarlem_wide=everything,
    )


def _points(values: dict[str, Any], years: list[int]) -> list[TrendPoint]:
    points = []
    for year in years:
        cell = values.get(str(year)) or {}
        value = cell.get("value")
        points.append(
            TrendPoint(
                year=year,
                value=float(value) if isinstance(value, int | float) else None,
                text=cell_text(cell),
                baseline=cell.get("origin") == "programma",
            )
        )
    return points


def trends_from(table: dict[str, Any]) -> list[Trend]:
    """Per indicator with at least one figure: the chosen area's own history (with
    the 2019–2022 baseline only when the area is all of Haarlem) and, for a
    selection of districts, the Haarlem-wide trend with the baseline apart."""
    years = list(table["years"])
    area = table.get("area_name") or HAARLEM
    trends: list[Trend] = []
    for row in table["rows"]:
        points = _points(row["values"], years)
        haarlem = None
        if row.get("haarlem") is not None:
            city = _points(row["haarlem"], years)
            if any(p.value is not None for p in city):
                haarlem = Trend(
                    code=row["code"],
                    name=row["name"],
                    source=source_label(row),
                    points=city,
                    area=HAARLEM,
                )
        if any(p.value is not None for p in points) or haarlem is not None:
            trends.append(
                Trend(
                    code=row["code"],
                    name=row["name"],
                    source=source_label(row),
                    points=points,
                    area=area,
                    haarlem=haarlem,
                )
            )
    return trends


def counted_text(table: dict[str, Any]) -> str:
    """When the nightly stand was counted, for the note under the table."""
    definition = table.get("definition")
    if definition and definition.get("computed_at"):
        return f"Registraties geteld op {local_time(definition['computed_at'])} (elke nacht)."
    return "De registraties zijn nog niet geteld; dat gebeurt elke nacht."
