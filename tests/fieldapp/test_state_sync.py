"""The field app's state, store and sync client against the real server on loopback."""

from __future__ import annotations

import sqlite3

import pytest
from factories import hotspot_in, make_user
from sqlmodel import Session, select

from fieldapp.state import LOCKED, READY, SET_PIN, AppState, EntryInvalid
from sync_server.db import session_scope
from sync_server.models import Record
from sync_server.services import accounts


def _enrolled_app(tmp_path, server, engine, settings, username="veld1", district="noord"):
    officer = make_user(engine, districts=[district], username=username)
    with session_scope(engine) as session:
        code = accounts.create_enrolment_code(
            session, user=officer, ttl=settings.enrolment_code_ttl
        )
    app = AppState(tmp_path / "phone")
    app.enroll(server.url, code.code.lower().replace("-", ""))
    return app, officer


def test_enrol_set_pin_log_offline_then_sync(tmp_path, server, engine, settings):
    app, officer = _enrolled_app(tmp_path, server, engine, settings)
    assert app.phase() == SET_PIN
    app.set_pin("48213", "48213")
    assert app.phase() == READY

    # The first sync fetches the district; hotspots are then local.
    report = app.sync_now()
    assert report.ok, report.error
    spots = app.hotspots()
    assert spots and {s.district for s in spots} == {"noord"}

    entry = app.save(
        "waarneming",
        {
            "theme": "afval",
            "hotspot": spots[0].code,
            "action": "aanspreken",
            "persons": 2,
            "note": "bijplaatsing",
        },
    )
    card = app.save(
        "gele_kaart",
        {
            "naam": "Jan Jansen",
            "geboortedatum": "2010-05-06",
            "hotspot": spots[0].code,
            "aanleiding": "hinderlijk_gedrag",
        },
    )
    assert app.pending_count() == 2

    report = app.sync_now()
    assert report.ok and report.accepted == 2
    assert app.pending_count() == 0
    log = {item.id: item for item in app.log()}
    assert log[entry.id].status == "geaccepteerd"
    assert "1e kaart: registratie" in log[card.id].detail
    with Session(engine) as session:
        ids = set(session.exec(select(Record.id)).all())
    assert {entry.id, card.id} <= ids

    # After the card was accepted, the youth's name is nowhere in the phone's files.
    app.store.engine.dispose()
    for path in (tmp_path / "phone").rglob("*"):
        if path.is_file():
            assert b"Jansen" not in path.read_bytes(), path


def test_invalid_entry_is_refused_in_dutch_and_nothing_is_saved(tmp_path, server, engine, settings):
    app, _ = _enrolled_app(tmp_path, server, engine, settings)
    app.set_pin("48213", "48213")
    with pytest.raises(EntryInvalid) as excinfo:
        app.save(
            "waarneming", {"theme": None, "hotspot": hotspot_in(engine, "noord"), "action": None}
        )
    assert "Thema" in str(excinfo.value) and "verplicht" in str(excinfo.value)
    assert app.pending_count() == 0


def test_wrong_pins_lock_then_wipe_the_token(tmp_path, server, engine, settings):
    clock = [0.0]
    officer = make_user(engine, districts=["oost"], username="veld2")
    with session_scope(engine) as session:
        code = accounts.create_enrolment_code(
            session, user=officer, ttl=settings.enrolment_code_ttl
        )
    app = AppState(tmp_path / "phone", clock=lambda: clock[0])
    app.enroll(server.url, code.code)
    app.set_pin("48213", "48213")
    clock[0] += 10 * 60
    assert app.phase() == LOCKED
    for _ in range(4):
        assert "Verkeerde pincode" in (app.unlock("11111") or "")
    assert "gewist" in (app.unlock("11111") or "")
    assert app.enrolment is None
    db = sqlite3.connect(tmp_path / "phone" / "handhaving.db")
    assert db.execute("select count(*) from enrolment").fetchone()[0] == 0
