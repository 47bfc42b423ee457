"""The team leader's client (fieldapp.teamleader) and AppState's login, against the
real server on loopback: review round trip to the officer's phone, indicators,
hot times, and the Dutch messages for a handhaver and an unreachable server."""

from __future__ import annotations

import pytest
from factories import PASSWORD, make_user
from test_state_sync import _enrolled_app

from fieldapp.state import ENROL, TEAMLEADER, AppState, SyncError
from fieldapp.teamleader import cell_text, detail_lines, heat_colour


def _leader(tmp_path, server, engine, username="tl1", district="noord") -> AppState:
    make_user(engine, role="teamleider", districts=[district], username=username)
    app = AppState(tmp_path / "leader")
    app.login_teamleader(server.url, username, PASSWORD)
    return app


def test_login_stores_token_and_phase(tmp_path, server, engine):
    app = _leader(tmp_path, server, engine)
    assert app.phase() == TEAMLEADER
    assert app.enrolment is not None and app.enrolment.role == "teamleider"
    assert app.districts == ["noord"]
    # Another session on the same data folder must log in itself.
    other = AppState(tmp_path / "leader")
    assert other.phase() == ENROL
    app.logout_teamleader()
    assert app.enrolment is None and app.phase() == ENROL


def test_wrong_password_and_handhaver_get_dutch_messages(tmp_path, server, engine):
    make_user(engine, role="teamleider", districts=["noord"], username="tl2")
    make_user(engine, districts=["noord"], username="veld9")
    app = AppState(tmp_path / "x")
    with pytest.raises(SyncError) as wrong:
        app.login_teamleader(server.url, "tl2", "fout-wachtwoord")
    assert "klopt niet" in wrong.value.message
    with pytest.raises(SyncError) as officer:
        app.login_teamleader(server.url, "veld9", PASSWORD)
    assert "koppelcode" in officer.value.message
    assert app.enrolment is None


def test_unreachable_server_says_online_only(tmp_path):
    app = AppState(tmp_path / "x")
    with pytest.raises(SyncError) as exc:
        app.login_teamleader("http://127.0.0.1:9", "tl", "pw")
    assert "alleen online" in exc.value.message


def test_review_round_trip_reaches_the_officer(tmp_path, server, engine, settings):
    phone, _officer = _enrolled_app(tmp_path, server, engine, settings)
    phone.set_pin("48213", "48213")
    assert phone.sync_now().ok
    spot = phone.hotspots()[0]
    entry = phone.save_waarneming(theme="afval", hotspot=spot.code, action="aanspreken")
    assert phone.sync_now().accepted == 1

    leader = _leader(tmp_path, server, engine)
    rows = leader.teamleader.review_rows(period_days=7, state="nieuw")
    assert [row.id for row in rows] == [entry.id]
    assert rows[0].state_label == "Nieuw" and "Waarneming" in rows[0].title
    detail = leader.teamleader.detail(entry.id)
    lines = dict(detail_lines(detail))
    assert lines["Soort"] == "Waarneming" and "naam" not in lines

    with pytest.raises(SyncError) as missing:
        leader.teamleader.review(entry.id, "terug_naar_handhaver", " ")
    assert "opmerking" in missing.value.message.lower()
    leader.teamleader.review(entry.id, "terug_naar_handhaver", "Welke container?")
    assert leader.teamleader.review_rows(state="nieuw") == []

    assert phone.sync_now().ok
    item = next(i for i in phone.log() if i.id == entry.id)
    assert item.needs_attention and "Welke container?" in item.detail


def test_indicators_and_heat_map(tmp_path, server, engine):
    leader = _leader(tmp_path, server, engine)
    years, lines, counted = leader.teamleader.indicator_lines()
    assert "nacht" in counted
    assert years[:4] == [2019, 2020, 2021, 2022]
    cards = next(line for line in lines if line.name == "Uitgedeelde gele kaarten")
    assert cards.cells[0] == "62"
    heat = leader.teamleader.heat_map("noord")
    assert len(heat.matrix) == 7 and all(len(row) == 24 for row in heat.matrix)
    assert heat.weekdays[0] == "ma"


def test_cell_text_and_colours():
    assert cell_text({"value": None}) == "–"
    assert cell_text(None) == "–"
    assert cell_text({"value": "<5"}) == "<5"
    assert cell_text({"value": 62}) == "62"
    assert cell_text({"value": 3.25}) == "3,2"
    assert heat_colour(0, 10) == "#FFFFFF"
    assert heat_colour(10, 10) == "#0B3A6E"
    assert heat_colour(1, 10) != heat_colour(10, 10)


def test_themes_of_the_district(tmp_path, server, engine):
    leader = _leader(tmp_path, server, engine)
    themes = leader.teamleader.themes(["noord"])
    assert themes and all(isinstance(name, str) and name for name in themes.values())


def test_login_never_replaces_an_officers_enrolment(tmp_path, server, engine, settings):
    phone, _officer = _enrolled_app(tmp_path, server, engine, settings)
    make_user(engine, role="teamleider", districts=["noord"], username="tl3")
    with pytest.raises(SyncError):
        phone.login_teamleader(server.url, "tl3", PASSWORD)
    assert phone.enrolment is not None and phone.enrolment.role == "handhaver"
