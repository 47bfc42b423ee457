"""First pull of a district: a new phone enrols and takes the district's
reference data and the state of its officer's 20,000 records."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from bench_common import (
    WireCounter,
    enrolment_code,
    make_officer,
    make_records,
    new_database,
    new_phone,
    running_server,
)
from bench_push import insert_rows, server_rows


@dataclass
class PullResult:
    db: str
    records: int
    seconds: float
    changes: int
    requests: int
    bytes: int
    http_seconds: float


def run_pull(kind: str, n: int, workdir: Path) -> PullResult:
    db = new_database(kind, workdir)
    try:
        officer = make_officer(db.engine, "puller")
        insert_rows(db, server_rows(db, make_records(n, seed=20), officer.id))
        with running_server(db, workdir) as server:
            counter = WireCounter()
            phone = new_phone(
                workdir / f"pull-phone-{kind}", server.url, enrolment_code(db.engine, officer),
                counter,
            )  # fmt: skip
            counter.reset()
            started = time.perf_counter()
            report = phone.client.sync()
            seconds = time.perf_counter() - started
            if not report.ok:
                raise RuntimeError(f"pull failed: {report.error}")
            return PullResult(
                kind, n, seconds, report.changes_pulled, counter.requests, counter.total,
                counter.seconds_in_http,
            )  # fmt: skip
    finally:
        db.drop()
