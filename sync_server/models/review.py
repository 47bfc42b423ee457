"""Team leaders' review of logs: review history, saved filters, incident follow-up."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

FOLLOWUP_KINDS = ("bot_contact", "melding_gedaan", "aangifte_gedaan")


class ReviewEvent(SQLModel, table=True):
    """Every review decision, kept; the record row holds the latest."""

    id: int | None = Field(default=None, primary_key=True)
    record_id: str = Field(foreign_key="record.id", index=True, max_length=36)
    state: str = Field(max_length=30)
    remark: str | None = Field(default=None, max_length=2000)
    user_id: int = Field(foreign_key="user.id")
    at: datetime


class SavedFilter(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("user_id", "name"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    name: str = Field(max_length=80)
    params: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: datetime


class IncidentFollowup(SQLModel, table=True):
    """Aftercare and police follow-up of an incident against an enforcer (§2.12)."""

    id: int | None = Field(default=None, primary_key=True)
    record_id: str = Field(foreign_key="record.id", index=True, max_length=36)
    kind: str = Field(max_length=30)
    on_date: date
    user_id: int = Field(foreign_key="user.id")
    recorded_at: datetime
