"""Push: the real sync client to the real server (its own process) on loopback,
against a naive one-record-per-request client and a bare executemany of the
same rows; the server's peak memory is sampled during the push."""

from __future__ import annotations

import cProfile
import io
import json
import pstats
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from bench_common import (
    CountingTransport,
    Database,
    WireCounter,
    enrolment_code,
    fill_outbox,
    make_officer,
    new_database,
    new_phone,
    running_server,
)


@dataclass
class PushResult:
    db: str
    n: int
    seconds: float
    requests: int
    bytes: int
    http_seconds: float
    accepted: int
    on_server: int
    peak_rss: int
    base_rss: int
    naive_n: int
    naive_seconds: float
    naive_requests: int
    naive_bytes: int
    bare_seconds: float

    @property
    def rate(self) -> float:
        return self.n / self.seconds

    @property
    def naive_rate(self) -> float:
        return self.naive_n / self.naive_seconds if self.naive_seconds else 0.0

    @property
    def bare_rate(self) -> float:
        return self.n / self.bare_seconds if self.bare_seconds else 0.0


def _push_only(phone: Any) -> Any:
    """The phone's real SyncClient, with the pull step left out: what is timed is
    the push of the outbox (the pull that follows a sync is measured apart)."""
    from fieldapp.sync import SyncClient

    class PushOnly(SyncClient):
        def _pull(self, client: Any, report: Any, say: Any) -> None:
            return None

        def _patrol_suggestion(self, client: Any) -> None:
            return None

    return PushOnly(phone.store, phone.folder / "sync.lock", phone.client.client_factory)


def client_push(
    db: Database, records: list[dict[str, Any]], workdir: Path, naive_n: int
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    with running_server(db, workdir) as server:
        officer = make_officer(db.engine, f"bench{len(records)}")
        counter = WireCounter()
        phone = new_phone(
            workdir / f"phone-{db.kind}-{len(records)}",
            server.url,
            enrolment_code(db.engine, officer),
            counter,
        )
        first = phone.client.sync()  # reference data, as after enrolment
        assert first.ok, first.error
        fill_outbox(phone.store, records)
        pusher = _push_only(phone)
        counter.reset()
        server.start_sampling()
        started = time.perf_counter()
        report = pusher.sync()
        seconds = time.perf_counter() - started
        peak = server.stop_sampling()
        if not report.ok:
            raise RuntimeError(f"push failed: {report.error}")
        from sqlmodel import Session, func, select

        from sync_server.models import Record

        with Session(db.engine) as session:
            on_server = int(session.exec(select(func.count()).select_from(Record)).one())
        out.update(
            seconds=seconds,
            requests=counter.requests,
            bytes=counter.total,
            http_seconds=counter.seconds_in_http,
            accepted=report.accepted,
            on_server=on_server,
            peak_rss=peak,
            base_rss=server.base_rss,
        )
        # The naive client: one record per request, keep-alive, same server.
        enrolment = phone.store.enrolment()
        naive_records = [
            r | {"id": r["id"][:-12] + "%012x" % (i + 1)} for i, r in enumerate(records[:naive_n])
        ]
        naive = WireCounter()
        with httpx.Client(
            base_url=server.url,
            transport=CountingTransport(naive),
            headers={"X-Protocol-Version": "1", "Authorization": f"Bearer {enrolment.token}"},
            timeout=30,
        ) as client:
            started = time.perf_counter()
            for record in naive_records:
                response = client.post(
                    "/api/v1/sync/push",
                    json={"protocol": 1, "device_id": enrolment.device_id, "records": [record]},
                )
                if response.status_code != 200 or response.json()["results"][0]["status"] != (
                    "accepted"
                ):
                    raise RuntimeError(f"naive push failed: {response.text[:300]}")
            out.update(
                naive_seconds=time.perf_counter() - started,
                naive_requests=naive.requests,
                naive_bytes=naive.total,
            )
    return out


@dataclass
class ServerRows:
    records: list[tuple[Any, ...]]
    versions: list[tuple[Any, ...]]
    changes: list[tuple[Any, ...]]


def server_rows(db: Database, records: list[dict[str, Any]], owner_id: Any) -> ServerRows:
    """The rows the server keeps for these records, as bare tuples."""
    from sync_server.services.localtime import local_fields

    now = datetime.now(UTC)
    sqlite = db.kind == "sqlite"

    def ts(value: datetime) -> Any:
        return value.strftime("%Y-%m-%d %H:%M:%S.%f") if sqlite else value

    out = ServerRows([], [], [])
    with db.engine.connect() as conn:
        start_seq = int(conn.exec_driver_sql("select value from changecounter").scalar() or 0)
    for i, r in enumerate(records):
        p = r["payload"]
        observed = datetime.fromisoformat(p["observed_at"]).astimezone(UTC)
        f = local_fields(observed)
        body = json.dumps(p)
        out.records.append(
            (
                r["id"], r["kind"], owner_id, "bench-device", "noord", p["theme"],
                p["hotspot"], p["location"]["lat"], p["location"]["lon"], ts(observed), 1,
                body, "nieuw", False, ts(now), ts(now), p["action"], p.get("feit"),
                f.local_date.isoformat() if sqlite else f.local_date, f.local_year,
                f.local_month, f.weekday, f.hour, p["hotspot"],
            )
        )  # fmt: skip
        out.versions.append((r["id"], 1, "0" * 64, body, "bench-device", ts(now)))
        out.changes.append(
            (start_seq + i + 1, "record", r["id"], "upsert", "owner", "noord", owner_id, ts(now))
        )
    return out


def insert_rows(db: Database, rows: ServerRows) -> float:
    """A bare executemany per table in one transaction; returns the seconds taken."""
    sqlite = db.kind == "sqlite"
    mark = "?" if sqlite else "%s"

    def marks(n: int) -> str:
        return ", ".join([mark] * n)

    raw = db.engine.raw_connection()
    try:
        cursor = raw.cursor()
        started = time.perf_counter()
        if sqlite:
            cursor.execute("BEGIN IMMEDIATE")
        cursor.executemany(
            "insert into record (id, kind, owner_user_id, device_id, district_code, "
            "theme_code, hotspot_code, lat, lon, observed_at, version, payload, "
            "review_state, is_demo, received_at, updated_at, action, feit, local_date, "
            "local_year, local_month, weekday, hour, assigned_hotspot_code) "
            f"values ({marks(24)})",
            rows.records,
        )
        if rows.versions:
            cursor.executemany(
                "insert into recordversion (record_id, version, content_hash, payload, "
                f"device_id, received_at) values ({marks(6)})",
                rows.versions,
            )
        if rows.changes:
            cursor.executemany(
                "insert into change (seq, entity, entity_id, op, audience, district_code, "
                f"owner_user_id, created_at) values ({marks(8)})",
                rows.changes,
            )
            cursor.execute(
                f"update changecounter set value = value + {len(rows.changes)} where id = 1"
            )
        raw.commit()
        return time.perf_counter() - started
    finally:
        raw.close()


def bare_insert(kind: str, records: list[dict[str, Any]], workdir: Path) -> float:
    """The machine's limit: the same rows the server writes for these records
    (record, record_version, change), inserted by a bare executemany in one
    transaction on a fresh database with the same schema and indexes."""
    db = new_database(kind, workdir)
    try:
        officer = make_officer(db.engine, "bare")
        rows = server_rows(db, records, officer.id)
        seconds = insert_rows(db, rows)
        with db.engine.connect() as conn:
            count = conn.exec_driver_sql("select count(*) from record").scalar()
        if count != len(records):
            raise RuntimeError(f"bare insert wrote {count} of {len(records)}")
        return seconds
    finally:
        db.drop()


def run_push(kind: str, records: list[dict[str, Any]], workdir: Path, naive_n: int) -> PushResult:
    db = new_database(kind, workdir)
    try:
        measured = client_push(db, records, workdir, naive_n)
    finally:
        db.drop()
    bare = bare_insert(kind, records, workdir)
    return PushResult(
        db=kind,
        n=len(records),
        naive_n=naive_n,
        bare_seconds=bare,
        **measured,
    )


def profile_server_push(
    kind: str, records: list[dict[str, Any]], workdir: Path, batch: int = 100
) -> tuple[float, str, dict[str, float]]:
    """The server's push service in-process under cProfile (batches as the client
    sends them): its own rate, and the top entries by cumulative and own time."""
    from sqlmodel import Session

    from sync_server.services import accounts
    from sync_server.services.push import push_records

    db = new_database(kind, workdir)
    try:
        officer = make_officer(db.engine, "profiled")
        with Session(db.engine, expire_on_commit=False) as session:
            issued = accounts.issue_device(session, officer, name="prof", kind="phone")
            session.commit()
            device = issued.device
        key = bytes.fromhex("6b" * 32)
        profiler = cProfile.Profile()
        started = time.perf_counter()
        profiler.enable()
        for start in range(0, len(records), batch):
            push_records(
                db.engine,
                user=officer,
                device=device,
                districts=["noord"],
                items=records[start : start + batch],
                key=key,
                max_batch=500,
            )
        profiler.disable()
        seconds = time.perf_counter() - started
        text = io.StringIO()
        stats = pstats.Stats(profiler, stream=text)
        stats.sort_stats("cumulative").print_stats(18)
        text.write("\n")
        stats.sort_stats("tottime").print_stats(14)
        return seconds, _trim_profile(text.getvalue()), shares(profiler, SERVER_PARTS)
    finally:
        db.drop()


def shares(profiler: cProfile.Profile, wanted: dict[str, str]) -> dict[str, float]:
    """Cumulative seconds of chosen functions: label -> seconds, where `wanted`
    maps a label to 'path/suffix.py:function'."""
    stats = pstats.Stats(profiler).stats  # type: ignore[attr-defined]
    out: dict[str, float] = {}
    for label, where in wanted.items():
        suffix, function = where.split(":")
        out[label] = max(
            (ct for (file, _line, name), (_cc, _nc, _tt, ct, _c) in stats.items()
             if file.endswith(suffix) and name == function),
            default=0.0,
        )  # fmt: skip
    return out


SERVER_PARTS = {
    "validating the batch (pydantic)": "sync_server/services/push_validate.py:validate_batch",
    "reading the committed state": "sync_server/services/push_write.py:read_context",
    "deciding each record (in memory)": "sync_server/services/push_decide.py:decide",
    "writing (bulk Core statements)": "sync_server/services/push_write.py:write_plan",
    "commit": "sqlalchemy/orm/session.py:commit",
}
CLIENT_PARTS = {
    "reading the outbox (Store.outgoing)": "fieldapp/store.py:outgoing",
    "applying the replies (Store.apply_push_results)": "fieldapp/store.py:apply_push_results",
    "HTTP request and waiting for the reply": "fieldapp/sync.py:_call",
}


def _trim_profile(raw: str) -> str:
    keep = []
    for line in raw.splitlines():
        if not line.strip() or line.lstrip().startswith(("Ordered by", "List reduced")):
            continue
        keep.append(line.replace(str(Path.cwd()) + "/", "").rstrip())
    return "\n".join(keep)


def profile_client_push(
    kind: str, records: list[dict[str, Any]], workdir: Path
) -> tuple[float, str, dict[str, float]]:
    """The phone's side of a push under cProfile (the server in its own process):
    where the client spends the time that is not waiting for replies."""
    db = new_database(kind, workdir)
    try:
        with running_server(db, workdir) as server:
            officer = make_officer(db.engine, "profiled-phone")
            counter = WireCounter()
            phone = new_phone(
                workdir / "profiled-phone", server.url, enrolment_code(db.engine, officer), counter
            )
            assert phone.client.sync().ok
            fill_outbox(phone.store, records)
            pusher = _push_only(phone)
            profiler = cProfile.Profile()
            started = time.perf_counter()
            profiler.enable()
            report = pusher.sync()
            profiler.disable()
            seconds = time.perf_counter() - started
            if not report.ok:
                raise RuntimeError(f"push failed: {report.error}")
        text = io.StringIO()
        stats = pstats.Stats(profiler, stream=text)
        stats.sort_stats("cumulative").print_stats(
            r"fieldapp|sqlalchemy/orm/session.py|httpx/_client.py:\d+\(request\)", 16
        )
        return seconds, _trim_profile(text.getvalue()), shares(profiler, CLIENT_PARTS)
    finally:
        db.drop()
