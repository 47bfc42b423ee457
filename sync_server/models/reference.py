"""Programme reference data: districts, themes, hotspots and indicators.

Loaded from the reviewed files in assets/reference. Each row keeps the hash of
its content and a version, so that loading the same files twice changes nothing
and an edited file becomes a new version that phones receive on their next pull.
Rows removed from the files are retired, not deleted: old records still name them.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel


class _Versioned(SQLModel):
    content_hash: str = Field(max_length=64)
    version: int = 1
    retired: bool = False
    updated_at: datetime


class District(_Versioned, table=True):
    code: str = Field(primary_key=True, max_length=40)
    name: str = Field(max_length=80)
    center_lat: float | None = None
    center_lon: float | None = None


class Theme(_Versioned, table=True):
    code: str = Field(primary_key=True, max_length=80)
    name: str = Field(max_length=120)
    kind: str = Field(max_length=20)
    description: str = ""
    sections: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))


class Hotspot(_Versioned, table=True):
    code: str = Field(primary_key=True, max_length=120)
    name: str = Field(max_length=200)
    district_code: str = Field(foreign_key="district.code", index=True, max_length=40)
    themes: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    sections: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    lat: float | None = None
    lon: float | None = None
    approximate: bool = True
    note: str = ""
    # The programme year(s) it is a focus location in (inclusive; None = open).
    valid_from: date | None = None
    valid_to: date | None = None


class Indicator(_Versioned, table=True):
    code: str = Field(primary_key=True, max_length=120)
    name: str = Field(max_length=200)
    source: str = Field(max_length=20)
    unit: str = Field(max_length=20)
    group_name: str | None = Field(default=None, max_length=80)
    sections: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))


class IndicatorValue(SQLModel, table=True):
    """One published figure. `value` is None where the programme prints nothing or
    "volgt": a missing figure must never be read as zero."""

    indicator_code: str = Field(foreign_key="indicator.code", primary_key=True, max_length=120)
    year: int = Field(primary_key=True)
    value: float | None = None
    printed: str | None = Field(default=None, max_length=40)
    origin: str = Field(default="programma", max_length=20)


class ReferenceLoad(SQLModel, table=True):
    """One run of the loader that changed something: when, which files, how much."""

    id: int | None = Field(default=None, primary_key=True)
    loaded_at: datetime
    dataset_hash: str = Field(max_length=64)
    changed: int
