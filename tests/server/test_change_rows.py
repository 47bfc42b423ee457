"""The change rows the log writer stores: numbered in order, every field as given.

On PostgreSQL the rows go in as one statement over arrays; on SQLite as an
executemany of plain rows. Both must store the same thing.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlmodel import Session, col, select

from sync_server.db import session_scope
from sync_server.models import Change
from sync_server.services.changes import (
    AUDIENCE_ALL,
    AUDIENCE_DISTRICT,
    AUDIENCE_OWNER,
    PendingChange,
    latest_seq,
    record_changes,
)


def test_change_rows_are_stored_as_given_and_numbered_in_order(engine):
    with Session(engine) as session:
        before = latest_seq(session)
    pending = [
        PendingChange("record", "r-1", "upsert", AUDIENCE_OWNER, "noord", None),
        PendingChange("hotspot", "noord-x", "delete", AUDIENCE_DISTRICT, "noord", None),
        PendingChange("theme", "afval", "upsert", AUDIENCE_ALL, None, None),
    ]
    locked: list[float] = []
    with session_scope(engine) as session:
        numbers = record_changes(session, pending, locked_at=locked)

    assert numbers == [before + 1, before + 2, before + 3]
    assert len(locked) == 1
    with Session(engine) as session:
        rows = session.exec(select(Change).where(col(Change.seq) > before).order_by(Change.seq))
        stored = [
            (c.seq, c.entity, c.entity_id, c.op, c.audience, c.district_code, c.owner_user_id, c)
            for c in rows
        ]
    assert [s[:7] for s in stored] == [
        (n, p.entity, p.entity_id, p.op, p.audience, p.district_code, p.owner_user_id)
        for n, p in zip(numbers, pending, strict=True)
    ]
    now = datetime.now(UTC)
    for *_fields, change in stored:
        created = change.created_at
        created = created if created.tzinfo else created.replace(tzinfo=UTC)
        assert abs(now - created) < timedelta(minutes=5)  # UTC, not shifted by a time zone
