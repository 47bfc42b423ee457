"""Prometheus metrics: requests, latencies, sync work, the nightly job.

With several worker processes (`serve --workers N`), each process counts its
own requests; set PROMETHEUS_MULTIPROC_DIR (serve --workers does) and /metrics
adds up every worker's files (prometheus-client's multiprocess mode). Without
it, /metrics shows the process that answered. Figures about the database (the
last nightly run, phones not synced) are read from the database at scrape
time, so every process reports the same.

No label holds personal data: routes are templates (`/api/v1/blobs/{sha256}`),
never paths with ids or hashes.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
    write_to_textfile,
)

REQUESTS = Counter(
    "hv_http_requests_total", "HTTP requests answered", ["method", "route", "status"]
)
LATENCY = Histogram(
    "hv_http_request_duration_seconds",
    "Time to answer a request",
    ["method", "route"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
PUSH_RECORDS = Counter("hv_push_records_total", "Pushed records by outcome", ["outcome"])
PULL_PAGES = Counter("hv_pull_pages_total", "Pull pages served")
NIGHTLY_RUNS = Counter("hv_nightly_runs_total", "Nightly runs by result", ["result"])
NIGHTLY_DURATION = Gauge(
    "hv_nightly_last_duration_seconds", "Duration of the last nightly run", ["result"]
)
CONTENT_TYPE = CONTENT_TYPE_LATEST


def multiprocess_dir() -> str | None:
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None


def record_request(method: str, route: str, status: int, seconds: float) -> None:
    REQUESTS.labels(method, route, str(status)).inc()
    LATENCY.labels(method, route).observe(seconds)


def record_push(outcomes: Iterable[str]) -> None:
    for outcome in outcomes:
        PUSH_RECORDS.labels(outcome).inc()


def record_pull_page() -> None:
    PULL_PAGES.inc()


def record_nightly(result: str, seconds: float) -> None:
    NIGHTLY_RUNS.labels(result).inc()
    NIGHTLY_DURATION.labels(result).set(seconds)


def write_textfile(path: Path) -> None:
    """For the nightly job as a one-shot process: node_exporter's textfile
    collector picks this file up (see deploy/systemd)."""
    write_to_textfile(str(path), _registry())


def _registry() -> CollectorRegistry:
    if multiprocess_dir():
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return registry
    from prometheus_client import REGISTRY

    return REGISTRY


def exposition(database_lines: str = "") -> bytes:
    """The text /metrics answers: this process's (or all workers') metrics,
    then the figures read from the database."""
    return generate_latest(_registry()) + database_lines.encode()
