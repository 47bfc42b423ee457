"""The phone's SQLite file: where it lives, how it is opened, and its migrations."""

from __future__ import annotations

import os
import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import create_engine

from fieldapp.migrations import migrate

DB_NAME = "handhaving.db"


def data_dir(explicit: str | os.PathLike[str] | None = None) -> Path:
    """Flet sets FLET_APP_STORAGE_DATA on a phone (and `flet run`); the headless
    sync command and tests may name a folder with HV_FIELDAPP_DATA instead."""
    chosen = (
        explicit
        or os.environ.get("FLET_APP_STORAGE_DATA")
        or os.environ.get("HV_FIELDAPP_DATA")
        or Path(__file__).resolve().parent.parent / "var" / "fieldapp"
    )
    path = Path(chosen)
    path.mkdir(parents=True, exist_ok=True)
    return path


def _pragmas(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA foreign_keys=ON")
    # FULL: a saved entry survives a power cut or a killed app, not just a crash.
    cursor.execute("PRAGMA synchronous=FULL")
    # Deleted rows (a youth's identity once the card is accepted) are overwritten
    # with zeros, not left in free space; Debian's SQLite does this by default,
    # the SQLite bundled with an app may not.
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.close()


def _begin_immediate(conn: Any) -> None:
    conn.exec_driver_sql("BEGIN IMMEDIATE")


def open_database(path: Path) -> Engine:
    """Open (creating and migrating if needed) the local database file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    raw = sqlite3.connect(path, isolation_level=None)
    try:
        raw.execute("PRAGMA journal_mode=WAL")
        migrate(raw)
    finally:
        raw.close()
    engine = create_engine(f"sqlite:///{path}", connect_args={"check_same_thread": False})
    event.listen(engine, "connect", _pragmas)
    event.listen(engine, "begin", _begin_immediate)
    return engine


def utcnow() -> datetime:
    return datetime.now(UTC)
