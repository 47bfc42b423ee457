"""The change log: every change a device may pull, numbered by the server.

Numbers come from a single counter row that a writer updates in its own
transaction just before it commits. The row lock is held until that commit, so
writers of the change log are serialised: number N+1 cannot be committed before
N, and a reader that sees N+1 has already been able to see N. That is what makes
"pull never skips" hold on PostgreSQL, where sequence values are taken at insert
time and could be committed out of order.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Column, Index
from sqlmodel import Field, SQLModel

AUDIENCE_ALL = "all"  # everyone (themes, districts)
AUDIENCE_DISTRICT = "district"  # users of that district (hotspots)
AUDIENCE_OWNER = "owner"  # the officer who made the record


class Change(SQLModel, table=True):
    __table_args__ = (Index("ix_change_owner_seq", "owner_user_id", "seq"),)

    seq: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    entity: str = Field(max_length=20)
    entity_id: str = Field(max_length=120)
    op: str = Field(max_length=10)
    audience: str = Field(max_length=10)
    district_code: str | None = Field(default=None, max_length=40)
    owner_user_id: int | None = Field(default=None)
    created_at: datetime


class ChangeCounter(SQLModel, table=True):
    id: int = Field(default=1, primary_key=True)
    value: int = Field(default=0, sa_column=Column(BigInteger, nullable=False, default=0))
