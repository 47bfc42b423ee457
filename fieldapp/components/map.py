"""A map built on flet_map: marker layers over an optional base map.

Base map tiles come from a URL template: the app setting HANDHAVING_TILE_URL if
set, else the one the server handed out at the last sync (fieldapp/map_tiles.py:
its caching proxy in front of PDOK's BRT-Achtergrondkaart), else none. Without
tiles the map is a plain field with the markers still at their places, which is
what an officer needs: where the focus locations are relative to each other and
to them.

Each marker is a button with a readable accessible name, so a person (and a browser test)
can find it by name; a tap on it runs the marker's handler.
"""

from __future__ import annotations

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

__all__ = ["TILE_URL_ENV", "MapMarker", "map_control", "marker_button", "tile_url"]

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


def _marker(marker: MapMarker, host: WidgetHost) -> fm.Marker:
    button = ft.IconButton(
        icon=marker.icon,
        icon_color=marker.colour,
        icon_size=marker.size * 0.8,
        on_click=host.act(marker.on_click) if marker.on_click is not None else None,
        style=ft.ButtonStyle(padding=0),
    )
    return fm.Marker(
        data=marker,
        content=labelled(button, marker.label),
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
    map_layers: list[fm.MapLayer] = []
    if tiles:
        map_layers.append(
            fm.TileLayer(url_template=tiles, user_agent_package_name="nl.haarlem.handhaving")
        )
    for layer in layers:
        map_layers.append(fm.MarkerLayer(markers=[_marker(m, host) for m in layer]))
    return fm.Map(
        layers=map_layers,
        initial_center=fm.MapLatitudeLongitude(center[0], center[1]),
        initial_zoom=zoom,
        bgcolor=PLAIN_BG,
        on_tap=host.act(on_tap) if on_tap is not None else None,
        height=height,
        expand=height is None,
    )
