"""The change rows the log writer stores: numbered in order, every field as given.

On PostgreSQL the rows go in as one statement over arrays; on SQLite as an
executemany of plain rows. Both must store the same thing.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from sync_server.db import session_scope
from sync_server.models import Change
from sync_server.services.changes import (
    AUDIENCE_ALL,
    AUDIENCE_DISTRICT,
    AUDIENCE_OWNER,
    LockTiming,
    PendingChange,
    latest_seq,
    record_changes,
    record_changes_and_commit,
)


def test_change_rows_are_stored_as_given_and_numbered_in_order(engine):
    with Session(engine) as session:
        before = latest_seq(session)
    pending = [
        PendingChange("record", "r-1", "upsert", AUDIENCE_OWNER, "noord", None),
        PendingChange("hotspot", "noord-x", "delete", AUDIENCE_DISTRICT, "noord", None),
        PendingChange("theme", "afval", "upsert", AUDIENCE_ALL, None, None),
    ]
    timing = LockTiming()
    with session_scope(engine) as session:
        numbers = record_changes(session, pending, timing=timing)

    assert numbers == [before + 1, before + 2, before + 3]
    assert timing.locked_at is not None
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


def test_numbering_and_commit_in_one_step_commit_all_or_nothing(engine):
    """The push's last step (on PostgreSQL the numbering statement and the COMMIT
    in one pipeline, past SQLAlchemy): committed when it returns, and a failing
    statement comes out as SQLAlchemy's error with nothing of it kept."""
    with Session(engine) as session:
        before = latest_seq(session)
    pending = [
        PendingChange("record", "r-10", "upsert", AUDIENCE_OWNER, "noord", None),
        PendingChange("record", "r-11", "upsert", AUDIENCE_OWNER, "noord", None),
    ]
    timing = LockTiming()
    with session_scope(engine) as session:
        numbers = record_changes_and_commit(session, pending, timing=timing)
        with Session(engine) as other:  # committed already, before the block ends
            assert latest_seq(other) == before + 2
    assert numbers == [before + 1, before + 2]
    assert timing.first_seq == before + 1
    assert timing.locked_at is not None and timing.commit_seen_at is not None
    assert timing.locked_at <= timing.commit_seen_at + 1  # the database's clock may lead a little

    broken = [
        PendingChange("record", "r-12", "upsert", AUDIENCE_OWNER, "noord", None),
        PendingChange(None, "r-13", "upsert", AUDIENCE_OWNER, "noord", None),  # type: ignore[arg-type]
    ]
    with pytest.raises(IntegrityError), session_scope(engine) as session:
        record_changes_and_commit(session, broken)
    with Session(engine) as session:
        assert latest_seq(session) == before + 2
        assert not session.exec(select(Change).where(col(Change.entity_id) == "r-12")).all()

    with session_scope(engine) as session:  # the log goes on after a failed step
        assert record_changes_and_commit(session, pending[:1]) == [before + 3]
