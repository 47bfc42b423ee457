"""Stamping changes with gap-free numbers in commit order (see models/changes.py)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import insert, update
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


def record_changes(session: Session, changes: list[PendingChange]) -> list[int]:
    """Append changes to the log and return their numbers.

    Call this last in a transaction, just before commit: from the counter update
    on, every other writer of the change log waits for this transaction.
    """
    if not changes:
        return []
    ensure_counter(session)
    result = session.execute(
        update(ChangeCounter)
        .where(col(ChangeCounter.id) == 1)
        .values(value=col(ChangeCounter.value) + len(changes))
        .returning(col(ChangeCounter.value))
    )
    last = int(result.scalar_one())
    first = last - len(changes) + 1
    now = utcnow()
    # One executemany of plain rows: no ORM object per change.
    session.execute(
        insert(Change),
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
