"""The team leader's Kaart tab without a browser: the real screen on a fake Host,
its client against the real server on loopback. Focus locations are markers sized
by their logs; a marker tapped and then a spot tapped on the map moves it, and the
officer's phone has the new place after its next sync; a new one is created by
name and a tap; a renamed one keeps its code; a retired one leaves the map."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import date

import flet as ft
import flet_map as fm
import httpx
import pytest
from fake_host import FakeHost, run_async, texts
from test_state_sync import _enrolled_app
from test_views_teamleider import _screen, _tab

from fieldapp.components.map import TILE_URL_ENV, marker_button, shifted, tile_url
from fieldapp.local_wijkacties import hotspots_for_map
from fieldapp.views.kaart import KaartScreen
from fieldapp.views.teamleider.kaart import KaartTab


@dataclass
class Tap:
    """What the map reports of a tap: where (flet_map.MapTapEvent's coordinates)."""

    coordinates: fm.MapLatitudeLongitude


def the_map(screen) -> fm.Map:
    return next(c for c in screen.body.controls if isinstance(c, fm.Map))


def spot_markers(screen) -> dict[str, fm.Marker]:
    layer = the_map(screen).layers[-1]
    return {m.data.label.split(":")[0]: m for m in layer.markers}


def run(handler, *args):
    result = handler(*args)
    if asyncio.iscoroutine(result):
        run_async(result)


def test_move_a_focus_location_and_the_phone_has_it_after_sync(tmp_path, server, engine, settings):
    phone, _officer = _enrolled_app(tmp_path, server, engine, settings)
    phone.set_pin("48213", "48213")
    assert phone.sync_now().ok
    marsman = next(h for h in phone.hotspots_for_map() if h.name == "Marsmanplein")

    screen = _screen(tmp_path, server, engine)
    text = _tab(screen, "Kaart")
    assert "Hoe groter en donkerder" in text
    markers = spot_markers(screen)
    assert "Marsmanplein" in markers
    run(marker_button(markers["Marsmanplein"]).on_click)
    assert "Marsmanplein · " in "\n".join(texts(screen.body))
    tab = screen.tabs["Kaart"]
    assert isinstance(tab, KaartTab)
    run(tab._start("move"))
    assert "Tik op de kaart op de nieuwe plek." in texts(screen.body)
    run(the_map(screen).on_tap, Tap(fm.MapLatitudeLongitude(52.4071, 4.6502)))
    assert not screen.banner.control.visible, screen.banner.text.value
    moved = spot_markers(screen)["Marsmanplein"]
    assert (moved.coordinates.latitude, moved.coordinates.longitude) == (52.4071, 4.6502)

    assert phone.sync_now().ok
    after = next(h for h in phone.hotspots_for_map() if h.code == marsman.code)
    assert (after.lat, after.lon) == (52.4071, 4.6502)


def test_create_rename_and_retire_a_focus_location(tmp_path, server, engine):
    screen = _screen(tmp_path, server, engine)
    _tab(screen, "Kaart")
    tab = screen.tabs["Kaart"]
    assert isinstance(tab, KaartTab)
    tab.name.value = "Spaarnwouderstraat"
    run(tab._start("create"))
    run(the_map(screen).on_tap, Tap(fm.MapLatitudeLongitude(52.405, 4.641)))
    assert not screen.banner.control.visible, screen.banner.text.value
    assert "Spaarnwouderstraat" in spot_markers(screen)
    code = tab.selected
    assert code

    tab.name.value = "Spaarnwouderstraat-noord"
    run(tab._rename)
    assert "Spaarnwouderstraat-noord" in spot_markers(screen)
    assert tab.selected == code

    run(tab._retire)
    assert "Spaarnwouderstraat-noord" not in spot_markers(screen)
    hotspots = tab.wijk.hotspots("noord", include_retired=True)
    assert any(h.code == code and h.retired for h in hotspots)


def test_themes_and_period_of_a_focus_location_reach_the_phone(tmp_path, server, engine, settings):
    phone, _officer = _enrolled_app(tmp_path, server, engine, settings)
    phone.set_pin("48213", "48213")
    assert phone.sync_now().ok
    screen = _screen(tmp_path, server, engine)
    _tab(screen, "Kaart")
    tab = screen.tabs["Kaart"]
    assert isinstance(tab, KaartTab)
    run(marker_button(spot_markers(screen)["Marsmanplein"]).on_click)
    code = tab.selected
    assert code
    assert "Thema's: " in "\n".join(texts(screen.body))
    assert not tab.details
    run(tab._toggle_details)
    assert tab.details and tab.theme_boxes

    # A mistake is said in Dutch and changes nothing.
    tab.valid_from.value, tab.valid_to.value = "31-02-2027", ""
    run(tab._save_details)
    assert screen.banner.control.visible
    assert screen.banner.text.value == "De begindatum is geen bestaande datum; typ dd-mm-jjjj."
    tab.valid_from.value, tab.valid_to.value = "01-03-2027", "01-01-2027"
    run(tab._save_details)
    assert screen.banner.text.value == "De begindatum ligt na de einddatum."
    before = next(h for h in tab.wijk.hotspots("noord") if h.code == code)
    assert (before.valid_from, before.valid_to) == (None, None)

    # Two themes and a year: saved, shown, and on the phone after its next sync.
    first, second = list(tab.theme_boxes)[:2]
    for theme, box in tab.theme_boxes.items():
        box.value = theme in (first, second)
    tab.valid_from.value, tab.valid_to.value = "01-01-2027", "31-12-2027"
    run(tab._save_details)
    assert not screen.banner.control.visible, screen.banner.text.value
    after = next(h for h in tab.wijk.hotspots("noord") if h.code == code)
    assert sorted(after.themes) == sorted([first, second])
    assert (after.valid_from, after.valid_to) == ("2027-01-01", "2027-12-31")
    shown = "\n".join(texts(screen.body))
    assert "periode: 01-01-2027 t/m 31-12-2027" in shown
    assert not tab.details  # folded away again
    run(tab._toggle_details)
    assert tab.theme_boxes[first].value and not tab.theme_boxes[list(tab.theme_boxes)[2]].value
    assert (tab.valid_from.value, tab.valid_to.value) == ("01-01-2027", "31-12-2027")

    # The phone: a focus location from next year is off today's map, on next year's.
    assert phone.sync_now().ok
    assert code not in {h.code for h in phone.hotspots_for_map()}
    next_year = hotspots_for_map(phone.store.engine, None, date(2027, 6, 1))
    on_phone = next(h for h in next_year if h.code == code)
    assert sorted(on_phone.themes) == sorted([first, second])

    # An empty period: a focus location without begin or end again.
    tab.valid_from.value = tab.valid_to.value = ""
    run(tab._save_details)
    again = next(h for h in tab.wijk.hotspots("noord") if h.code == code)
    assert (again.valid_from, again.valid_to) == (None, None)
    assert "periode: altijd" in "\n".join(texts(screen.body))


def test_the_server_hands_both_maps_its_tile_proxy_and_the_app_setting_overrides_it(
    tmp_path, server, engine, settings, monkeypatch
):
    monkeypatch.delenv(TILE_URL_ENV, raising=False)
    phone, _officer = _enrolled_app(tmp_path, server, engine, settings)
    phone.set_pin("48213", "48213")
    assert tile_url(phone.folder) is None  # never synced: a plain field
    assert phone.sync_now().ok
    template = tile_url(phone.folder)
    assert template is not None
    assert template.startswith(server.url + "/api/v1/tiles/{z}/{x}/{y}.png?key=")

    def tile_layers(found: fm.Map) -> list[str]:
        return [t.url_template for t in found.layers if isinstance(t, fm.TileLayer)]

    officer_map = KaartScreen(FakeHost(phone))
    officer_map.refresh()
    assert tile_layers(officer_map.map_box.content) == [template]
    # The key opens the proxy without a token; its upstream is out of reach here.
    tile = httpx.get(template.format(z=15, x=16834, y=10773), timeout=30)
    assert tile.status_code == 503 and tile.json()["code"] == "tiles_unavailable"

    screen = _screen(tmp_path, server, engine)
    _tab(screen, "Kaart")
    assert tile_layers(the_map(screen)) == [template]

    monkeypatch.setenv(TILE_URL_ENV, "http://127.0.0.1:1/tegels/{z}/{x}/{y}.png")
    officer_map.refresh()
    assert tile_layers(officer_map.map_box.content) == ["http://127.0.0.1:1/tegels/{z}/{x}/{y}.png"]


def test_a_drag_in_pixels_is_a_place_at_the_maps_zoom():
    # One degree of longitude is 256 · 2^z / 360 pixels; a sideways drag keeps the latitude.
    zoom = 13.5
    per_degree = 256 * 2**zoom / 360
    lat, lon = shifted(52.4, 4.65, per_degree * 0.01, 0, zoom)
    assert lat == pytest.approx(52.4, abs=1e-9)
    assert lon == pytest.approx(4.66, abs=1e-9)
    # Down is south, and back again is where it started.
    south, same = shifted(52.4, 4.65, 0, 100, zoom)
    assert south < 52.4 and same == pytest.approx(4.65)
    assert shifted(south, same, 0, -100, zoom) == pytest.approx((52.4, 4.65))


def test_only_the_selected_focus_location_drags_and_a_drop_moves_it(tmp_path, server, engine):
    screen = _screen(tmp_path, server, engine)
    _tab(screen, "Kaart")
    tab = screen.tabs["Kaart"]
    assert isinstance(tab, KaartTab)

    def draggable(marker: fm.Marker) -> bool:
        return isinstance(marker.content, ft.GestureDetector) and marker.data.on_drag is not None

    assert not any(draggable(m) for m in spot_markers(screen).values())
    run(marker_button(spot_markers(screen)["Marsmanplein"]).on_click)
    code = tab.selected
    dragging = [name for name, m in spot_markers(screen).items() if draggable(m)]
    assert dragging == ["Marsmanplein"]
    marker = spot_markers(screen)["Marsmanplein"]
    assert marker.content.on_pan_start is not None and marker.content.on_pan_end is not None

    # Dropped (the gesture's handler gets the place from `shifted`): saved and redrawn.
    run(marker.data.on_drag, 52.40123456, 4.65098765)
    assert not screen.banner.control.visible, screen.banner.text.value
    moved = spot_markers(screen)["Marsmanplein"]
    assert (moved.coordinates.latitude, moved.coordinates.longitude) == (52.401235, 4.650988)
    [saved] = [h for h in tab.wijk.hotspots("noord") if h.code == code]
    assert (saved.lat, saved.lon) == (52.401235, 4.650988)
