"""The phone sends the next push batch while it writes the verdicts on the last.

What must hold: batch n+1 goes out before the verdicts on batch n are written
(the server works on one batch while the phone reads and writes the other),
no record is in two batches of one sync, every verdict lands on its own entry,
and a batch that fails keeps the verdicts before it: its own records and those
after it stay queued, and the next sync sends each of them once.
"""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from enrolled import enrolled_phone
from sqlmodel import Session, col, func, select

from fieldapp import models as m
from fieldapp import sync as sync_module
from fieldapp.sync import SyncClient
from sync_server.models import Record

BATCH = 5
ENTRIES = 17  # four batches, the last one short


class PushWatcher(httpx.BaseTransport):
    """Passes requests to the real server; notes the record ids of every push
    as it goes out, and can answer one push (by its number) with a 503."""

    def __init__(self) -> None:
        self.inner = httpx.HTTPTransport()
        self.batches: list[list[str]] = []
        self.second_sent = threading.Event()
        self.fail_push: int | None = None

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if not request.url.path.endswith("/sync/push"):
            return self.inner.handle_request(request)
        ids = [record["id"] for record in json.loads(request.read())["records"]]
        self.batches.append(ids)
        if len(self.batches) >= 2:
            self.second_sent.set()
        if self.fail_push == len(self.batches):
            return httpx.Response(503, json={"code": "unavailable", "message": "even niet"})
        return self.inner.handle_request(request)


@pytest.fixture
def watcher() -> PushWatcher:
    return PushWatcher()


@pytest.fixture
def phone(tmp_path, server, engine, settings, watcher, monkeypatch) -> SyncClient:
    monkeypatch.setattr(sync_module, "BATCH_SIZE", BATCH)
    client = enrolled_phone(
        tmp_path / "phone", server, engine, settings, watcher, username="vooruit2"
    )
    first = client.sync()  # the district's reference data
    assert first.ok, first.error
    hotspot = client.store.hotspots(districts=["noord"])[0].code
    for persons in range(ENTRIES):
        client.store.save_entry(
            "waarneming",
            {
                "observed_at": datetime.now(UTC).isoformat(),
                "theme": "afval",
                "hotspot": hotspot,
                "persons": persons,
                "action": "aanspreken",
            },
        )
    return client


def _statuses(phone: SyncClient) -> dict[str, str]:
    with Session(phone.store.engine) as session:
        return dict(session.exec(select(m.Entry.id, m.Entry.status)).all())  # type: ignore[call-overload]


def _on_server(engine: Any) -> int:
    with Session(engine) as session:
        return int(session.exec(select(func.count()).select_from(Record)).one())


def test_the_next_batch_goes_out_before_the_verdicts_on_the_last_are_written(phone, watcher):
    store = phone.store
    apply = store.apply_push_results
    seen_ahead: list[bool] = []

    def watched_apply(results: list[dict[str, Any]]) -> dict[str, int]:
        if not seen_ahead:
            # The first verdicts wait here until the second batch has gone out
            # (a generous wait: it is sent at once when the read-ahead works).
            seen_ahead.append(watcher.second_sent.wait(timeout=30))
        return apply(results)

    store.apply_push_results = watched_apply  # type: ignore[method-assign]
    report = phone.sync()

    assert report.ok, report.error
    assert seen_ahead == [True]
    assert [len(b) for b in watcher.batches] == [5, 5, 5, 2]
    sent = [entry_id for batch in watcher.batches for entry_id in batch]
    assert len(sent) == len(set(sent)) == ENTRIES  # no record in two batches
    assert report.accepted == ENTRIES
    assert set(_statuses(phone).values()) == {m.GEACCEPTEERD}
    assert store.pending_count() == 0


def test_a_failed_batch_keeps_the_verdicts_before_it_and_the_rest_stays_queued(
    phone, watcher, engine
):
    before = _on_server(engine)
    watcher.fail_push = 2
    report = phone.sync()

    assert report.error is not None and report.error.code == "server_error"
    first, second = watcher.batches[0], watcher.batches[1]
    statuses = _statuses(phone)
    assert {statuses[i] for i in first} == {m.GEACCEPTEERD}
    assert phone.store.pending_count() == ENTRIES - BATCH
    with Session(phone.store.engine) as session:
        noted = session.exec(
            select(m.Outbox.entry_id).where(col(m.Outbox.last_error).is_not(None))
        ).all()
    assert set(noted) == set(second)  # the failed batch says why it waits
    assert _on_server(engine) == before + BATCH

    watcher.fail_push = None
    watcher.batches.clear()
    healed = phone.sync()
    assert healed.ok, healed.error
    resent = [entry_id for batch in watcher.batches for entry_id in batch]
    assert len(resent) == len(set(resent)) == ENTRIES - BATCH
    assert set(resent).isdisjoint(first)
    assert set(_statuses(phone).values()) == {m.GEACCEPTEERD}
    assert _on_server(engine) == before + ENTRIES
