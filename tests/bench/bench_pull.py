"""First pull of a district: a new phone enrols and takes the district's
reference data and the state of its officer's 20,000 records.

Beside it, in the same run, a bare read of the same rows: one SQL statement over
the raw driver connection that returns every change the officer may see with
the columns the pull sends for its entity, in change order. The pull's goal is
at most 10 times that (issue 15): everything above the bare read is HTTP, JSON,
the wire models and the phone's writes.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

from bench_common import (
    Database,
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
    bare_seconds: float = 0.0
    bare_rows: int = 0
    # CPU seconds, beside the wall clock: on a machine shared with other work
    # the wall clock waits for cores, the CPU time does not. The phone's is this
    # process, the server's its process (PostgreSQL's own backend not included).
    phone_cpu: float = 0.0
    server_cpu: float = 0.0
    bare_cpu: float = 0.0
    load: float = 0.0  # the 1-minute load average when the pull ran

    @property
    def ratio(self) -> float:
        return self.seconds / self.bare_seconds if self.bare_seconds else 0.0

    @property
    def cpu(self) -> float:
        return self.phone_cpu + self.server_cpu


# The officer's scope as the server decides it (services/pull.py), with each
# entity's sent columns joined on: what a pull has to read, and nothing else.
BARE_READ = """
select c.seq, c.entity, c.entity_id, c.op,
       d.name, d.center_lat, d.center_lon, d.version, d.retired,
       t.name, t.kind, t.description, t.version, t.retired,
       h.name, h.district_code, h.themes, h.lat, h.lon, h.approximate, h.note, h.version,
       h.retired,
       r.kind, r.version, r.review_state, r.review_remark, r.card_number, r.received_at
from change c
left join district d on c.entity = 'district' and d.code = c.entity_id
left join theme t on c.entity = 'theme' and t.code = c.entity_id
left join hotspot h on c.entity = 'hotspot' and h.code = c.entity_id
left join record r on c.entity = 'record' and r.id = c.entity_id
where c.audience = 'all'
   or (c.audience = 'district' and c.district_code = {mark})
   or (c.audience = 'owner' and c.owner_user_id = {mark})
order by c.seq
"""


def bare_read(db: Database, owner_id: int, district: str) -> tuple[float, float, int]:
    """Best of three: seconds, CPU seconds of this process and rows of the bare read."""
    mark = "?" if db.kind == "sqlite" else "%s"
    best, best_cpu, rows = float("inf"), float("inf"), 0
    for _ in range(3):
        raw = db.engine.raw_connection()
        try:
            cursor = raw.cursor()
            started, cpu = time.perf_counter(), time.process_time()
            cursor.execute(BARE_READ.format(mark=mark), (district, owner_id))
            rows = len(cursor.fetchall())
            best = min(best, time.perf_counter() - started)
            best_cpu = min(best_cpu, time.process_time() - cpu)
            raw.rollback()
        finally:
            raw.close()
    return best, best_cpu, rows


def process_cpu(pid: int) -> float:
    """User + system CPU seconds of a process so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run_pull(kind: str, n: int, workdir: Path) -> PullResult:
    db = new_database(kind, workdir)
    try:
        officer = make_officer(db.engine, "puller")
        insert_rows(db, server_rows(db, make_records(n, seed=20), officer.id))
        db.analyze()
        with running_server(db, workdir) as server:
            counter = WireCounter()
            phone = new_phone(
                workdir / f"pull-phone-{kind}", server.url, enrolment_code(db.engine, officer),
                counter,
            )  # fmt: skip
            counter.reset()
            assert server.proc is not None
            server_cpu = process_cpu(server.proc.pid)
            started, phone_cpu = time.perf_counter(), time.process_time()
            report = phone.client.sync()
            seconds = time.perf_counter() - started
            phone_cpu = time.process_time() - phone_cpu
            server_cpu = process_cpu(server.proc.pid) - server_cpu
            load = os.getloadavg()[0]
            if not report.ok:
                raise RuntimeError(f"pull failed: {report.error}")
        bare_seconds, bare_cpu, bare_rows = bare_read(db, officer.id, "noord")
        return PullResult(
            kind, n, seconds, report.changes_pulled, counter.requests, counter.total,
            counter.seconds_in_http, bare_seconds, bare_rows, phone_cpu, server_cpu, bare_cpu,
            load,
        )  # fmt: skip
    finally:
        db.drop()
