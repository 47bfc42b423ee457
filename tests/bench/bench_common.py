"""Shared pieces of the benchmarks: databases, the server as its own process, a
phone with records in its outbox, HTTP byte counting, and record factories.

Not a test module (pytest collects test_*.py only); run by tests/bench/run.py.
"""

from __future__ import annotations

import contextlib
import json
import os
import platform
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import psutil
from sqlalchemy import create_engine, insert, text
from sqlalchemy.engine import Engine, make_url

from fieldapp.ids import new_record_id

REPO = Path(__file__).resolve().parents[2]
PY = sys.executable
BENCH_KEY_HEX = "6b" * 32
PG_ADMIN_URL_DEFAULT = "postgresql://postgres@127.0.0.1:55432/handhaving_bench"

# Text an officer might type, to make records of a realistic size.
NOTE_WORDS = (
    "bij de ingang van het park stond een groep jongeren met scooters; na aanspreken "
    "vertrokken ze richting station. afval naast de container bij de speeltuin, "
    "bewoners hebben al eerder gemeld. hond los op het grasveld, eigenaar gewezen "
    "op de aanlijnplicht. fietsen in de doorgang van de winkelstraat verwijderd."
).split()


def now_utc() -> datetime:
    return datetime.now(UTC)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def uuid7(millis: int) -> str:
    """A record id made at `millis`, as the phone makes them."""
    return new_record_id(millis)


# ---------------------------------------------------------------- records


@dataclass(frozen=True)
class Reference:
    hotspots: list[tuple[str, str, list[str]]]  # code, district, themes
    themes: list[str]


def load_reference() -> Reference:
    assets = REPO / "assets" / "reference"
    hotspots_raw = json.loads((assets / "hotspots.json").read_text(encoding="utf-8"))
    themes_raw = json.loads((assets / "themes.json").read_text(encoding="utf-8"))
    items = hotspots_raw["hotspots"] if isinstance(hotspots_raw, dict) else hotspots_raw
    themes_items = themes_raw["themes"] if isinstance(themes_raw, dict) else themes_raw
    hotspots = [
        (h["code"], h["district"], list(h.get("themes") or []))
        for h in items
        if not h.get("retired")
    ]
    themes = [t["code"] for t in themes_items if t.get("kind", "handhaving") == "handhaving"]
    return Reference(hotspots, themes)


ACTIONS = ["aanspreken", "waarschuwing", "bon_proces_verbaal", "sticker", "geen_actie"]
FEITEN = [None, None, "wildplassen", "geluidsoverlast", "bijplaatsing_afval", "fout_parkeren"]


def realistic_record(rng: random.Random, ref: Reference, district: str) -> dict[str, Any]:
    """A waarneming as the phone sends it, about 500 bytes of JSON."""
    spots = [h for h in ref.hotspots if h[1] == district] or ref.hotspots
    code, _district, spot_themes = rng.choice(spots)
    theme = rng.choice(spot_themes) if spot_themes else rng.choice(ref.themes)
    observed = now_utc() - timedelta(minutes=rng.randint(5, 60 * 24 * 60))
    words = rng.choices(NOTE_WORDS, k=rng.randint(28, 36))
    payload: dict[str, Any] = {
        "observed_at": observed.isoformat(),
        "theme": theme,
        "hotspot": code,
        "location": {
            "lat": round(52.38 + rng.uniform(-0.02, 0.02), 6),
            "lon": round(4.64 + rng.uniform(-0.03, 0.03), 6),
            "accuracy_m": float(rng.randint(3, 30)),
        },
        "persons": rng.randint(0, 6),
        "action": rng.choice(ACTIONS),
        "note": " ".join(words)[:260],
    }
    if feit := rng.choice(FEITEN):
        payload["feit"] = feit
    millis = int(observed.timestamp() * 1000)
    return {"id": uuid7(millis), "kind": "waarneming", "version": 1, "payload": payload}


def make_records(n: int, district: str = "noord", seed: int = 6) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    ref = load_reference()
    return [realistic_record(rng, ref, district) for _ in range(n)]


def wire_size(records: list[dict[str, Any]]) -> float:
    if not records:
        return 0.0
    sample = records[: min(len(records), 1000)]
    return sum(len(json.dumps(r, separators=(",", ":"))) for r in sample) / len(sample)


# ---------------------------------------------------------------- databases


@dataclass
class Database:
    """A fresh, migrated server database with reference data: a SQLite file in a
    temp folder, or a database of the bench's own on the PostgreSQL server."""

    kind: str  # "sqlite" | "postgresql"
    url: str
    engine: Engine
    _admin_url: str | None = None
    _name: str | None = None

    def analyze(self) -> None:
        """Table statistics, as a database in service has them: PostgreSQL's
        autovacuum analyses a table some time after a bulk load, and until then
        the planner guesses (on the first pull's pages it chose plans 5 times
        slower). SQLite keeps none unless asked, and is left as it is."""
        if self.kind == "postgresql":
            with self.engine.begin() as conn:
                conn.execute(text("ANALYZE"))

    def drop(self) -> None:
        self.engine.dispose()
        if self.kind == "postgresql" and self._admin_url and self._name:
            admin = create_engine(self._admin_url, isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{self._name}" WITH (FORCE)'))
            admin.dispose()


_db_counter = 0


def new_database(kind: str, workdir: Path, *, reference: bool = True) -> Database:
    from sync_server.config import DEFAULT_ASSETS
    from sync_server.db import make_engine, normalise_url, session_scope
    from sync_server.migrate import upgrade
    from sync_server.services.changes import ensure_counter
    from sync_server.services.reference_data import load_reference_data

    global _db_counter
    _db_counter += 1
    workdir.mkdir(parents=True, exist_ok=True)
    admin_url = name = None
    if kind == "sqlite":
        url = f"sqlite:///{workdir / f'server-{_db_counter}.db'}"
    else:
        base = make_url(normalise_url(os.environ.get("BENCH_PG_URL", PG_ADMIN_URL_DEFAULT)))
        name = f"handhaving_bench_{os.getpid()}_{_db_counter}"
        admin_url = base.render_as_string(hide_password=False)
        admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        url = base.set(database=name).render_as_string(hide_password=False)
    migrating = make_engine(url)
    upgrade(migrating)
    migrating.dispose()
    engine = make_engine(url)
    with session_scope(engine) as session:
        ensure_counter(session)
    if reference:
        with session_scope(engine) as session:
            load_reference_data(session, DEFAULT_ASSETS)
    return Database(kind, url, engine, admin_url, name)


# ---------------------------------------------------------------- server process


class ServerProcess:
    """`python -m sync_server serve` on a free loopback port, in its own process,
    with its resident memory sampled in a thread."""

    def __init__(self, db: Database, workdir: Path) -> None:
        self.db = db
        self.workdir = workdir
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen[bytes] | None = None
        self._sampling = False
        self._thread: threading.Thread | None = None
        self.peak_rss = 0
        self.base_rss = 0

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            DATABASE_URL=self.db.url,
            HV_VAR_DIR=str(self.workdir / "server-var"),
            HV_BLOB_DIR=str(self.workdir / "server-blobs"),
            HV_PSEUDONYM_KEY=BENCH_KEY_HEX,
            PYTHONUNBUFFERED="1",
        )
        return env

    def start(self) -> ServerProcess:
        self.workdir.mkdir(parents=True, exist_ok=True)
        log = (self.workdir / f"server-{self.port}.log").open("wb")
        self.proc = subprocess.Popen(
            [PY, "-m", "sync_server", "serve", "--host", "127.0.0.1", "--port", str(self.port)],
            cwd=REPO,
            env=self.env(),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited: {self.log()}")
            with contextlib.suppress(httpx.HTTPError):  # not listening yet
                if httpx.get(f"{self.url}/api/v1/health", timeout=1).status_code == 200:
                    break
            if time.monotonic() > deadline:
                raise RuntimeError(f"server did not start: {self.log()}")
            time.sleep(0.1)
        self.base_rss = self.rss()
        return self

    def log(self) -> str:
        return (self.workdir / f"server-{self.port}.log").read_text(errors="replace")[-2000:]

    def rss(self) -> int:
        assert self.proc is not None
        try:
            return int(psutil.Process(self.proc.pid).memory_info().rss)
        except psutil.Error:
            return 0

    def cpu_seconds(self) -> float:
        assert self.proc is not None
        times = psutil.Process(self.proc.pid).cpu_times()
        return float(times.user + times.system)

    def start_sampling(self) -> None:
        self.peak_rss = self.rss()
        self._sampling = True

        def sample() -> None:
            while self._sampling:
                self.peak_rss = max(self.peak_rss, self.rss())
                time.sleep(0.02)

        self._thread = threading.Thread(target=sample, daemon=True)
        self._thread.start()

    def stop_sampling(self) -> int:
        self._sampling = False
        if self._thread is not None:
            self._thread.join()
        return self.peak_rss

    def stop(self) -> None:
        if self.proc is None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=15)
        self.proc = None


@contextmanager
def running_server(db: Database, workdir: Path) -> Iterator[ServerProcess]:
    server = ServerProcess(db, workdir).start()
    try:
        yield server
    finally:
        server.stop()


# ---------------------------------------------------------------- HTTP counting


@dataclass
class WireCounter:
    """Requests and bytes as sent over HTTP/1.1: request line, headers, body,
    status line, headers, body (what a packet capture of the payload would show,
    without TCP/IP framing)."""

    requests: int = 0
    bytes_out: int = 0
    bytes_in: int = 0
    seconds_in_http: float = 0.0

    @property
    def total(self) -> int:
        return self.bytes_out + self.bytes_in

    def reset(self) -> None:
        self.requests = self.bytes_out = self.bytes_in = 0
        self.seconds_in_http = 0.0


class CountingTransport(httpx.HTTPTransport):
    def __init__(self, counter: WireCounter, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.counter = counter

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        started = time.perf_counter()
        body = request.read()
        target = request.url.raw_path.decode()
        head = f"{request.method} {target} HTTP/1.1\r\n" + "".join(
            f"{k.decode()}: {v.decode()}\r\n" for k, v in request.headers.raw
        )
        response = super().handle_request(request)
        content = response.read()
        response_head = "HTTP/1.1 200 OK\r\n" + "".join(
            f"{k.decode()}: {v.decode()}\r\n" for k, v in response.headers.raw
        )
        self.counter.requests += 1
        self.counter.bytes_out += len(head) + 2 + len(body)
        self.counter.bytes_in += len(response_head) + 2 + len(content)
        self.counter.seconds_in_http += time.perf_counter() - started
        return response


def counting_factory(counter: WireCounter) -> Any:
    from fieldapp.sync import default_client

    def factory(base_url: str) -> httpx.Client:
        return default_client(base_url, transport=CountingTransport(counter))

    return factory


# ---------------------------------------------------------------- accounts and phones


def make_officer(engine: Engine, username: str, district: str = "noord") -> Any:
    from sync_server.db import session_scope
    from sync_server.services import accounts

    with session_scope(engine) as session:
        return accounts.create_user(
            session,
            username=username,
            display_name=f"Bench {username}",
            role="handhaver",
            districts=[district],
            password=None,
        )


def enrolment_code(engine: Engine, user: Any) -> str:
    from sync_server.db import session_scope
    from sync_server.services import accounts

    with session_scope(engine) as session:
        return str(
            accounts.create_enrolment_code(session, user=user, ttl=timedelta(minutes=30)).code
        )


@dataclass
class BenchPhone:
    """The field app's store and sync client on a temp folder, enrolled."""

    folder: Path
    store: Any
    client: Any
    counter: WireCounter = field(default_factory=WireCounter)


def new_phone(folder: Path, server_url: str, code: str, counter: WireCounter) -> BenchPhone:
    from fieldapp.db import open_database
    from fieldapp.store import Store
    from fieldapp.sync import SyncClient

    folder.mkdir(parents=True, exist_ok=True)
    engine = open_database(folder / "handhaving.db")
    store = Store(engine, folder / "photos")
    client = SyncClient(store, folder / "sync.lock", counting_factory(counter))
    client.enroll(server_url, code, "benchtelefoon")
    return BenchPhone(folder, store, client, counter)


def fill_outbox(store: Any, records: list[dict[str, Any]]) -> None:
    """Put records in the phone's entry and outbox tables as saves would (bulk:
    this is set-up, not what is measured)."""
    from fieldapp import models as m

    now = now_utc()
    entries = [
        {
            "id": r["id"],
            "kind": r["kind"],
            "version": 1,
            "payload": r["payload"],
            "status": m.WACHT,
            "created_at": now,
            "updated_at": now,
        }
        for r in records
    ]
    boxes = [
        {
            "entry_id": r["id"],
            "version": 1,
            "priority": 1,
            "queued_at": now + timedelta(microseconds=i),
            "attempts": 0,
        }
        for i, r in enumerate(records)
    ]
    with store.transaction() as session:
        for start in range(0, len(records), 5000):
            session.execute(insert(m.Entry), entries[start : start + 5000])
            session.execute(insert(m.Outbox), boxes[start : start + 5000])


# ---------------------------------------------------------------- machine


def machine() -> dict[str, str]:
    import importlib.metadata as md

    def version(name: str) -> str:
        try:
            return md.version(name)
        except md.PackageNotFoundError:
            return "-"

    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    sqlite_version = __import__("sqlite3").sqlite_version
    info = {
        "cpu": f"{cpu}, {psutil.cpu_count()} logical cores",
        "memory": f"{psutil.virtual_memory().total / 2**30:.1f} GiB",
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "sqlite": sqlite_version,
        "packages": ", ".join(
            f"{n} {version(n)}"
            for n in (
                "fastapi",
                "uvicorn",
                "sqlmodel",
                "sqlalchemy",
                "pydantic",
                "psycopg",
                "httpx",
                "pillow",
                "flet",
                "playwright",
            )
        ),
    }
    for name, cmd in (
        ("node", ["node", "--version"]),
        ("chromium", ["/usr/bin/chromium", "--version"]),
    ):
        try:
            info[name] = subprocess.run(
                cmd, capture_output=True, text=True, timeout=20, check=False
            ).stdout.strip()
        except OSError:
            info[name] = "not found"
    return info


def postgres_version(url: str) -> str:
    try:
        engine = create_engine(url)
        with engine.connect() as conn:
            value = str(conn.execute(text("show server_version")).scalar())
            fsync = str(conn.execute(text("show fsync")).scalar())
        engine.dispose()
        return f"{value} (fsync={fsync})"
    except Exception as exc:  # noqa: BLE001 - reported, not fatal
        return f"unavailable ({type(exc).__name__})"


def tempdir(prefix: str) -> Path:
    return Path(tempfile.mkdtemp(prefix=prefix))


def rmtree(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)
