"""Receiving a batch of records from a phone.

Properties (sync-protocol.md): a re-sent record is harmless (accepted again, with
the same outcome); the same id and version with other content is a conflict and
the server's copy goes back; an invalid record is rejected with a reason while
the rest of the batch lands; nothing is half-written; the highest version of a
record is its current one; the change log's lock is held only at the very end.

How, in three steps of a module each: the batch is validated before the database
is touched (push_validate.py), decided in memory against what was committed
(push_decide.py), and written with bulk statements in one transaction that ends
by stamping the change numbers (push_write.py). If a concurrent push wrote the
same records in between, or PostgreSQL reports a deadlock or serialisation
failure, the attempt is rolled back whole and the batch is decided again against
what is now committed, where the other push's rows make these re-sends.
"""

from __future__ import annotations

import logging
import os
from typing import Any

from pydantic import TypeAdapter
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError, OperationalError

from sync_protocol import ErrorCode, PushItemResult
from sync_server.db import session_scope, utcnow
from sync_server.errors import ServiceError
from sync_server.models import Device, User
from sync_server.services.changes import LockTiming
from sync_server.services.push_decide import Verdict, decide
from sync_server.services.push_validate import validate_batch
from sync_server.services.push_write import hotspot_spots, read_context, write_plan

__all__ = ["DEFAULT_NEAREST_HOTSPOT_M", "MAX_ATTEMPTS", "hotspot_spots", "push_records"]

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 5
DEFAULT_NEAREST_HOTSPOT_M = 250.0
# Set by the benchmark (tests/bench): one log line per push with the moment the
# change counter was locked (on PostgreSQL the database's clock: the bench runs it
# on this machine), the time until this process saw the commit, and the first
# change number, by which the bench finds the commit's own time in PostgreSQL.
# Counts and times only.
TIMING_ENV = "HV_BENCH_PUSH_TIMING"
# A batch's verdicts typed in one call (see push_decide.result).
_VERDICTS: TypeAdapter[list[PushItemResult]] = TypeAdapter(list[PushItemResult])


def push_records(
    engine: Engine,
    *,
    user: User,
    device: Device,
    districts: list[str],
    items: list[Any],
    key: bytes,
    max_batch: int,
    nearest_hotspot_m: float = DEFAULT_NEAREST_HOTSPOT_M,
    text_checked: bool = False,
) -> list[PushItemResult]:
    """Validate, decide and write a batch; a verdict per record, in order.
    `text_checked`: the caller found no text in the batch that a database cannot
    store (the request's bytes were scanned), so validation need not look."""
    if len(items) > max_batch:
        raise ServiceError(
            ErrorCode.BATCH_TOO_LARGE,
            f"Te veel records in één keer ({len(items)}); maximaal {max_batch} per verzoek.",
        )
    assert user.id is not None
    valid, rejections = validate_batch(items, key, text_checked=text_checked)
    results: dict[int, PushItemResult | Verdict] = {r.index: r for r in rejections}
    if not valid:
        return sorted(rejections, key=lambda r: r.index)
    ids = sorted({v.id for v in valid})
    timing = LockTiming()
    for attempt in range(1, MAX_ATTEMPTS + 1):
        timing = LockTiming()
        try:
            with session_scope(engine) as session:
                ctx = read_context(
                    session,
                    user_id=user.id,
                    device_id=device.id,
                    districts=districts,
                    ids=ids,
                    now=utcnow(),
                )
                plan = decide(ctx, valid, key)
                written = write_plan(
                    session, ctx, plan, nearest_hotspot_m=nearest_hotspot_m, timing=timing
                )
            break
        except (IntegrityError, OperationalError) as exc:
            # A concurrent push of the same ids, or a deadlock/serialisation
            # failure on PostgreSQL: nothing of ours was written; decide again.
            if attempt == MAX_ATTEMPTS:
                raise
            log.info("push retry %d after %s", attempt, type(exc).__name__)
    if timing.locked_at and timing.commit_seen_at and os.environ.get(TIMING_ENV) == "1":
        held_ms = (timing.commit_seen_at - timing.locked_at) * 1000
        log.warning(
            "push-timing records=%d counter_lock_ms=%.2f first_seq=%d locked_at=%.6f",
            len(items),
            held_ms,
            timing.first_seq,
            timing.locked_at,
        )
    results.update(plan.results)
    results.update(written)
    return _VERDICTS.validate_python([results[i] for i in sorted(results)])
