"""The team leader's client (fieldapp.teamleader) and the per-browser-session login
(LeaderSession), against the real server on loopback: review round trip to the
officer's phone, indicators, hot times, and the Dutch messages for a handhaver,
an unreachable server and an expired session."""

from __future__ import annotations

from datetime import timedelta

import pytest
from factories import PASSWORD, age_browser_tokens, make_user
from test_state_sync import _enrolled_app

from fieldapp.state import ENROL, AppState, SyncError
from fieldapp.teamleader import ReviewQuery, cell_text, detail_lines, heat_colour
from fieldapp.teamleader.session import LeaderSession


def _leader(tmp_path, server, engine, username="tl1", district="noord") -> LeaderSession:
    make_user(engine, role="teamleider", districts=[district], username=username)
    leader = LeaderSession()
    leader.log_in(server.url, username, PASSWORD)
    return leader


def test_login_lives_in_the_session_only(tmp_path, server, engine):
    phone = AppState(tmp_path / "app")
    leader = _leader(tmp_path, server, engine)
    assert leader.logged_in and leader.role == "teamleider"
    assert leader.districts == ["noord"]
    # Nothing reaches the app process's store: the phone part is not linked.
    assert phone.enrolment is None and phone.phase() == ENROL
    # Another browser session of the same process must log in itself.
    other = LeaderSession()
    assert not other.logged_in
    with pytest.raises(SyncError):
        other.client.officers()
    leader.log_out()
    assert not leader.logged_in


def test_two_sessions_see_their_own_districts_and_log_out_alone(tmp_path, server, engine):
    noord = _leader(tmp_path, server, engine, "tl-noord", "noord")
    oost = _leader(tmp_path, server, engine, "tl-oost", "oost")
    assert set(noord.client.themes(noord.districts)) and noord.districts == ["noord"]
    assert oost.districts == ["oost"]
    with pytest.raises(SyncError):
        noord.client.profile("oost")  # the server keeps a leader to their districts
    oost.log_out()
    assert not oost.logged_in
    # The other session's token was not touched by the log-out.
    assert noord.client.profile("noord").code == "noord"
    noord.log_in(noord.server_url, "tl-noord", PASSWORD)
    assert noord.client.profile("noord").code == "noord"


def test_expired_session_says_so_and_keeps_the_filter(tmp_path, server, engine):
    leader = _leader(tmp_path, server, engine)
    leader.district = "noord"
    leader.review_query = ReviewQuery(last_days=7, kind="waarneming")
    age_browser_tokens(engine, "tl1", timedelta(hours=1))
    with pytest.raises(SyncError) as expired:
        leader.client.officers()
    assert expired.value.code == "token_expired"
    assert "verlopen" in expired.value.message and "filter blijft bewaard" in expired.value.message
    leader.lapsed(expired.value.message)
    assert not leader.logged_in and leader.notice == expired.value.message
    leader.log_in(server.url, "tl1", PASSWORD)
    assert leader.notice is None
    assert leader.review_query == ReviewQuery(last_days=7, kind="waarneming")
    assert leader.district == "noord"
    assert leader.client.officers() is not None
    # Another user logging in to this browser session starts from the defaults.
    make_user(engine, role="teamleider", districts=["oost"], username="tl-ander")
    leader.log_in(server.url, "tl-ander", PASSWORD)
    assert leader.review_query is None and leader.district == "oost"


def test_wrong_password_and_handhaver_get_dutch_messages(tmp_path, server, engine):
    make_user(engine, role="teamleider", districts=["noord"], username="tl2")
    make_user(engine, districts=["noord"], username="veld9")
    leader = LeaderSession()
    with pytest.raises(SyncError) as wrong:
        leader.log_in(server.url, "tl2", "fout-wachtwoord")
    assert "klopt niet" in wrong.value.message
    with pytest.raises(SyncError) as officer:
        leader.log_in(server.url, "veld9", PASSWORD)
    assert "koppelcode" in officer.value.message
    assert not leader.logged_in


def test_unreachable_server_says_online_only():
    with pytest.raises(SyncError) as exc:
        LeaderSession().log_in("http://127.0.0.1:9", "tl", "pw")
    assert "alleen online" in exc.value.message


def test_review_round_trip_reaches_the_officer(tmp_path, server, engine, settings):
    phone, _officer = _enrolled_app(tmp_path, server, engine, settings)
    phone.set_pin("48213", "48213")
    assert phone.sync_now().ok
    spot = phone.hotspots()[0]
    entry = phone.save(
        "waarneming", {"theme": "afval", "hotspot": spot.code, "action": "aanspreken"}
    )
    assert phone.sync_now().accepted == 1

    leader = _leader(tmp_path, server, engine)
    rows = leader.client.review_rows(period_days=7, state="nieuw")
    assert [row.id for row in rows] == [entry.id]
    assert rows[0].state_label == "Nieuw" and "Waarneming" in rows[0].title
    detail = leader.client.detail(entry.id)
    lines = dict(detail_lines(detail))
    assert lines["Soort"] == "Waarneming" and "naam" not in lines

    with pytest.raises(SyncError) as missing:
        leader.client.review(entry.id, "terug_naar_handhaver", " ")
    assert "opmerking" in missing.value.message.lower()
    leader.client.review(entry.id, "terug_naar_handhaver", "Welke container?")
    assert leader.client.review_rows(state="nieuw") == []

    assert phone.sync_now().ok
    item = next(i for i in phone.log() if i.id == entry.id)
    assert item.needs_attention and "Welke container?" in item.detail


def test_indicators_and_heat_map(tmp_path, server, engine):
    leader = _leader(tmp_path, server, engine)
    years, lines, counted = leader.client.indicator_lines()
    assert "nacht" in counted
    assert years[:4] == [2019, 2020, 2021, 2022]
    # The team leader's district is compared with its own history; the programme's
    # baseline (all of Haarlem) is on the "heel Haarlem" line beside it.
    cards = [line for line in lines if line.name == "Uitgedeelde gele kaarten"]
    assert [(c.area, c.haarlem) for c in cards] == [
        ("stadsdeel Noord", False),
        ("heel Haarlem", True),
    ]
    assert cards[0].cells[0] == "–" and cards[1].cells[0] == "62"
    assert cards[0].source == "Registraties handhavers"
    waste = next(line for line in lines if line.code == "meldingen-overlast-afval")
    assert waste.source == "Meldingen bewoners (gemeente)"
    heat = leader.client.heat_map("noord")
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
    themes = leader.client.themes(["noord"])
    assert themes and all(isinstance(name, str) and name for name in themes.values())


def test_leader_login_leaves_the_officers_phone_alone(tmp_path, server, engine, settings):
    phone, _officer = _enrolled_app(tmp_path, server, engine, settings)
    make_user(engine, role="teamleider", districts=["noord"], username="tl3")
    leader = LeaderSession(phone.sync_client.client_factory)
    leader.log_in(server.url, "tl3", PASSWORD)
    assert phone.enrolment is not None and phone.enrolment.role == "handhaver"
    leader.log_out()
    assert phone.enrolment is not None and phone.sync_now().ok


def _jpeg() -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 30, 30)).save(out, "JPEG")
    return out.getvalue()


def test_paging_saved_filters_export_and_photos(tmp_path, server, engine, settings):
    from fieldapp.photos import process_photo

    phone, _officer = _enrolled_app(tmp_path, server, engine, settings)
    phone.set_pin("48213", "48213")
    assert phone.sync_now().ok
    spot = phone.hotspots()[0]
    photo = process_photo(_jpeg())
    made = [
        phone.save(
            "waarneming",
            {"theme": "afval", "hotspot": spot.code, "action": "aanspreken", "note": f"n{i}"},
        )
        for i in range(4)
    ]
    with_photo = phone.save(
        "waarneming",
        {"theme": "afval", "hotspot": spot.code, "action": "aanspreken", "photos": [photo]},
    )
    assert phone.sync_now().ok

    leader = _leader(tmp_path, server, engine).client
    query = ReviewQuery(last_days=7, kind="waarneming")
    first = leader.review_page(query, limit=2)
    assert first.total == 5 and len(first.rows) == 2
    assert first.has_next and not first.has_previous
    assert first.range_text() == "1–2 van 5 registraties"
    last = leader.review_page(query, offset=4, limit=2)
    assert [r.id for r in last.rows] and not last.has_next and last.has_previous
    seen = {r.id for o in (0, 2, 4) for r in leader.review_page(query, offset=o, limit=2).rows}
    assert seen == {e.id for e in [*made, with_photo]}

    assert leader.officers() == {str(_officer.id): _officer.display_name}
    mine = ReviewQuery(last_days=7, officer=_officer.id, hotspot=spot.code)
    assert leader.review_page(mine).total == 5
    assert ReviewQuery.from_filter(mine.as_filter()) == mine
    saved = leader.save_filter("Nieuwe waarnemingen", ReviewQuery(last_days=7, state="nieuw"))
    assert saved.query.last_days == 7 and saved.query.state == "nieuw"
    assert [f.name for f in leader.saved_filters()] == ["Nieuwe waarnemingen"]
    assert leader.review_page(saved.query).total == 5
    with pytest.raises(SyncError) as unnamed:
        leader.save_filter("  ", query)
    assert "naam" in unnamed.value.message
    leader.delete_filter(saved.id)
    assert leader.saved_filters() == []

    export = leader.export_csv(query).decode("utf-8-sig")
    assert len(export.strip().splitlines()) == 1 + 5
    assert "n3" not in export  # free text stays out of exports

    detail = leader.detail(with_photo.id)
    assert [p["sha256"] for p in detail["photo_files"]] == [photo.sha256]
    assert leader.photo(photo.sha256) == photo.data


def test_incident_board_and_followup(tmp_path, server, engine, settings):
    phone, _officer = _enrolled_app(tmp_path, server, engine, settings)
    phone.set_pin("48213", "48213")
    assert phone.sync_now().ok
    spot = phone.hotspots()[0]
    entry = phone.save(
        "incident",
        {
            "types": ["verbaal"],
            "hotspot": spot.code,
            "politie": "aangifte_gewenst",
            "bot_gewenst": True,
        },
    )
    assert phone.sync_now().ok

    leader = _leader(tmp_path, server, engine).client
    board = leader.incident_board()
    row = next(r for r in board.rows if r.id == entry.id)
    assert board.open == 1 and row.bot_open and row.politie_open
    assert row.politie_wanted == "aangifte" and "BOT-contact nodig" in row.bot
    assert not row.overdue  # made just now: within the working days
    leader.add_followup(entry.id, "bot_contact")
    leader.add_followup(entry.id, "aangifte_gedaan")
    row = next(r for r in leader.incident_board().rows if r.id == entry.id)
    assert not row.bot_open and not row.politie_open
    assert "BOT-contact op" in row.bot and "aangifte gedaan" in row.politie
    assert leader.incident_board().open == 0
    with pytest.raises(SyncError):
        leader.add_followup(entry.id, "koffie")


def test_trends_keep_the_baseline_apart(tmp_path, server, engine):
    """A district's trend has no baseline bar; the Haarlem-wide trend beside it has."""
    leader = _leader(tmp_path, server, engine).client
    trends = leader.trends()
    cards = next(t for t in trends if t.name == "Uitgedeelde gele kaarten")
    assert cards.area == "stadsdeel Noord"
    assert not any(p.baseline for p in cards.points)
    assert cards.haarlem is not None and cards.haarlem.area == "heel Haarlem"
    baseline = [p for p in cards.haarlem.points if p.baseline]
    assert [p.year for p in baseline] == [2019, 2020, 2021, 2022]
    assert baseline[0].value == 62 and baseline[0].text == "62"
    assert all(not p.baseline for p in cards.haarlem.points if p.year > 2022)
    assert cards.haarlem.maximum >= 62


def test_live_figures_beside_the_nightly_stand(tmp_path, server, engine, settings):
    from sync_server.services import nightly

    phone, _officer = _enrolled_app(tmp_path, server, engine, settings)
    phone.set_pin("48213", "48213")
    assert phone.sync_now().ok
    spot = phone.hotspots()[0]
    phone.save("waarneming", {"theme": "afval", "hotspot": spot.code, "action": "aanspreken"})
    assert phone.sync_now().ok
    nightly.run_nightly(engine, settings)
    phone.save("waarneming", {"theme": "afval", "hotspot": spot.code, "action": "aanspreken"})
    assert phone.sync_now().ok
    leader = _leader(tmp_path, server, engine).client
    view, counted = leader.indicator_table("noord", live=True)
    year = view.years[-1]
    assert view.live_header == f"{year} vandaag (live)"
    assert view.basis.startswith("nachtelijke stand van ")
    assert "Geteld op" in counted or "geteld op" in counted
    waste = next(
        line
        for line in view.lines
        if line.code == "registraties-handhavers-afval" and not line.haarlem
    )
    assert (waste.cells[-1], waste.live) == ("1", "2")
    plain, _ = leader.indicator_table("noord")
    assert plain.live_header is None and all(line.live is None for line in plain.lines)


def test_profile_files_and_patrol_suggestion_on_the_phone(tmp_path, server, engine, settings):
    phone, _officer = _enrolled_app(tmp_path, server, engine, settings)
    phone.set_pin("48213", "48213")
    assert phone.patrol_suggestion() is None  # nothing before the first sync
    assert phone.sync_now().ok
    suggestion = phone.patrol_suggestion()
    assert suggestion is not None and suggestion.current
    assert suggestion.stops == []  # no logs yet: nothing to rank
    spot = phone.hotspots()[0]
    for _ in range(3):
        phone.save("waarneming", {"theme": "afval", "hotspot": spot.code, "action": "aanspreken"})
    assert phone.sync_now().ok
    suggestion = phone.patrol_suggestion()
    assert suggestion is not None and [s.hotspot for s in suggestion.stops] == [spot.code]
    from datetime import UTC, datetime, timedelta

    later = phone.patrol_suggestion(now=datetime.now(UTC) + timedelta(days=1))
    assert later is not None and not later.current and "eerdere dienst" in later.note

    leader = _leader(tmp_path, server, engine).client
    page = leader.profile_file("noord", "html").decode("utf-8")
    assert "Wijkprofiel" in page and "<script" not in page
    sheet = leader.profile_file("noord", "csv")
    assert sheet.startswith("\ufeffstadsdeel;stadsdeel_naam;indicator;".encode())
    with pytest.raises(SyncError) as other:
        leader.profile_file("oost", "csv")
    assert other.value.code == "forbidden"


def test_profile_view_model(tmp_path, server, engine, settings):
    from sync_server.services import nightly

    leader = _leader(tmp_path, server, engine).client
    assert leader.profile("noord").lines == []  # not counted yet
    nightly.run_nightly(engine, settings)
    profile = leader.profile("noord")
    assert "Geteld op" in profile.counted
    assert profile.name and profile.themes and profile.hotspots
    assert len(profile.columns) >= 3 and profile.columns[-2].endswith(profile.columns[-1][5:])
    assert all(len(line.cells) == len(profile.columns) for line in profile.lines)
    assert len(profile.heat.matrix) == 7


def test_indicators_by_theme_and_by_month(tmp_path, server, engine, settings):
    from sync_server.services import nightly

    phone, _officer = _enrolled_app(tmp_path, server, engine, settings)
    phone.set_pin("48213", "48213")
    assert phone.sync_now().ok
    spot = phone.hotspots()[0]
    for _ in range(6):
        phone.save("waarneming", {"theme": "afval", "hotspot": spot.code, "action": "aanspreken"})
    assert phone.sync_now().ok
    nightly.run_nightly(engine, settings)
    leader = _leader(tmp_path, server, engine).client
    waste = next(t for t in leader.trends("noord") if t.points[-1].value)
    this_year = waste.points[-1].year
    months = leader.months(waste.code, this_year, "noord")
    assert sum(p.value or 0 for p in months.points) == waste.points[-1].value
    assert [p.caption for p in months.points][:2] == ["jan", "feb"]
    other_theme = leader.trends("noord", theme="jeugd")
    assert all(t.points[-1].value in (None, 0) for t in other_theme if t.code == waste.code)


def test_the_review_list_shows_haarlem_time_on_a_utc_server():
    from fieldapp.teamleader.review import local_time

    assert local_time("2026-12-02T05:23:00+00:00") == "02-12-2026 06:23"  # winter: UTC+1
    assert local_time("2026-07-01T23:30:00+00:00") == "02-07-2026 01:30"  # summer: UTC+2
