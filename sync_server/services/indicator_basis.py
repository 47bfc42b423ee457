"""The figures a table shows: the nightly snapshot, or counted live today.

Both answer the same questions (`Counts`), so the table and the month view are
built the same way from either; `Basis` says on screen which one it is
("nachtelijke stand van <datum>" or "vandaag (live)").
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Literal, Protocol

from pydantic import BaseModel
from sqlalchemy import func
from sqlmodel import Session, col, select

from sync_server.models import IndicatorSnapshot, SnapshotRun
from sync_server.services import indicator_snapshots as snapshots
from sync_server.services.indicator_counting import count_sources, first_year
from sync_server.services.indicator_definitions import (
    HANDHAVERS,
    MELDINGEN,
    DefinitionSet,
    definitions_of,
)
from sync_server.services.localtime import MONTHS, local_now
from sync_server.services.scope import Scope


class Basis(BaseModel):
    """Which figures these are: counted today, or the nightly snapshot of a date."""

    kind: Literal["live", "snapshot"]
    label: str  # "vandaag (live)" / "nachtelijke stand van 1 december 2026"
    as_of: datetime | None


def snapshot_label(moment: datetime) -> str:
    local = local_now(moment)
    return f"nachtelijke stand van {local.day} {MONTHS[local.month - 1]} {local.year}"


class Counts(Protocol):
    definitions: DefinitionSet | None
    basis: Basis

    def summed(
        self,
        scope: Scope,
        theme: str | None,
        codes: list[str],
        years: tuple[int, int],
        by: str = "year",
    ) -> tuple[dict[tuple[str, int], int], bool]: ...

    def hidden(
        self, scope: Scope, theme: str | None, codes: list[str], years: tuple[int, int]
    ) -> set[tuple[str, int]]: ...

    def first_year(self, source: str) -> int | None: ...


class SnapshotCounts:
    """The latest nightly snapshot (nothing here reads the logs)."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.run: SnapshotRun | None = snapshots.latest_run(session)
        self.definitions = definitions_of(self.run) if self.run is not None else None
        self.basis = Basis(
            kind="snapshot",
            label=snapshot_label(self.run.computed_at)
            if self.run
            else "nog geen nachtelijke stand",
            as_of=self.run.computed_at if self.run else None,
        )

    def summed(
        self,
        scope: Scope,
        theme: str | None,
        codes: list[str],
        years: tuple[int, int],
        by: str = "year",
    ) -> tuple[dict[tuple[str, int], int], bool]:
        if self.run is None or self.run.id is None:
            return {}, False
        return snapshots.snapshot_counts(
            self.session, self.run.id, scope, theme, codes=codes, years=years, by=by
        )

    def hidden(
        self, scope: Scope, theme: str | None, codes: list[str], years: tuple[int, int]
    ) -> set[tuple[str, int]]:
        if self.run is None or self.run.id is None:
            return set()
        return snapshots.hidden_district_cells(
            self.session, self.run.id, scope, theme, codes, years
        )

    def first_year(self, source: str) -> int | None:
        if self.run is None or self.definitions is None:
            return None
        codes = [d.indicator for d in self.definitions.of_source(source)]
        if not codes:
            return None
        first: int | None = self.session.exec(
            select(func.min(col(IndicatorSnapshot.year))).where(
                col(IndicatorSnapshot.run_id) == self.run.id,
                col(IndicatorSnapshot.indicator_code).in_(codes),
            )
        ).one()
        return first


class LiveCounts:
    """Counted now from the logs and reports, with the given definitions."""

    def __init__(
        self,
        session: Session,
        definitions: DefinitionSet,
        years: tuple[int, int],
        now: datetime | None = None,
    ) -> None:
        self.definitions: DefinitionSet | None = definitions
        self.counted = count_sources(session, definitions, years=years)
        self.basis = Basis(kind="live", label="vandaag (live)", as_of=now or local_now())
        self.sources = {d.indicator: d.source for d in definitions.definitions}
        # The first year with anything of a source, over all years (as the snapshot).
        self._first: dict[str, int | None] = {}
        for source in (HANDHAVERS, MELDINGEN):
            self._first[source] = first_year(session, source)

    def _rows(
        self, scope: Scope, theme: str | None, codes: list[str], years: tuple[int, int]
    ) -> Iterator[tuple[str, int, int, str, int, int]]:
        wanted = set(codes)
        for (code, year, month, district, theme_code), (n, demo) in self.counted.totals.items():
            if code not in wanted or not years[0] <= year <= years[1]:
                continue
            if not scope.allows(district) or (theme is not None and theme_code != theme):
                continue
            yield code, year, month, district, n, demo

    def summed(
        self,
        scope: Scope,
        theme: str | None,
        codes: list[str],
        years: tuple[int, int],
        by: str = "year",
    ) -> tuple[dict[tuple[str, int], int], bool]:
        counts: dict[tuple[str, int], int] = {}
        demo = False
        for code, year, month, _district, n, demo_n in self._rows(scope, theme, codes, years):
            key = (code, year if by == "year" else month)
            counts[key] = counts.get(key, 0) + n
            demo = demo or demo_n > 0
        return counts, demo

    def hidden(
        self, scope: Scope, theme: str | None, codes: list[str], years: tuple[int, int]
    ) -> set[tuple[str, int]]:
        per_district: dict[tuple[str, int, str], int] = {}
        for code, year, _month, district, n, _demo in self._rows(scope, theme, codes, years):
            key = (code, year, district)
            per_district[key] = per_district.get(key, 0) + n
        return {(code, year) for (code, year, _d), n in per_district.items() if 0 < n < 5}

    def first_year(self, source: str) -> int | None:
        return self._first.get(source)
