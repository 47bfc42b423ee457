"""Accountability: who read personal data, and what retention removed.

Neither table holds the data itself: an audit entry names the record or photo
that was read; a retention entry names the record and the field that was
emptied, never the removed value.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index
from sqlmodel import Field, SQLModel


class AuditEntry(SQLModel, table=True):
    __table_args__ = (Index("ix_auditentry_user_at", "user_id", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(index=True)
    user_id: int = Field(foreign_key="user.id")
    username: str = Field(max_length=80)
    role: str = Field(max_length=20)
    action: str = Field(max_length=30)  # record_detail, foto, export, audit_export
    record_id: str | None = Field(default=None, index=True, max_length=36)
    blob_sha256: str | None = Field(default=None, max_length=64)
    reason: str = Field(max_length=80)  # why: "beoordeling", "export", "controle"
    detail: str = Field(default="", max_length=1000)  # e.g. the export's filter and size


class RetentionEntry(SQLModel, table=True):
    """One removal by the nightly retention job: which rule (of which version of
    assets/reference/retention.json) emptied which field of which record, and when.
    field_name "" means the rule found nothing to remove in that record."""

    __table_args__ = (Index("ix_retentionentry_rule_record", "rule", "record_id"),)

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(index=True)
    rule: str = Field(max_length=60)
    record_id: str = Field(max_length=36, index=True)
    field_name: str = Field(max_length=60)
    kind: str = Field(default="", max_length=30)
    policy_version: int = 0
