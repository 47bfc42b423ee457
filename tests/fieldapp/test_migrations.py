"""The phone's schema steps: the models match them, and an upgrade keeps waiting entries."""

from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy import inspect

from fieldapp import models as m
from fieldapp.db import open_database
from fieldapp.migrations import STEPS, current_version, migrate
from fieldapp.store import Store


def test_every_model_column_exists_in_the_migrated_schema(tmp_path):
    engine = open_database(tmp_path / "phone.db")
    inspector = inspect(engine)
    for table in m.LocalModel.metadata.sorted_tables:
        actual = {c["name"] for c in inspector.get_columns(table.name)}
        expected = {c.name for c in table.columns}
        assert expected <= actual, (table.name, expected - actual)


def test_opening_twice_runs_each_step_once(tmp_path):
    open_database(tmp_path / "phone.db").dispose()
    open_database(tmp_path / "phone.db").dispose()
    db = sqlite3.connect(tmp_path / "phone.db")
    assert current_version(db) == len(STEPS)


def test_upgrade_with_entries_waiting_keeps_them_queued(tmp_path):
    """An app update arrives while three entries wait: after the new step they
    are all still there and still queued."""
    path = tmp_path / "phone.db"
    db = sqlite3.connect(path, isolation_level=None)
    migrate(db, STEPS[:1])  # the app as it shipped
    for n in range(3):
        db.execute(
            "INSERT INTO entry (id, kind, version, payload, status, created_at, updated_at) "
            "VALUES (?, 'waarneming', 1, '{}', 'wacht', '2026-01-01', '2026-01-01')",
            (f"e{n}",),
        )
        db.execute(
            "INSERT INTO outbox (entry_id, version, priority, queued_at) "
            "VALUES (?, 1, 1, '2026-01-01')",
            (f"e{n}",),
        )

    def step2_adds_a_column(conn: sqlite3.Connection) -> None:
        conn.execute("ALTER TABLE entry ADD COLUMN officer_note TEXT")

    assert migrate(db, [*STEPS, step2_adds_a_column]) == len(STEPS) + 1
    assert db.execute("SELECT count(*) FROM outbox").fetchone()[0] == 3
    assert db.execute("SELECT count(*) FROM entry WHERE status='wacht'").fetchone()[0] == 3


def test_a_failing_step_leaves_the_previous_schema_and_data(tmp_path):
    path = tmp_path / "phone.db"
    db = sqlite3.connect(path, isolation_level=None)
    migrate(db)
    db.execute(
        "INSERT INTO entry (id, kind, version, payload, status, created_at, updated_at) "
        "VALUES ('e1', 'waarneming', 1, '{}', 'wacht', '2026-01-01', '2026-01-01')"
    )

    def broken_step(conn: sqlite3.Connection) -> None:
        conn.execute("ALTER TABLE entry ADD COLUMN half_done TEXT")
        raise RuntimeError("step fails half-way")

    with pytest.raises(RuntimeError, match="half-way"):
        migrate(db, [*STEPS, broken_step])
    assert current_version(db) == len(STEPS)
    columns = {row[1] for row in db.execute("PRAGMA table_info(entry)")}
    assert "half_done" not in columns
    assert db.execute("SELECT count(*) FROM entry").fetchone()[0] == 1


def test_store_reads_entries_written_by_an_older_schema(tmp_path):
    path = tmp_path / "phone.db"
    open_database(path).dispose()
    store = Store(open_database(path), tmp_path / "photos")
    assert store.pending_count() == 0
    assert store.cursor() == 0
