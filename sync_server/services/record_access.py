"""The logs a team leader or the beheerder may open, and what is shown beside them.

A record outside the caller's scope answers the same 404 as one that does not
exist, so that ids of other districts cannot be probed.
"""

from __future__ import annotations

from sqlmodel import Session, col, func, select

from sync_protocol import ErrorCode
from sync_server.errors import ServiceError
from sync_server.models import Record, RecordPhoto, User
from sync_server.services.scope import Scope


def visible_record(session: Session, scope: Scope, record_id: str) -> Record:
    """The record if the caller may see it; otherwise the same 404 as for one that
    does not exist, so that ids of other districts cannot be probed."""
    record = session.get(Record, record_id)
    if record is None or not scope.allows(record.district_code):
        raise ServiceError(ErrorCode.NOT_FOUND, "Dit record bestaat niet of valt niet onder jou.")
    return record


def username(session: Session, user_id: int, cache: dict[int, str]) -> str:
    if user_id not in cache:
        user = session.get(User, user_id)
        cache[user_id] = user.display_name if user else str(user_id)
    return cache[user_id]


def photo_counts(session: Session, ids: list[str]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for start in range(0, len(ids), 1000):  # bounded IN lists for long exports
        rows = session.exec(
            select(col(RecordPhoto.record_id), func.count())
            .where(col(RecordPhoto.record_id).in_(ids[start : start + 1000]))
            .group_by(col(RecordPhoto.record_id))
        ).all()
        counts.update((record_id, int(n)) for record_id, n in rows)
    return counts
