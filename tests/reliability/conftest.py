"""The server the reliability tests share per module (see scenario.Env)."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from scenario import Env, patched_phone_runtime
from sqlalchemy import text
from sqlalchemy.engine import Engine

from sync_server.config import DEFAULT_ASSETS, Settings
from sync_server.db import make_engine, session_scope
from sync_server.services.changes import ensure_counter
from sync_server.services.reference_data import load_reference_data


def _empty_postgres(engine: Engine) -> None:
    with engine.begin() as conn:
        tables = conn.execute(
            text(
                "SELECT tablename FROM pg_tables WHERE schemaname='public' "
                "AND tablename <> 'alembic_version'"
            )
        ).scalars()
        conn.execute(
            text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE")
        )


@pytest.fixture(scope="module")
def env(
    _pg_engine: Engine | None, _sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Env]:
    """One server for the whole module; every seed makes its own officers and phones."""
    from live_server import LiveServer

    folder = tmp_path_factory.mktemp("reliability")
    # The phones' files go to memory when there is a tmpfs: every local commit
    # syncs to disk (PRAGMA synchronous=FULL), which is what makes a seed slow
    # on a disk, and a power cut is not among the faults simulated here.
    shm = Path("/dev/shm")
    phones = Path(tempfile.mkdtemp(prefix="reliability-", dir=shm)) if shm.is_dir() else folder
    if _pg_engine is not None:
        _empty_postgres(_pg_engine)
        engine = _pg_engine
    else:
        shutil.copy(_sqlite_template, phones / "server.db")
        engine = make_engine(f"sqlite:///{phones / 'server.db'}")
    with session_scope(engine) as session:
        ensure_counter(session)
        load_reference_data(session, DEFAULT_ASSETS)
    settings = Settings(
        database_url=engine.url.render_as_string(hide_password=False),
        blob_dir=folder / "blobs",
        pseudonym_key=bytes.fromhex("7a" * 32),
        assets_dir=DEFAULT_ASSETS,
    )
    server = LiveServer(settings, engine).start()
    with pytest.MonkeyPatch.context() as monkeypatch, patched_phone_runtime(monkeypatch):
        yield Env(engine, settings, server.url, phones)
    server.stop()
    if phones != folder:
        shutil.rmtree(phones, ignore_errors=True)
    if _pg_engine is None:
        engine.dispose()
