"""Stamping changes with gap-free numbers in commit order (see models/changes.py)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session, col, select

from sync_server.db import utcnow
from sync_server.models import Change, ChangeCounter
from sync_server.models.changes import AUDIENCE_ALL, AUDIENCE_DISTRICT, AUDIENCE_OWNER
from sync_server.services.bulk_insert import insert_rows

__all__ = [
    "AUDIENCE_ALL",
    "AUDIENCE_DISTRICT",
    "AUDIENCE_OWNER",
    "LockTiming",
    "PendingChange",
    "ensure_counter",
    "lock_change_log",
    "record_changes",
    "record_changes_and_commit",
]


@dataclass
class LockTiming:
    """When a writer held the change log's lock (epoch seconds): `locked_at` when
    the counter row was locked (on PostgreSQL the database's clock),
    `commit_seen_at` when this process saw the commit, and the first number it
    gave out, by which a benchmark finds the transaction's commit time in the
    database (PostgreSQL's track_commit_timestamp). Counts and times only."""

    locked_at: float | None = None
    commit_seen_at: float | None = None
    first_seq: int | None = None


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
# In the driver's own parameter style: `record_changes_and_commit` sends it with
# the COMMIT behind it in one pipeline, past SQLAlchemy.
_PG_NUMBER_AND_INSERT = (
    "WITH c AS (UPDATE changecounter SET value = value + %(n)s WHERE id = 1 "
    "RETURNING value, clock_timestamp() AS locked_at), "
    "ins AS (INSERT INTO change (seq, entity, entity_id, op, audience, district_code, "
    "owner_user_id, created_at) "
    "SELECT c.value - %(n)s + t.ord, t.entity, t.entity_id, t.op, t.audience, t.district_code, "
    "t.owner_user_id, %(now)s "
    "FROM c, unnest(CAST(%(entity)s AS varchar[]), CAST(%(entity_id)s AS varchar[]), "
    "CAST(%(op)s AS varchar[]), CAST(%(audience)s AS varchar[]), "
    "CAST(%(district_code)s AS varchar[]), CAST(%(owner_user_id)s AS integer[])) "
    "WITH ORDINALITY AS t(entity, entity_id, op, audience, district_code, owner_user_id, ord)) "
    "SELECT value, locked_at FROM c"
)


def record_changes(
    session: Session, changes: list[PendingChange], *, timing: LockTiming | None = None
) -> list[int]:
    """Append changes to the log and return their numbers.

    Call this last in a transaction, just before commit: from the counter update
    on, every other writer of the change log waits for this transaction. Every
    row is prepared before the update, so the lock is held only for the update,
    the insert and the commit. `timing` gets the moment the lock was obtained.
    """
    return _stamp(session, changes, timing=timing, commit=False)


def record_changes_and_commit(
    session: Session, changes: list[PendingChange], *, timing: LockTiming | None = None
) -> list[int]:
    """`record_changes`, then commit the session's transaction.

    On PostgreSQL the numbering statement and the COMMIT go to the database in
    one pipeline (psycopg's pipeline mode): the server commits as soon as the
    change rows are in, without waiting for this process. Between a reply and
    the next statement a thread waits for Python's interpreter lock, which in a
    busy server process is several milliseconds per step; every other push of
    the change log waits for this commit, so those steps no longer fall inside
    the lock.
    """
    postgres = session.get_bind().dialect.name == "postgresql"
    numbers = _stamp(session, changes, timing=timing, commit=postgres)
    # On PostgreSQL the driver has committed: this ends SQLAlchemy's transaction.
    session.commit()
    if timing is not None and numbers:
        timing.commit_seen_at = time.time()
        timing.first_seq = numbers[0]
    return numbers


def _stamp(
    session: Session,
    changes: list[PendingChange],
    *,
    timing: LockTiming | None,
    commit: bool,
) -> list[int]:
    if not changes:
        return []
    ensure_counter(session)
    now = utcnow()
    n = len(changes)
    if session.get_bind().dialect.name == "postgresql":
        session.flush()
        row = _pg_number_and_insert(session, changes, now, commit=commit)
        counter = session.get(ChangeCounter, 1)  # in the session since ensure_counter
        if counter is not None:
            session.expire(counter)  # updated behind the ORM's back
        last = int(row[0])
        if timing is not None:
            timing.locked_at = row[1].timestamp()
        return list(range(last - n + 1, last + 1))
    # SQLite: its writers queue for the whole transaction anyway (BEGIN IMMEDIATE).
    result = session.execute(
        update(ChangeCounter)
        .where(col(ChangeCounter.id) == 1)
        .values(value=col(ChangeCounter.value) + n)
        .returning(col(ChangeCounter.value))
    )
    last = int(result.scalar_one())
    if timing is not None:
        timing.locked_at = time.time()
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


def _pg_number_and_insert(
    session: Session, changes: list[PendingChange], now: datetime, *, commit: bool
) -> Any:
    """The numbering statement on the session's own driver connection (psycopg),
    with the COMMIT in the same pipeline if asked. A driver error comes out as
    SQLAlchemy's error of the same kind, as from any other statement (push.py
    decides a batch again after a deadlock)."""
    connection = session.connection()
    dialect = connection.dialect
    created = Change.__table__.c.created_at.type.dialect_impl(dialect)  # type: ignore[attr-defined]
    to_db = created.bind_processor(dialect)
    params = {
        "n": len(changes),
        "now": to_db(now) if to_db is not None else now,
        "entity": [c.entity for c in changes],
        "entity_id": [c.entity_id for c in changes],
        "op": [c.op for c in changes],
        "audience": [c.audience for c in changes],
        "district_code": [c.district_code for c in changes],
        "owner_user_id": [c.owner_user_id for c in changes],
    }
    raw: Any = connection.connection.driver_connection
    try:
        if not commit:
            return raw.execute(_PG_NUMBER_AND_INSERT, params).fetchone()
        with raw.pipeline():
            cursor = raw.execute(_PG_NUMBER_AND_INSERT, params)
            raw.commit()
            return cursor.fetchone()
    except dialect.loaded_dbapi.Error as exc:
        raise DBAPIError.instance(
            _PG_NUMBER_AND_INSERT, params, exc, dialect.loaded_dbapi.Error, dialect=dialect
        ) from exc


def latest_seq(session: Session) -> int:
    counter = session.exec(select(ChangeCounter).where(ChangeCounter.id == 1)).first()
    return counter.value if counter else 0
