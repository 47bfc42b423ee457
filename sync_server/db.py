"""Engine and sessions: a SQLite file by default (WAL), PostgreSQL in production."""

from __future__ import annotations

import fcntl
import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import Engine, make_url
from sqlmodel import Session, create_engine


def normalise_url(url: str) -> str:
    """Accept the usual postgresql:// form and use the psycopg 3 driver for it."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets the pull read while a push writes; busy_timeout makes a second
    # writer wait instead of failing; foreign keys are off by default in SQLite.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=15000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    # With synchronous=NORMAL only a checkpoint waits for the disk (fsync); at
    # SQLite's default (every 1,000 pages, about one 500-record push) that wait
    # was a fifth of a push. Every 20,000 pages (80 MB of WAL) there are far
    # fewer, and a page written many times is copied to the database once.
    # Readers pay a little for the longer WAL (point lookups about a fifth
    # slower with 50 MB of it, scans alike); PostgreSQL is the server's
    # production database, SQLite the embedded default.
    cursor.execute("PRAGMA wal_autocheckpoint=20000")
    cursor.close()


def _sqlite_begin(conn: Any) -> None:
    # BEGIN IMMEDIATE takes the write lock at the start of a transaction, so two
    # writers queue up instead of one failing with "database is locked" mid-way.
    # Read-only work (see `reader`) begins deferred: with WAL it never waits.
    if conn.get_execution_options().get("read_only"):
        conn.exec_driver_sql("BEGIN")
    else:
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def make_engine(url: str, **pool: Any) -> Engine:
    """hide_parameters: a database error (in a log or a traceback) names the
    statement, never the values in it, which may be personal data. `pool`
    overrides the connection pool's settings (a test starves it on purpose)."""
    url = normalise_url(url)
    if url.startswith("sqlite"):
        path = make_url(url).database
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": 15},
            pool_pre_ping=True,
            hide_parameters=True,
            **pool,
        )
        event.listen(engine, "connect", _sqlite_pragmas)

        @event.listens_for(engine, "connect")
        def _no_pysqlite_begin(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.isolation_level = None

        event.listen(engine, "begin", _sqlite_begin)
        return engine
    options: dict[str, Any] = {"pool_size": 10, "max_overflow": 20} | pool
    return create_engine(url, pool_pre_ping=True, hide_parameters=True, **options)


def reader(engine: Engine) -> Engine:
    """The same database for read-only sessions (pull, lists): on SQLite these
    must not queue behind writers for the write lock."""
    return engine.execution_options(read_only=True)


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """One transaction: committed if the block succeeds, rolled back otherwise."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


def utcnow() -> datetime:
    """Aware UTC: SQLModel's UTCDateTime stores it alike in SQLite and PostgreSQL."""
    return datetime.now(UTC)


def _lock_key(name: str) -> int:
    """A stable signed 64-bit number per lock name (PostgreSQL advisory locks)."""
    digest = hashlib.sha256(f"handhaving:{name}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


class LockBusy(RuntimeError):
    """Another process holds the lock (only when asked not to wait)."""


@contextmanager
def database_lock(engine: Engine, name: str, *, wait: bool = True) -> Iterator[None]:
    """Hold a lock named `name` across every process on this database.

    PostgreSQL: a session advisory lock on a connection of its own, so any number
    of server machines starting at once migrate one after the other. SQLite (one
    machine by nature): an exclusive file lock beside the database file. With
    wait=False a held lock raises LockBusy at once (the nightly job: a second run
    should not queue behind the first).
    """
    if engine.dialect.name == "postgresql":
        key = _lock_key(name)
        with engine.connect() as connection:
            if wait:
                connection.execute(text("SELECT pg_advisory_lock(:k)"), {"k": key})
            elif not connection.execute(
                text("SELECT pg_try_advisory_lock(:k)"), {"k": key}
            ).scalar():
                raise LockBusy(name)
            connection.commit()
            try:
                yield
            finally:
                connection.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
                connection.commit()
        return
    database = engine.url.database
    if not database or database == ":memory:":
        yield  # a private in-memory database: no other process can see it
        return
    lock_path = Path(f"{database}.{name}.lock")
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with lock_path.open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            raise LockBusy(name) from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
