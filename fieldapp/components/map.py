"""A map built on flet_map: marker layers over an optional base map.

Base map tiles come from a URL template: the app setting HANDHAVING_TILE_URL if
set, else the one the server handed out at the last sync (fieldapp/map_tiles.py:
its caching proxy in front of PDOK's BRT-Achtergrondkaart), else none. Without
tiles the map is a plain field with the markers still at their places, which is
what an officer needs: where the focus locations are relative to each other and
to them.

Each marker is a button with a readable accessible name, so a person (and a browser test)
can find it by name; a tap on it runs the marker's handler. A marker with `on_drag`
can be dragged: flet-map 1.0.5 has no draggable markers, so a drag gesture on the
marker is measured in screen pixels and turned into a place at the map's zoom
(`shifted`); the marker is redrawn there once its handler has saved it.
"""

from __future__ import annotations

import inspect
import math
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import flet as ft
import flet_map as fm

from fieldapp import map_tiles
from fieldapp.components import style as s
from fieldapp.components.controls import labelled
from fieldapp.components.host import WidgetHost

__all__ = ["TILE_URL_ENV", "MapMarker", "map_control", "marker_button", "shifted", "tile_url"]

# The base map's URL template ({z}/{x}/{y}) set on the device, overriding the
# server's (a test, a demo, another tile server).
TILE_URL_ENV = "HANDHAVING_TILE_URL"
PLAIN_BG = "#E8ECEF"


def tile_url(folder: Path | None = None, server: str | None = None) -> str | None:
    """The base map template: the app setting, else the server's (kept in the
    phone's `folder` at its last sync, or as the team leader's server said it),
    else None for a plain background."""
    if override := os.environ.get(TILE_URL_ENV):
        return override
    if server:
        return server
    return map_tiles.load(folder) if folder is not None else None


@dataclass(frozen=True)
class MapMarker:
    lat: float
    lon: float
    label: str  # its accessible name: what a screen reader reads (and a test looks for)
    colour: str = s.PRIMARY
    size: float = 40
    icon: ft.IconData = ft.Icons.PLACE
    on_click: Callable[[], Any] | None = None
    on_drag: Callable[[float, float], Any] | None = None  # dropped at (lat, lon)


TILE_SIZE = 256.0


def shifted(lat: float, lon: float, dx: float, dy: float, zoom: float) -> tuple[float, float]:
    """Where a place lands when moved dx, dy logical pixels (right, down) on a
    Web Mercator map at this zoom, as flet-map draws it (256-pixel tiles)."""
    scale = TILE_SIZE * 2**zoom
    sin_lat = math.sin(math.radians(lat))
    x = (lon + 180.0) / 360.0 * scale + dx
    y = (0.5 - math.log((1 + sin_lat) / (1 - sin_lat)) / (4 * math.pi)) * scale + dy
    new_lon = x / scale * 360.0 - 180.0
    new_lat = math.degrees(math.atan(math.sinh(math.pi - 2 * math.pi * y / scale)))
    return new_lat, new_lon


def _draggable(
    content: ft.Control, marker: MapMarker, host: WidgetHost, the_map: fm.Map
) -> ft.Control:
    """The marker's content under a pan gesture: from where it was grabbed to where
    it was let go, at the map's zoom of that moment, is the new place."""
    on_drag = marker.on_drag
    assert on_drag is not None
    grabbed: list[ft.Offset] = []

    def start(e: ft.DragStartEvent[ft.GestureDetector]) -> None:
        grabbed[:] = [e.global_position]

    async def end(e: ft.DragEndEvent[ft.GestureDetector]) -> None:
        if not grabbed:
            return
        dx = e.global_position.x - grabbed[0].x
        dy = e.global_position.y - grabbed[0].y
        grabbed.clear()
        if abs(dx) < 2 and abs(dy) < 2:
            return
        camera = await the_map.get_camera()
        lat, lon = shifted(marker.lat, marker.lon, dx, dy, float(camera.zoom))
        done = on_drag(lat, lon)
        if inspect.isawaitable(done):
            await done

    return ft.GestureDetector(
        content=content,
        on_pan_start=start,
        on_pan_end=host.act(end),
        mouse_cursor=ft.MouseCursor.MOVE,
    )


def _marker(marker: MapMarker, host: WidgetHost, the_map: fm.Map) -> fm.Marker:
    button = ft.IconButton(
        icon=marker.icon,
        icon_color=marker.colour,
        icon_size=marker.size * 0.8,
        on_click=host.act(marker.on_click) if marker.on_click is not None else None,
        style=ft.ButtonStyle(padding=0),
    )
    content = labelled(button, marker.label)
    if marker.on_drag is not None:
        content = _draggable(content, marker, host, the_map)
    return fm.Marker(
        data=marker,
        content=content,
        coordinates=fm.MapLatitudeLongitude(marker.lat, marker.lon),
        width=marker.size,
        height=marker.size,
    )


def marker_button(marker: fm.Marker) -> ft.IconButton:
    """The button inside a marker (under its accessible name)."""
    found = marker.content
    while not isinstance(found, ft.IconButton):
        found = found.content
    return found


def map_control(
    layers: Sequence[Sequence[MapMarker]],
    *,
    center: tuple[float, float],
    host: WidgetHost,
    zoom: float = 14,
    tiles: str | None = None,
    on_tap: Callable[..., Any] | None = None,
    height: float | None = None,
) -> fm.Map:
    """A map with one marker layer per sequence (later layers on top); `act` wraps
    handlers through the host's `act` (errors shown, page updated)."""
    the_map = fm.Map(
        layers=[],
        initial_center=fm.MapLatitudeLongitude(center[0], center[1]),
        initial_zoom=zoom,
        bgcolor=PLAIN_BG,
        on_tap=host.act(on_tap) if on_tap is not None else None,
        height=height,
        expand=height is None,
    )
    if tiles:
        the_map.layers.append(
            fm.TileLayer(url_template=tiles, user_agent_package_name="nl.haarlem.handhaving")
        )
    for layer in layers:
        the_map.layers.append(fm.MarkerLayer(markers=[_marker(m, host, the_map) for m in layer]))
    return the_map
