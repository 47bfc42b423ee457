"""The outbox's way out: the next batch to send, and the server's verdicts on it.

Both run inside the store's transaction and touch each table once per batch: the
batch is read with one join and one `IN` query, and a reply of 500 verdicts is
written with one `executemany` of entry updates and two `DELETE … IN`, instead
of an ORM object per record (which was a third of a phone's push time).
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, delete, update
from sqlalchemy import select as select_columns
from sqlmodel import Session, col, select

from fieldapp import models as m

ACCEPTED, REJECTED, CONFLICT = "accepted", "rejected", "conflict"


@dataclass(frozen=True)
class OutgoingRecord:
    entry_id: str
    version: int
    wire: dict[str, Any]  # exactly what goes into the push batch


def read_outgoing(
    session: Session,
    limit: int,
    *,
    claim: bool,
    open_payload: Callable[[str, dict[str, Any]], dict[str, Any]],
    open_identity: Callable[[m.PendingIdentity], dict[str, str]],
    exclude: Collection[str] = (),
) -> list[OutgoingRecord]:
    """The next records to send (incidents first, then oldest first), leaving
    out `exclude` (a batch still on its way); with `claim` they are marked as
    attempted in the caller's transaction."""
    query = (
        select_columns(
            col(m.Entry.id), col(m.Entry.kind), col(m.Entry.payload), col(m.Outbox.version)
        )
        .join(m.Outbox, col(m.Outbox.entry_id) == col(m.Entry.id))
        .order_by(col(m.Outbox.priority), col(m.Outbox.queued_at))
        .limit(limit)
    )
    if exclude:
        query = query.where(col(m.Outbox.entry_id).not_in(list(exclude)))
    rows = session.execute(query).all()
    ids = [row.id for row in rows]
    if claim and ids:
        session.execute(
            update(m.Outbox)
            .where(col(m.Outbox.entry_id).in_(ids))
            .values(attempts=col(m.Outbox.attempts) + 1)
        )
    # One query for the batch's youth identities (yellow cards only).
    identities = {
        row.entry_id: row
        for row in session.exec(
            select(m.PendingIdentity).where(col(m.PendingIdentity.entry_id).in_(ids))
        ).all()
    }
    out = []
    for row in rows:
        # Decrypted only here, for the request body (never written back).
        payload = open_payload(row.id, row.payload)
        identity = identities.get(row.id)
        if identity is not None:
            payload["jongere"] = open_identity(identity)
        wire = {"id": row.id, "kind": row.kind, "version": row.version, "payload": payload}
        out.append(OutgoingRecord(row.id, row.version, wire))
    return out


_ENTRY: Table = cast(Any, m.Entry).__table__
_ENTRY_UPDATE = (
    "UPDATE entry SET status = ?, synced_version = ?, card_number = ?, next_step = ?, "
    "reject_code = ?, reject_message = ?, updated_at = ? WHERE id = ?"
)
# Positions in the state kept per entry while the verdicts are read.
_STATUS, _SYNCED, _CARD, _STEP, _CODE, _MESSAGE = range(6)


def apply_results(session: Session, results: list[dict[str, Any]], now: datetime) -> dict[str, int]:
    """Record the server's verdicts in the caller's transaction; returns counts.

    A verdict for a version that is no longer the queued one is skipped: the
    entry was edited meanwhile and the newer version is still queued."""
    counts = {ACCEPTED: 0, REJECTED: 0, CONFLICT: 0}
    ids = [r["id"] for r in results if isinstance(r.get("id"), str)]
    if not ids:
        return counts
    connection = session.connection()
    # The batch's entries and their queued versions in one query.
    query: Any = (
        select_columns(
            col(m.Entry.id),
            col(m.Entry.status),
            col(m.Entry.synced_version),
            col(m.Entry.card_number),
            col(m.Entry.next_step),
            col(m.Entry.reject_code),
            col(m.Entry.reject_message),
            col(m.Outbox.version).label("queued"),
        )
        .join(m.Outbox, col(m.Outbox.entry_id) == col(m.Entry.id))
        .where(col(m.Entry.id).in_(ids))
    )
    rows: dict[str, Any] = {row.id: row for row in connection.execute(query)}
    done: dict[str, list[Any]] = {}
    accepted: list[str] = []
    for result in results:
        entry_id, version = result.get("id"), result.get("version")
        row = rows.get(entry_id) if isinstance(entry_id, str) else None
        if row is None or row.queued != version:
            continue  # edited meanwhile: the newer version is still queued
        status = result["status"]
        counts[status] = counts.get(status, 0) + 1
        entry = done.get(row.id) or list(row[1:7])
        if status == ACCEPTED:
            entry[_STATUS] = m.GEACCEPTEERD
            entry[_SYNCED] = max(entry[_SYNCED] or 0, version)
            outcome = result.get("outcome") or {}
            if "card_number" in outcome:
                entry[_CARD] = outcome["card_number"]
                entry[_STEP] = outcome.get("next_step")
            accepted.append(row.id)
        else:
            entry[_STATUS] = m.AFGEWEZEN if status == REJECTED else m.CONFLICT
            entry[_CODE] = result.get("code")
            entry[_MESSAGE] = result.get("message")
        done[row.id] = entry
    if not done:
        return counts
    # One executemany of plain tuples; the time is stored as the column's type
    # stores it, converted once.
    column_type = _ENTRY.c.updated_at.type.dialect_impl(connection.dialect)
    to_db = column_type.bind_processor(connection.dialect)
    stamp = to_db(now) if to_db is not None else now
    connection.exec_driver_sql(
        _ENTRY_UPDATE, [(*entry, stamp, entry_id) for entry_id, entry in done.items()]
    )
    session.execute(delete(m.Outbox).where(col(m.Outbox.entry_id).in_(list(done))))
    if accepted:
        # The server has pseudonymised these youths: wipe the identities here.
        session.execute(
            delete(m.PendingIdentity).where(col(m.PendingIdentity.entry_id).in_(accepted))
        )
    return counts
