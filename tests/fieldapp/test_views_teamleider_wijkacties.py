"""Wijkacties from plan to result, without a browser but against the real server:
the team leader plans an action in the tab, the officer's phone gets it on its
next sync and shows it on home during its hot times, an entry is logged against
it from the card, and the action's detail counts it.
A form mistake is explained and plans nothing."""

from __future__ import annotations

import asyncio
from datetime import datetime
from zoneinfo import ZoneInfo

from factories import make_user
from fake_host import FakeHost, run_async, texts
from test_state_sync import _enrolled_app
from test_views_forms import fill_waarneming
from test_views_teamleider import _screen, _tab

from fieldapp.teamleader.hot_times import WEEKDAYS
from fieldapp.views import forms
from fieldapp.views.home import HomeScreen
from fieldapp.views.teamleider.wijkacties import WijkactiesTab
from sync_protocol import RecordKind


def run(handler):
    result = handler()
    if asyncio.iscoroutine(result):
        run_async(result)


def test_plan_see_on_the_phone_log_against_it_and_read_the_result(
    tmp_path, server, engine, settings
):
    phone, _officer = _enrolled_app(tmp_path, server, engine, settings)
    phone.set_pin("48213", "48213")
    assert phone.sync_now().ok
    marsman = next(h for h in phone.hotspots() if h.name == "Marsmanplein")

    screen = _screen(tmp_path, server, engine)
    assert "Nog geen wijkacties gepland." in _tab(screen, "Wijkacties")
    tab = screen.tabs["Wijkacties"]
    assert isinstance(tab, WijkactiesTab)
    run(tab._go("plan"))
    today = WEEKDAYS[datetime.now(ZoneInfo("Europe/Amsterdam")).weekday()]
    tab.title.value = "Afvalactie Marsmanplein"
    tab.hot_times.value = f"{today} 0-24"
    tab.goal.value = "Minder bijplaatsingen"
    tab.target.value = "5"
    next(iter(tab.theme_boxes.values())).value = True
    tab.spot_boxes[marsman.code].value = True
    run(tab._plan("noord"))
    assert not screen.banner.control.visible, screen.banner.text.value
    shown = "\n".join(texts(screen.body))
    assert "Afvalactie Marsmanplein" in shown
    assert "Registraties bij deze actie: 0 van streefcijfer 5" in shown

    # The phone: the action arrives, home shows it now, one tap opens a preset form.
    assert phone.sync_now().ok
    host = FakeHost(phone)
    home = HomeScreen(host)
    home.refresh()
    assert "Afvalactie Marsmanplein" in texts(home.view())
    card = home.actions.control.controls[0]
    card.content.content.controls[-1].controls[0].on_click()
    [action_id] = host.actions
    assert host.forms[-1][1] == marsman.code
    form = forms.new_form(host, RecordKind.WAARNEMING, hotspot=marsman.code, wijkactie=action_id)
    assert form is not None
    form.view()
    fill_waarneming(form)
    form.hotspot.choose(marsman.code)
    form.save()
    assert not form.problems.control.visible, form.problems.text.value
    assert phone.sync_now().accepted == 1

    shown = _tab(screen, "Wijkacties")
    assert "Registraties bij deze actie: 1 van streefcijfer 5" in shown
    assert "Waarneming: 1" in shown

    # The district profile lists the action with what it produced.
    profile = _tab(screen, "Wijkprofiel")
    assert "Wijkacties (1)" in profile
    assert "Afvalactie Marsmanplein" in profile
    assert "Registraties bij deze actie: 1 van streefcijfer 5" in profile


def test_a_mistake_in_the_form_is_explained_and_plans_nothing(tmp_path, server, engine):
    screen = _screen(tmp_path, server, engine)
    _tab(screen, "Wijkacties")
    tab = screen.tabs["Wijkacties"]
    assert isinstance(tab, WijkactiesTab)
    run(tab._go("plan"))
    tab.title.value = "Jeugd"
    tab.hot_times.value = "vrijdag avond"
    run(tab._plan("noord"))
    assert screen.banner.control.visible
    assert "geen dag en uren" in screen.banner.text.value
    assert tab.wijk.wijkacties("noord") == []


def test_officers_of_the_district_are_planned_and_shown(tmp_path, server, engine):
    screen = _screen(tmp_path, server, engine)
    make_user(engine, districts=["noord"], username="veld-noord")
    make_user(engine, districts=["oost"], username="veld-oost")
    _tab(screen, "Wijkacties")
    tab = screen.tabs["Wijkacties"]
    assert isinstance(tab, WijkactiesTab)
    run(tab._go("plan"))
    shown = "\n".join(texts(screen.body))
    assert "Handhavers" in shown
    names = {box.label for box in tab.officer_boxes.values()}
    noord = tab.wijk.officers("noord")
    assert names == set(noord.values()) and len(names) == 1  # not the officer of oost
    [(officer_id, officer_name)] = noord.items()

    tab.title.value = "Jeugdoverlast Spaarndamseweg"
    tab.team.value = "Noord-avond"
    tab.officer_boxes[officer_id].value = True
    run(tab._plan("noord"))
    assert not screen.banner.control.visible, screen.banner.text.value
    shown = "\n".join(texts(screen.body))
    assert f"Ingepland: Team Noord-avond, {officer_name}" in shown
    [planned] = tab.wijk.wijkacties("noord")
    assert planned.officers == [str(officer_id)]
    assert f"Ingepland: Team Noord-avond, {officer_name}" in _tab(screen, "Wijkacties")


def test_an_officer_of_another_district_is_refused(tmp_path, server, engine):
    screen = _screen(tmp_path, server, engine)
    other = make_user(engine, districts=["oost"], username="veld-oost")
    _tab(screen, "Wijkacties")
    tab = screen.tabs["Wijkacties"]
    assert isinstance(tab, WijkactiesTab)
    run(tab._go("plan"))
    tab.title.value = "Afval"
    body = tab._body("noord") | {"officers": [other.id]}
    assert run_async(screen.attempt(tab.wijk.plan, body)) is None
    assert "Handhaver niet van dit stadsdeel" in screen.banner.text.value
    assert tab.wijk.wijkacties("noord") == []
