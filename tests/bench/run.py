"""`make bench`: run every benchmark and write docs/benchmarks.md.

    .venv/bin/python tests/bench/run.py [--quick] [--only push,pull,...] [--out FILE]

--quick uses small sizes (for development); the full run takes about a quarter
of an hour on a 2-core machine. Every part is run on its own: one that fails is
reported as failed in the table and the rest still runs.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parents[1]))

from bench_common import (  # noqa: E402
    PG_ADMIN_URL_DEFAULT,
    REPO,
    machine,
    make_records,
    postgres_version,
    rmtree,
    tempdir,
    wire_size,
)

PARTS = ("push", "pull", "indicators", "photo", "app", "load", "profile")


@dataclass
class Config:
    sizes: list[int]
    naive_cap: int
    pull_records: int
    indicator_records: int
    profile_records: int
    databases: list[str]
    indicator_databases: list[str]
    batch: int
    quick: bool
    concurrent_records: int = 40_000  # per run of the concurrent push (PostgreSQL)


@dataclass
class Results:
    started: datetime
    config: Config
    push: list[Any] = field(default_factory=list)
    push_concurrent: list[Any] = field(default_factory=list)
    load: list[Any] = field(default_factory=list)
    pouch: dict[int, Any] = field(default_factory=dict)
    pouch_versions: str = ""
    pull: list[Any] = field(default_factory=list)
    indicators: list[Any] = field(default_factory=list)
    photo: Any = None
    start: Any = None
    save: Any = None
    profile: dict[str, tuple[float, str, dict[str, float]]] = field(default_factory=dict)
    client_profile: dict[str, tuple[float, str, dict[str, float]]] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)
    seconds: float = 0.0
    record_bytes: float = 0.0


def attempt(results: Results, what: str, step: Callable[[], Any]) -> Any:
    print(f"-- {what}", flush=True)
    started = time.perf_counter()
    try:
        value = step()
    except Exception as exc:  # noqa: BLE001 - reported in the document
        traceback.print_exc()
        results.failures.append(f"{what}: {type(exc).__name__}: {str(exc)[:300]}")
        return None
    print(f"   {time.perf_counter() - started:.1f} s: {value}", flush=True)
    return value


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small sizes, for development")
    parser.add_argument("--only", default=",".join(PARTS), help="comma-separated parts")
    parser.add_argument("--out", default=str(REPO / "docs" / "benchmarks.md"))
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--render-only", action="store_true", help="re-render the last results")
    args = parser.parse_args(argv)
    if args.render_only:
        import pickle

        from bench_report import render

        saved = Path(tempfile.gettempdir()) / "handhaving-bench-results.pickle"
        results, info, pg_info = pickle.loads(saved.read_bytes())
        Path(args.out).write_text(render(results, info, pg_info), encoding="utf-8")
        print(f"written: {args.out}")
        return 0
    parts = set(args.only.split(","))
    from fieldapp.sync import BATCH_SIZE

    pg = not args.no_postgres and bool(os.environ.get("BENCH_PG_URL"))
    databases = ["sqlite", "postgresql"] if pg else ["sqlite"]
    if args.quick:
        config = Config(
            [500, 2000], 300, 2000, 50_000, 500, databases, databases, BATCH_SIZE, True, 4000
        )
    else:
        config = Config(
            [1000, 10_000, 100_000], 1000, 20_000, 1_000_000, 3000, databases, databases,
            BATCH_SIZE, False,
        )  # fmt: skip
    results = Results(datetime.now(UTC), config)
    if not pg:
        results.failures.append("PostgreSQL: BENCH_PG_URL not set, PostgreSQL runs left out")
    workdir = tempdir("bench-")
    wall = time.perf_counter()
    try:
        run_parts(results, parts, workdir)
    finally:
        rmtree(workdir)
    results.seconds = time.perf_counter() - wall
    import pickle

    saved = Path(tempfile.gettempdir()) / "handhaving-bench-results.pickle"
    saved.write_bytes(pickle.dumps((results, machine(), pg_version(pg))))
    print(f"raw results: {saved} (`--render-only` writes the document again from them)")
    from bench_report import render

    Path(args.out).write_text(render(results, machine(), pg_version(pg)), encoding="utf-8")
    print(f"written: {args.out} ({results.seconds / 60:.1f} min)")
    return 0


def pg_version(pg: bool) -> str:
    if not pg:
        return "not run"
    from sync_server.db import normalise_url

    return postgres_version(normalise_url(os.environ.get("BENCH_PG_URL", PG_ADMIN_URL_DEFAULT)))


def run_parts(results: Results, parts: set[str], workdir: Path) -> None:
    config = results.config
    biggest = max(config.sizes)
    all_records = make_records(biggest)
    results.record_bytes = wire_size(all_records)
    if "photo" in parts:
        from bench_photo import run_photo

        results.photo = attempt(results, "photo", run_photo)
    if "app" in parts:
        from bench_app import run_save, run_start

        results.start = attempt(results, "app start", lambda: run_start(workdir / "start"))
        results.save = attempt(results, "app save", lambda: run_save(workdir / "save"))
    if "push" in parts:
        from bench_pouch import install, replicate
        from bench_push import run_push

        for kind in config.databases:
            for n in config.sizes:
                records = all_records[:n]
                naive = min(n, config.naive_cap)
                value = attempt(
                    results,
                    f"push {kind} N={n}",
                    lambda k=kind, r=records, v=naive: run_push(  # type: ignore[misc]
                        k, r, workdir / f"push-{k}-{len(r)}", v
                    ),
                )
                if value is not None:
                    results.push.append(value)
                rmtree(workdir / f"push-{kind}-{n}")
        if "postgresql" in config.databases:
            from bench_push_concurrent import run_concurrent_push

            value = attempt(
                results,
                "push, 1/2/4 clients against 1/2 server processes, postgresql",
                lambda: run_concurrent_push(
                    workdir / "push-concurrent", records_per_run=config.concurrent_records
                ),
            )
            if value is not None:
                results.push_concurrent = value
            rmtree(workdir / "push-concurrent")
        installed = attempt(results, "npm install pouchdb-node express-pouchdb", install)
        if installed is not None:
            folder, results.pouch_versions = installed
            try:
                for n in config.sizes:
                    value = attempt(
                        results,
                        f"pouchdb N={n}",
                        lambda n=n: replicate(folder, all_records[:n], config.batch),  # type: ignore[misc]
                    )
                    if value is not None:
                        results.pouch[n] = value
            finally:
                rmtree(folder)
    if "pull" in parts:
        from bench_pull import run_pull

        for kind in config.databases:
            value = attempt(
                results,
                f"pull {kind}",
                lambda k=kind: run_pull(k, config.pull_records, workdir / f"pull-{k}"),  # type: ignore[misc]
            )
            if value is not None:
                results.pull.append(value)
    if "indicators" in parts:
        from bench_indicators import run_indicators

        for kind in config.indicator_databases:
            value = attempt(
                results,
                f"indicators {kind}",
                lambda k=kind: run_indicators(  # type: ignore[misc]
                    k, config.indicator_records, workdir / f"ind-{k}"
                ),
            )
            if value is not None:
                results.indicators.append(value)
            rmtree(workdir / f"ind-{kind}")
    if "load" in parts and "postgresql" in config.databases:
        from bench_load import run_load_comparison

        value = attempt(
            results,
            "200 phones at once through nginx, 1 and 2 server processes, postgresql",
            lambda: run_load_comparison(os.environ["BENCH_PG_URL"]),
        )
        if value is not None:
            results.load = value
    if "profile" in parts:
        from bench_push import profile_client_push, profile_server_push

        for kind in config.databases[:1]:
            value = attempt(
                results,
                f"profile push {kind}",
                lambda k=kind: profile_server_push(  # type: ignore[misc]
                    k,
                    make_records(config.profile_records, seed=77),
                    workdir / f"prof-{k}",
                    config.batch,
                ),
            )
            if value is not None:
                results.profile[kind] = value
            value = attempt(
                results,
                f"profile phone push {kind}",
                lambda k=kind: profile_client_push(  # type: ignore[misc]
                    k, make_records(config.profile_records, seed=78), workdir / f"profc-{k}"
                ),
            )
            if value is not None:
                results.client_profile[kind] = value


if __name__ == "__main__":
    sys.exit(main())
