"""Indicator figures: nightly snapshots computed from the logs, and imported figures.

The API reads these tables only, never the logs: a snapshot row is one count per
indicator × year × month × district × theme, computed by the nightly job with one
version of the indicator definitions (assets/reference/indicator_definitions.json).
Every run keeps which definitions it used, so a figure always says what produced it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel


class SnapshotRun(SQLModel, table=True):
    """The newest computation per definition version (version number + content hash)."""

    __table_args__ = (UniqueConstraint("definition_version", "definition_hash"),)

    id: int | None = Field(default=None, primary_key=True)
    definition_version: int
    definition_hash: str = Field(max_length=64)
    # The definitions file as it was used: explanations and suppression rules of
    # the figures come from here, not from a file that may have changed since.
    definitions: dict[str, Any] = Field(
        default_factory=dict, sa_column=Column(JSON, nullable=False)
    )
    computed_at: datetime = Field(index=True)
    records_counted: int = 0
    demo_records_counted: int = 0
    rows: int = 0


class IndicatorSnapshot(SQLModel, table=True):
    __table_args__ = (
        UniqueConstraint(
            "run_id", "indicator_code", "year", "month", "district_code", "theme_code"
        ),
        Index("ix_snapshot_run_indicator_year", "run_id", "indicator_code", "year"),
    )

    id: int | None = Field(default=None, primary_key=True)
    run_id: int = Field(foreign_key="snapshotrun.id")
    indicator_code: str = Field(max_length=120)
    year: int
    month: int
    district_code: str = Field(max_length=40)
    theme_code: str = Field(default="", max_length=80)  # "" = no theme (incidents)
    count: int
    demo_count: int = 0  # how many of `count` are demo records


class IndicatorImport(SQLModel, table=True):
    """One accepted CSV import by a beheerder."""

    id: int | None = Field(default=None, primary_key=True)
    imported_at: datetime
    user_id: int = Field(foreign_key="user.id")
    rows: int


class ImportedIndicatorValue(SQLModel, table=True):
    """A figure from another source (politie, omnibus, LAA, ZVH) imported from CSV.

    `district_code` "" is the whole city. The programme's own 2019–2022 figures stay
    in IndicatorValue (origin "programma"); these are origin "import".
    """

    indicator_code: str = Field(foreign_key="indicator.code", primary_key=True, max_length=120)
    year: int = Field(primary_key=True)
    district_code: str = Field(default="", primary_key=True, max_length=40)
    value: float
    origin: str = Field(default="import", max_length=20)
    import_id: int = Field(foreign_key="indicatorimport.id")
