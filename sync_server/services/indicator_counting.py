"""Counting the indicators from their sources.

`count_sources` is the one place that counts: the officers' logs (source
`handhavers`) on kind, theme, action and feit, and the imported residents' reports
(source `meldingen`) by the theme their Signalen category maps to. Each source
counts only for the definitions of that source, so an officer's observation never
counts as a resident's report. The nightly snapshot stores its result
(indicator_snapshots.py); the team leader's "vandaag (live)" figures and a district
action's indicators run it on the spot (indicator_basis.py, wijkactie_result.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import case, extract, func, text
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from sync_server.models import Melding, Record, Wijkactie
from sync_server.services.indicator_definitions import HANDHAVERS, MELDINGEN, DefinitionSet

# (indicator, year, month, district, theme) -> [count, demo count]
Key = tuple[str, int, int, str, str]


@dataclass
class Counted:
    totals: dict[Key, list[int]] = field(default_factory=dict)
    records: int = 0
    demo_records: int = 0
    meldingen: int = 0


def count_sources(
    session: Session,
    definitions: DefinitionSet,
    *,
    years: tuple[int, int] | None = None,
    wijkactie: Wijkactie | None = None,
) -> Counted:
    """Count every definition from its own source, per indicator × year × month ×
    district × theme. `wijkactie`: only the entries logged against it and the
    reports at its hotspots during it."""
    counted = Counted()
    _count_records(session, definitions, counted, years, wijkactie)
    _count_meldingen(session, definitions, counted, years, wijkactie)
    return counted


def _add(counted: Counted, key: Key, count: int, demo: int) -> None:
    total = counted.totals.setdefault(key, [0, 0])
    total[0] += count
    total[1] += demo


def _count_records(
    session: Session,
    definitions: DefinitionSet,
    counted: Counted,
    years: tuple[int, int] | None,
    wijkactie: Wijkactie | None,
) -> None:
    demo = func.sum(case((col(Record.is_demo), 1), else_=0))
    # One pass over the logs, grouped by everything a definition can test; each
    # group is then counted for every definition it matches (the same result as
    # one filtered GROUP BY per definition, at the cost of one scan).
    columns = (
        col(Record.local_year),
        col(Record.local_month),
        col(Record.district_code),
        col(Record.theme_code),
        col(Record.kind),
        col(Record.action),
        col(Record.feit),
    )
    if session.get_bind().dialect.name == "postgresql":
        # The seven grouping columns make PostgreSQL expect many groups and sort on
        # disk with the default 4 MB; for this transaction only, let it hash in memory.
        session.execute(text("SET LOCAL work_mem = '64MB'"))
    query = sa_select(*columns, func.count(), demo).where(col(Record.local_year) > 0)
    if years is not None:
        query = query.where(col(Record.local_year).between(*years))
    if wijkactie is not None:
        query = query.where(col(Record.wijkactie_id) == wijkactie.id)
    own = definitions.of_source(HANDHAVERS)
    matching: dict[tuple[str, str | None, str | None, str | None], list[str]] = {}
    for year, month, district, theme, kind, action, feit, n, demo_n in session.execute(
        query.group_by(*columns)
    ).all():
        what = (kind, theme, action, feit)
        if what not in matching:
            matching[what] = [d.indicator for d in own if any(c.matches(*what) for c in d.clauses)]
        for indicator in matching[what]:
            _add(counted, (indicator, year, month, district, theme or ""), int(n), int(demo_n or 0))
        counted.records += int(n)
        counted.demo_records += int(demo_n or 0)


def _count_meldingen(
    session: Session,
    definitions: DefinitionSet,
    counted: Counted,
    years: tuple[int, int] | None,
    wijkactie: Wijkactie | None,
) -> None:
    reports = definitions.of_source(MELDINGEN)
    if not reports:
        return
    year = extract("year", col(Melding.local_date))
    month = extract("month", col(Melding.local_date))
    columns = (
        year,
        month,
        col(Melding.district_code),
        col(Melding.category),
        col(Melding.sub_category),
    )
    query = sa_select(*columns, func.count())
    if years is not None:
        query = query.where(
            col(Melding.local_date) >= date(years[0], 1, 1),
            col(Melding.local_date) <= date(years[1], 12, 31),
        )
    if wijkactie is not None:
        query = query.where(
            col(Melding.hotspot_code).in_(wijkactie.hotspots or [""]),
            col(Melding.local_date) >= wijkactie.starts_on,
            col(Melding.local_date) <= wijkactie.ends_on,
        )
    for y, m, district, category, sub_category, n in session.execute(
        query.group_by(*columns)
    ).all():
        counted.meldingen += int(n)
        theme = definitions.melding_theme(category, sub_category)
        if theme is None:
            continue
        for definition in reports:
            if any(theme in (c.themes or ()) for c in definition.clauses):
                _add(counted, (definition.indicator, int(y), int(m), district, theme), int(n), 0)


def first_year(session: Session, source: str) -> int | None:
    """The first year with anything of a source (before it: "–", not 0)."""
    if source == HANDHAVERS:
        first: int | None = session.exec(
            select(func.min(col(Record.local_year))).where(col(Record.local_year) > 0)
        ).one()
        return first
    day: date | None = session.exec(select(func.min(col(Melding.local_date)))).one()
    return day.year if day is not None else None
