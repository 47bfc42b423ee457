"""The audit log: every read of personal data says who, what, when and why.

Written in the same transaction as the read it records, before the data goes
out: if the entry cannot be written, the data is not shown. The log names the
record or photo that was read, never its content.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from pydantic import BaseModel
from sqlmodel import Session, col, func, select

from sync_protocol import ErrorCode, Role
from sync_server.db import utcnow
from sync_server.errors import ServiceError
from sync_server.models import AuditEntry, User
from sync_server.services.excel_csv import excel_csv, safe_cell
from sync_server.services.localtime import LOCAL

RECORD_DETAIL = "record_detail"
PHOTO = "foto"
EXPORT = "export"
AUDIT_EXPORT = "audit_export"
ACTIONS = (RECORD_DETAIL, PHOTO, EXPORT, AUDIT_EXPORT)
REVIEW = "beoordeling"

# Why personal data is read (the `reden` of a request). A teamleider's one
# purpose is reviewing their own team's logs, so for them it defaults to
# beoordeling; a beheerder, who may read everything, must always say why.
REASONS: dict[str, str] = {
    REVIEW: "beoordeling van registraties van het eigen team",
    "nazorg": "nazorg of opvolging van een incident tegen een handhaver",
    "klacht": "behandeling van een klacht of bezwaar",
    "inzageverzoek": "inzage- of ander verzoek van een betrokkene (AVG)",
    "juridisch": "aangifte, verweer of een andere juridische procedure",
    "controle": "controle op het gebruik van de gegevens (beheer, FG, audit)",
}
REASON_PATTERN = "^(" + "|".join(REASONS) + ")$"


def reason_for(user: User, given: str | None) -> str:
    """The recorded why of a read: the stated reason, else the role's only purpose."""
    if given:
        if given not in REASONS:
            raise ServiceError(ErrorCode.INVALID_REQUEST, "Onbekende reden.")
        return given
    if user.role == Role.TEAMLEIDER:
        return REVIEW
    raise ServiceError(
        ErrorCode.INVALID_REQUEST,
        "Geef aan waarom je deze persoonsgegevens inziet: reden="
        + ", ".join(REASONS)
        + ". Elke inzage komt met de reden in het auditlog.",
    )


def log_read(
    session: Session,
    user: User,
    *,
    action: str,
    reason: str,
    record_id: str | None = None,
    blob_sha256: str | None = None,
    detail: str = "",
) -> AuditEntry:
    assert user.id is not None
    entry = AuditEntry(
        at=utcnow(),
        user_id=user.id,
        username=user.username,
        role=user.role,
        action=action,
        record_id=record_id,
        blob_sha256=blob_sha256,
        reason=reason,
        detail=detail[:1000],
    )
    session.add(entry)
    session.flush()
    return entry


class AuditOut(BaseModel):
    id: int
    at: datetime
    user_id: int
    username: str
    role: str
    action: str
    record_id: str | None
    blob_sha256: str | None
    reason: str
    detail: str


class AuditPage(BaseModel):
    total: int
    limit: int
    offset: int
    items: list[AuditOut]


def _conditions(
    user: str | None,
    action: str | None,
    record_id: str | None,
    date_from: date | None,
    date_to: date | None,
    reason: str | None = None,
) -> list[Any]:
    where: list[Any] = []
    if reason is not None:
        where.append(col(AuditEntry.reason) == reason)
    if user is not None:
        where.append(col(AuditEntry.username) == user.strip().lower())
    if action is not None:
        where.append(col(AuditEntry.action) == action)
    if record_id is not None:
        where.append(col(AuditEntry.record_id) == record_id)
    if date_from is not None:
        start = datetime.combine(date_from, datetime.min.time(), tzinfo=LOCAL)
        where.append(col(AuditEntry.at) >= start)
    if date_to is not None:
        end = datetime.combine(date_to + timedelta(days=1), datetime.min.time(), tzinfo=LOCAL)
        where.append(col(AuditEntry.at) < end)
    return where


def _out(entry: AuditEntry) -> AuditOut:
    assert entry.id is not None
    return AuditOut.model_validate(entry, from_attributes=True)


def list_entries(
    session: Session,
    *,
    user: str | None = None,
    action: str | None = None,
    record_id: str | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    limit: int = 100,
    offset: int = 0,
    reason: str | None = None,
) -> AuditPage:
    where = _conditions(user, action, record_id, date_from, date_to, reason)
    total = session.exec(select(func.count()).select_from(AuditEntry).where(*where)).one()
    rows = session.exec(
        select(AuditEntry)
        .where(*where)
        .order_by(col(AuditEntry.at).desc(), col(AuditEntry.id).desc())
        .limit(limit)
        .offset(offset)
    ).all()
    return AuditPage(total=int(total), limit=limit, offset=offset, items=[_out(r) for r in rows])


AUDIT_COLUMNS = ("id", "at", "username", "role", "action", "record_id", "blob_sha256", "reason")


def export_csv(
    session: Session,
    *,
    user: str | None = None,
    action: str | None = None,
    record_id: str | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    max_rows: int = 100_000,
    reason: str | None = None,
) -> tuple[str, int]:
    where = _conditions(user, action, record_id, date_from, date_to, reason)
    rows = session.exec(
        select(AuditEntry)
        .where(*where)
        .order_by(col(AuditEntry.at), col(AuditEntry.id))
        .limit(max_rows)
    ).all()
    lines = [
        [
            row.id,
            row.at.isoformat(),
            row.username,
            row.role,
            row.action,
            row.record_id or "",
            row.blob_sha256 or "",
            safe_cell(row.reason),
            safe_cell(row.detail),
        ]
        for row in rows
    ]
    return excel_csv([*AUDIT_COLUMNS, "detail"], lines), len(rows)
