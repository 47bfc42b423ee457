"""Many phones syncing at once against the real server process on PostgreSQL:
no errors, every record exactly once, change numbers without gaps.

The CI variant of `make load` (scripts/loadgen.py, results in docs/load.md):
the same 200 phones at once, each with two pushes of 10 records and pulls to the
end, so that it fits in about a minute on a CI machine. PostgreSQL only: on
SQLite one writer at a time is the design, and the suite's PostgreSQL pass
(`make test`) runs it.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))

from loadgen import run_load  # noqa: E402

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        not os.environ.get("TEST_DATABASE_URL"),
        reason="load test needs PostgreSQL (TEST_DATABASE_URL); the PostgreSQL pass runs it",
    ),
]
DEVICES, BATCHES, PER_BATCH = 200, 2, 10


def test_200_phones_sync_at_once_without_errors(engine, tmp_path):
    url = engine.url.render_as_string(hide_password=False)
    engine.dispose()  # the server process gets the connections
    result = run_load(url, devices=DEVICES, batches=BATCHES, per_batch=PER_BATCH, work=tmp_path)
    print("\n" + result.summary())
    assert result.devices == DEVICES
    assert result.errors == 0, result.error_samples
    assert result.records_stored == result.records_sent == DEVICES * BATCHES * PER_BATCH
    assert result.duplicates == 0
    assert result.change_gaps == 0
    assert result.pull_order_faults == 0
    assert result.server_rss_peak_mb > 0


def test_200_phones_through_nginx_in_front_of_two_processes_without_errors(engine, tmp_path):
    """As Haarlem runs it: nginx (deploy/nginx/handhaving.conf) spreads the phones
    over two server processes on one database."""
    url = engine.url.render_as_string(hide_password=False)
    engine.dispose()
    result = run_load(
        url,
        devices=DEVICES,
        batches=BATCHES,
        per_batch=PER_BATCH,
        work=tmp_path,
        servers=2,
        proxy=True,
    )
    print("\n" + result.summary())
    assert (result.servers, result.proxy) == (2, "nginx")
    assert result.errors == 0, result.error_samples
    assert result.records_stored == result.records_sent == DEVICES * BATCHES * PER_BATCH
    assert result.duplicates == 0 and result.change_gaps == 0
    assert result.pull_order_faults == 0
    # $upstream_addr lists every process a request was tried on ("a, b" after a retry).
    upstreams = (tmp_path / "nginx" / "access.log").read_text().replace(",", " ").split()
    used = {word for word in upstreams if word.startswith("127.0.0.1:")}
    assert len(used) == 2, "nginx sent work to both processes"
