"""Many phones syncing at once against the real server on PostgreSQL.

Starts `python -m sync_server serve` as a process of its own on loopback, makes
one officer and one enrolled phone per simulated device (spread over the
districts), then lets every phone sync at the same moment: each pushes several
batches of realistic records (observations, incidents, yellow cards, address
checks) and pulls until nothing more. Measures per request, samples the server
process's memory (RSS) with psutil, and then checks the database: every record
exactly once, the change numbers without gaps, each phone's pull strictly
ascending.

Used by `scripts/load` (make load) and by tests/server/test_load.py (CI).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import psutil
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))  # nginx_proxy: nginx with the repository's config

from sqlmodel import select  # noqa: E402

from sync_protocol import PROTOCOL_HEADER, PROTOCOL_VERSION  # noqa: E402
from sync_server.db import make_engine, normalise_url, session_scope  # noqa: E402
from sync_server.models import Hotspot  # noqa: E402
from sync_server.services import accounts  # noqa: E402

DISTRICTS = ("centrum", "noord", "oost", "zuid-west", "schalkwijk")


@dataclass
class LoadResult:
    devices: int
    batches_per_device: int
    records_per_batch: int
    requests: int
    errors: int
    error_samples: list[str]
    records_sent: int
    records_stored: int
    duplicates: int
    change_gaps: int
    pull_order_faults: int
    seconds: float
    requests_per_s: float
    records_per_s: float
    latency_ms: dict[str, dict[str, float]]
    server_rss_start_mb: float
    server_rss_peak_mb: float
    database: str
    server_pool: str = "pool_size 10 + max_overflow 20 (sync_server/db.py)"
    servers: int = 1
    proxy: str = "none"
    notes: list[str] = field(default_factory=list)
    # Requests whose connection dropped before any reply, sent once more (as the
    # app does at its next sync; a push sent twice is accepted once): not errors
    # unless the second try fails too, but always reported.
    resent: int = 0
    # CPU time of the server processes and of the whole machine (busy cores on
    # average) during the load: where the time went.
    server_cpu_s: float = 0.0
    cores_busy: float = 0.0

    @property
    def error_rate(self) -> float:
        return self.errors / self.requests if self.requests else 1.0

    def summary(self) -> str:
        lines = [
            f"devices at once:        {self.devices}",
            f"per device:             {self.batches_per_device} pushes of "
            f"{self.records_per_batch} records, each followed by a pull to the end",
            f"requests:               {self.requests} in {self.seconds:.1f} s "
            f"({self.requests_per_s:.0f} requests/s)",
            f"records:                {self.records_sent} sent, {self.records_stored} stored "
            f"({self.records_per_s:.0f} records/s)",
            f"errors:                 {self.errors} (error rate {self.error_rate:.2%})",
            f"dropped connections:    {self.resent} requests sent again once",
            f"duplicates / gaps:      {self.duplicates} duplicate records, "
            f"{self.change_gaps} gaps in change numbers, "
            f"{self.pull_order_faults} pulls out of order",
            f"server memory (RSS):    {self.server_rss_start_mb:.0f} MB at start, "
            f"{self.server_rss_peak_mb:.0f} MB peak",
            f"CPU:                    server processes {self.server_cpu_s:.1f} s "
            f"({1000 * self.server_cpu_s / max(self.requests, 1):.1f} ms per request); "
            f"machine {self.cores_busy:.2f} of {os.cpu_count()} cores busy",
        ]
        for op, stats in self.latency_ms.items():
            lines.append(
                f"latency {op:<14} p50 {stats['p50']:.0f} ms, p95 {stats['p95']:.0f} ms, "
                f"p99 {stats['p99']:.0f} ms, max {stats['max']:.0f} ms"
            )
        lines.extend(f"error: {e}" for e in self.error_samples[:10])
        return "\n".join(lines)


# ---------------------------------------------------------------- the server process


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def server_process(
    database_url: str, work: Path, *, name: str = "server", key: str | None = None
) -> Iterator[tuple[str, psutil.Process]]:
    """The real server (`python -m sync_server serve`) as a process of its own."""
    port = _free_port()
    env = os.environ | {
        "DATABASE_URL": database_url,
        "HV_VAR_DIR": str(work),
        "HV_BLOB_DIR": str(work / "blobs"),
        "HV_PSEUDONYM_KEY": key or secrets.token_hex(32),
        "HV_LOG_LEVEL": "WARNING",
        "PYTHONUNBUFFERED": "1",
    }
    log = (work / f"{name}.log").open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "sync_server", "serve", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"server stopped: {(work / f'{name}.log').read_text()[-2000:]}")
            with contextlib.suppress(httpx.HTTPError):  # not listening yet
                if httpx.get(f"{url}/api/v1/health", timeout=2).status_code == 200:
                    break
            if time.monotonic() > deadline:
                raise RuntimeError("server did not start within 60 s")
            time.sleep(0.1)
        yield url, psutil.Process(proc.pid)
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


class MemorySampler:
    """Peak RSS of a process, sampled every 50 ms in a thread."""

    def __init__(self, *processes: psutil.Process) -> None:
        self.processes = processes
        self.start = self._rss()
        self.peak = self.start
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _rss(self) -> int:
        """All server processes together."""
        return sum(p.memory_info().rss for p in self.processes)

    def _run(self) -> None:
        while not self._stop.wait(0.05):
            try:
                self.peak = max(self.peak, self._rss())
            except psutil.Error:
                return

    def __enter__(self) -> MemorySampler:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join()


# ---------------------------------------------------------------- devices and records


@dataclass
class Device:
    index: int
    district: str
    hotspots: list[str]
    token: str = ""
    device_id: str = ""
    sent: list[str] = field(default_factory=list)
    seqs: list[int] = field(default_factory=list)
    cursor: int = 0


def _uuid7(rng: random.Random) -> str:
    millis = int(time.time() * 1000)
    rand = rng.getrandbits(74)
    value = (
        (millis << 80) | (0x7 << 76) | ((rand >> 62) << 64) | (0b10 << 62) | (rand & (2**62 - 1))
    )
    return str(uuid.UUID(int=value))


def _record(device: Device, rng: random.Random) -> dict[str, Any]:
    """One of the kinds a handhaver logs most, with the fields the app fills in."""
    observed = (datetime.now(UTC) - timedelta(minutes=rng.randint(1, 600))).isoformat()
    spot = rng.choice(device.hotspots)
    pick = rng.random()
    if pick < 0.6:
        kind, payload = (
            "waarneming",
            {
                "observed_at": observed,
                "theme": "afval",
                "hotspot": spot,
                "persons": rng.randint(0, 6),
                "action": rng.choice(["aanspreken", "waarschuwing"]),
                "note": "Afval naast de container, eigenaar aangesproken.",
            },
        )
    elif pick < 0.75:
        kind, payload = (
            "incident",
            {
                "observed_at": observed,
                "hotspot": spot,
                "types": ["verbaal"],
                "injured": False,
                "bodycam_on": True,
                "footage_secured": True,
                "footage_reference": f"BC-{rng.randint(1, 9999)}",
                "politie": "melding_gedaan",
                "bot_gewenst": rng.random() < 0.5,
                "description": "Scheldpartij bij controle, persoon liep weg.",
            },
        )
    elif pick < 0.9:
        kind, payload = (
            "gele_kaart",
            {
                "observed_at": observed,
                "hotspot": spot,
                "aanleiding": "hinderlijk_gedrag",
                "jongere": {
                    "naam": f"Jongere {device.index}-{rng.randint(1, 5)}",
                    "geboortedatum": "2009-05-01",
                },
            },
        )
    else:
        kind, payload = (
            "adrescontrole",
            {"observed_at": observed, "uitkomst": "hit", "address": "Grote Markt 2"},
        )
    record_id = _uuid7(rng)
    device.sent.append(record_id)
    return {"id": record_id, "kind": kind, "version": 1, "payload": payload}


def prepare_devices(database_url: str, url: str, count: int) -> list[Device]:
    """One officer per phone, spread over the districts, each enrolled over HTTP
    (one at a time: enrolment is not what is measured, and the per-address
    throttle counts attempts before judging them)."""
    engine = make_engine(database_url)
    run = secrets.token_hex(3)
    devices: list[Device] = []
    codes: list[str] = []
    with session_scope(engine) as session:
        spots: dict[str, list[str]] = {}
        for row in session.exec(select(Hotspot)).all():
            if "afval" in row.themes:
                spots.setdefault(row.district_code, []).append(row.code)
        districts = [d for d in DISTRICTS if spots.get(d)]
        for index in range(count):
            district = districts[index % len(districts)]
            user = accounts.create_user(
                session,
                username=f"load{run}-{index}",
                display_name=f"Belasting {index}",
                role="handhaver",
                districts=[district],
                password=None,
            )
            code = accounts.create_enrolment_code(session, user=user, ttl=timedelta(hours=1))
            codes.append(code.code)
            devices.append(Device(index=index, district=district, hotspots=spots[district]))
    engine.dispose()
    with httpx.Client(base_url=url, headers={PROTOCOL_HEADER: str(PROTOCOL_VERSION)}) as client:
        for device, code in zip(devices, codes, strict=True):
            reply = client.post(
                "/api/v1/auth/enroll", json={"code": code, "device_name": f"load-{device.index}"}
            )
            reply.raise_for_status()
            device.token, device.device_id = reply.json()["token"], reply.json()["device_id"]
    return devices


# ---------------------------------------------------------------- the load


@dataclass
class Tally:
    latencies: dict[str, list[float]] = field(default_factory=dict)
    requests: int = 0
    errors: list[str] = field(default_factory=list)
    order_faults: int = 0
    resent: int = 0

    def note(self, op: str, seconds: float) -> None:
        self.requests += 1
        self.latencies.setdefault(op, []).append(seconds * 1000)


async def _request(
    client: httpx.AsyncClient, tally: Tally, method: str, url: str, **kwargs: Any
) -> httpx.Response:
    """One request; a connection that drops before any reply (not a timeout) is
    tried once more, and counted."""
    try:
        return await client.request(method, url, **kwargs)
    except httpx.TimeoutException:
        raise
    except httpx.TransportError:
        tally.resent += 1
        return await client.request(method, url, **kwargs)


async def _sync_device(
    client: httpx.AsyncClient,
    device: Device,
    *,
    batches: int,
    per_batch: int,
    start: asyncio.Event,
    tally: Tally,
) -> None:
    rng = random.Random(device.index)
    headers = {"Authorization": f"Bearer {device.token}", PROTOCOL_HEADER: str(PROTOCOL_VERSION)}
    await start.wait()
    for _ in range(batches):
        records = [_record(device, rng) for _ in range(per_batch)]
        body = {"protocol": PROTOCOL_VERSION, "device_id": device.device_id, "records": records}
        began = time.perf_counter()
        try:
            reply = await _request(
                client, tally, "POST", "/api/v1/sync/push", json=body, headers=headers
            )
        except httpx.HTTPError as exc:
            tally.note("push", time.perf_counter() - began)
            tally.errors.append(f"push device {device.index}: {type(exc).__name__}")
            continue
        tally.note("push", time.perf_counter() - began)
        if reply.status_code != 200:
            tally.errors.append(
                f"push device {device.index}: {reply.status_code} {reply.text[:200]}"
            )
            continue
        refused = [r for r in reply.json()["results"] if r["status"] != "accepted"]
        if refused:
            tally.errors.append(f"push device {device.index}: {refused[0]}")
        while True:  # pull to the end, as the app does after a push
            began = time.perf_counter()
            try:
                reply = await _request(
                    client,
                    tally,
                    "GET",
                    "/api/v1/sync/pull",
                    params={"since": device.cursor, "limit": 500},
                    headers=headers,
                )
            except httpx.HTTPError as exc:
                tally.note("pull", time.perf_counter() - began)
                tally.errors.append(f"pull device {device.index}: {type(exc).__name__}")
                break
            tally.note("pull", time.perf_counter() - began)
            if reply.status_code != 200:
                tally.errors.append(
                    f"pull device {device.index}: {reply.status_code} {reply.text[:200]}"
                )
                break
            page = reply.json()
            for change in page["changes"]:
                if change["seq"] <= device.cursor:
                    tally.order_faults += 1
                device.cursor = change["seq"]
                device.seqs.append(change["seq"])
            device.cursor = max(device.cursor, page["next_since"])
            if not page["more"]:
                break


async def _run_all(url: str, devices: list[Device], batches: int, per_batch: int) -> Tally:
    tally = Tally()
    start = asyncio.Event()
    # An idle connection is let go well before the server's keep-alive timeout
    # (uvicorn: 5 s); with equal timeouts a request can meet a connection the
    # server is closing at that moment (a ReadError before the server read it).
    limits = httpx.Limits(
        max_connections=len(devices) + 10,
        max_keepalive_connections=len(devices),
        keepalive_expiry=2.0,
    )
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=120) as client:
        tasks = [
            asyncio.create_task(
                _sync_device(
                    client, d, batches=batches, per_batch=per_batch, start=start, tally=tally
                )
            )
            for d in devices
        ]
        await asyncio.sleep(0.2)  # every device waiting at the start line
        start.set()
        await asyncio.gather(*tasks)
    return tally


def _percentiles(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    cuts = (
        statistics.quantiles(ordered, n=100, method="inclusive")
        if len(ordered) > 1
        else ordered * 99
    )

    return {
        "count": float(len(ordered)),
        "p50": cuts[49],
        "p95": cuts[94],
        "p99": cuts[98],
        "max": ordered[-1],
    }


def verify(database_url: str, devices: list[Device]) -> tuple[int, int, int]:
    """Records stored, duplicates, and gaps in the change numbers."""
    engine = make_engine(database_url)
    sent = [record_id for d in devices for record_id in d.sent]
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT id, count(*) FROM record WHERE id = ANY(:ids) GROUP BY id"),
            {"ids": sent},
        ).all()
        seqs = [int(s) for s in conn.execute(text("SELECT seq FROM change ORDER BY seq")).scalars()]
    engine.dispose()
    duplicates = sum(count - 1 for _id, count in rows) + (len(sent) - len(set(sent)))
    gaps = sum(1 for a, b in zip(seqs, seqs[1:], strict=False) if b != a + 1)
    return len(rows), duplicates, gaps


def run_load(
    database_url: str,
    *,
    devices: int = 200,
    batches: int = 5,
    per_batch: int = 20,
    work: Path | None = None,
    servers: int = 1,
    proxy: bool = False,
) -> LoadResult:
    """Start `servers` server processes on `database_url` (migrated by the servers
    themselves, under their start-up lock), with `proxy` behind nginx
    (deploy/nginx/handhaving.conf), load them, verify."""
    with tempfile.TemporaryDirectory(prefix="hv-load-") as tmp:
        work = work or Path(tmp)
        key = secrets.token_hex(32)  # one pseudonym key for every process
        with contextlib.ExitStack() as stack:
            started = [
                stack.enter_context(server_process(database_url, work, name=f"server{i}", key=key))
                for i in range(servers)
            ]
            url = started[0][0]
            if proxy:
                from nginx_proxy import NginxProxy

                ports = [int(u.rsplit(":", 1)[1]) for u, _ in started]
                nginx = NginxProxy(work / "nginx", ports).start()
                stack.callback(nginx.stop)
                url = nginx.url
            phones = prepare_devices(database_url, url, devices)
            processes = [process for _, process in started]
            with MemorySampler(*processes) as memory:
                cpu_before = _cpu(processes), psutil.cpu_times()
                began = time.perf_counter()
                tally = asyncio.run(_run_all(url, phones, batches, per_batch))
                seconds = time.perf_counter() - began
                cpu_after = _cpu(processes), psutil.cpu_times()
        server_log = "\n".join(
            (work / f"server{i}.log").read_text(errors="replace") for i in range(servers)
        )
        stored, duplicates, gaps = verify(database_url, phones)
    if tally.errors and server_log.strip():
        tally.errors.append("server log: " + server_log[-1500:])
    sent = sum(len(p.sent) for p in phones)
    dialect = make_url(normalise_url(database_url)).get_backend_name()
    return LoadResult(
        devices=devices,
        batches_per_device=batches,
        records_per_batch=per_batch,
        requests=tally.requests,
        errors=len(tally.errors) + (sent - stored),
        error_samples=tally.errors[:20],
        resent=tally.resent,
        records_sent=sent,
        records_stored=stored,
        duplicates=duplicates,
        change_gaps=gaps,
        pull_order_faults=tally.order_faults,
        seconds=seconds,
        requests_per_s=tally.requests / seconds,
        records_per_s=stored / seconds,
        latency_ms={op: _percentiles(v) for op, v in sorted(tally.latencies.items())},
        server_rss_start_mb=memory.start / 2**20,
        server_rss_peak_mb=memory.peak / 2**20,
        database=dialect,
        servers=servers,
        proxy="nginx" if proxy else "none",
        server_cpu_s=cpu_after[0] - cpu_before[0],
        cores_busy=cores_busy(cpu_before[1], cpu_after[1]),
    )


def _cpu(processes: list[psutil.Process]) -> float:
    return sum(p.cpu_times().user + p.cpu_times().system for p in processes)


def cores_busy(before: Any, after: Any) -> float:
    """The machine's busy cores on average between two readings of its CPU times
    (psutil.cpu_times()); the bench uses it too."""
    idle = (after.idle + after.iowait) - (before.idle + before.iowait)
    total = sum(after) - sum(before)
    return (1 - idle / total) * (psutil.cpu_count() or 1) if total > 0 else 0.0


# ---------------------------------------------------------------- a database of its own


@contextmanager
def scratch_database(server_url: str) -> Iterator[str]:
    """A database of this run's own on the PostgreSQL server, dropped afterwards."""
    base = make_url(normalise_url(server_url))
    name = f"handhaving_load_{os.getpid()}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _markdown(result: LoadResult, command: str) -> str:
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    rows = "\n".join(
        f"| {op} | {int(s['count'])} | {s['p50']:.0f} | {s['p95']:.0f} | {s['p99']:.0f} "
        f"| {s['max']:.0f} |"
        for op, s in result.latency_ms.items()
    )
    cpu = os.cpu_count()
    return f"""# Load test: {result.devices} phones syncing at once

`{command}` (`make load`) starts the real server (`python -m sync_server serve`, one
uvicorn process) on a PostgreSQL database of its own on loopback, enrols
{result.devices} phones (one officer each, spread over the districts), and then lets every
phone sync at the same moment: {result.batches_per_device} pushes of
{result.records_per_batch} records each (observations, incidents, yellow cards, address
checks), every push followed by pulls until nothing more. The server's memory is
sampled with psutil every 50 ms. Afterwards the database is checked: every record
exactly once, change numbers without gaps, every phone's pulls strictly ascending.

Last run: {when}, {cpu} CPUs, database {result.database}.

| measure | result |
| --- | --- |
| devices syncing at once | {result.devices} |
| requests | {result.requests} in {result.seconds:.1f} s ({result.requests_per_s:.0f}/s) |
| records | {result.records_sent} sent, {result.records_stored} stored \
({result.records_per_s:.0f}/s) |
| errors | {result.errors} (error rate {result.error_rate:.2%}) |
| dropped connections, request sent again once | {result.resent} |
| duplicates, gaps, pulls out of order | {result.duplicates}, {result.change_gaps}, \
{result.pull_order_faults} |
| server memory (RSS) | {result.server_rss_start_mb:.0f} MB at start, \
{result.server_rss_peak_mb:.0f} MB peak |
| server database pool | {result.server_pool} |

Latency per request, in milliseconds, as the phones saw it (queueing included):

| request | count | p50 | p95 | p99 | max |
| --- | --- | --- | --- | --- | --- |
{rows}

What the latencies say: every phone starts at the same moment, so requests queue
for the server's CPU. The server spent {result.server_cpu_s:.1f} s of CPU on
{result.requests} requests ({1000 * result.server_cpu_s / max(result.requests, 1):.1f} ms
each: authentication, the request's statements, validation, JSON), and the machine
had {result.cores_busy:.2f} of its {os.cpu_count()} cores busy (load generator, server,
PostgreSQL). Pushes no longer queue on the change-number counter: it is locked by a
push's last statement, sent together with the COMMIT, for about a millisecond
(`make bench`, section 1b). A phone syncs in the background, so this is a wait,
never an error. More server processes on the same database add CPU where cores are
idle (each has its own pool of 10 + 20 connections; the test server allows 300).
The load generator lets idle connections go after 2 s, before the server's 5 s
keep-alive timeout, as a client must (with equal timeouts a request can meet a
connection at the moment the server closes it).

CI runs the same {result.devices} phones with 2 pushes of 10 records each on every
PostgreSQL pass (`tests/server/test_load.py`, about 25 s).
"""


def _comparison(results: list[LoadResult]) -> str:
    rows = "\n".join(
        f"| {r.servers} | {r.proxy} | {r.errors} | {r.records_stored} | {r.seconds:.1f} "
        f"| {r.records_per_s:.0f} | {r.requests_per_s:.0f} "
        f"| {r.latency_ms.get('push', {}).get('p95', 0):.0f} "
        f"| {r.latency_ms.get('pull', {}).get('p95', 0):.0f} "
        f"| {r.server_rss_peak_mb:.0f} |"
        for r in results
    )
    return f"""
## Through nginx, with one and with two server processes

The same load through nginx (Debian's package, `deploy/nginx/handhaving.conf`) in
front of one and then two `serve` processes on one PostgreSQL database (each run on a
database of its own). Memory is the processes' RSS added up.

| processes | proxy | errors | records stored | seconds | records/s | requests/s \
| p95 push ms | p95 pull ms | peak RSS MB |
| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |
{rows}

Read these figures with care: the machine has {os.cpu_count()} CPUs, shared with the
load generator, nginx, PostgreSQL and, while this ran, other work; a second process adds
worker threads and connections, but every push still waits its turn on the one
change-number counter row, which is what bounds throughput.
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pg", required=True, help="URL of a PostgreSQL server (any database)")
    parser.add_argument("--devices", type=int, default=200)
    parser.add_argument("--batches", type=int, default=5)
    parser.add_argument("--per-batch", type=int, default=20)
    parser.add_argument("--markdown", help="write the results here (docs/load.md)")
    parser.add_argument("--json", help="write the raw results here")
    parser.add_argument(
        "--through-nginx",
        default="",
        help="also run through nginx with these numbers of server processes, e.g. 1,2",
    )
    args = parser.parse_args(argv)
    with scratch_database(args.pg) as database_url:
        result = run_load(
            database_url, devices=args.devices, batches=args.batches, per_batch=args.per_batch
        )
    print(result.summary())
    results = [result]
    proxied: list[LoadResult] = []
    for count in [int(n) for n in args.through_nginx.split(",") if n.strip()]:
        with scratch_database(args.pg) as database_url:
            run = run_load(
                database_url,
                devices=args.devices,
                batches=args.batches,
                per_batch=args.per_batch,
                servers=count,
                proxy=True,
            )
        print(f"\n== {count} process(es) behind nginx ==\n{run.summary()}")
        proxied.append(run)
    results += proxied
    if args.markdown:
        text = _markdown(result, "scripts/load")
        if proxied:
            text += _comparison(proxied)
        Path(args.markdown).write_text(text)
        print(f"written: {args.markdown}")
    if args.json:
        Path(args.json).write_text(json.dumps([asdict(r) for r in results], indent=2))
    ok = all(
        r.errors == 0 and r.duplicates == 0 and r.change_gaps == 0 and r.pull_order_faults == 0
        for r in results
    )
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
