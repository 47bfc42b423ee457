"""The programme's indicators: definitions as data, nightly snapshots, and the tables.

Which field registrations count for which indicator is data
(assets/reference/indicator_definitions.json): a list of `match` clauses per
indicator on kind, themes, actions and feiten. Changing the file needs no code
change; the next nightly run computes new figures, and every figure says which
definitions produced it (the file's `version` plus a hash of its content).

The nightly job counts the current version of every record per indicator ×
year × month × district × theme (services/nightly.py). Reading the tables never
touches the logs: the API reads those snapshot rows, the programme's own
2019–2022 figures (IndicatorValue, origin "programma") and figures a beheerder
imported from other sources (ImportedIndicatorValue, origin "import").
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel
from sqlalchemy import and_, case, delete, func, insert, or_, text
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from sync_protocol import ErrorCode, RecordKind
from sync_protocol.records import KIND_THEMES, Actie, Feit
from sync_server.db import utcnow
from sync_server.errors import ServiceError
from sync_server.models import (
    ImportedIndicatorValue,
    Indicator,
    IndicatorSnapshot,
    IndicatorValue,
    Record,
    SnapshotRun,
    Theme,
)
from sync_server.services.localtime import MONTHS, local_now
from sync_server.services.scope import Scope

SMALL_COUNT = "<5"
# Not shown because, with the figures beside it, it would give a hidden small count
# away (a total over districts, or a second month); CBS writes "x" for the same.
WITHHELD = "x"
SOURCE_NAMES = {
    "gemeente": "gemeente",
    "politie": "politie",
    "omnibus": "omnibusonderzoek",
    "laa": "Landelijke Aanpak Adreskwaliteit",
    "zvh": "Zorg- en Veiligheidshuis",
}
_CLAUSE_KEYS = frozenset({"kind", "themes", "actions", "feiten"})
_DEFINITION_KEYS = frozenset({"indicator", "match", "suppress_small_counts", "explanation"})


class DefinitionsError(ValueError):
    """The definitions file is wrong; the message names the file and the entry."""


# ---------------------------------------------------------------- definitions


@dataclass(frozen=True)
class Clause:
    kind: str
    themes: frozenset[str] | None = None
    actions: frozenset[str] | None = None
    feiten: frozenset[str] | None = None

    def can_match_theme(self, theme: str) -> bool:
        if self.themes is not None:
            return theme in self.themes
        if self.kind == RecordKind.WAARNEMING.value:
            return True  # an observation can have any theme
        return KIND_THEMES[RecordKind(self.kind)] == theme

    def matches(self, kind: str, theme: str | None, action: str | None, feit: str | None) -> bool:
        """The same test as `condition()`, on one group's values (NULL is in no list)."""
        return (
            kind == self.kind
            and (self.themes is None or theme in self.themes)
            and (self.actions is None or action in self.actions)
            and (self.feiten is None or feit in self.feiten)
        )

    def condition(self) -> Any:
        parts = [col(Record.kind) == self.kind]
        if self.themes is not None:
            parts.append(col(Record.theme_code).in_(sorted(self.themes)))
        if self.actions is not None:
            parts.append(col(Record.action).in_(sorted(self.actions)))
        if self.feiten is not None:
            parts.append(col(Record.feit).in_(sorted(self.feiten)))
        return and_(*parts)


@dataclass(frozen=True)
class Definition:
    indicator: str
    clauses: tuple[Clause, ...]
    suppress_small_counts: bool = False
    explanation: str = ""

    def condition(self) -> Any:
        return or_(*(clause.condition() for clause in self.clauses))

    def can_match_theme(self, theme: str) -> bool:
        return any(clause.can_match_theme(theme) for clause in self.clauses)


@dataclass(frozen=True)
class DefinitionSet:
    version: int
    hash: str
    definitions: tuple[Definition, ...]
    raw: dict[str, Any] = field(repr=False, compare=False)

    @property
    def label(self) -> str:
        return f"{self.version} ({self.hash[:8]})"

    def get(self, indicator: str) -> Definition | None:
        return next((d for d in self.definitions if d.indicator == indicator), None)


def definitions_hash(data: Any) -> str:
    canonical = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def _codes(
    name: str, where: str, clause: dict[str, Any], key: str, known: Iterable[str], what: str
) -> frozenset[str] | None:
    if key not in clause:
        return None
    values = clause[key]
    if not isinstance(values, list) or not values or not all(isinstance(v, str) for v in values):
        raise DefinitionsError(f"{name}: {where}: '{key}' moet een niet-lege lijst van codes zijn")
    unknown = sorted(set(values) - set(known))
    if unknown:
        raise DefinitionsError(f"{name}: {where}: onbekende {what} {', '.join(unknown)}")
    return frozenset(values)


def parse_definitions(
    data: Any, *, indicators: Iterable[str], themes: Iterable[str], name: str
) -> DefinitionSet:
    """Validate the file's content against the loaded reference data.

    Every error names the file and the entry (its position and indicator code)."""
    indicator_codes, theme_codes = set(indicators), set(themes)
    if not isinstance(data, dict):
        raise DefinitionsError(f"{name}: verwacht een JSON-object")
    version = data.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise DefinitionsError(f"{name}: 'version' moet een geheel getal vanaf 1 zijn")
    entries = data.get("definitions")
    if not isinstance(entries, list):
        raise DefinitionsError(f"{name}: de lijst 'definitions' ontbreekt")
    seen: set[str] = set()
    definitions: list[Definition] = []
    for index, entry in enumerate(entries, start=1):
        if not isinstance(entry, dict):
            raise DefinitionsError(f"{name}: definitie {index} is geen object")
        code = entry.get("indicator")
        where = f"definitie {index} ('{code}')"
        if not isinstance(code, str) or code not in indicator_codes:
            raise DefinitionsError(f"{name}: {where}: onbekende indicator")
        if code in seen:
            raise DefinitionsError(f"{name}: {where}: indicator komt meer dan eens voor")
        seen.add(code)
        extra = sorted(set(entry) - _DEFINITION_KEYS)
        if extra:
            raise DefinitionsError(f"{name}: {where}: onbekend veld {', '.join(extra)}")
        match = entry.get("match")
        if not isinstance(match, list) or not match:
            raise DefinitionsError(f"{name}: {where}: 'match' moet een niet-lege lijst zijn")
        clauses: list[Clause] = []
        for number, clause in enumerate(match, start=1):
            at = f"{where}, match {number}"
            if not isinstance(clause, dict):
                raise DefinitionsError(f"{name}: {at}: geen object")
            extra = sorted(set(clause) - _CLAUSE_KEYS)
            if extra:
                raise DefinitionsError(f"{name}: {at}: onbekend veld {', '.join(extra)}")
            kind = clause.get("kind")
            if kind not in {k.value for k in RecordKind}:
                raise DefinitionsError(f"{name}: {at}: onbekende soort (kind) '{kind}'")
            themes_ = _codes(name, at, clause, "themes", theme_codes, "thema's")
            actions = _codes(name, at, clause, "actions", (a.value for a in Actie), "acties")
            feiten = _codes(name, at, clause, "feiten", (f.value for f in Feit), "feiten")
            if kind != RecordKind.WAARNEMING.value and (actions or feiten):
                raise DefinitionsError(
                    f"{name}: {at}: acties en feiten bestaan alleen bij een waarneming"
                )
            clauses.append(Clause(str(kind), themes_, actions, feiten))
        suppress = entry.get("suppress_small_counts", False)
        explanation = entry.get("explanation", "")
        if not isinstance(suppress, bool):
            raise DefinitionsError(f"{name}: {where}: 'suppress_small_counts' is true of false")
        if not isinstance(explanation, str):
            raise DefinitionsError(f"{name}: {where}: 'explanation' moet tekst zijn")
        definitions.append(Definition(code, tuple(clauses), suppress, explanation))
    return DefinitionSet(version, definitions_hash(data), tuple(definitions), data)


def reference_codes(session: Session) -> tuple[set[str], set[str]]:
    indicators = set(session.exec(select(Indicator.code).where(col(Indicator.retired).is_(False))))
    themes = set(session.exec(select(Theme.code).where(col(Theme.retired).is_(False))))
    return indicators, themes


def load_definitions(session: Session, path: Path) -> DefinitionSet:
    """Read and validate the definitions file against the reference data in the database."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise DefinitionsError(f"{path}: bestand ontbreekt") from exc
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise DefinitionsError(f"{path}: geen geldige JSON in UTF-8 ({exc})") from exc
    indicators, themes = reference_codes(session)
    return parse_definitions(data, indicators=indicators, themes=themes, name=path.name)


def definitions_of(run: SnapshotRun) -> DefinitionSet:
    """The definitions a run was computed with (stored with it; already validated)."""
    data = run.definitions
    definitions = []
    for entry in data.get("definitions", []):
        clauses = tuple(
            Clause(
                c["kind"],
                frozenset(c["themes"]) if "themes" in c else None,
                frozenset(c["actions"]) if "actions" in c else None,
                frozenset(c["feiten"]) if "feiten" in c else None,
            )
            for c in entry["match"]
        )
        definitions.append(
            Definition(
                entry["indicator"],
                clauses,
                bool(entry.get("suppress_small_counts", False)),
                entry.get("explanation", ""),
            )
        )
    return DefinitionSet(run.definition_version, run.definition_hash, tuple(definitions), data)


# ---------------------------------------------------------------- snapshots


@dataclass(frozen=True)
class SnapshotReport:
    version: int
    hash: str
    rows: int
    records_counted: int
    demo_records_counted: int
    replaced: bool
    computed_at: datetime


def compute_snapshot(
    session: Session, definitions: DefinitionSet, *, now: datetime | None = None
) -> SnapshotReport:
    """Recompute every indicator's counts in this transaction, replacing the
    previous snapshot of the same definition version. Running it twice gives the
    same rows."""
    now = now or utcnow()
    run = session.exec(
        select(SnapshotRun)
        .where(
            SnapshotRun.definition_version == definitions.version,
            SnapshotRun.definition_hash == definitions.hash,
        )
        .with_for_update()
    ).first()
    replaced = run is not None
    if run is None:
        run = SnapshotRun(
            definition_version=definitions.version,
            definition_hash=definitions.hash,
            definitions=definitions.raw,
            computed_at=now,
        )
        session.add(run)
        session.flush()  # a concurrent first run of this version fails here and retries
    else:
        session.execute(delete(IndicatorSnapshot).where(col(IndicatorSnapshot.run_id) == run.id))
    assert run.id is not None
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
    grouped = session.execute(
        sa_select(*columns, func.count(), demo).where(col(Record.local_year) > 0).group_by(*columns)
    ).all()
    totals: dict[tuple[str, int, int, str, str], list[int]] = {}
    matching: dict[tuple[str, str | None, str | None, str | None], list[str]] = {}
    for year, month, district, theme_code, kind, action, feit, count, demo_count in grouped:
        what = (kind, theme_code, action, feit)
        if what not in matching:
            matching[what] = [
                d.indicator
                for d in definitions.definitions
                if any(c.matches(*what) for c in d.clauses)
            ]
        for indicator in matching[what]:
            total = totals.setdefault((indicator, year, month, district, theme_code or ""), [0, 0])
            total[0] += int(count)
            total[1] += int(demo_count or 0)
    rows: list[dict[str, Any]] = [
        {
            "run_id": run.id,
            "indicator_code": indicator,
            "year": year,
            "month": month,
            "district_code": district,
            "theme_code": theme_code,
            "count": count,
            "demo_count": demo_count,
        }
        for (indicator, year, month, district, theme_code), (count, demo_count) in totals.items()
    ]
    if rows:
        session.execute(insert(IndicatorSnapshot), rows)
    # Every log counted once, whatever it matched: the groups' sums.
    counted = (sum(int(g[7]) for g in grouped), sum(int(g[8] or 0) for g in grouped))
    run.computed_at = now
    run.definitions = definitions.raw
    run.rows = len(rows)
    run.records_counted = int(counted[0])
    run.demo_records_counted = int(counted[1] or 0)
    session.add(run)
    session.flush()
    return SnapshotReport(
        definitions.version,
        definitions.hash,
        len(rows),
        run.records_counted,
        run.demo_records_counted,
        replaced,
        now,
    )


def latest_run(session: Session) -> SnapshotRun | None:
    return session.exec(
        select(SnapshotRun).order_by(
            col(SnapshotRun.computed_at).desc(), col(SnapshotRun.id).desc()
        )
    ).first()


# ---------------------------------------------------------------- reading


Value = int | float | str | None


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


def shown(count: int, *, suppress: bool) -> Value:
    """A count as shown: 1–4 of a sensitive indicator becomes "<5"; 0 stays 0."""
    return SMALL_COUNT if suppress and 0 < count < 5 else count


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


def _snapshot_counts(
    session: Session,
    run_id: int,
    scope: Scope,
    theme: str | None,
    *,
    codes: list[str] | None = None,
    years: tuple[int, int] | None = None,
    by: str = "year",
) -> tuple[dict[tuple[str, int], int], bool]:
    """Summed snapshot counts per (indicator, year) or (indicator, month)."""
    period = col(IndicatorSnapshot.year) if by == "year" else col(IndicatorSnapshot.month)
    query = select(
        col(IndicatorSnapshot.indicator_code),
        period,
        func.sum(col(IndicatorSnapshot.count)),
        func.sum(col(IndicatorSnapshot.demo_count)),
    ).where(col(IndicatorSnapshot.run_id) == run_id)
    if (district := scope.where(IndicatorSnapshot.district_code)) is not None:
        query = query.where(district)
    if theme is not None:
        query = query.where(col(IndicatorSnapshot.theme_code) == theme)
    if codes is not None:
        query = query.where(col(IndicatorSnapshot.indicator_code).in_(codes))
    if years is not None:
        query = query.where(col(IndicatorSnapshot.year).between(*years))
    query = query.group_by(col(IndicatorSnapshot.indicator_code), period)
    counts: dict[tuple[str, int], int] = {}
    demo = False
    for code, key, total, demo_total in session.exec(query).all():
        counts[(code, int(key))] = int(total or 0)
        demo = demo or bool(demo_total)
    return counts, demo


def _hidden_district_cells(
    session: Session,
    run_id: int,
    scope: Scope,
    theme: str | None,
    codes: list[str],
    years: tuple[int, int],
) -> set[tuple[str, int]]:
    """(indicator, year) where one of the scope's districts on its own has 1–4."""
    query = (
        select(
            col(IndicatorSnapshot.indicator_code),
            col(IndicatorSnapshot.year),
            col(IndicatorSnapshot.district_code),
            func.sum(col(IndicatorSnapshot.count)),
        )
        .where(
            col(IndicatorSnapshot.run_id) == run_id,
            col(IndicatorSnapshot.indicator_code).in_(codes),
            col(IndicatorSnapshot.year).between(*years),
        )
        .group_by(
            col(IndicatorSnapshot.indicator_code),
            col(IndicatorSnapshot.year),
            col(IndicatorSnapshot.district_code),
        )
    )
    if (district := scope.where(IndicatorSnapshot.district_code)) is not None:
        query = query.where(district)
    if theme is not None:
        query = query.where(col(IndicatorSnapshot.theme_code) == theme)
    return {
        (code, int(year))
        for code, year, _district, total in session.exec(query).all()
        if 0 < int(total or 0) < 5
    }


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
        counts, includes_demo = _snapshot_counts(
            session, run.id, scope, theme, codes=codes, years=(first, last)
        )
    # A total over several districts minus the districts' own figures would give a
    # hidden one away: such a total is withheld where any of its districts is hidden.
    hidden_parts: set[tuple[str, int]] = set()
    several = scope.districts is not None and len(scope.districts) > 1
    if several and not scope.full_figures and run is not None and run.id is not None:
        hidden_parts = _hidden_district_cells(session, run.id, scope, theme, codes, (first, last))
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
        counts, includes_demo = _snapshot_counts(
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


def first_logged_year(session: Session, run: SnapshotRun | None) -> int | None:
    """The year of the first synced log. Years before it show "–", not 0: the
    app did not exist then, and a 0 would claim that nothing happened."""
    if run is None:
        return None
    return session.exec(
        select(func.min(col(IndicatorSnapshot.year))).where(col(IndicatorSnapshot.run_id) == run.id)
    ).one()


def district_year_counts(
    session: Session, scope: Scope, *, years: tuple[int, int], months: tuple[int, int] | None
) -> tuple[SnapshotRun | None, DefinitionSet | None, dict[tuple[str, int], int], bool]:
    """Counts per (indicator, year) for the scope, optionally only within a range
    of months (for "this year so far" against the same months of earlier years)."""
    run = latest_run(session)
    if run is None or run.id is None:
        return None, None, {}, False
    query = select(
        col(IndicatorSnapshot.indicator_code),
        col(IndicatorSnapshot.year),
        func.sum(col(IndicatorSnapshot.count)),
        func.sum(col(IndicatorSnapshot.demo_count)),
    ).where(col(IndicatorSnapshot.run_id) == run.id, col(IndicatorSnapshot.year).between(*years))
    if (district := scope.where(IndicatorSnapshot.district_code)) is not None:
        query = query.where(district)
    if months is not None:
        query = query.where(col(IndicatorSnapshot.month).between(*months))
    query = query.group_by(col(IndicatorSnapshot.indicator_code), col(IndicatorSnapshot.year))
    counts: dict[tuple[str, int], int] = {}
    demo = False
    for code, year, total, demo_total in session.exec(query).all():
        counts[(code, int(year))] = int(total or 0)
        demo = demo or bool(demo_total)
    return run, definitions_of(run), counts, demo


__all__ = [
    "SMALL_COUNT",
    "WITHHELD",
    "Cell",
    "Clause",
    "Definition",
    "DefinitionSet",
    "DefinitionsError",
    "IndicatorMonths",
    "IndicatorTable",
    "compute_snapshot",
    "definitions_of",
    "district_year_counts",
    "first_logged_year",
    "indicator_months",
    "indicator_table",
    "latest_run",
    "load_definitions",
    "parse_definitions",
    "shown",
]
