"""Stamping changes with gap-free numbers in commit order (see models/changes.py)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, insert, text, update
from sqlmodel import Session, col, select

from sync_server.db import utcnow
from sync_server.models import Change, ChangeCounter
from sync_server.models.changes import AUDIENCE_ALL, AUDIENCE_DISTRICT, AUDIENCE_OWNER

__all__ = [
    "AUDIENCE_ALL",
    "AUDIENCE_DISTRICT",
    "AUDIENCE_OWNER",
    "PendingChange",
    "ensure_counter",
    "lock_change_log",
    "record_changes",
]


@dataclass(frozen=True)
class PendingChange:
    entity: str
    entity_id: str
    op: str
    audience: str
    district_code: str | None = None
    owner_user_id: int | None = None


def ensure_counter(session: Session) -> None:
    if session.get(ChangeCounter, 1) is None:
        session.add(ChangeCounter(id=1, value=0))
        session.flush()


def lock_change_log(session: Session) -> None:
    """Take the change-log lock now (held until commit).

    Used where a writer must read something that only stays true while no other
    writer commits, such as counting a youth's earlier yellow cards.
    """
    session.execute(
        update(ChangeCounter)
        .where(col(ChangeCounter.id) == 1)
        .values(value=col(ChangeCounter.value))
    )


# On PostgreSQL the change rows go in as one statement over arrays (unnest): one
# round trip and next to no work in Python while the counter row is locked.
_PG_INSERT_CHANGES = text(
    "INSERT INTO change (seq, entity, entity_id, op, audience, district_code, owner_user_id, "
    "created_at) "
    "SELECT :first + t.ord - 1, t.entity, t.entity_id, t.op, t.audience, t.district_code, "
    "t.owner_user_id, :now "
    "FROM unnest(CAST(:entity AS varchar[]), CAST(:entity_id AS varchar[]), "
    "CAST(:op AS varchar[]), CAST(:audience AS varchar[]), CAST(:district_code AS varchar[]), "
    "CAST(:owner_user_id AS integer[])) "
    "WITH ORDINALITY AS t(entity, entity_id, op, audience, district_code, owner_user_id, ord)"
).bindparams(
    bindparam("now", type_=Change.__table__.c.created_at.type),  # type: ignore[attr-defined]
)


def record_changes(
    session: Session, changes: list[PendingChange], *, locked_at: list[float] | None = None
) -> list[int]:
    """Append changes to the log and return their numbers.

    Call this last in a transaction, just before commit: from the counter update
    on, every other writer of the change log waits for this transaction. Every
    row is prepared before the update, so the lock is held for the update, one
    insert and the commit. `locked_at` gets the moment the lock was obtained.
    """
    if not changes:
        return []
    ensure_counter(session)
    now = utcnow()
    postgres = session.get_bind().dialect.name == "postgresql"
    columns: dict[str, list[Any]] = {
        "entity": [c.entity for c in changes],
        "entity_id": [c.entity_id for c in changes],
        "op": [c.op for c in changes],
        "audience": [c.audience for c in changes],
        "district_code": [c.district_code for c in changes],
        "owner_user_id": [c.owner_user_id for c in changes],
    }
    result = session.execute(
        update(ChangeCounter)
        .where(col(ChangeCounter.id) == 1)
        .values(value=col(ChangeCounter.value) + len(changes))
        .returning(col(ChangeCounter.value))
    )
    last = int(result.scalar_one())
    if locked_at is not None:
        locked_at.append(time.perf_counter())
    first = last - len(changes) + 1
    conn = session.connection()
    if postgres:
        conn.execute(_PG_INSERT_CHANGES, {"first": first, "now": now, **columns})
    else:
        # SQLite: one executemany of plain rows (its writers queue for the whole
        # transaction anyway, BEGIN IMMEDIATE).
        conn.execute(
            insert(Change.__table__),  # type: ignore[attr-defined]
            [
                {
                    "seq": first + offset,
                    "entity": change.entity,
                    "entity_id": change.entity_id,
                    "op": change.op,
                    "audience": change.audience,
                    "district_code": change.district_code,
                    "owner_user_id": change.owner_user_id,
                    "created_at": now,
                }
                for offset, change in enumerate(changes)
            ],
        )
    return list(range(first, last + 1))


def latest_seq(session: Session) -> int:
    counter = session.exec(select(ChangeCounter).where(ChangeCounter.id == 1)).first()
    return counter.value if counter else 0
