"""The store's bookkeeping for the sync that needs no clock: which outbox rows
were attempted or failed, which photos still go up, and the pull cursor with
its pages. A base class of `Store` (fieldapp/store.py), which holds the rest."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager
from typing import Any

from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from fieldapp import models as m
from fieldapp import pull_apply
from sync_protocol import Change


class SyncBookkeeping:
    """Needs of its subclass (Store): the engine, and `transaction()`, one
    committed transaction."""

    engine: Engine
    transaction: Callable[[], AbstractContextManager[Session]]

    def mark_attempt(self, entry_ids: list[str]) -> None:
        """Before a batch goes out: from now on the server may hold these versions."""
        with self.transaction() as session:
            session.execute(
                update(m.Outbox)
                .where(col(m.Outbox.entry_id).in_(entry_ids))
                .values(attempts=col(m.Outbox.attempts) + 1)
            )

    def note_push_failure(self, entry_ids: list[str], reason: str) -> None:
        with self.transaction() as session:
            session.execute(
                update(m.Outbox)
                .where(col(m.Outbox.entry_id).in_(entry_ids))
                .values(last_error=reason[:500])
            )

    def photos_to_upload(self) -> list[m.Photo]:
        with Session(self.engine) as session:
            return list(
                session.exec(
                    select(m.Photo)
                    .where(m.Photo.uploaded == False)  # noqa: E712
                    .order_by(col(m.Photo.created_at))
                ).all()
            )

    def mark_photo_uploaded(self, sha256: str) -> None:
        with self.transaction() as session:
            photo = session.get(m.Photo, sha256)
            if photo is not None:
                photo.uploaded = True
                session.add(photo)

    def cursor(self) -> int:
        with Session(self.engine) as session:
            state = session.get(m.SyncState, 1)
            return state.cursor if state else 0

    def reset_cursor(self) -> None:
        with self.transaction() as session:
            state = session.get(m.SyncState, 1) or m.SyncState(id=1)
            state.cursor = 0
            session.add(state)

    def apply_pull_page(
        self, changes: Sequence[Change | Mapping[str, Any]], next_since: int
    ) -> None:
        """Apply a page of changes and move the cursor, in one transaction: if the
        app dies half-way, the same page is simply pulled and applied again. The
        page is read with the wire models first: a malformed one raises
        PageInvalid, and nothing of it is applied."""
        typed = pull_apply.read_page(changes)
        with self.transaction() as session:
            pull_apply.apply_changes(session, typed)
            state = session.get(m.SyncState, 1) or m.SyncState(id=1)
            state.cursor = max(state.cursor, next_since)
            session.add(state)

    def sync_state(self) -> m.SyncState:
        with Session(self.engine) as session:
            return session.get(m.SyncState, 1) or m.SyncState(id=1)
