"""The district action card on home without a browser: shown during the action's
hot times and hidden outside them; its one button opens an observation preset
with the action and its focus location, and the saved entry carries the action."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from fake_host import FakeHost, phone_state, texts
from test_views_forms import fill_waarneming

from fieldapp.kinds import KINDS
from fieldapp.views import forms
from fieldapp.views.home import HomeScreen
from fieldapp.views.wijkactie import REGISTER_TEXT
from sync_protocol import RecordKind

ACTION_ID = "3f1c2a9e-7b4d-4e1a-9c2f-5d6e7f8a9b0c"


def action(weekday: int, seq: int = 10) -> dict:
    today = date.today()
    return {
        "entity": "wijkactie",
        "op": "upsert",
        "id": ACTION_ID,
        "seq": seq,
        "data": {
            "id": ACTION_ID,
            "district": "noord",
            "title": "Afval Marsmanplein",
            "themes": ["afval"],
            "hotspots": ["noord-a"],
            "starts_on": (today - timedelta(days=2)).isoformat(),
            "ends_on": (today + timedelta(days=2)).isoformat(),
            "hot_times": [{"weekday": weekday, "start_hour": 0, "end_hour": 24}],
            "goal": "Minder bijplaatsingen",
            "target": 10,
        },
    }


def now_weekday() -> int:
    return datetime.now(ZoneInfo("Europe/Amsterdam")).weekday()


@pytest.fixture
def host(tmp_path) -> FakeHost:
    return FakeHost(phone_state(tmp_path / "phone"))


def register_button(home: HomeScreen):
    card = home.actions.control.controls[0]
    row = card.content.content.controls[-1]
    return row.controls[0]


def test_the_card_shows_during_the_hot_times_and_opens_a_preset_form(host):
    host.state.store.apply_pull_page([action(now_weekday())], next_since=10)
    home = HomeScreen(host)
    home.refresh()
    shown = texts(home.view())
    assert "Afval Marsmanplein" in shown and "Marsmanplein" in shown
    assert "Minder bijplaatsingen" in shown
    button = register_button(home)
    assert button.content.value == REGISTER_TEXT
    button.on_click()
    assert host.forms == [(KINDS[RecordKind.WAARNEMING].route, "noord-a")]
    assert host.actions == [ACTION_ID]


def test_outside_its_hot_times_home_shows_no_card(host):
    host.state.store.apply_pull_page([action((now_weekday() + 3) % 7)], next_since=10)
    home = HomeScreen(host)
    home.refresh()
    assert home.actions.control.visible is False
    assert "Afval Marsmanplein" not in texts(home.view())


def test_an_entry_from_the_card_is_logged_against_the_action(host):
    host.state.store.apply_pull_page([action(now_weekday())], next_since=10)
    form = forms.new_form(host, RecordKind.WAARNEMING, hotspot="noord-a", wijkactie=ACTION_ID)
    assert form is not None
    form.view()
    fill_waarneming(form)
    form.save()
    assert not form.problems.control.visible, form.problems.text.value
    [entry] = host.state.store.entries()
    assert entry.payload["wijkactie"] == ACTION_ID
    assert entry.payload["hotspot"] == "noord-a"
