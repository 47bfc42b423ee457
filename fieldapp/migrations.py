"""Numbered schema steps for the phone's database, recorded in PRAGMA user_version.

An app update must never lose entries that wait to be sent: steps only add or
reshape, each step runs once in its own transaction, and a step never changes
after it has shipped. Add a new step at the end instead.
"""

from __future__ import annotations

from collections.abc import Callable
from sqlite3 import Connection

Step = Callable[[Connection], None]


def _run(db: Connection, script: str) -> None:
    # Not executescript(): it commits first, which would split a step in two.
    for statement in script.split(";"):
        if statement.strip():
            db.execute(statement)


def _step1_initial(db: Connection) -> None:
    _run(
        db,
        """
        CREATE TABLE enrolment (
            id INTEGER PRIMARY KEY,
            server_url TEXT NOT NULL,
            device_id TEXT NOT NULL,
            token TEXT NOT NULL,
            user_id INTEGER NOT NULL,
            username TEXT NOT NULL,
            display_name TEXT NOT NULL,
            role TEXT NOT NULL,
            districts JSON NOT NULL,
            pin_hash TEXT,
            pin_salt TEXT,
            failed_pins INTEGER NOT NULL DEFAULT 0,
            enrolled_at DATETIME NOT NULL
        );
        CREATE TABLE district (
            code TEXT PRIMARY KEY, name TEXT NOT NULL, center_lat FLOAT, center_lon FLOAT
        );
        CREATE TABLE theme (
            code TEXT PRIMARY KEY, name TEXT NOT NULL, kind TEXT NOT NULL,
            description TEXT NOT NULL DEFAULT ''
        );
        CREATE TABLE hotspot (
            code TEXT PRIMARY KEY, name TEXT NOT NULL, district TEXT NOT NULL,
            themes JSON NOT NULL, lat FLOAT, lon FLOAT, note TEXT NOT NULL DEFAULT ''
        );
        CREATE INDEX ix_hotspot_district ON hotspot (district);
        CREATE TABLE entry (
            id TEXT PRIMARY KEY,
            kind TEXT NOT NULL,
            version INTEGER NOT NULL DEFAULT 1,
            payload JSON NOT NULL,
            status TEXT NOT NULL,
            synced_version INTEGER,
            reject_code TEXT,
            reject_message TEXT,
            review_state TEXT,
            review_remark TEXT,
            card_number INTEGER,
            next_step TEXT,
            created_at DATETIME NOT NULL,
            updated_at DATETIME NOT NULL
        );
        CREATE INDEX ix_entry_kind ON entry (kind);
        CREATE INDEX ix_entry_status ON entry (status);
        CREATE TABLE outbox (
            entry_id TEXT PRIMARY KEY REFERENCES entry (id),
            version INTEGER NOT NULL,
            priority INTEGER NOT NULL,
            queued_at DATETIME NOT NULL,
            attempts INTEGER NOT NULL DEFAULT 0,
            last_error TEXT
        );
        CREATE TABLE pendingidentity (
            entry_id TEXT PRIMARY KEY REFERENCES entry (id),
            naam TEXT NOT NULL,
            geboortedatum TEXT NOT NULL
        );
        CREATE TABLE photo (
            sha256 TEXT PRIMARY KEY,
            path TEXT NOT NULL,
            thumbnail_path TEXT NOT NULL,
            size INTEGER NOT NULL,
            uploaded BOOLEAN NOT NULL DEFAULT 0,
            created_at DATETIME NOT NULL
        );
        CREATE TABLE entryphoto (
            entry_id TEXT NOT NULL REFERENCES entry (id),
            sha256 TEXT NOT NULL REFERENCES photo (sha256),
            position INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (entry_id, sha256)
        );
        CREATE TABLE syncstate (
            id INTEGER PRIMARY KEY,
            cursor INTEGER NOT NULL DEFAULT 0,
            last_success_at DATETIME,
            last_attempt_at DATETIME,
            last_error_code TEXT,
            last_error_message TEXT
        );
        INSERT INTO syncstate (id, cursor) VALUES (1, 0);
        """,
    )


def _step2_outbox_send_order(db: Connection) -> None:
    """The sync reads the outbox in send order (incidents first, then oldest): an
    index on that order, so a batch is read without sorting the whole outbox."""
    db.execute("CREATE INDEX IF NOT EXISTS ix_outbox_send_order ON outbox (priority, queued_at)")


def _step3_hotspot_period_and_wijkacties(db: Connection) -> None:
    """Issue 13: a hotspot may be retired or have a period (kept for history, hidden
    from pickers), and district actions (wijkacties) come by pull."""
    _run(
        db,
        """
        ALTER TABLE hotspot ADD COLUMN retired BOOLEAN NOT NULL DEFAULT 0;
        ALTER TABLE hotspot ADD COLUMN valid_from TEXT;
        ALTER TABLE hotspot ADD COLUMN valid_to TEXT;
        CREATE TABLE wijkactie (
            id TEXT NOT NULL PRIMARY KEY,
            district TEXT NOT NULL,
            title TEXT NOT NULL,
            themes JSON NOT NULL,
            hotspots JSON NOT NULL,
            starts_on TEXT NOT NULL,
            ends_on TEXT NOT NULL,
            hot_times JSON NOT NULL,
            goal TEXT NOT NULL DEFAULT '',
            target INTEGER,
            team TEXT NOT NULL DEFAULT '',
            officers JSON NOT NULL
        );
        CREATE INDEX ix_wijkactie_district ON wijkactie (district);
        """,
    )


STEPS: list[Step] = [
    _step1_initial,
    _step2_outbox_send_order,
    _step3_hotspot_period_and_wijkacties,
]


def current_version(db: Connection) -> int:
    return int(db.execute("PRAGMA user_version").fetchone()[0])


def migrate(db: Connection, steps: list[Step] | None = None) -> int:
    """Run the steps not yet applied; returns the schema version reached."""
    steps = STEPS if steps is None else steps
    version = current_version(db)
    for number, step in enumerate(steps, start=1):
        if number <= version:
            continue
        db.execute("BEGIN IMMEDIATE")
        try:
            step(db)
            db.execute(f"PRAGMA user_version = {number}")
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
    return current_version(db)
