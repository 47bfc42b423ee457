"""Stamping changes with gap-free numbers in commit order (see models/changes.py)."""

from __future__ import annotations

import time
from dataclasses import dataclass

from sqlalchemy import bindparam, text, update
from sqlmodel import Session, col, select

from sync_server.db import utcnow
from sync_server.models import Change, ChangeCounter
from sync_server.models.changes import AUDIENCE_ALL, AUDIENCE_DISTRICT, AUDIENCE_OWNER
from sync_server.services.bulk_insert import insert_rows

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


# On PostgreSQL the counter update and the change rows are one statement: the
# rows go in over arrays (unnest), prepared before, so the lock is held for one
# round trip and the commit. clock_timestamp() is when the row lock was obtained.
_PG_NUMBER_AND_INSERT = text(
    "WITH c AS (UPDATE changecounter SET value = value + :n WHERE id = 1 "
    "RETURNING value, clock_timestamp() AS locked_at), "
    "ins AS (INSERT INTO change (seq, entity, entity_id, op, audience, district_code, "
    "owner_user_id, created_at) "
    "SELECT c.value - :n + t.ord, t.entity, t.entity_id, t.op, t.audience, t.district_code, "
    "t.owner_user_id, :now "
    "FROM c, unnest(CAST(:entity AS varchar[]), CAST(:entity_id AS varchar[]), "
    "CAST(:op AS varchar[]), CAST(:audience AS varchar[]), CAST(:district_code AS varchar[]), "
    "CAST(:owner_user_id AS integer[])) "
    "WITH ORDINALITY AS t(entity, entity_id, op, audience, district_code, owner_user_id, ord)) "
    "SELECT value, locked_at FROM c"
).bindparams(
    bindparam("now", type_=Change.__table__.c.created_at.type),  # type: ignore[attr-defined]
)


def record_changes(
    session: Session, changes: list[PendingChange], *, locked_at: list[float] | None = None
) -> list[int]:
    """Append changes to the log and return their numbers.

    Call this last in a transaction, just before commit: from the counter update
    on, every other writer of the change log waits for this transaction. Every
    row is prepared before the update, so the lock is held only for the update,
    the insert and the commit. `locked_at` gets the moment (epoch seconds) the
    lock was obtained.
    """
    if not changes:
        return []
    ensure_counter(session)
    now = utcnow()
    n = len(changes)
    if session.get_bind().dialect.name == "postgresql":
        row = (
            session.connection()
            .execute(
                _PG_NUMBER_AND_INSERT,
                {
                    "n": n,
                    "now": now,
                    "entity": [c.entity for c in changes],
                    "entity_id": [c.entity_id for c in changes],
                    "op": [c.op for c in changes],
                    "audience": [c.audience for c in changes],
                    "district_code": [c.district_code for c in changes],
                    "owner_user_id": [c.owner_user_id for c in changes],
                },
            )
            .one()
        )
        counter = session.get(ChangeCounter, 1)  # in the session since ensure_counter
        if counter is not None:
            session.expire(counter)  # updated behind the ORM's back
        last = int(row.value)
        if locked_at is not None:
            locked_at.append(row.locked_at.timestamp())
        return list(range(last - n + 1, last + 1))
    # SQLite: its writers queue for the whole transaction anyway (BEGIN IMMEDIATE).
    result = session.execute(
        update(ChangeCounter)
        .where(col(ChangeCounter.id) == 1)
        .values(value=col(ChangeCounter.value) + n)
        .returning(col(ChangeCounter.value))
    )
    last = int(result.scalar_one())
    if locked_at is not None:
        locked_at.append(time.time())
    first = last - n + 1
    insert_rows(
        session.connection(),
        Change.__table__,  # type: ignore[attr-defined]
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
