"""The programme's indicator tables as the API shows them: a row per indicator and a
column per year, and one indicator per month of a year.

Reading the tables never touches the logs: it reads the nightly snapshots
(services/indicator_snapshots.py, counted with the definitions of
services/indicator_definitions.py), the programme's own 2019–2022 figures
(IndicatorValue, origin "programma") and figures a beheerder imported from other
sources (ImportedIndicatorValue, origin "import"); small counts are hidden as
services/small_counts.py says.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel
from sqlmodel import Session, col, select

from sync_protocol import ErrorCode
from sync_server.errors import ServiceError
from sync_server.models import ImportedIndicatorValue, Indicator, IndicatorValue, SnapshotRun, Theme
from sync_server.services.indicator_definitions import Definition, DefinitionSet, definitions_of
from sync_server.services.indicator_snapshots import (
    first_logged_year,
    hidden_district_cells,
    latest_run,
    snapshot_counts,
)
from sync_server.services.localtime import MONTHS, local_now
from sync_server.services.scope import Scope
from sync_server.services.small_counts import SMALL_COUNT, WITHHELD, Value, shown

SOURCE_NAMES = {
    "gemeente": "gemeente",
    "politie": "politie",
    "omnibus": "omnibusonderzoek",
    "laa": "Landelijke Aanpak Adreskwaliteit",
    "zvh": "Zorg- en Veiligheidshuis",
}


class Cell(BaseModel):
    """One figure. `value` is a number, "<5" for a hidden small count, or null
    where there is no figure (never read null as zero)."""

    value: Value
    printed: str | None = None
    origin: Literal["programma", "registraties", "import"] | None = None
    area: Literal["haarlem", "selectie"] | None = None
    suppressed: bool = False


class DefinitionVersion(BaseModel):
    version: int
    hash: str
    label: str
    computed_at: datetime


class IndicatorRow(BaseModel):
    code: str
    name: str
    source: str
    source_name: str
    unit: str
    section: str | None
    sections: list[str]
    group: str | None
    computed: bool
    suppress_small_counts: bool
    explanation: str
    values: dict[str, Cell]


class IndicatorTable(BaseModel):
    years: list[int]
    scope: dict[str, Any]
    theme: str | None
    definition: DefinitionVersion | None
    includes_demo: bool
    rows: list[IndicatorRow]


class MonthCell(BaseModel):
    month: int
    name: str
    value: Value
    suppressed: bool = False


class IndicatorMonths(BaseModel):
    code: str
    name: str
    year: int
    scope: dict[str, Any]
    theme: str | None
    definition: DefinitionVersion | None
    months: list[MonthCell]
    total: Value
    total_suppressed: bool
    includes_demo: bool


def _version(
    run: SnapshotRun | None, definitions: DefinitionSet | None
) -> DefinitionVersion | None:
    if run is None or definitions is None:
        return None
    return DefinitionVersion(
        version=definitions.version,
        hash=definitions.hash,
        label=definitions.label,
        computed_at=run.computed_at,
    )


def _printed(value: float | None, unit: str) -> str | None:
    if value is None:
        return None
    text = f"{value:g}".replace(".", ",")
    return f"{text}%" if unit == "procent" else text


def _explanation(indicator: Indicator, definition: Definition | None) -> str:
    if definition is not None:
        return definition.explanation
    source = SOURCE_NAMES.get(indicator.source, indicator.source)
    return (
        f"Bron: {source}. 2019–2022 uit het actieprogramma; latere jaren zoals de beheerder "
        "ze importeert."
    )


def programme_years(session: Session) -> list[int]:
    years = session.exec(
        select(IndicatorValue.year).where(IndicatorValue.origin == "programma").distinct()
    ).all()
    return sorted(years)


def _check_theme(session: Session, theme: str | None) -> None:
    if theme is not None and session.get(Theme, theme) is None:
        raise ServiceError(ErrorCode.INVALID_REQUEST, "Onbekend thema.")


def _imported(
    session: Session, scope: Scope, codes: list[str], years: tuple[int, int]
) -> dict[tuple[str, int], float]:
    """Imported figures for the scope: the whole city's for everything, a
    district's own for one district, and the sum of the districts' counts for a
    team leader of several districts (percentages do not add up: none then)."""
    rows = session.exec(
        select(ImportedIndicatorValue).where(
            col(ImportedIndicatorValue.indicator_code).in_(codes),
            col(ImportedIndicatorValue.year).between(*years),
        )
    ).all()
    units = dict(
        session.exec(
            select(Indicator.code, Indicator.unit).where(col(Indicator.code).in_(codes))
        ).all()
    )
    values: dict[tuple[str, int], float] = {}
    if scope.districts is None:
        for row in rows:
            if row.district_code == "":
                values[(row.indicator_code, row.year)] = row.value
        return values
    parts: dict[tuple[str, int], dict[str, float]] = {}
    for row in rows:
        if row.district_code in scope.districts:
            parts.setdefault((row.indicator_code, row.year), {})[row.district_code] = row.value
    for key, by_district in parts.items():
        if len(scope.districts) == 1:
            values[key] = by_district[scope.districts[0]]
        elif units.get(key[0]) == "aantal" and set(by_district) == set(scope.districts):
            values[key] = sum(by_district.values())
    return values


def indicator_table(
    session: Session,
    scope: Scope,
    *,
    theme: str | None = None,
    year_from: int | None = None,
    year_to: int | None = None,
    now: datetime | None = None,
) -> IndicatorTable:
    """Rows = the programme's indicators, columns = years, as in the programme's tables."""
    _check_theme(session, theme)
    published = programme_years(session)
    this_year = local_now(now).year
    first = year_from if year_from is not None else (published[0] if published else this_year)
    last = year_to if year_to is not None else this_year
    if first > last:
        raise ServiceError(ErrorCode.INVALID_REQUEST, "year_from ligt na year_to.")
    if last - first > 50:
        raise ServiceError(ErrorCode.INVALID_REQUEST, "Kies hoogstens 50 jaar.")
    years = list(range(first, last + 1))
    last_published = published[-1] if published else 0
    run = latest_run(session)
    definitions = definitions_of(run) if run is not None else None
    indicators = session.exec(
        select(Indicator).where(col(Indicator.retired).is_(False)).order_by(col(Indicator.code))
    ).all()
    if theme is not None:
        indicators = [
            i
            for i in indicators
            if definitions is not None
            and (d := definitions.get(i.code)) is not None
            and d.can_match_theme(theme)
        ]
    codes = [i.code for i in indicators]
    programme = {
        (v.indicator_code, v.year): v
        for v in session.exec(
            select(IndicatorValue).where(
                IndicatorValue.origin == "programma",
                col(IndicatorValue.indicator_code).in_(codes),
            )
        ).all()
    }
    counts: dict[tuple[str, int], int] = {}
    includes_demo = False
    if run is not None and run.id is not None:
        counts, includes_demo = snapshot_counts(
            session, run.id, scope, theme, codes=codes, years=(first, last)
        )
    # A total over several districts minus the districts' own figures would give a
    # hidden one away: such a total is withheld where any of its districts is hidden.
    hidden_parts: set[tuple[str, int]] = set()
    several = scope.districts is not None and len(scope.districts) > 1
    if several and not scope.full_figures and run is not None and run.id is not None:
        hidden_parts = hidden_district_cells(session, run.id, scope, theme, codes, (first, last))
    imported = _imported(session, scope, codes, (first, last))
    first_logged = first_logged_year(session, run)
    area: Literal["haarlem", "selectie"] = "haarlem" if scope.everything else "selectie"
    rows: list[IndicatorRow] = []
    for indicator in sorted(indicators, key=_programme_order):
        definition = definitions.get(indicator.code) if definitions else None
        suppress = bool(definition and definition.suppress_small_counts) and not scope.full_figures
        values: dict[str, Cell] = {}
        for year in years:
            published_value = programme.get((indicator.code, year))
            if published_value is not None:
                number = published_value.value
                values[str(year)] = Cell(
                    value=int(number) if number is not None and number.is_integer() else number,
                    printed=published_value.printed,
                    origin="programma",
                    area="haarlem",
                )
            elif (
                definition is not None
                and first_logged is not None
                and max(last_published, first_logged - 1) < year <= this_year
            ):
                count = counts.get((indicator.code, year), 0)
                value = shown(count, suppress=suppress)
                if suppress and value != SMALL_COUNT and (indicator.code, year) in hidden_parts:
                    value = WITHHELD
                values[str(year)] = Cell(
                    value=value,
                    printed=str(value),
                    origin="registraties",
                    area=area,
                    suppressed=value in (SMALL_COUNT, WITHHELD),
                )
            elif definition is None and (indicator.code, year) in imported:
                number = imported[(indicator.code, year)]
                values[str(year)] = Cell(
                    value=int(number) if number.is_integer() else number,
                    printed=_printed(number, indicator.unit),
                    origin="import",
                    area=area,
                )
            else:
                values[str(year)] = Cell(value=None)
        rows.append(
            IndicatorRow(
                code=indicator.code,
                name=indicator.name,
                source=indicator.source,
                source_name=SOURCE_NAMES.get(indicator.source, indicator.source),
                unit=indicator.unit,
                section=indicator.sections[0] if indicator.sections else None,
                sections=indicator.sections,
                group=indicator.group_name,
                computed=definition is not None,
                suppress_small_counts=bool(definition and definition.suppress_small_counts),
                explanation=_explanation(indicator, definition),
                values=values,
            )
        )
    return IndicatorTable(
        years=years,
        scope=scope.describe(),
        theme=theme,
        definition=_version(run, definitions),
        includes_demo=includes_demo,
        rows=rows,
    )


def _programme_order(indicator: Indicator) -> tuple[tuple[int, ...], str, str]:
    """Section order as in the programme (2.1 < 2.2 < 2.12), then group and code."""
    section = indicator.sections[0] if indicator.sections else "99"
    numbers = tuple(int(part) for part in section.split(".") if part.isdigit())
    return numbers, indicator.group_name or "", indicator.code


def indicator_months(
    session: Session,
    scope: Scope,
    code: str,
    *,
    year: int,
    theme: str | None = None,
    now: datetime | None = None,
) -> IndicatorMonths:
    """One computed indicator per month of a year, with the year's total."""
    _check_theme(session, theme)
    indicator = session.get(Indicator, code)
    run = latest_run(session)
    definitions = definitions_of(run) if run is not None else None
    definition = definitions.get(code) if definitions else None
    if indicator is None or indicator.retired:
        raise ServiceError(ErrorCode.NOT_FOUND, "Deze indicator bestaat niet.")
    if definitions is not None and definition is None:
        raise ServiceError(
            ErrorCode.NOT_FOUND,
            "Deze indicator komt niet uit de registraties; er zijn geen maandcijfers.",
        )
    current = local_now(now)
    suppress = bool(definition and definition.suppress_small_counts) and not scope.full_figures
    counts: dict[tuple[str, int], int] = {}
    includes_demo = False
    if run is not None and run.id is not None:
        counts, includes_demo = snapshot_counts(
            session, run.id, scope, theme, codes=[code], years=(year, year), by="month"
        )
    months: list[MonthCell] = []
    total = 0
    hidden = False
    for month in range(1, 13):
        future = (year, month) > (current.year, current.month)
        if run is None or future:
            months.append(MonthCell(month=month, name=MONTHS[month - 1], value=None))
            continue
        count = counts.get((code, month), 0)
        total += count
        value = shown(count, suppress=suppress)
        hidden = hidden or value == SMALL_COUNT
        months.append(
            MonthCell(
                month=month, name=MONTHS[month - 1], value=value, suppressed=value == SMALL_COUNT
            )
        )
    shown_months = [c for c in months if c.value is not None]
    if sum(c.value == SMALL_COUNT for c in shown_months) == 1:
        # With the year's total in the indicator table, one hidden month is the total
        # minus the others: withhold the smallest other month too.
        others = [c for c in shown_months if c.value != SMALL_COUNT]
        if others:
            second = min(others, key=lambda c: (int(c.value or 0), c.month))
            second.value, second.suppressed = WITHHELD, True
    total_value: Value = None if run is None else total
    if hidden:
        # The total minus the months shown would give away a hidden month.
        total_value = SMALL_COUNT if total < 5 else None
    return IndicatorMonths(
        code=indicator.code,
        name=indicator.name,
        year=year,
        scope=scope.describe(),
        theme=theme,
        definition=_version(run, definitions),
        months=months,
        total=total_value,
        total_suppressed=hidden,
        includes_demo=includes_demo,
    )
