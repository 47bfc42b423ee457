"""The officer's map: the district's focus locations and their own position; a
tap on a focus location starts an observation there, by the same preset-hotspot
path the list on home uses. Focus locations without coordinates are named under
the map (they can still be chosen in a form), never silently dropped.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import flet as ft

from fieldapp.components import style as s
from fieldapp.components.map import MapMarker, map_control, tile_url
from fieldapp.kinds import KINDS
from fieldapp.state.map_points import MapPoint, map_points
from sync_protocol import RecordKind

if TYPE_CHECKING:
    from collections.abc import Callable

    from fieldapp.views.host import Host

__all__ = ["KaartScreen"]

MAP_HEIGHT = 420


class KaartScreen:
    route = "/kaart"

    def __init__(self, app: Host) -> None:
        self.app, self.state = app, app.state
        self.status = app.status_bar()
        self.map_box = ft.Container(height=MAP_HEIGHT, bgcolor=s.SURFACE)
        self.summary = ft.Text("", size=s.SMALL, color=s.MUTED)
        self.missing = ft.Text("", size=s.SMALL, color=s.MUTED)
        self._view = ft.View(
            route=self.route,
            appbar=app.appbar("Kaart"),
            controls=[
                self.status.control,
                ft.ListView(
                    [
                        self.map_box,
                        ft.Container(
                            ft.Column([self.summary, self.missing], spacing=8),
                            padding=ft.Padding.symmetric(horizontal=16),
                        ),
                    ],
                    expand=True,
                    spacing=8,
                    padding=ft.Padding.only(left=0, right=0, top=0, bottom=24),
                ),
            ],
            padding=0,
            horizontal_alignment=ft.CrossAxisAlignment.STRETCH,
            spacing=0,
            bgcolor=s.PAGE_BG,
        )

    def view(self) -> ft.View:
        return self._view

    def markers(self) -> tuple[list[MapMarker], list[MapMarker]]:
        """The focus locations and (a layer above them) the officer's position."""
        data = map_points(self.state)
        spots = [
            MapMarker(p.lat, p.lon, f"Waarneming bij {p.name}", on_click=self._at(p))
            for p in data.points
        ]
        me = (
            [
                MapMarker(
                    data.position[0],
                    data.position[1],
                    "Mijn positie",
                    colour="#1E88E5",
                    size=32,
                    icon=ft.Icons.MY_LOCATION,
                )
            ]
            if data.position
            else []
        )
        return spots, me

    def refresh(self) -> None:
        self.status.refresh()
        data = map_points(self.state)
        spots, me = self.markers()
        self.map_box.content = map_control(
            [spots, me],
            center=data.center,
            host=self.app,
            tiles=tile_url(self.state.folder),
            height=MAP_HEIGHT,
            zoom=13.5,
        )
        where = "je positie en " if data.position else ""
        self.summary.value = (
            f"Kaart met {where}{len(spots)} focuslocaties; tik op een focuslocatie "
            "om daar een waarneming te registreren."
        )
        self.missing.visible = bool(data.without_place)
        self.missing.value = f"Zonder plek op de kaart ({len(data.without_place)}): " + ", ".join(
            data.without_place
        )

    def _at(self, point: MapPoint) -> Callable[[], None]:
        route = KINDS[RecordKind.WAARNEMING].route
        return lambda: self.app.start_form(route, hotspot=point.code)
