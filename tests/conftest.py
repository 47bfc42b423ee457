"""Throw-away databases, a real server on loopback, and phones that talk to it.

The suite runs against SQLite by default and against PostgreSQL when
TEST_DATABASE_URL names one (`make test` runs both). Every test gets a clean,
migrated database with the real reference data from assets/reference loaded.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import httpx
import pytest
from factories import TEST_KEY
from live_server import LiveServer
from s3_server import SeaweedS3
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine, make_url

from sync_protocol import PROTOCOL_HEADER, PROTOCOL_VERSION
from sync_server.config import DEFAULT_ASSETS, Settings
from sync_server.db import make_engine, normalise_url, session_scope
from sync_server.migrate import upgrade
from sync_server.services.changes import ensure_counter
from sync_server.services.reference_data import load_reference_data

PG_URL = os.environ.get("TEST_DATABASE_URL")


def pytest_report_header() -> str:
    return f"database: {'PostgreSQL ' + PG_URL if PG_URL else 'SQLite (temporary files)'}"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark `server_db` every test whose outcome can depend on the server's
    database: it uses the throw-away database (directly or through a server,
    a phone that syncs, ...), or its module reads TEST_DATABASE_URL itself.
    The PostgreSQL pass of `make test` runs only these; the rest (wire format,
    the phone's own SQLite, views, lint-like checks) would give the same result
    twice."""
    reads_url: dict[Path, bool] = {}
    for item in items:
        path = Path(item.path)
        if path not in reads_url:
            reads_url[path] = "TEST_DATABASE_URL" in path.read_text(encoding="utf-8")
        if "_pg_engine" in getattr(item, "fixturenames", ()) or reads_url[path]:
            item.add_marker(pytest.mark.server_db)


@pytest.fixture(scope="session")
def _pg_engine() -> Iterator[Engine | None]:
    """A database of this test run's own on the PostgreSQL server named by
    TEST_DATABASE_URL, created and dropped here: two runs never share tables."""
    if not PG_URL:
        yield None
        return
    base = make_url(normalise_url(PG_URL))
    name = f"{base.database}_{os.getpid()}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine = make_engine(base.set(database=name).render_as_string(hide_password=False))
    upgrade(engine)
    yield engine
    engine.dispose()
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()  # the last connection to close folds the WAL into the file
    return path


def _truncate_all(engine: Engine) -> None:
    with engine.begin() as conn:
        tables = (
            conn.execute(
                text(
                    "SELECT tablename FROM pg_tables WHERE schemaname='public' "
                    "AND tablename <> 'alembic_version'"
                )
            )
            .scalars()
            .all()
        )
        conn.execute(
            text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE")
        )


@pytest.fixture
def bare_engine(
    _pg_engine: Engine | None, _sqlite_template: Path, tmp_path: Path
) -> Iterator[Engine]:
    """A migrated database with nothing in it."""
    if _pg_engine is not None:
        _truncate_all(_pg_engine)
        engine = _pg_engine
    else:
        path = tmp_path / "server.db"
        shutil.copy(_sqlite_template, path)
        engine = make_engine(f"sqlite:///{path}")
    with session_scope(engine) as session:
        ensure_counter(session)
    yield engine
    if _pg_engine is None:
        engine.dispose()


@pytest.fixture
def engine(bare_engine: Engine) -> Engine:
    """A migrated database with the programme's reference data loaded."""
    with session_scope(bare_engine) as session:
        load_reference_data(session, DEFAULT_ASSETS)
    return bare_engine


@pytest.fixture
def settings(engine: Engine, tmp_path: Path) -> Settings:
    return Settings(
        database_url=engine.url.render_as_string(hide_password=False),
        blob_dir=tmp_path / "blobs",
        pseudonym_key=TEST_KEY,
        assets_dir=DEFAULT_ASSETS,
        # No internet here: the tile proxy's upstream is a closed loopback port, so a
        # map drawn in a test gets `tiles_unavailable` at once, not after a timeout.
        tile_url_template="http://127.0.0.1:9/{z}/{x}/{y}.png",
    )


@pytest.fixture
def server(settings: Settings, engine: Engine) -> Iterator[LiveServer]:
    live = LiveServer(settings, engine).start()
    yield live
    live.stop()


@pytest.fixture
def http(server: LiveServer) -> Iterator[httpx.Client]:
    """An anonymous HTTP client for the live server, sending the protocol header."""
    with httpx.Client(
        base_url=server.url, headers={PROTOCOL_HEADER: str(PROTOCOL_VERSION)}, timeout=30
    ) as client:
        yield client


@pytest.fixture(scope="session")
def seaweed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SeaweedS3]:
    """One real S3 server (SeaweedFS) for the whole run, on loopback; each test
    that needs a bucket makes its own (`s3_settings`)."""
    server = SeaweedS3(tmp_path_factory.mktemp("seaweedfs")).start()
    yield server
    server.stop()


@pytest.fixture
def s3_settings(settings: Settings, seaweed: SeaweedS3) -> Settings:
    """The test's settings with photos in a fresh bucket of the real S3 server."""
    return replace(settings, photo_store="s3", s3=seaweed.settings(seaweed.new_bucket()))
