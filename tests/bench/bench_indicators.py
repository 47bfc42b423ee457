"""Indicators over 1,000,000 synthetic records: the nightly snapshot and the
full indicator table of a year for every district, against the bare GROUP BY
over the same rows."""

from __future__ import annotations

import json
import random
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from bench_common import Database, load_reference, make_officer, new_database
from bench_push import ServerRows, insert_rows
from sqlalchemy import text

YEAR = 2025
KINDS = [
    ("waarneming", 80),
    ("gele_kaart", 4),
    ("incident", 2),
    ("adrescontrole", 6),
    ("integrale_controle", 4),
    ("signaal_ondermijning", 4),
]
KIND_THEME = {
    "gele_kaart": "jeugd",
    "incident": "zorg-en-veiligheid",
    "adrescontrole": "woonoverlast",
    "integrale_controle": "ondermijning",
    "signaal_ondermijning": "ondermijning",
}
BARE_SQL = (
    "select district_code, kind, theme_code, action, feit, count(*) from record "
    "where local_year = :year group by district_code, kind, theme_code, action, feit"
)


@dataclass
class IndicatorResult:
    db: str
    records: int
    load_seconds: float
    nightly_seconds: float
    tables_seconds: float
    tables: int
    bare_seconds: float
    snapshot_rows: int
    plans: str = ""

    @property
    def ratio(self) -> float:
        return (self.nightly_seconds + self.tables_seconds) / self.bare_seconds


def synthetic_rows(kind: str, n: int, owner_id: int, seed: int = 1) -> ServerRows:
    rng = random.Random(seed)
    ref = load_reference()
    by_district: dict[str, list[tuple[str, list[str]]]] = {}
    for code, district, themes in ref.hotspots:
        by_district.setdefault(district, []).append((code, themes))
    districts = sorted(by_district)
    kinds = [k for k, w in KINDS for _ in range(w)]
    actions = ["aanspreken", "waarschuwing", "bon_proces_verbaal", "sticker", "geen_actie"]
    feiten = [None, None, None, "alcohol_onder_18", "geluidsoverlast", "wildplassen"]
    sqlite = kind == "sqlite"
    now = datetime.now(UTC)
    stamp = now.strftime("%Y-%m-%d %H:%M:%S.%f") if sqlite else now
    start = datetime(YEAR, 1, 1, tzinfo=UTC)
    note = "bij de ingang van het park een groep jongeren met scooters; na aanspreken weg. "
    rows = []
    for i in range(n):
        district = rng.choice(districts)
        hotspot, themes = rng.choice(by_district[district])
        record_kind = rng.choice(kinds)
        if record_kind == "waarneming":
            theme = rng.choice(themes) if themes else rng.choice(ref.themes)
            action = rng.choice(actions)
            feit = rng.choice(feiten)
        else:
            theme, action, feit = KIND_THEME[record_kind], None, None
        observed = start + timedelta(seconds=rng.randrange(365 * 86400))
        local = observed + timedelta(hours=1)
        payload = json.dumps(
            {"observed_at": observed.isoformat(), "hotspot": hotspot, "theme": theme,
             "action": action, "note": note * rng.randint(2, 4)}
        )  # fmt: skip
        rows.append(
            (
                f"00000000-0000-7000-8000-{i:012x}", record_kind, owner_id, "synthetic",
                district, theme, hotspot, None, None,
                observed.strftime("%Y-%m-%d %H:%M:%S.%f") if sqlite else observed, 1, payload,
                "nieuw", False, stamp, stamp, action, feit,
                local.date().isoformat() if sqlite else local.date(), local.year, local.month,
                local.weekday(), local.hour, hotspot,
            )
        )  # fmt: skip
    return ServerRows(rows, [], [])


RECORD_COLUMNS = (
    "id, kind, owner_user_id, device_id, district_code, theme_code, hotspot_code, lat, lon, "
    "observed_at, version, payload, review_state, is_demo, received_at, updated_at, action, "
    "feit, local_date, local_year, local_month, weekday, hour, assigned_hotspot_code"
)


def bulk_load(db: Database, rows: ServerRows) -> float:
    """Set-up, not a measured figure: the record table's indexes are dropped, the
    rows loaded (COPY on PostgreSQL, executemany on SQLite) and the indexes made
    again, so that the queries run on exactly the production schema."""
    from sync_server.models import Record

    indexes = list(Record.__table__.indexes)  # type: ignore[attr-defined]
    started = time.perf_counter()
    with db.engine.begin() as conn:
        for index in indexes:
            index.drop(conn)
    if db.kind == "sqlite":
        insert_rows(db, rows)
    else:
        raw = db.engine.raw_connection()
        try:
            cursor = raw.cursor()
            with cursor.copy(f"COPY record ({RECORD_COLUMNS}) FROM STDIN") as copy:
                for row in rows.records:
                    copy.write_row(row)
            raw.commit()
        finally:
            raw.close()
    with db.engine.begin() as conn:
        for index in indexes:
            index.create(conn)
    return time.perf_counter() - started


def explain(db: Database, sql: str, params: dict[str, object], work_mem: str = "") -> str:
    """PostgreSQL's plan with actual times (the lines that say where time goes)."""
    if db.kind != "postgresql":
        return ""
    with db.engine.begin() as conn:
        if work_mem:  # as compute_snapshot sets it for its transaction
            conn.execute(text(f"SET LOCAL work_mem = '{work_mem}'"))
        lines = conn.execute(text("explain (analyze, costs off) " + sql), params).scalars().all()
    return "\n".join(str(line) for line in lines)


def run_indicators(kind: str, n: int, workdir: Path) -> IndicatorResult:
    from sqlmodel import Session

    from sync_server.config import DEFAULT_DEFINITIONS
    from sync_server.db import session_scope
    from sync_server.services.indicator_definitions import load_definitions
    from sync_server.services.indicator_snapshots import compute_snapshot
    from sync_server.services.indicators import indicator_table
    from sync_server.services.scope import Scope

    db = new_database(kind, workdir)
    try:
        owner = make_officer(db.engine, "synthetic")
        rows = synthetic_rows(kind, n, owner.id)
        load = bulk_load(db, rows)
        del rows
        with db.engine.begin() as conn:
            conn.execute(text("analyze"))
        districts = sorted({d for _c, d, _t in load_reference().hotspots})
        best_nightly = best_tables = best_bare = float("inf")
        snapshot_rows = 0
        for _ in range(2):  # the second round runs with warm caches, as the bare query
            started = time.perf_counter()
            with session_scope(db.engine) as session:
                definitions = load_definitions(session, DEFAULT_DEFINITIONS)
                report = compute_snapshot(session, definitions)
            best_nightly = min(best_nightly, time.perf_counter() - started)
            snapshot_rows = report.rows
            started = time.perf_counter()
            with Session(db.engine) as session:
                for district in districts:
                    table = indicator_table(
                        session,
                        Scope((district,), "teamleider"),
                        year_from=YEAR,
                        year_to=YEAR,
                        now=datetime(YEAR, 12, 31, 12, tzinfo=UTC),
                    )
                    assert table.rows
            best_tables = min(best_tables, time.perf_counter() - started)
            started = time.perf_counter()
            with db.engine.connect() as conn:
                got = conn.execute(text(BARE_SQL), {"year": YEAR}).all()
            best_bare = min(best_bare, time.perf_counter() - started)
            assert got
        plans = ""
        if kind == "postgresql":
            ours_sql = (
                "select local_year, local_month, district_code, theme_code, kind, action, feit, "
                "count(*), sum(case when is_demo then 1 else 0 end) from record "
                "where local_year > 0 group by local_year, local_month, district_code, "
                "theme_code, kind, action, feit"
            )
            plans = (
                "-- nightly snapshot's grouped query\n"
                + explain(db, ours_sql, {}, work_mem="64MB")
                + "\n-- bare GROUP BY\n"
                + explain(db, BARE_SQL, {"year": YEAR})
            )
        return IndicatorResult(
            kind, n, load, best_nightly, best_tables, len(districts), best_bare, snapshot_rows,
            plans,
        )  # fmt: skip
    finally:
        db.drop()


_ = date  # keep the import list stable for readers
