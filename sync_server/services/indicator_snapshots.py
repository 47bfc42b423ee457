"""The nightly indicator snapshots: counting once, and summing the counts.

`compute_snapshot` counts (indicator_counting.py: the current version of every log,
and the imported residents' reports) per indicator × year × month × district ×
theme in one transaction, replacing the previous snapshot of
the same definition version. The readers below sum those rows; nothing else that
shows figures reads the logs themselves.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, insert
from sqlmodel import Session, col, select

from sync_server.db import utcnow
from sync_server.models import IndicatorSnapshot, SnapshotRun
from sync_server.services.indicator_counting import count_sources
from sync_server.services.indicator_definitions import DefinitionSet, definitions_of
from sync_server.services.scope import Scope


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
    counted = count_sources(session, definitions)
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
        for (
            indicator,
            year,
            month,
            district,
            theme_code,
        ), (count, demo_count) in counted.totals.items()
    ]
    if rows:
        session.execute(insert(IndicatorSnapshot), rows)
    run.computed_at = now
    run.definitions = definitions.raw
    run.rows = len(rows)
    # Every log counted once, whatever it matched.
    run.records_counted = counted.records
    run.demo_records_counted = counted.demo_records
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


def snapshot_counts(
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


def hidden_district_cells(
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
