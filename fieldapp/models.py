"""The phone's local tables: a copy of the officer's district and their own entries.

The schema itself is created by the numbered steps in fieldapp/migrations.py;
these classes are how the code reads and writes it (a test keeps both in step).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel


class LocalModel(SQLModel, registry=registry()):
    """The phone's own metadata, apart from the server's tables (same process in tests)."""


# Entry status as the officer sees it in "Mijn log".
WACHT = "wacht"  # saved on the phone, waiting to be sent
VERZONDEN = "verzonden"  # sent, reply not yet processed (only during a sync)
GEACCEPTEERD = "geaccepteerd"
AFGEWEZEN = "afgewezen"  # refused by the server; the reason is kept to fix it
CONFLICT = "conflict"  # the server holds other content under this id and version


class Enrolment(LocalModel, table=True):
    """This phone's link to the server (one row). The token is a secret."""

    id: int = Field(default=1, primary_key=True)
    server_url: str
    device_id: str
    token: str
    user_id: int
    username: str
    display_name: str
    role: str
    districts: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    pin_hash: str | None = None
    pin_salt: str | None = None
    failed_pins: int = 0
    enrolled_at: datetime


class District(LocalModel, table=True):
    code: str = Field(primary_key=True)
    name: str
    center_lat: float | None = None
    center_lon: float | None = None


class Theme(LocalModel, table=True):
    code: str = Field(primary_key=True)
    name: str
    kind: str
    description: str = ""


class Hotspot(LocalModel, table=True):
    code: str = Field(primary_key=True)
    name: str
    district: str = Field(index=True)
    themes: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    lat: float | None = None
    lon: float | None = None
    note: str = ""
    # Retired or outside its period: hidden from pickers, still named in history.
    retired: bool = False
    valid_from: str | None = None  # ISO date, inclusive; None = open
    valid_to: str | None = None


class Wijkactie(LocalModel, table=True):
    """A district action planned by the team leader, as pulled (sync_protocol
    WijkactieData). `hot_times` is a list of {weekday, start_hour, end_hour}."""

    id: str = Field(primary_key=True)
    district: str = Field(index=True)
    title: str
    themes: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    hotspots: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    starts_on: str  # ISO date, inclusive
    ends_on: str
    hot_times: list[dict[str, int]] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False)
    )
    goal: str = ""
    target: int | None = None
    team: str = ""
    officers: list[int] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))


class Entry(LocalModel, table=True):
    """One logged record (waarneming, gele kaart, incident, ...), in its latest version.

    The payload never holds a youth's identity: that waits in PendingIdentity
    until the server has accepted the card, and is then wiped.
    """

    id: str = Field(primary_key=True)
    kind: str = Field(index=True)
    version: int = 1
    payload: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    status: str = Field(default=WACHT, index=True)
    synced_version: int | None = None  # the last version the server accepted
    reject_code: str | None = None
    reject_message: str | None = None
    review_state: str | None = None
    review_remark: str | None = None
    card_number: int | None = None
    next_step: str | None = None
    created_at: datetime
    updated_at: datetime


class Outbox(LocalModel, table=True):
    """What still has to go to the server. Written in the same transaction as the
    entry, so an entry can never exist without its way out."""

    entry_id: str = Field(primary_key=True, foreign_key="entry.id")
    version: int
    priority: int  # 0 = incidents, sent before anything else
    queued_at: datetime
    attempts: int = 0
    last_error: str | None = None


class PendingIdentity(LocalModel, table=True):
    """A youth's name and date of birth, only until the card is accepted."""

    entry_id: str = Field(primary_key=True, foreign_key="entry.id")
    naam: str
    geboortedatum: str


class Photo(LocalModel, table=True):
    sha256: str = Field(primary_key=True)
    path: str
    thumbnail_path: str
    size: int
    uploaded: bool = False
    created_at: datetime


class EntryPhoto(LocalModel, table=True):
    entry_id: str = Field(primary_key=True, foreign_key="entry.id")
    sha256: str = Field(primary_key=True, foreign_key="photo.sha256")
    position: int = 0


class SyncState(LocalModel, table=True):
    """The pull cursor and how the last sync went (one row)."""

    id: int = Field(default=1, primary_key=True)
    cursor: int = 0
    last_success_at: datetime | None = None
    last_attempt_at: datetime | None = None
    last_error_code: str | None = None
    last_error_message: str | None = None
