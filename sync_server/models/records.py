"""Records the officers log, their versions, and their photos.

A record's id is made on the phone. The primary key on it is what makes a
re-sent batch harmless. A correction after sync is a new version of the same
record; every version is kept, and the record row holds the latest one.

Identity of youths never reaches this table: a yellow card keeps only the
keyed-hash pseudonym (see services/pseudonyms.py).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Column, Index
from sqlmodel import Field, SQLModel

from sync_protocol.enums import ReviewState

# Before migration 0002 filled them, derived local fields held this placeholder.
NO_DATE = date(1970, 1, 1)


class Record(SQLModel, table=True):
    __table_args__ = (
        Index("ix_record_district_kind_observed", "district_code", "kind", "observed_at"),
        Index("ix_record_youth", "youth_pseudonym"),
        # Hot spots and hot times read one district's period: a range scan.
        Index("ix_record_district_local_date", "district_code", "local_date"),
        Index("ix_record_district_weekday_hour", "district_code", "weekday", "hour"),
        # The nightly indicator job groups by these.
        Index("ix_record_kind_year_month", "kind", "local_year", "local_month"),
        Index("ix_record_district_observed", "district_code", "observed_at"),
        Index("ix_record_assigned_hotspot", "assigned_hotspot_code", "local_date"),
    )

    id: str = Field(primary_key=True, max_length=36)
    kind: str = Field(max_length=30)
    owner_user_id: int = Field(foreign_key="user.id", index=True)
    device_id: str = Field(max_length=36)
    district_code: str = Field(foreign_key="district.code", max_length=40)
    theme_code: str | None = Field(default=None, max_length=80)
    hotspot_code: str | None = Field(default=None, max_length=120)
    lat: float | None = None
    lon: float | None = None
    observed_at: datetime
    version: int = 1
    payload: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    youth_pseudonym: str | None = Field(default=None, max_length=64)
    card_number: int | None = None
    review_state: str = Field(default=ReviewState.NIEUW.value, max_length=30)
    review_remark: str | None = Field(default=None, max_length=2000)
    is_demo: bool = False
    received_at: datetime
    updated_at: datetime
    # Derived from the current version when it is stored (services/push.py), so
    # that indicators, hot spots and hot times group by plain indexed columns.
    action: str | None = Field(default=None, max_length=40)
    feit: str | None = Field(default=None, max_length=40)
    local_date: date = NO_DATE  # observed_at in Europe/Amsterdam
    local_year: int = 0
    local_month: int = 0
    weekday: int = 0  # 0 = Monday
    hour: int = 0
    # The hotspot the log counts for: its own, or the nearest of its district
    # within the configured distance when it only has coordinates.
    assigned_hotspot_code: str | None = Field(default=None, max_length=120)
    # The district action (wijkactie) the log names, if any (checked at push).
    wijkactie_id: str | None = Field(default=None, index=True, max_length=36)


class RecordVersion(SQLModel, table=True):
    record_id: str = Field(foreign_key="record.id", primary_key=True, max_length=36)
    version: int = Field(primary_key=True)
    content_hash: str = Field(max_length=64)
    payload: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    device_id: str = Field(max_length=36)
    received_at: datetime


class RecordPhoto(SQLModel, table=True):
    """A record names its photos by hash; the photo itself is stored once."""

    record_id: str = Field(foreign_key="record.id", primary_key=True, max_length=36)
    sha256: str = Field(primary_key=True, max_length=64, index=True)


class Blob(SQLModel, table=True):
    sha256: str = Field(primary_key=True, max_length=64)
    size: int
    content_type: str = Field(max_length=40)
    width: int
    height: int
    stored_at: datetime


class BlobUpload(SQLModel, table=True):
    """Who has uploaded a photo (its bytes, verified against the hash).

    A photo is shown only through a record whose owner uploaded it, and HEAD
    answers only for the caller's own uploads: naming another district's hash in a
    record, or probing hashes, reveals nothing. Two officers with the same photo
    each upload it once; the bytes are stored once.
    """

    sha256: str = Field(foreign_key="blob.sha256", primary_key=True, max_length=64)
    user_id: int = Field(foreign_key="user.id", primary_key=True, index=True)
    uploaded_at: datetime
