"""Information-led work per district (issue 13): residents' reports (meldingen)
imported from the municipality's reports system, and district actions
(wijkacties) a team leader plans.

A melding keeps no personal data: no reporter, no free text, no address; only
what the map and the indicators need (when, what category, where, its state).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Column, Index
from sqlmodel import Field, SQLModel


class Melding(SQLModel, table=True):
    """One resident's report, by the reports system's own id (a re-import updates it)."""

    __table_args__ = (
        Index("ix_melding_district_date", "district_code", "local_date"),
        Index("ix_melding_hotspot_date", "hotspot_code", "local_date"),
    )

    id: str = Field(primary_key=True, max_length=64)
    created_at: datetime
    local_date: date  # created_at in Europe/Amsterdam
    weekday: int = 0  # 0 = maandag
    hour: int = 0
    category: str = Field(max_length=120)
    sub_category: str = Field(default="", max_length=120)
    state: str = Field(default="", max_length=40)
    lat: float
    lon: float
    district_code: str = Field(foreign_key="district.code", max_length=40)
    hotspot_code: str | None = Field(default=None, max_length=120)
    imported_at: datetime


class Wijkactie(SQLModel, table=True):
    """A district action: what, where (hotspots), when (period and hot times),
    the goal, who. Deleted actions are removed (phones get a tombstone); records
    that named one keep the id."""

    id: str = Field(primary_key=True, max_length=36)
    district_code: str = Field(foreign_key="district.code", index=True, max_length=40)
    title: str = Field(max_length=200)
    themes: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    hotspots: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    starts_on: date
    ends_on: date
    hot_times: list[dict[str, Any]] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False)
    )
    goal: str = Field(default="", max_length=2000)
    target: int | None = None
    team: str = Field(default="", max_length=200)
    officers: list[int] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    version: int = 1
    created_by: int = Field(foreign_key="user.id")
    updated_at: datetime
