"""Emptying the phone: the remote wipe of a revoked phone, and compacting the
database file so that deleted or re-sealed rows leave nothing readable behind
(in free pages or the write-ahead log)."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

from sqlalchemy import delete
from sqlalchemy.engine import Engine
from sqlmodel import Session

from fieldapp import models as m

# Children before parents; the sync state is written again, empty, afterwards.
_TABLES = (
    m.EntryPhoto,
    m.PendingIdentity,
    m.Outbox,
    m.Photo,
    m.Entry,
    m.Hotspot,
    m.Theme,
    m.District,
    m.Enrolment,
    m.SyncState,
)


def clear_tables(session: Session) -> None:
    """Every row of every local table, in the caller's transaction."""
    for table in _TABLES:
        session.execute(delete(table))
    session.add(m.SyncState(id=1))


def compact(engine: Engine) -> None:
    """Rebuild the file and empty the write-ahead log (no old pages left behind)."""
    for attempt in range(20):
        raw = engine.raw_connection()
        try:
            db = raw.driver_connection
            assert db is not None
            if attempt == 0:
                db.execute("VACUUM")
            busy = db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0]
        finally:
            raw.close()
        if not busy:
            return
        time.sleep(0.05)


def remove_app_files(engine: Engine, folder: Path) -> None:
    """Every other file of the app's own data folder (photos, the key file,
    cached suggestions, whatever a later feature adds there); the database and
    the sync lock stay."""
    database = Path(engine.url.database or "")
    keep = {database.name + suffix for suffix in ("", "-wal", "-shm", "-journal")}
    keep.add("sync.lock")
    for path in folder.iterdir() if folder.is_dir() else []:
        if path.name in keep:
            continue
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
