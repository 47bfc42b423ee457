"""The home screen without a browser: one button per entry kind, in the registry's
order with its words and colours, each opening its kind's empty form; a focus
location tapped on home opens an observation there."""

from __future__ import annotations

import flet as ft
import pytest
from fake_host import FakeHost, phone_state, texts

from fieldapp.kinds import KINDS
from fieldapp.views.home import HomeScreen


@pytest.fixture
def host(tmp_path) -> FakeHost:
    return FakeHost(phone_state(tmp_path / "phone"))


def kind_buttons(home: HomeScreen) -> list[ft.Button]:
    labels = {spec.button for spec in KINDS.values()}
    found = []
    for row in home.view().controls[1].controls:
        for control in getattr(row, "controls", None) or []:
            if isinstance(control, ft.Button) and control.content.value in labels:
                found.append(control)
    return found


def test_the_actions_come_from_the_registry(host):
    home = HomeScreen(host)
    home.refresh()
    buttons = kind_buttons(home)
    assert [b.content.value for b in buttons] == [s.button for s in KINDS.values()]
    assert [b.style.bgcolor for b in buttons] == [s.colour for s in KINDS.values()]
    assert [b.icon for b in buttons] == [getattr(ft.Icons, s.icon) for s in KINDS.values()]
    for button, spec in zip(buttons, KINDS.values(), strict=True):
        button.on_click()
        assert host.forms[-1] == (spec.route, None)


def test_a_focus_location_opens_an_observation_there(host):
    home = HomeScreen(host)
    home.refresh()
    assert "Focuslocaties in je stadsdeel" in texts(home.view())
    marsman = next(t for t in home.spots.controls if t.title.value == "Marsmanplein")
    marsman.on_click()
    assert host.forms[-1] == (KINDS["waarneming"].route, "noord-a")
