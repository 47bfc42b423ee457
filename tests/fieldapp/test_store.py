"""The phone's store: saving is atomic, edits follow the sync rules, corrections are versions."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime

import pytest
from phone_reference import REFERENCE

from fieldapp import models as m
from fieldapp.db import open_database
from fieldapp.store import EntryInvalid, EntryLocked, PageInvalid, Store


@pytest.fixture
def store(tmp_path):
    s = Store(open_database(tmp_path / "phone.db"), tmp_path / "photos")
    s.apply_pull_page(REFERENCE, next_since=len(REFERENCE))
    return s


def _payload(**extra):
    return {
        "observed_at": datetime.now(UTC).isoformat(),
        "theme": "afval",
        "hotspot": "noord-a",
        "persons": 1,
        "action": "aanspreken",
    } | extra


def test_save_writes_entry_and_outbox_together(store, tmp_path):
    entry = store.save_entry("waarneming", _payload())
    db = sqlite3.connect(tmp_path / "phone.db")
    assert db.execute("select status from entry where id=?", (entry.id,)).fetchone() == ("wacht",)
    assert db.execute("select version from outbox where entry_id=?", (entry.id,)).fetchone() == (1,)


def test_invalid_entry_is_not_saved(store):
    with pytest.raises(EntryInvalid) as excinfo:
        store.save_entry("waarneming", _payload(persons=-3))
    assert "persons" in excinfo.value.problems
    with pytest.raises(EntryInvalid):
        store.save_entry("waarneming", _payload(hotspot="bestaat-niet"))
    assert store.pending_count() == 0 and store.entries() == []


def test_incidents_leave_first(store):
    first = store.save_entry("waarneming", _payload())
    incident = store.save_entry(
        "incident",
        {
            "observed_at": datetime.now(UTC).isoformat(),
            "hotspot": "noord-a",
            "types": ["verbaal"],
            "injured": False,
            "bodycam_on": True,
            "politie": "geen",
            "bot_gewenst": False,
        },
    )
    order = [record.entry_id for record in store.outgoing(10)]
    assert order == [incident.id, first.id]


def test_edit_before_any_send_stays_version_1(store):
    entry = store.save_entry("waarneming", _payload())
    store.update_entry(entry.id, _payload(persons=4))
    [out] = store.outgoing(10)
    assert out.version == 1 and out.wire["payload"]["persons"] == 4


def test_edit_after_a_send_attempt_becomes_a_new_version(store):
    """The reply to a push may have been lost while the server stored it: an
    in-place edit would then be a conflict, so it must be a new version."""
    entry = store.save_entry("waarneming", _payload())
    store.mark_attempt([entry.id])
    store.update_entry(entry.id, _payload(persons=4))
    [out] = store.outgoing(10)
    assert out.version == 2
    with pytest.raises(EntryLocked):
        store.delete_entry(entry.id)


def test_accepted_entry_is_corrected_by_a_new_version(store):
    entry = store.save_entry("waarneming", _payload())
    [out] = store.outgoing(10)
    store.apply_push_results([{"id": entry.id, "version": 1, "status": "accepted"}])
    assert store.pending_count() == 0
    store.update_entry(entry.id, _payload(persons=9))
    [out] = store.outgoing(10)
    assert out.version == 2
    assert store.entry(entry.id).status == m.WACHT


def test_result_for_an_older_version_does_not_clear_a_newer_edit(store):
    entry = store.save_entry("waarneming", _payload())
    store.mark_attempt([entry.id])
    store.update_entry(entry.id, _payload(persons=2))  # becomes version 2
    store.apply_push_results([{"id": entry.id, "version": 1, "status": "accepted"}])
    [out] = store.outgoing(10)
    assert out.version == 2


def test_rejected_entry_keeps_the_reason_and_leaves_the_queue(store):
    entry = store.save_entry("waarneming", _payload())
    store.apply_push_results(
        [
            {
                "id": entry.id,
                "version": 1,
                "status": "rejected",
                "code": "unknown_theme",
                "message": "Onbekend thema 'x'.",
            }
        ]
    )
    saved = store.entry(entry.id)
    assert saved.status == m.AFGEWEZEN and saved.reject_message == "Onbekend thema 'x'."
    assert store.pending_count() == 0
    store.update_entry(entry.id, _payload())  # the officer fixes it: queued again
    assert store.pending_count() == 1


def test_yellow_card_identity_waits_apart_and_is_wiped_on_acceptance(store, tmp_path):
    card = store.save_entry(
        "gele_kaart",
        {
            "observed_at": datetime.now(UTC).isoformat(),
            "hotspot": "noord-a",
            "aanleiding": "hinderlijk_gedrag",
        },
        identity={"naam": "Piet Pietersen", "geboortedatum": "2011-03-04"},
    )
    assert "Pietersen" not in json.dumps(store.entry(card.id).payload)
    [out] = store.outgoing(10)
    assert out.wire["payload"]["jongere"]["naam"] == "Piet Pietersen"
    store.apply_push_results(
        [
            {
                "id": card.id,
                "version": 1,
                "status": "accepted",
                "outcome": {"card_number": 2, "next_step": "brief aan ouders"},
            }
        ]
    )
    db = sqlite3.connect(tmp_path / "phone.db")
    assert db.execute("select count(*) from pendingidentity").fetchone() == (0,)
    assert store.entry(card.id).card_number == 2


def test_yellow_card_without_identity_is_refused(store):
    with pytest.raises(EntryInvalid) as excinfo:
        store.save_entry(
            "gele_kaart",
            {
                "observed_at": datetime.now(UTC).isoformat(),
                "hotspot": "noord-a",
                "aanleiding": "overig",
            },
        )
    assert "jongere" in excinfo.value.problems


def test_hotspots_nearest_first_and_searchable(store):
    near_b = store.hotspots(near=(52.4001, 4.6301))
    assert [h.code for h in near_b] == ["noord-b", "noord-a"]
    assert near_b[0].distance_m is not None and near_b[0].distance_m < 50
    assert [h.code for h in store.hotspots(search="marsman")] == ["noord-a"]


def test_pull_page_and_cursor_move_together(store):
    assert store.cursor() == 4
    store.apply_pull_page(
        [{"entity": "hotspot", "op": "delete", "id": "noord-b", "seq": 5, "data": None}],
        next_since=5,
    )
    assert store.cursor() == 5
    assert [h.code for h in store.hotspots()] == ["noord-a"]
    with pytest.raises(PageInvalid):  # a malformed page is not half-applied
        store.apply_pull_page(
            [
                {"entity": "hotspot", "op": "delete", "id": "noord-a", "seq": 6, "data": None},
                {"entity": "hotspot", "op": "upsert", "seq": 7, "data": {}},
            ],
            next_since=7,
        )
    assert store.cursor() == 5
    assert [h.code for h in store.hotspots()] == ["noord-a"]
