"""Drafts: what an officer has typed into a form that is not saved yet.

A form is kept here as it is filled, so ←, a reload, the lock screen or an app
killed by the phone lose nothing. A draft can hold a youth's name, so the whole
draft is sealed with the key of the personal fields (fieldapp/encryption.py),
under the form's entry id: the id the entry will have once saved, which is also
when the draft is dropped."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Engine

from fieldapp.encryption import FieldCipher


@dataclass(frozen=True)
class Draft:
    id: str  # the entry id the form holds
    kind: str
    values: dict[str, Any]  # the form's controls by name, as typed
    updated_at: datetime


def _context(draft_id: str) -> str:
    return f"draft/{draft_id}"


class DraftStore:
    """The `draft` table (migration step 3); every value sealed at rest."""

    def __init__(self, engine: Engine, cipher: FieldCipher) -> None:
        self.engine, self.cipher = engine, cipher

    def keep(self, draft_id: str, kind: str, values: dict[str, Any]) -> None:
        sealed = self.cipher.seal(json.dumps(values), context=_context(draft_id))
        with self.engine.begin() as db:
            db.execute(
                text(
                    "INSERT INTO draft (id, kind, data, updated_at) VALUES (:id, :kind, :data, :at)"
                    " ON CONFLICT (id) DO UPDATE SET data = :data, updated_at = :at"
                ),
                {"id": draft_id, "kind": kind, "data": sealed, "at": datetime.now(UTC)},
            )

    def drop(self, draft_id: str) -> None:
        with self.engine.begin() as db:
            db.execute(text("DELETE FROM draft WHERE id = :id"), {"id": draft_id})

    def clear(self) -> None:
        with self.engine.begin() as db:
            db.execute(text("DELETE FROM draft"))

    def get(self, draft_id: str) -> Draft | None:
        with self.engine.connect() as db:
            row = db.execute(
                text("SELECT id, kind, data, updated_at FROM draft WHERE id = :id"),
                {"id": draft_id},
            ).first()
        return None if row is None else self._opened(*row)

    def all(self, kind: str | None = None) -> list[Draft]:
        """Newest first; a draft whose key is gone (after a wipe) is left out."""
        query = "SELECT id, kind, data, updated_at FROM draft"
        params: dict[str, Any] = {}
        if kind is not None:
            query += " WHERE kind = :kind"
            params["kind"] = kind
        with self.engine.connect() as db:
            rows = db.execute(text(query + " ORDER BY updated_at DESC"), params).all()
        drafts = [self._opened(*row) for row in rows]
        return [draft for draft in drafts if draft is not None]

    def _opened(self, draft_id: str, kind: str, data: str, at: Any) -> Draft | None:
        try:
            values = json.loads(self.cipher.open(data, context=_context(draft_id)))
        except Exception:  # unreadable (key gone): as good as no draft
            return None
        when = datetime.fromisoformat(at) if isinstance(at, str) else at
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        return Draft(id=draft_id, kind=kind, values=values, updated_at=when)
