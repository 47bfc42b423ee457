"""A push reply is applied in bulk: every verdict lands on its own entry, in one
transaction, with what applying them one by one gave."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from typing import Any

import pytest
from phone_reference import REFERENCE

from fieldapp import models as m
from fieldapp.db import open_database
from fieldapp.store import Store


@pytest.fixture
def store(tmp_path) -> Store:
    s = Store(open_database(tmp_path / "phone.db"), tmp_path / "photos")
    s.apply_pull_page(REFERENCE, next_since=len(REFERENCE))
    return s


def _payload(**extra: Any) -> dict[str, Any]:
    return {
        "observed_at": datetime.now(UTC).isoformat(),
        "theme": "afval",
        "hotspot": "noord-a",
        "persons": 1,
        "action": "aanspreken",
    } | extra


def test_a_reply_of_mixed_verdicts_lands_on_each_entry(store, tmp_path):
    ok, refused, clash, edited, untouched = (
        store.save_entry("waarneming", _payload()).id for _ in range(5)
    )
    store.mark_attempt([edited])
    store.update_entry(edited, _payload(persons=3))  # version 2 is queued now
    before = store.entry(untouched)

    counts = store.apply_push_results(
        [
            {"index": 0, "id": ok, "version": 1, "status": "accepted"},
            {
                "index": 1,
                "id": refused,
                "version": 1,
                "status": "rejected",
                "code": "invalid_record",
                "message": "Aantal personen: te groot",
            },
            {"index": 2, "id": clash, "version": 1, "status": "conflict", "code": "conflict"},
            {"index": 3, "id": edited, "version": 1, "status": "accepted"},  # stale
            {
                "index": 4,
                "id": "0190a000-0000-7000-8000-00000000dead",
                "version": 1,
                "status": "accepted",
            },  # fmt: skip
            {"index": 5, "id": None, "version": None, "status": "rejected"},
        ]
    )

    assert counts == {"accepted": 1, "rejected": 1, "conflict": 1}
    got = {e.id: e for e in store.entries()}
    assert (got[ok].status, got[ok].synced_version) == (m.GEACCEPTEERD, 1)
    assert (got[refused].status, got[refused].reject_code, got[refused].reject_message) == (
        m.AFGEWEZEN,
        "invalid_record",
        "Aantal personen: te groot",
    )
    assert (got[clash].status, got[clash].reject_code) == (m.CONFLICT, "conflict")
    assert (got[edited].status, got[edited].version) == (m.WACHT, 2)
    assert got[untouched].status == m.WACHT
    assert got[untouched].updated_at == before.updated_at
    db = sqlite3.connect(tmp_path / "phone.db")
    queued = {row[0] for row in db.execute("select entry_id from outbox")}
    assert queued == {edited, untouched}
    # The bulk update stores the time as every other write does (sorts alike).
    [(created, updated)] = db.execute(
        "select created_at, updated_at from entry where id = ?", (ok,)
    ).fetchall()
    assert len(updated) == len(created) and "+" not in updated and updated > created
    assert got[ok].updated_at > got[ok].created_at


def test_note_push_failure_and_mark_attempt_touch_only_the_batch(store, tmp_path):
    first, second = (store.save_entry("waarneming", _payload()).id for _ in range(2))
    store.mark_attempt([first])
    store.note_push_failure([first], "x" * 600)
    db = sqlite3.connect(tmp_path / "phone.db")
    rows = dict(
        (entry_id, (attempts, error))
        for entry_id, attempts, error in db.execute(
            "select entry_id, attempts, last_error from outbox"
        )
    )
    assert rows[first] == (1, "x" * 500)
    assert rows[second] == (0, None)
