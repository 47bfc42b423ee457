"""docs/benchmarks.md from one run's results (see run.py)."""

from __future__ import annotations

import os
from typing import Any

import bench_load
from bench_format import db as _db
from bench_format import mb as _mb
from bench_format import n as _n
from bench_format import s as _s
from bench_format import verdict as _verdict
from bench_format import x as _x

GOAL_NAIVE = 10.0
GOAL_POUCH = 2.0
# Issue 15: the push at this share of a bare executemany of the same rows.
GOAL_BARE = {"sqlite": 0.25, "postgresql": 0.5}
GOAL_SCALE = 1.8  # two server processes against one (PostgreSQL)
GOAL_HOLD_MS = 30.0  # the change counter's lock per 500-record push
GOAL_INDICATORS = 2.0
GOAL_PHOTO_BYTES = 400 * 1024


def headline(results: Any) -> list[tuple[str, str, str, str]]:
    """(goal, target, measured, verdict) rows, from the largest N per database."""
    rows: list[tuple[str, str, str, str]] = []
    biggest = max((p.n for p in results.push), default=0)
    for p in [p for p in results.push if p.n == biggest]:
        name = _db(p.db)
        if p.naive_rate:
            ratio = p.rate / p.naive_rate
            rows.append(
                (f"push vs naive client, {name}, N={_n(p.n)}", "≥ 10×", _x(ratio),
                 _verdict(ratio, GOAL_NAIVE))
            )  # fmt: skip
        pouch = results.pouch.get(p.n)
        if pouch is not None:
            ratio = p.rate / pouch.rate
            rows.append(
                (f"push vs PouchDB, {name}, N={_n(p.n)}", "≥ 2×", _x(ratio),
                 _verdict(ratio, GOAL_POUCH))
            )  # fmt: skip
        else:
            rows.append((f"push vs PouchDB, {name}", "≥ 2×", "not measured", "see failures"))
        if p.bare_rate:
            ratio = p.rate / p.bare_rate
            goal = GOAL_BARE.get(p.db, 0.25)
            rows.append(
                (f"push vs bare executemany, {name}, N={_n(p.n)}", f"≥ {goal:.2f}×",
                 f"{ratio:.3f}×", _verdict(ratio, goal))
            )  # fmt: skip
    for pull in results.pull:
        rows.append(
            (f"first pull of {_n(pull.changes)} changes, {_db(pull.db)}", "≤ 1 s",
             f"{pull.seconds:.2f} s", _verdict(pull.seconds, 1.0, at_least=False))
        )  # fmt: skip
        rows.append(
            (f"first pull ÷ bare read of the same rows, {_db(pull.db)}", "≤ 10×",
             _x(pull.ratio), _verdict(pull.ratio, 10.0, at_least=False))
        )  # fmt: skip
    rows += concurrent_headline(results)
    rows += bench_load.headline(results)
    for ind in results.indicators:
        rows.append(
            (f"indicators vs bare GROUP BY, {_db(ind.db)}, {_n(ind.records)} records", "≤ 2×",
             _x(ind.ratio), _verdict(ind.ratio, GOAL_INDICATORS, at_least=False))
        )  # fmt: skip
    if results.photo is not None:
        size = results.photo.output_bytes
        rows.append(
            ("12 MP photo, stored size", "< 400 KB", f"{size / 1024:.0f} KB",
             _verdict(size, GOAL_PHOTO_BYTES, at_least=False))
        )  # fmt: skip
    return rows


def render(results: Any, machine: dict[str, str], pg_version: str) -> str:
    c = results.config
    out: list[str] = []
    add = out.append
    add("# Benchmarks")
    add("")
    add(
        f"Written by `make bench` (`scripts/bench`{' --quick' if c.quick else ''}) on "
        f"{results.started:%Y-%m-%d %H:%M} UTC; the whole run took "
        f"{results.seconds / 60:.1f} minutes. The machine is shared with other work, so "
        "absolute times are noisy: the ratios compare figures measured in the same run. "
        "Code: `tests/bench/` (entry point `tests/bench/run.py`)."
    )
    if c.quick:
        add("")
        add("> **Quick run** (small sizes, for development): not the figures of record.")
    add("")
    add("## Goals")
    add("")
    add("| goal | target | measured | verdict |")
    add("| --- | --- | --- | --- |")
    for goal, target, measured, verdict in headline(results):
        add(f"| {goal} | {target} | {measured} | {verdict} |")
    add("")
    if results.failures:
        add("Not measured or failed in this run:")
        add("")
        for failure in results.failures:
            add(f"- {failure}")
        add("")
    add("## Machine")
    add("")
    add("| | |")
    add("| --- | --- |")
    for key, value in machine.items():
        add(f"| {key} | {value} |")
    add(f"| PostgreSQL | {pg_version} |")
    if results.pouch_versions:
        add(f"| PouchDB peer | {results.pouch_versions} (npm, temporary folder) |")
    add("")
    _push(results, add)
    _push_concurrent(results, add)
    bench_load.render(results, add)
    _pull(results, add)
    _indicators(results, add)
    _photo(results, add)
    _app(results, add)
    _memory(results, add)
    _profile(results, add)
    _method(results, add)
    return "\n".join(out) + "\n"


def _push(results: Any, add: Any) -> None:
    c = results.config
    add("## 1. Push")
    add("")
    add(
        f"Records: waarnemingen of {results.record_bytes:.0f} bytes of JSON on average "
        f"(id, kind, version, payload with time, theme, hotspot, location, action, note). "
        f"The real sync client (`fieldapp/sync.py`, batches of {c.batch}) pushes its outbox "
        "to `python -m sync_server serve` running as its own process on 127.0.0.1; time is "
        "from the start of the sync to the last reply applied on the phone (the pull step "
        "of the sync is left out; see section 2 for pulling)."
    )
    add("")
    add(
        "| database | N | records/s | seconds | requests | bytes on the wire | bytes/record "
        "| × naive | × PouchDB | ÷ bare insert |"
    )
    add("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for p in results.push:
        pouch = results.pouch.get(p.n)
        add(
            f"| {_db(p.db)} | {_n(p.n)} | {_n(p.rate)} | {_s(p.seconds)} | {_n(p.requests)} "
            f"| {_n(p.bytes)} | {p.bytes / p.n:.0f} "
            f"| {_x(p.rate / p.naive_rate) if p.naive_rate else '–'} "
            f"| {_x(p.rate / pouch.rate) if pouch else '–'} "
            f"| {p.rate / p.bare_rate:.3f} |"
        )
    add("")
    add(
        f"**Naive client** (one record per request, keep-alive, same server and database; "
        f"for N > {_n(c.naive_cap)} measured on the first {_n(c.naive_cap)} records and the "
        "rate extrapolated):"
    )
    add("")
    add(
        "| database | N | measured on | records/s | seconds (extrapolated to N) | requests "
        "| bytes/record |"
    )
    add("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for p in results.push:
        if not p.naive_n:
            continue
        label = _n(p.naive_n) + (" (capped sample)" if p.naive_n < p.n else "")
        add(
            f"| {_db(p.db)} | {_n(p.n)} | {label} | {_n(p.naive_rate)} "
            f"| {_s(p.n / p.naive_rate)} | {_n(p.n)} | {p.naive_bytes / p.naive_n:.0f} |"
        )
    add("")
    add(
        "**Machine's limit**: the same rows the server writes per record (`record`, "
        "`recordversion`, `change`, plus the counter) inserted by a bare DB-API `executemany` "
        "in one transaction into a fresh database with the same schema and indexes:"
    )
    add("")
    add("| database | N | records/s | seconds |")
    add("| --- | ---: | ---: | ---: |")
    for p in results.push:
        add(f"| {_db(p.db)} | {_n(p.n)} | {_n(p.bare_rate)} | {_s(p.bare_seconds)} |")
    add("")
    add(
        "**PouchDB peer**: the same N documents (`_id` = record id, same JSON body) in a local "
        "PouchDB (LevelDB) replicated by `PouchDB.replicate` to express-pouchdb on loopback, "
        f"`batch_size` {c.batch}; server and client are separate node processes; bytes counted "
        "on the server's sockets."
    )
    add("")
    if results.pouch:
        add("| N | docs/s | seconds | requests | bytes on the wire | bytes/doc |")
        add("| ---: | ---: | ---: | ---: | ---: | ---: |")
        for n, r in sorted(results.pouch.items()):
            add(
                f"| {_n(n)} | {_n(r.rate)} | {_s(r.seconds)} | {_n(r.requests)} "
                f"| {_n(r.bytes)} | {r.bytes / n:.0f} |"
            )
    else:
        add("PouchDB was not measured in this run (see the failures above).")
    add("")


def _pull_limit() -> int:
    from fieldapp.sync import PULL_LIMIT

    return PULL_LIMIT


def _pull(results: Any, add: Any) -> None:
    add("## 2. First pull of a district")
    add("")
    add(
        "A new phone enrols and runs its first sync: the district's reference data "
        f"(districts, themes, hotspots) and the review state of its officer's "
        f"{_n(results.config.pull_records)} records already on the server, in pages of "
        f"{_pull_limit()} (`fieldapp.sync.PULL_LIMIT`)."
    )
    add("")
    add(
        "*Bare read* = one SQL statement over the raw driver connection that returns the "
        "same changes with the columns the pull sends for each (the officer's scope, "
        "left joins on the entity tables, in change order), best of three. Goal (issue 15): "
        "first pull ≤ 1 s and ≤ 10× the bare read."
    )
    add("")
    add(
        "| database | changes | seconds | changes/s | requests | bytes on the wire "
        "| bare read s | pull ÷ bare | CPU s (phone + server) | load |"
    )
    add("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for p in results.pull:
        add(
            f"| {_db(p.db)} | {_n(p.changes)} | {_s(p.seconds)} | {_n(p.changes / p.seconds)} "
            f"| {_n(p.requests)} | {_n(p.bytes)} | {_s(p.bare_seconds)} | {_x(p.ratio)} "
            f"| {_s(getattr(p, 'cpu', 0.0))} ({_s(getattr(p, 'phone_cpu', 0.0))} + "
            f"{_s(getattr(p, 'server_cpu', 0.0))}) | {getattr(p, 'load', 0.0):.1f} |"
        )
    add("")
    add(
        "*CPU s* is the CPU time of the phone's process and the server's process during "
        "the pull (PostgreSQL's own backend not included); *load* the 1-minute load average "
        "then. On a machine shared with other work the wall clock waits for a core; pages "
        "go one after the other, so on an idle machine the wall clock is about the CPU time "
        "plus the database's share."
    )
    add("")


def _indicators(results: Any, add: Any) -> None:
    add("## 3. Indicators")
    add("")
    add(
        "Synthetic records of one year (2025) over the five districts, all six kinds, "
        "themes, actions and feiten, with a payload. *Ours* = the nightly snapshot "
        "(`compute_snapshot`: every indicator per year × month × district × theme) plus "
        "the full indicator table of that year for each district (`indicator_table`, what "
        "a team leader opens). *Bare* = one `GROUP BY district, kind, theme, action, feit` "
        "over the year's rows, which holds every figure of the tables. Best of two rounds each."
    )
    add("")
    add(
        "| database | records | nightly snapshot s | 5 district tables s | ours total s "
        "| bare GROUP BY s | ours ÷ bare | set-up load s |"
    )
    add("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for r in results.indicators:
        add(
            f"| {_db(r.db)} | {_n(r.records)} | {_s(r.nightly_seconds)} "
            f"| {_s(r.tables_seconds)} | {_s(r.nightly_seconds + r.tables_seconds)} "
            f"| {_s(r.bare_seconds)} | {_x(r.ratio)} | {_s(r.load_seconds)} |"
        )
    add("")

    for r in results.indicators:
        if r.plans:
            add(
                f"{_db(r.db)} plans (`EXPLAIN ANALYZE`) of the snapshot's one grouped query and "
                "of the bare query, on the same rows:"
            )
            add("")
            add("```")
            add(r.plans)
            add("```")
            add("")


def _photo(results: Any, add: Any) -> None:
    add("## 4. Photo pipeline")
    add("")
    p = results.photo
    if p is None:
        add("Not measured (see failures).")
        add("")
        return
    add(
        f"A {p.input_size[0]}×{p.input_size[1]} camera JPEG ({p.input_bytes / 1024:.0f} KB, "
        "quality 92, EXIF with GPS, time, make and model) through `fieldapp.photos."
        "process_photo`: EXIF read, decoded, rotated, resized, re-encoded without metadata, "
        "thumbnail, checked clean."
    )
    add("")
    add("| median time | runs | stored size | stored pixels | thumbnail | GPS read from EXIF |")
    add("| ---: | --- | ---: | --- | ---: | --- |")
    add(
        f"| {p.seconds * 1000:.0f} ms | {', '.join(f'{t * 1000:.0f}' for t in p.seconds_all)} ms "
        f"| {p.output_bytes / 1024:.0f} KB | {p.output_size[0]}×{p.output_size[1]} "
        f"| {p.thumbnail_bytes / 1024:.0f} KB | {'yes' if p.gps_read else 'no'} |"
    )
    add("")


def _app(results: Any, add: Any) -> None:
    add("## 5. App")
    add("")
    s, v = results.start, results.save
    add("| measurement | result |")
    add("| --- | ---: |")
    if s is not None:
        add(
            "| `python -m fieldapp web` started → its web server answers "
            f"| {s.answers_seconds:.1f} s |"
        )
        add(
            f"| … → first usable screen in Chromium ({s.screen}; Playwright, "
            f"/usr/bin/chromium, 390×844) | {s.usable_seconds:.1f} s |"
        )
    else:
        add("| start to first usable screen | not measured (see failures) |")
    if v is not None:
        add(
            f"| save an entry with {_n(v.existing)} entries on the phone (`Store.save_entry`, "
            f"median of {v.saves}) | {v.median_ms:.1f} ms (p90 {v.p90_ms:.1f} ms) |"
        )
        add(f"| the same on an empty phone | {v.empty_median_ms:.1f} ms |")
    add("")


def _memory(results: Any, add: Any) -> None:
    add("## 6. Server memory")
    add("")
    add(
        "Resident set size of the `python -m sync_server serve` process, sampled every 20 ms "
        "with psutil during the push."
    )
    add("")
    add("| database | N | RSS before | peak RSS during push | growth |")
    add("| --- | ---: | ---: | ---: | ---: |")
    for p in results.push:
        add(
            f"| {_db(p.db)} | {_n(p.n)} | {_mb(p.base_rss)} | {_mb(p.peak_rss)} "
            f"| {_mb(p.peak_rss - p.base_rss)} |"
        )
    add("")


CORES = os.cpu_count() or 1


def concurrent_headline(results: Any) -> list[tuple[str, str, str, str]]:
    """Two server processes against one, and the counter lock's hold time."""
    runs = getattr(results, "push_concurrent", [])
    rows: list[tuple[str, str, str, str]] = []
    if not runs:
        return rows
    most = max(r.clients for r in runs)
    by = {(r.processes, r.clients): r for r in runs}
    one, two = by.get((1, most)), by.get((2, most))
    if one is not None and two is not None:
        ratio = two.rate / one.rate
        rows.append(
            (f"push, 2 server processes vs 1, PostgreSQL, {most} clients", f"≥ {GOAL_SCALE}×",
             _x(ratio), _verdict(ratio, GOAL_SCALE))
        )  # fmt: skip
    holds = sorted(h for r in runs for h in r.hold_ms)
    if holds:
        p95 = holds[min(len(holds) - 1, int(0.95 * len(holds)))]
        rows.append(
            ("change-counter lock held per 500-record push, PostgreSQL, p95 of all runs",
             f"≤ {GOAL_HOLD_MS:.0f} ms", f"{p95:.1f} ms",
             _verdict(p95, GOAL_HOLD_MS, at_least=False))
        )  # fmt: skip
    return rows


def _push_concurrent(results: Any, add: Any) -> None:
    runs = getattr(results, "push_concurrent", [])
    if not runs:
        return
    add("## 1b. Push from several phones at once (PostgreSQL)")
    add("")
    add(
        "Clients are officers of their own, each with an enrolled device, pushing batches of "
        "500 records over HTTP; client i talks to server process i mod P (separate uvicorn "
        "processes, one database). Every run pushes the same number of records in all, split "
        "over its clients. *Counter held* is the time from a push's update of the change "
        "counter to its commit: the server logs, in bench mode (`HV_BENCH_PUSH_TIMING=1`), "
        "when it got the lock (the database's clock) and the first change number it gave out, "
        f"and the commit's time is read from PostgreSQL ({_hold_source(runs)}). *Seen by the "
        "process* is until the server's thread had the reply of its COMMIT, which includes "
        "waiting for Python's interpreter lock after the lock was already released. The "
        "bench, the server processes and PostgreSQL share this machine's cores."
    )
    add("")
    add(
        "| server processes | clients | records | seconds | records/s | request p50 | "
        "request p95 | counter held p50 | p95 | max | seen by the process p95 | "
        "cores busy | server CPU s |"
    )
    add("|" + " ---: |" * 13)
    for r in runs:
        seen = sorted(r.seen_ms)
        seen_p95 = seen[min(len(seen) - 1, int(0.95 * len(seen)))] if seen else float("nan")
        add(
            f"| {r.processes} | {r.clients} | {_n(r.records)} | {_s(r.seconds)} | {_n(r.rate)} "
            f"| {r.request_p50:.2f} s | {r.request_p95:.2f} s | {r.hold(0.5):.1f} ms "
            f"| {r.hold(0.95):.1f} ms | {max(r.hold_ms, default=float('nan')):.1f} ms "
            f"| {seen_p95:.1f} ms | {r.cores_busy:.2f} of {CORES} | {r.server_cpu_seconds:.1f} |"
        )
    add("")
    add(
        "*Cores busy*: the whole machine's busy cores, averaged over the run (the bench's "
        "clients, the server processes and PostgreSQL); *server CPU s*: the CPU time of the "
        "server processes. A second process can only add throughput where cores are idle."
    )
    add("")


def _hold_source(runs: list[Any]) -> str:
    if all(r.hold_measured_in == "database" for r in runs):
        return "`pg_xact_commit_timestamp`, with `track_commit_timestamp` on"
    return (
        "**not available in this run**: `track_commit_timestamp` was off, so the hold "
        "columns show the time seen by the process"
    )


def _profile(results: Any, add: Any) -> None:
    add("## Where the push time goes")
    add("")
    if results.push:
        add(
            "The phone's work that is not hidden behind a request (push time minus the time "
            "a request was under way) and the time with a request under way (server work "
            "plus loopback), per N. The phone reads the next batch and writes the verdicts "
            "on the last while a request is under way (`fieldapp/sync.py`, one batch ahead), "
            "so most of its work is in the second column's time, not the first's:"
        )
        add("")
        add(
            "| database | N | phone, not overlapped, ms/record "
            "| request under way (server + loopback) ms/record |"
        )
        add("| --- | ---: | ---: | ---: |")
        for p in results.push:
            add(
                f"| {_db(p.db)} | {_n(p.n)} | {(p.seconds - p.http_seconds) * 1000 / p.n:.2f} "
                f"| {p.http_seconds * 1000 / p.n:.2f} |"
            )
        add("")
    for p in results.push:
        if p.n == max(q.n for q in results.push):
            phone = p.seconds - p.http_seconds
            add(
                f"- {_db(p.db)}, N={_n(p.n)}: of {_s(p.seconds)} s, {_s(p.http_seconds)} s "
                f"({p.http_seconds / p.seconds:.0%}) has a request under way (server work "
                f"plus loopback, with the phone's work beside it), {_s(phone)} s "
                f"({phone / p.seconds:.0%}) is phone work with no request under way (the "
                "first batch's read, the last batch's verdicts)."
            )
    add("")
    _findings(results, add)
    for kind, (seconds, text, parts) in results.profile.items():
        n = results.config.profile_records
        add(
            f"The server's push service (`sync_server.services.push.push_records`) run "
            f"in-process under cProfile on {_db(kind)}, {_n(n)} records in batches of "
            f"{results.config.batch} ({_n(n / seconds)} records/s with the profiler on): top "
            "entries by cumulative and by own time."
        )
        add("")
        _parts(add, seconds, parts)
        add("```")
        add(text)
        add("```")
        add("")

    for kind, (seconds, text, parts) in results.client_profile.items():
        n = results.config.profile_records
        add(
            f"The phone's side of the same push (the real `SyncClient`, {_db(kind)} server in "
            f"its own process) under cProfile, {_n(n)} records, {_s(seconds)} s with the "
            "profiler on: the entries of `fieldapp` and the ORM session calls they make."
        )
        add("")
        _parts(add, seconds, parts)
        add("```")
        add(text)
        add("```")
        add("")


def _findings(results: Any, add: Any) -> None:
    """What costs the time, with the shares of this run's profiles."""
    client = next(iter(results.client_profile.values()), None)
    server = next(iter(results.profile.values()), None)
    if client is None or server is None:
        return
    c_seconds, _t, c = client
    s_seconds, _t, srv = server
    apply = c.get("applying the replies (Store.apply_push_results)", 0.0) / c_seconds
    outgoing = c.get("reading the outbox (Store.outgoing)", 0.0) / c_seconds
    waiting = c.get("HTTP request and waiting for the reply", 0.0) / c_seconds
    validate = srv.get("validating the batch (pydantic)", 0.0) / s_seconds
    write = srv.get("writing (bulk Core statements)", 0.0) / s_seconds
    decide = srv.get("deciding each record (in memory)", 0.0) / s_seconds
    add("What costs the time, from the two profiles below:")
    add("")
    add(
        f"- **The phone**: `Store.outgoing` takes {outgoing:.0%} of the client's profiled "
        f"time and `Store.apply_push_results` {apply:.0%}; both handle a batch with one "
        "`IN` query per table and one bulk `UPDATE`/`DELETE`, and the outbox is read in send "
        "order through an index (phone schema step 2). The rest, "
        f"{waiting:.0%}, is the request: sending, the server's work, and the reply. Since "
        "the phone sends batch n+1 before it writes the verdicts on batch n, its two parts "
        "run while the server works, on the other core."
    )
    add(
        f"- **The server**: validating the batch (one pydantic call) takes {validate:.0%} of "
        f"the push service, deciding each record in memory {decide:.0%}, and writing with "
        f"bulk Core statements (no ORM object per record) {write:.0%}. (A server "
        "process also freezes its start-up objects out of the garbage collector's way, "
        "`sync_server/heap.py`; this in-process profile runs without that.) cProfile "
        "inflates pydantic's share: every call from pydantic's core back into Python (a "
        "model's validator) is hooked; timed without the profiler, validating a 500-record "
        "batch takes about a third of what the table says."
    )
    add(
        "- **Against PouchDB and the bare insert** the gap is per record, not per request: "
        "requests are already few (one per 500 records)."
    )
    add(
        "- **Many phones at once** (sections 1b and 1c): the change counter is no longer "
        "where pushes queue. Its lock is taken by the last statement of a push, and on "
        "PostgreSQL that statement and the COMMIT go to the database in one pipeline "
        "(`sync_server/services/changes.py`), so the database releases the lock about a "
        "millisecond after taking it, whatever the process does next (before, the holding "
        "thread first had to win Python's interpreter lock back from the process's other "
        "request threads to send COMMIT: 40-65 ms at p95 with 4 clients). What limits "
        "throughput now is CPU: one process runs Python on one core at a time (with 4 "
        "clients it keeps about one core busy), two processes fill both cores of this "
        "machine together with PostgreSQL and the clients (the *cores busy* column), so "
        "a second process adds what the idle part of the machine allows. With 200 phones "
        "a request waits behind the others queued at its process: the load is ~800 "
        "requests at once, and each costs the server several milliseconds of CPU (its "
        "`make load` summary gives the server's CPU time per request)."
    )
    add(
        "- **First pull**: the phone asks for page n+1 while it applies page n "
        "(`fieldapp/sync.py`, one request ahead), so the wall clock is about the server's "
        "CPU time (the CPU column) plus the last page's apply, not their sum. On the server a "
        "page is one statement over the change log with the entity tables joined, read in one "
        "driver call (on PostgreSQL only after the tables have statistics: before autovacuum "
        "analyses a freshly loaded table the planner's plans were 5 times slower, so the "
        "bench analyses after loading); what separates the pull from the bare read is the "
        "per-change Python around it: building each change's dict, typing the page with the "
        "wire models (one validator call, sync-protocol.md property 10), JSON both ways, "
        "and the phone's validation and writes."
    )
    add("")


def _parts(add: Any, seconds: float, parts: dict[str, float]) -> None:
    add("| part (cumulative, may overlap) | seconds | share |")
    add("| --- | ---: | ---: |")
    for label, value in parts.items():
        add(f"| {label} | {_s(value)} | {value / seconds:.0%} |")
    add("")


def _method(results: Any, add: Any) -> None:
    add("## How it is measured")
    add("")
    add(
        "- Every server run is a fresh database: a SQLite file in a temp folder, or a "
        "database of the bench's own on the PostgreSQL server of `scripts/postgres-test-server` "
        "(127.0.0.1:55432, started with `fsync=off`, which favours PostgreSQL's absolute "
        "figures but the same for ours and for the bare insert), created and dropped by the "
        "bench."
    )
    add(
        "- Bytes on the wire: for our client and the naive client, the HTTP/1.1 request line, "
        "headers and body plus status line, headers and body, counted in an httpx transport; "
        "for PouchDB, the bytes read and written by the server's sockets. TCP/IP framing is "
        "not counted on either side."
    )
    add(
        "- The phone's outbox is filled in bulk before the timer starts (saving is measured "
        "apart in section 5); the phone has enrolled and pulled its reference data first."
    )
    add(
        "- Run it again: `make bench` (about a quarter of an hour; `scripts/bench --quick` "
        "for a smoke run with small sizes; `scripts/bench --only push,indicators` for parts)."
    )
