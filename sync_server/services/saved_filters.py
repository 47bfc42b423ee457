"""A team leader's saved review filters, kept on the server per user.

A filter with `last_days` stays relative ("laatste 4 weken" is recent whenever it
is used); a filter is checked like a query's when it is saved.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, StringConstraints
from sqlmodel import Session, col, select

from sync_protocol import ErrorCode
from sync_server.db import utcnow
from sync_server.errors import ServiceError
from sync_server.models import SavedFilter, User
from sync_server.services.review_filter import ReviewFilter, check_filter
from sync_server.services.scope import Scope


class SavedFilterIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=80)]
    filter: ReviewFilter


class SavedFilterOut(BaseModel):
    id: int
    name: str
    filter: ReviewFilter
    created_at: datetime


def _filter_out(row: SavedFilter) -> SavedFilterOut:
    assert row.id is not None
    return SavedFilterOut(
        id=row.id, name=row.name, filter=ReviewFilter(**row.params), created_at=row.created_at
    )


def list_filters(session: Session, user: User) -> list[SavedFilterOut]:
    rows = session.exec(
        select(SavedFilter).where(SavedFilter.user_id == user.id).order_by(col(SavedFilter.name))
    ).all()
    return [_filter_out(r) for r in rows]


def save_filter(session: Session, scope: Scope, user: User, body: SavedFilterIn) -> SavedFilterOut:
    assert user.id is not None
    check_filter(session, scope, body.filter)
    existing = session.exec(
        select(SavedFilter).where(SavedFilter.user_id == user.id, SavedFilter.name == body.name)
    ).first()
    if existing is not None:
        raise ServiceError(ErrorCode.CONFLICT, "Er is al een filter met deze naam.")
    row = SavedFilter(
        user_id=user.id,
        name=body.name,
        params=body.filter.model_dump(exclude_none=True, mode="json"),
        created_at=utcnow(),
    )
    session.add(row)
    session.flush()
    return _filter_out(row)


def delete_filter(session: Session, user: User, filter_id: int) -> None:
    row = session.get(SavedFilter, filter_id)
    if row is None or row.user_id != user.id:
        raise ServiceError(ErrorCode.NOT_FOUND, "Dit filter bestaat niet.")
    session.delete(row)
