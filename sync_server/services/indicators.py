"""The programme's indicator tables as the API shows them: a row per indicator and a
column per year, and one indicator per month of a year.

The tables read the nightly snapshots (services/indicator_snapshots.py, counted
with the definitions of services/indicator_definitions.py) or, when asked for
today's figures, count live (services/indicator_basis.py); beside those the
programme's own 2019–2022 figures (IndicatorValue, origin "programma") and
figures a beheerder imported from other sources (ImportedIndicatorValue, origin
"import"); small counts are hidden as services/small_counts.py says.

Every row says what it counts (`data_source`): the officers' logs, the residents'
reports, or an import. The 2019–2022 baseline is Haarlem-wide: it appears only in
a Haarlem-wide row, never beside one district's figures.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel
from sqlmodel import Session, col, select

from sync_protocol import ErrorCode
from sync_server.errors import ServiceError
from sync_server.models import District, Indicator, IndicatorValue, Theme
from sync_server.services.indicator_basis import Basis, Counts, LiveCounts, SnapshotCounts
from sync_server.services.indicator_definitions import Definition, DefinitionSet
from sync_server.services.indicator_import import imported_figures
from sync_server.services.localtime import MONTHS, local_now
from sync_server.services.scope import Scope
from sync_server.services.small_counts import SMALL_COUNT, WITHHELD, Value, shown

SOURCE_NAMES = {
    "gemeente": "gemeente",
    "politie": "politie",
    "omnibus": "omnibusonderzoek",
    "laa": "Landelijke Aanpak Adreskwaliteit",
    "zvh": "Zorg- en Veiligheidshuis",
    "handhavers": "handhavers (app)",
}
# What a row counts, as the screen names it.
DATA_SOURCE_NAMES = {
    "handhavers": "Registraties handhavers (app)",
    "meldingen": "Meldingen van bewoners (gemeente, geïmporteerd)",
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
    source: str  # the programme's source of its figures
    source_name: str
    data_source: Literal["handhavers", "meldingen", "import"]  # what the app counts
    data_source_name: str
    unit: str
    section: str | None
    sections: list[str]
    group: str | None
    computed: bool
    suppress_small_counts: bool
    explanation: str
    values: dict[str, Cell]
    # For a selection of districts: the Haarlem-wide row (with the baseline) beside it.
    haarlem: dict[str, Cell] | None = None


class IndicatorTable(BaseModel):
    years: list[int]
    scope: dict[str, Any]
    area: Literal["haarlem", "selectie"]
    area_name: str  # "heel Haarlem", "stadsdeel Noord"
    theme: str | None
    definition: DefinitionVersion | None
    basis: Basis
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
    basis: Basis
    data_source: Literal["handhavers", "meldingen"]
    months: list[MonthCell]
    total: Value
    total_suppressed: bool
    includes_demo: bool


def _version(source: Counts, definitions: DefinitionSet | None) -> DefinitionVersion | None:
    if source.basis.as_of is None or definitions is None:
        return None
    return DefinitionVersion(
        version=definitions.version,
        hash=definitions.hash,
        label=definitions.label,
        computed_at=source.basis.as_of,
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


def _cells(
    indicator: Indicator,
    definition: Definition | None,
    years: list[int],
    *,
    scope: Scope,
    counts: dict[tuple[str, int], int],
    hidden_parts: set[tuple[str, int]],
    imported: dict[tuple[str, int], float],
    programme: dict[tuple[str, int], IndicatorValue],
    first_logged: int | None,
    last_published: int,
    this_year: int,
) -> dict[str, Cell]:
    """One row's figures. The programme's 2019–2022 baseline is for all of Haarlem,
    so it is only in a Haarlem-wide row (`programme` is empty for a selection)."""
    area: Literal["haarlem", "selectie"] = "haarlem" if scope.everything else "selectie"
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
    return values


def _figures(
    session: Session,
    source: Counts,
    scope: Scope,
    theme: str | None,
    codes: list[str],
    years: tuple[int, int],
) -> tuple[dict[tuple[str, int], int], bool, set[tuple[str, int]], dict[tuple[str, int], float]]:
    """Counts, demo flag, withheld totals and imported figures for a scope."""
    counts, includes_demo = source.summed(scope, theme, codes, years)
    # A total over several districts minus the districts' own figures would give a
    # hidden one away: such a total is withheld where any of its districts is hidden.
    hidden_parts: set[tuple[str, int]] = set()
    several = scope.districts is None or len(scope.districts) > 1
    if several and not scope.full_figures:
        hidden_parts = source.hidden(scope, theme, codes, years)
    return counts, includes_demo, hidden_parts, imported_figures(session, scope, codes, years)


def area_name(session: Session, scope: Scope) -> str:
    if scope.districts is None:
        return "heel Haarlem"
    names = dict(session.exec(select(District.code, District.name)).all())
    shown_names = [names.get(code, code) for code in scope.districts]
    if len(shown_names) == 1:
        return f"stadsdeel {shown_names[0]}"
    return "stadsdelen " + ", ".join(shown_names)


def indicator_table(
    session: Session,
    scope: Scope,
    *,
    theme: str | None = None,
    year_from: int | None = None,
    year_to: int | None = None,
    now: datetime | None = None,
    live_definitions: DefinitionSet | None = None,
    current_definitions: DefinitionSet | None = None,
) -> IndicatorTable:
    """Rows = the programme's indicators, columns = years, as in the programme's tables.

    For all of Haarlem a row holds the 2019–2022 baseline and the later years of
    all districts. For a selection of districts the row holds only their own
    history, and `haarlem` beside it the Haarlem-wide row to set the baseline
    against. `live_definitions`: count today's figures now instead of reading the
    nightly snapshot. `current_definitions` (the file) names each row's source
    before the first nightly run."""
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
    source: Counts = (
        LiveCounts(session, live_definitions, (first, last), now)
        if live_definitions is not None
        else SnapshotCounts(session)
    )
    definitions = source.definitions
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
    span = (first, last)
    counts, includes_demo, hidden_parts, imported = _figures(
        session, source, scope, theme, codes, span
    )
    city = Scope(None, scope.role)
    if not scope.everything:
        city_counts, city_demo, city_hidden, city_imported = _figures(
            session, source, city, theme, codes, span
        )
        includes_demo = includes_demo or city_demo
    rows: list[IndicatorRow] = []
    for indicator in sorted(indicators, key=_programme_order):
        definition = definitions.get(indicator.code) if definitions else None
        first_logged = source.first_year(definition.source) if definition else None
        values = _cells(
            indicator,
            definition,
            years,
            scope=scope,
            counts=counts,
            hidden_parts=hidden_parts,
            imported=imported,
            programme=programme if scope.everything else {},
            first_logged=first_logged,
            last_published=last_published,
            this_year=this_year,
        )
        haarlem = (
            None
            if scope.everything
            else _cells(
                indicator,
                definition,
                years,
                scope=city,
                counts=city_counts,
                hidden_parts=city_hidden,
                imported=city_imported,
                programme=programme,
                first_logged=first_logged,
                last_published=last_published,
                this_year=this_year,
            )
        )
        named = definition
        if named is None and definitions is None and current_definitions is not None:
            named = current_definitions.get(indicator.code)
        kind: Literal["handhavers", "meldingen", "import"] = "import"
        if named is not None:
            kind = "meldingen" if named.source == "meldingen" else "handhavers"
        rows.append(
            IndicatorRow(
                code=indicator.code,
                name=indicator.name,
                source=indicator.source,
                source_name=SOURCE_NAMES.get(indicator.source, indicator.source),
                data_source=kind,
                data_source_name=_data_source_name(kind, indicator.source),
                unit=indicator.unit,
                section=indicator.sections[0] if indicator.sections else None,
                sections=indicator.sections,
                group=indicator.group_name,
                computed=definition is not None,
                suppress_small_counts=bool(definition and definition.suppress_small_counts),
                explanation=_explanation(indicator, definition),
                values=values,
                haarlem=haarlem,
            )
        )
    return IndicatorTable(
        years=years,
        scope=scope.describe(),
        area="haarlem" if scope.everything else "selectie",
        area_name=area_name(session, scope),
        theme=theme,
        definition=_version(source, definitions),
        basis=source.basis,
        includes_demo=includes_demo,
        rows=rows,
    )


def _data_source_name(kind: str, programme_source: str) -> str:
    if kind == "import":
        return f"Import: {SOURCE_NAMES.get(programme_source, programme_source)}"
    return DATA_SOURCE_NAMES[kind]


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
    live_definitions: DefinitionSet | None = None,
) -> IndicatorMonths:
    """One computed indicator per month of a year, with the year's total."""
    _check_theme(session, theme)
    indicator = session.get(Indicator, code)
    source: Counts = (
        LiveCounts(session, live_definitions, (year, year), now)
        if live_definitions is not None
        else SnapshotCounts(session)
    )
    run = source.basis.as_of
    definitions = source.definitions
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
    counts, includes_demo = source.summed(scope, theme, [code], (year, year), by="month")
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
        definition=_version(source, definitions),
        basis=source.basis,
        data_source="meldingen"
        if definition and definition.source == "meldingen"
        else "handhavers",
        months=months,
        total=total_value,
        total_suppressed=hidden,
        includes_demo=includes_demo,
    )
