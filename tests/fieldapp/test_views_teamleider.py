"""The team leader's tabs without a browser: the real screen (the tabs' TabHost) on
a fake Host, its client against the real server on loopback. Every tab renders an
empty district, and a district with an officer's synced logs."""

from __future__ import annotations

import pytest
from factories import PASSWORD, make_user
from fake_host import FakeHost, run_async, texts
from test_state_sync import _enrolled_app

from fieldapp.state import AppState
from fieldapp.views.teamleider import TeamLeaderScreen
from fieldapp.views.teamleider.indicators import IndicatorsTab, nice_top, year_caption


def _screen(tmp_path, server, engine) -> TeamLeaderScreen:
    make_user(engine, role="teamleider", districts=["noord"], username="tl1")
    host = FakeHost(AppState(tmp_path / "leader"))
    host.leader.log_in(server.url, "tl1", PASSWORD)
    screen = TeamLeaderScreen(host)
    assert texts(screen.body) == ["Laden…"]
    host.run_tasks()  # the first tab loads on the page's event loop
    return screen


def _tab(screen: TeamLeaderScreen, name: str) -> str:
    screen.tab = name
    run_async(screen.load())
    assert not screen.banner.control.visible, screen.banner.text.value
    return "\n".join(texts(screen.body))


@pytest.mark.parametrize(
    ("tab", "shown"),
    [
        ("Beoordelen", ["0 van 0 registraties", "Geen registraties met deze filters."]),
        ("Incidenten", ["0 met open opvolging, 0 te laat", "Geen incidenten geregistreerd."]),
        ("Indicatoren", ["Aantal adrescontroles V&H", "De registraties zijn nog niet geteld"]),
        ("Hot times", ["(laatste 4 weken): 0 in totaal"]),
        ("Wijkprofiel", ["Wijkprofiel Noord", "Hot times (laatste 8 weken)"]),
    ],
)
def test_every_tab_renders_an_empty_district(tmp_path, server, engine, tab, shown):
    screen = _screen(tmp_path, server, engine)
    text = _tab(screen, tab)
    for words in shown:
        assert words in text


def test_the_tabs_show_what_officers_synced(tmp_path, server, engine, settings):
    phone, _officer = _enrolled_app(tmp_path, server, engine, settings)
    phone.set_pin("48213", "48213")
    assert phone.sync_now().ok
    spot = phone.hotspots()[0]
    phone.save("waarneming", {"theme": "afval", "hotspot": spot.code, "action": "aanspreken"})
    phone.save(
        "incident",
        {"types": ["verbaal"], "hotspot": spot.code, "bot_gewenst": True},
    )
    assert phone.sync_now().accepted == 2

    screen = _screen(tmp_path, server, engine)
    review = _tab(screen, "Beoordelen")
    assert "1–2 van 2 registraties" in review
    assert "Waarneming" in review and "Incident tegen handhaver" in review
    assert spot.name in review
    incidents = _tab(screen, "Incidenten")
    assert "1 met open opvolging" in incidents and "Geen incidenten" not in incidents
    assert "2 in totaal" in _tab(screen, "Hot times")
    assert spot.name in _tab(screen, "Wijkprofiel")


def test_the_indicator_tab_names_sources_areas_and_the_live_column(
    tmp_path, server, engine, settings
):
    from sync_server.services import nightly

    phone, _officer = _enrolled_app(tmp_path, server, engine, settings)
    phone.set_pin("48213", "48213")
    assert phone.sync_now().ok
    spot = phone.hotspots()[0]
    phone.save("waarneming", {"theme": "afval", "hotspot": spot.code, "action": "aanspreken"})
    assert phone.sync_now().ok
    nightly.run_nightly(engine, settings)
    screen = _screen(tmp_path, server, engine)
    text = _tab(screen, "Indicatoren")
    for words in (
        "Registraties handhavers: afval",
        "Meldingen bewoners (gemeente)",
        "heel Haarlem",
        "stadsdeel Noord",
        "nachtelijke stand van",
    ):
        assert words in text, words
    assert "Vandaag (live) erbij" in text  # the button that adds the live column
    tab = screen.tabs["Indicatoren"]
    assert isinstance(tab, IndicatorsTab)
    tab.live = True
    text = _tab(screen, "Indicatoren")
    assert "vandaag (live)" in text and "Zonder vandaag (live)" in text
    tab.mode = "grafiek"
    chart = _tab(screen, "Indicatoren")
    assert "heel Haarlem" in chart and "nulmeting" in chart


def test_chart_ticks_are_whole_numbers_and_years_fit_a_narrow_screen():
    for maximum in (1, 3, 4, 7, 13, 62, 99, 101, 437, 4258):
        top, step = nice_top(maximum)
        assert step.is_integer() and step >= 1 and top >= maximum, maximum
        assert (top / step).is_integer() and top / step <= 5, maximum
    assert nice_top(0) == (5.0, 1.0)
    assert year_caption("2019", narrow=True) == "’19"
    assert year_caption("2019", narrow=False) == "2019"
    assert year_caption("jan", narrow=True) == "jan"
