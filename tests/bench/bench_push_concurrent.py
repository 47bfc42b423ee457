"""Push with several clients against one and two server processes (PostgreSQL).

What it shows: whether pushes from many phones run side by side, or queue on the
change counter (sync-protocol.md, property 9). Each client is an officer of its
own with an enrolled device, sending batches of 500 records over HTTP as the
phone does; client i talks to server process i mod P, and all processes serve
one database. Every server logs, in bench mode only (HV_BENCH_PUSH_TIMING=1),
when each push locked the change counter, the first change number it gave out
and how long until the process saw its commit; the bench reads those lines from
the servers' logs. The lock is released by the COMMIT in the database, which can
be well before the process sees the reply (its thread first waits for Python's
interpreter lock), so where PostgreSQL keeps commit times
(track_commit_timestamp, on in scripts/postgres-test-server) the hold is
measured there: from the lock to the commit of the transaction that wrote that
change number, both on the database's clock.
"""

from __future__ import annotations

import re
import statistics
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import psutil
from bench_common import (
    REPO,
    Database,
    ServerProcess,
    enrolment_code,
    make_officer,
    make_records,
    new_database,
)
from sqlalchemy.exc import DBAPIError

sys.path.insert(0, str(REPO / "scripts"))
from loadgen import cores_busy  # noqa: E402  (the load generator's, shared)

BATCH = 500
_HOLD = re.compile(
    r"push-timing records=(\d+) counter_lock_ms=([0-9.]+) first_seq=(\d+) locked_at=([0-9.]+)"
)


@dataclass
class ConcurrentPush:
    processes: int
    clients: int
    records: int
    seconds: float
    request_p50: float
    request_p95: float
    hold_ms: list[float]  # per push of BATCH records: lock to commit
    seen_ms: list[float]  # lock to the commit seen by the server process
    hold_measured_in: str  # "database" (commit timestamps) or "server process"
    cores_busy: float  # the machine's busy cores on average during the run
    server_cpu_seconds: float  # CPU time of the server processes during the run

    @property
    def rate(self) -> float:
        return self.records / self.seconds

    def hold(self, q: float) -> float:
        if not self.hold_ms:
            return float("nan")
        ordered = sorted(self.hold_ms)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


class TimedServer(ServerProcess):
    def env(self) -> dict[str, str]:
        return super().env() | {"HV_BENCH_PUSH_TIMING": "1"}

    def holds(self) -> list[tuple[float, int, float]]:
        """(ms until the commit was seen, first change number, locked at) per push."""
        text = (self.workdir / f"server-{self.port}.log").read_text(errors="replace")
        return [
            (float(ms), int(seq), float(at))
            for n, ms, seq, at in _HOLD.findall(text)
            if int(n) == BATCH
        ]


def _commit_holds(db: Database, logged: list[tuple[float, int, float]]) -> list[float] | None:
    """Lock to commit per push on the database's clock, or None where PostgreSQL
    keeps no commit times."""
    if not logged:
        return []
    try:
        with db.engine.connect() as conn:
            committed = dict(
                conn.exec_driver_sql(
                    "select seq, extract(epoch from pg_xact_commit_timestamp(xmin)) "
                    "from change where seq = any(%(seqs)s)",
                    {"seqs": [seq for _ms, seq, _at in logged]},
                ).all()
            )
    except DBAPIError:  # track_commit_timestamp is off
        return None
    return [(float(committed[seq]) - at) * 1000 for _ms, seq, at in logged]


def _enrol(server_url: str, code: str) -> tuple[str, str]:
    response = httpx.post(
        f"{server_url}/api/v1/auth/enroll",
        json={"code": code, "device_name": "bench"},
        headers={"X-Protocol-Version": "1"},
        timeout=30,
    )
    response.raise_for_status()
    body = response.json()
    return str(body["token"]), str(body["device_id"])


def _client(
    url: str, token: str, device_id: str, records: list[dict[str, Any]], start: threading.Barrier
) -> list[float]:
    """One phone pushing its records in batches; the seconds of each request."""
    times: list[float] = []
    with httpx.Client(
        base_url=url,
        headers={"X-Protocol-Version": "1", "Authorization": f"Bearer {token}"},
        timeout=300,
    ) as client:
        start.wait(timeout=120)
        for offset in range(0, len(records), BATCH):
            batch = records[offset : offset + BATCH]
            started = time.perf_counter()
            response = client.post(
                "/api/v1/sync/push",
                json={"protocol": 1, "device_id": device_id, "records": batch},
            )
            times.append(time.perf_counter() - started)
            if response.status_code != 200:
                raise RuntimeError(f"push failed: {response.status_code} {response.text[:300]}")
            statuses = {r["status"] for r in response.json()["results"]}
            if statuses != {"accepted"}:
                raise RuntimeError(f"push not accepted: {statuses}")
    return times


def _one_run(
    db: Database, servers: list[TimedServer], clients: int, per_client: int, seed: int
) -> ConcurrentPush:
    logged_before = [len(s.holds()) for s in servers]
    phones = []
    for n in range(clients):
        officer = make_officer(db.engine, f"conc{seed}c{n}")
        url = servers[n % len(servers)].url
        token, device_id = _enrol(url, enrolment_code(db.engine, officer))
        phones.append((url, token, device_id, make_records(per_client, seed=seed * 100 + n)))
    barrier = threading.Barrier(clients + 1)
    with ThreadPoolExecutor(max_workers=clients) as pool:
        futures = [pool.submit(_client, *phone, barrier) for phone in phones]
        barrier.wait(timeout=120)
        cpu_before = psutil.cpu_times()
        servers_before = [s.cpu_seconds() for s in servers]
        started = time.perf_counter()
        request_times = [t for f in futures for t in f.result()]
        seconds = time.perf_counter() - started
        cpu_after = psutil.cpu_times()
        servers_cpu = sum(s.cpu_seconds() - b for s, b in zip(servers, servers_before, strict=True))
    with db.engine.connect() as conn:
        gaps = conn.exec_driver_sql(
            "select count(*) - coalesce(max(seq) - min(seq) + 1, 0) from change"
        ).scalar()
    if gaps:
        raise RuntimeError("the change log has a gap")
    logged = [
        h for s, before in zip(servers, logged_before, strict=True) for h in s.holds()[before:]
    ]
    seen = [ms for ms, _seq, _at in logged]
    in_database = _commit_holds(db, logged)
    ordered = sorted(request_times)
    return ConcurrentPush(
        processes=len(servers),
        clients=clients,
        records=clients * per_client,
        seconds=seconds,
        request_p50=statistics.median(ordered),
        request_p95=ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))],
        hold_ms=seen if in_database is None else in_database,
        seen_ms=seen,
        hold_measured_in="server process" if in_database is None else "database",
        cores_busy=cores_busy(cpu_before, cpu_after),
        server_cpu_seconds=servers_cpu,
    )


def run_concurrent_push(
    workdir: Path, *, records_per_run: int, clients: tuple[int, ...] = (1, 2, 4)
) -> list[ConcurrentPush]:
    """1, 2 and 4 clients against 1 and 2 server processes; the same number of
    records in every run, split over the clients."""
    out: list[ConcurrentPush] = []
    for processes in (1, 2):
        db = new_database("postgresql", workdir / f"conc-{processes}")
        servers: list[TimedServer] = []
        try:
            for n in range(processes):
                servers.append(TimedServer(db, workdir / f"conc-{processes}-{n}").start())
            for count in clients:
                per_client = max(BATCH, records_per_run // count // BATCH * BATCH)
                run = _one_run(db, servers, count, per_client, seed=processes * 10 + count)
                print(
                    f"   {processes} process(es), {count} client(s): {run.rate:,.0f} records/s, "
                    f"p95 request {run.request_p95:.2f} s, "
                    f"counter held p95 {run.hold(0.95):.1f} ms",
                    flush=True,
                )
                out.append(run)
        finally:
            for server in servers:
                server.stop()
            db.drop()
    return out
