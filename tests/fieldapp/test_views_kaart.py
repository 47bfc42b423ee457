"""The officer's map without a browser: a marker per focus location with a place,
the officer's own position above them, a tap that starts an observation at that
focus location, the ones without coordinates named under the map, a moved
hotspot at its new place after a pull, and a base map only when one is configured."""

from __future__ import annotations

import flet_map as fm
import pytest
from fake_host import FakeHost, button_labelled, phone_state, texts
from phone_reference import REFERENCE

from fieldapp.components.map import TILE_URL_ENV, marker_button
from fieldapp.kinds import KINDS
from fieldapp.location import FixedLocation, Position
from fieldapp.state import AppState
from fieldapp.views.home import HomeScreen
from fieldapp.views.kaart import KaartScreen
from fieldapp.views.routes import make_screen
from sync_protocol import RecordKind

NO_PLACE = {
    "entity": "hotspot",
    "op": "upsert",
    "id": "noord-c",
    "seq": 5,
    "data": {"code": "noord-c", "name": "Ripperdapark", "district": "noord", "themes": []},
}


@pytest.fixture
def host(tmp_path, monkeypatch) -> FakeHost:
    monkeypatch.delenv(TILE_URL_ENV, raising=False)
    return FakeHost(phone_state(tmp_path / "phone"))


def shown_map(screen: KaartScreen) -> fm.Map:
    screen.refresh()
    found = screen.map_box.content
    assert isinstance(found, fm.Map)
    return found


def markers(found: fm.Map) -> dict[str, fm.Marker]:
    layers = [layer for layer in found.layers if isinstance(layer, fm.MarkerLayer)]
    return {m.data.label: m for layer in layers for m in layer.markers}


def test_every_focus_location_with_a_place_is_a_marker_that_starts_an_entry(host):
    screen = KaartScreen(host)
    found = markers(shown_map(screen))
    assert set(found) == {"Waarneming bij Marsmanplein", "Waarneming bij Zaanenpark"}
    marsman = found["Waarneming bij Marsmanplein"]
    assert (marsman.coordinates.latitude, marsman.coordinates.longitude) == (52.397, 4.652)
    marker_button(marsman).on_click()
    assert host.forms == [(KINDS[RecordKind.WAARNEMING].route, "noord-a")]


def test_without_tiles_the_map_is_a_plain_field_with_markers(host, monkeypatch):
    plain = shown_map(KaartScreen(host))
    assert not any(isinstance(layer, fm.TileLayer) for layer in plain.layers)
    assert len(markers(plain)) == 2
    monkeypatch.setenv(TILE_URL_ENV, "http://127.0.0.1:1/tiles/{z}/{x}/{y}.png")
    tiled = shown_map(KaartScreen(host))
    tiles = [layer for layer in tiled.layers if isinstance(layer, fm.TileLayer)]
    assert [t.url_template for t in tiles] == ["http://127.0.0.1:1/tiles/{z}/{x}/{y}.png"]
    assert len(markers(tiled)) == 2


def test_the_officers_position_is_shown_and_centres_the_map(tmp_path):
    state = AppState(tmp_path / "phone", location=FixedLocation(Position(52.395, 4.64)))
    state.store.apply_pull_page(REFERENCE, next_since=len(REFERENCE))
    found = shown_map(KaartScreen(FakeHost(state)))
    me = markers(found)["Mijn positie"]
    assert (me.coordinates.latitude, me.coordinates.longitude) == (52.395, 4.64)
    assert marker_button(me).on_click is None
    center = found.initial_center
    assert (center.latitude, center.longitude) == (52.395, 4.64)


def test_a_focus_location_without_coordinates_is_named_not_dropped(host):
    host.state.store.apply_pull_page([NO_PLACE], next_since=5)
    screen = KaartScreen(host)
    assert "Waarneming bij Ripperdapark" not in markers(shown_map(screen))
    assert "Zonder plek op de kaart (1): Ripperdapark" in texts(screen.view())


def test_a_moved_hotspot_is_at_its_new_place_after_a_pull(host):
    moved = dict(REFERENCE[2], seq=6, data={**REFERENCE[2]["data"], "lat": 52.41, "lon": 4.66})
    host.state.store.apply_pull_page([moved], next_since=6)
    marsman = markers(shown_map(KaartScreen(host)))["Waarneming bij Marsmanplein"]
    assert (marsman.coordinates.latitude, marsman.coordinates.longitude) == (52.41, 4.66)


def test_home_opens_the_map_and_the_route_table_knows_it(host):
    home = HomeScreen(host)
    home.refresh()
    button = button_labelled(home.view(), "Kaart")
    button.on_click()
    assert host.routes == ["/kaart"]
    assert isinstance(make_screen(host, "/kaart"), KaartScreen)
