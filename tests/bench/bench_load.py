"""The 200-phone load test as part of `make bench` (issue 15): the same load
generator as `make load` (scripts/loadgen.py), through nginx in front of one and
of two server processes on PostgreSQL, each on a database of its own.

Shared with `make load` so that the two never disagree on what "200 phones at
once" means; the bench runs fewer pushes per phone (2 of 20 records) to keep
its run short, and reports p95 latencies, throughput and errors per process count.
"""

from __future__ import annotations

import sys
from typing import Any

from bench_common import REPO
from bench_format import mb, n, s, verdict

sys.path.insert(0, str(REPO / "scripts"))

GOAL_LOAD_P95_S = 1.0  # 200 phones at once: p95 of a push (issue 15)
DEVICES = 200
BATCHES = 2
PER_BATCH = 20


def run_load_comparison(pg_url: str, processes: tuple[int, ...] = (1, 2)) -> list[Any]:
    """One LoadResult per number of server processes, all through nginx."""
    import loadgen

    runs = []
    for count in processes:
        with loadgen.scratch_database(pg_url) as database_url:
            runs.append(
                loadgen.run_load(
                    database_url,
                    devices=DEVICES,
                    batches=BATCHES,
                    per_batch=PER_BATCH,
                    servers=count,
                    proxy=True,
                )
            )
    return runs


def headline(results: Any) -> list[tuple[str, str, str, str]]:
    """200 phones at once: p95 of a push, and errors, per number of processes."""
    rows: list[tuple[str, str, str, str]] = []
    for run in getattr(results, "load", []):
        p95 = run.latency_ms.get("push", {}).get("p95", float("nan")) / 1000
        where = f"{run.devices} phones at once, {run.servers} process(es) behind nginx"
        rows.append(
            (f"{where}, p95 push", f"≤ {GOAL_LOAD_P95_S:.0f} s", f"{p95:.2f} s",
             verdict(p95, GOAL_LOAD_P95_S, at_least=False))
        )  # fmt: skip
        errors = run.errors + run.duplicates + run.change_gaps + run.pull_order_faults
        rows.append(
            (f"{where}, errors + duplicates + gaps", "0", str(errors),
             "**met**" if errors == 0 else "**missed**")
        )  # fmt: skip
    return rows


def render(results: Any, add: Any) -> None:
    runs = getattr(results, "load", [])
    if not runs:
        return
    add("## 1c. 200 phones at once (PostgreSQL, through nginx)")
    add("")
    add(
        "The load generator of `make load` (`scripts/loadgen.py`): every phone enrolled, then "
        f"all sync at the same moment, {runs[0].batches_per_device} pushes of "
        f"{runs[0].records_per_batch} records each, every push followed by pulls to the end; "
        "nginx (`deploy/nginx/handhaving.conf`) in front of one and of two `serve` processes. "
        "Latency is what a phone saw, queueing included. The load generator, nginx, the "
        "server processes and PostgreSQL share this machine's cores. `make load` runs the "
        "longer version (5 pushes per phone) into `docs/load.md`."
    )
    add("")
    add(
        "| server processes | phones | records | seconds | records/s | push p50 | push p95 "
        "| pull p95 | errors | dropped connections, sent again | peak RSS |"
    )
    add("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for r in runs:
        push, pull = r.latency_ms.get("push", {}), r.latency_ms.get("pull", {})
        add(
            f"| {r.servers} | {r.devices} | {n(r.records_stored)} | {s(r.seconds)} "
            f"| {n(r.records_per_s)} | {push.get('p50', 0) / 1000:.2f} s "
            f"| {push.get('p95', 0) / 1000:.2f} s | {pull.get('p95', 0) / 1000:.2f} s "
            f"| {r.errors} | {getattr(r, 'resent', 0)} "
            f"| {mb(r.server_rss_peak_mb * 1024 * 1024)} |"
        )
    if len(runs) >= 2 and runs[0].records_per_s:
        add("")
        add(
            f"Two processes against one: {runs[1].records_per_s / runs[0].records_per_s:.2f}× "
            "the records per second."
        )
    add("")
