"""Home: who is logged in, the connection, what waits, and one large button per action."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import flet as ft

from fieldapp.components import big_button, icon_button
from fieldapp.components import style as s
from fieldapp.kinds import KINDS, kind_of
from fieldapp.state import distance_text, haarlem, remark_text
from fieldapp.views.wijkactie import ActionCards
from sync_protocol import RecordKind

if TYPE_CHECKING:
    from fieldapp.views.host import Host


def kind_icon(name: str) -> ft.IconData:
    """A Flet icon by the name the registry of entry kinds keeps (flet-free there)."""
    icon: ft.IconData = getattr(ft.Icons, name)
    return icon


class HomeScreen:
    route = "/"

    def __init__(self, app: Host) -> None:
        self.app, self.state = app, app.state
        self.status = app.status_bar(compact=False)
        self.who = ft.Text("", size=s.TITLE, weight=ft.FontWeight.BOLD, color=s.INK)
        self.district = ft.Text("", size=s.TEXT, color=s.MUTED)
        self.spots_title = ft.Text("", size=s.LABEL, weight=ft.FontWeight.BOLD, color=s.INK)
        self.spots = ft.Column(spacing=0)
        self.patrol_title = ft.Text("", size=s.LABEL, weight=ft.FontWeight.BOLD, color=s.INK)
        self.patrol_note = ft.Text("", size=s.SMALL, color=s.MUTED)
        self.patrol = ft.Column(spacing=0)
        self.actions = ActionCards(app)  # a district action during its hot times
        buttons: list[ft.Control] = [
            ft.Row(
                [
                    big_button(
                        spec.button,
                        app.act(self._open(spec.route)),
                        icon=kind_icon(spec.icon),
                        bgcolor=spec.colour,
                        color=spec.text_colour,
                    )
                ]
            )
            for spec in KINDS.values()
        ]

        def goto(label: str, route: str) -> ft.Control:
            return big_button(
                label, app.act(lambda: app.go(route)), outlined=True, height=56, center=True
            )

        # Two rows: three side by side broke "Synchroniseren" over two lines at 360-390 px.
        secondary = ft.Column(
            [
                ft.Row([goto("Mijn log", "/log"), goto("Kaart", "/kaart")], spacing=10),
                ft.Row([goto("Synchroniseren", "/sync")]),
            ],
            spacing=10,
        )
        # The badge: entries the team leader sent back, hard to miss, one tap away.
        self.remarks_text = ft.Text("", size=s.BUTTON, weight=ft.FontWeight.BOLD)
        self.remarks = ft.Row(
            [
                ft.Button(
                    content=self.remarks_text,
                    icon=ft.Icons.MARK_CHAT_UNREAD,
                    on_click=app.act(lambda: app.go("/log")),
                    height=56,
                    expand=True,
                    style=ft.ButtonStyle(
                        bgcolor="#FFE2B8",
                        color="#6B3500",
                        icon_color="#6B3500",
                        shape=ft.RoundedRectangleBorder(radius=12),
                    ),
                )
            ],
            visible=False,
        )
        # Unsaved forms (drafts), one tap back into each.
        self.drafts_title = ft.Text(
            "Concepten (nog niet opgeslagen)", size=s.LABEL, weight=ft.FontWeight.BOLD, color=s.INK
        )
        self.drafts = ft.Column(spacing=0)
        self._view = ft.View(
            route="/",
            appbar=app.appbar(
                "Handhaving Haarlem",
                back=False,
                actions=[
                    icon_button(
                        ft.Icons.LOCK,
                        "Vergrendelen",
                        app.act(self.state.lock),
                        icon_color="#FFFFFF",
                        icon_size=28,
                    ),
                ],
            ),
            controls=[
                self.status.control,
                ft.ListView(
                    [
                        ft.Column([self.who, self.district], spacing=0),
                        self.remarks,
                        self.drafts_title,
                        self.drafts,
                        self.actions.control,
                        *buttons,
                        secondary,
                        ft.Container(height=4),
                        ft.Semantics(
                            container=True,
                            content=ft.Column([self.patrol_title, self.patrol_note], spacing=0),
                        ),
                        self.patrol,
                        self.spots_title,
                        self.spots,
                    ],
                    expand=True,
                    spacing=10,
                    padding=ft.Padding.only(left=16, right=16, top=12, bottom=24),
                ),
            ],
            padding=0,
            horizontal_alignment=ft.CrossAxisAlignment.STRETCH,
            spacing=0,
            bgcolor=s.PAGE_BG,
        )

    def _open(self, route: str) -> Callable[[], None]:
        return lambda: self.app.start_form(route)

    def view(self) -> ft.View:
        return self._view

    def refresh(self) -> None:
        self.status.refresh()
        self.who.value = self.state.officer_name()
        districts = self.state.district_names()
        self.district.value = f"Stadsdeel {districts}" if districts else ""
        drafts = self.state.drafts()
        self.drafts_title.visible = bool(drafts)
        self.drafts.controls = [
            ft.ListTile(
                leading=ft.Icon(ft.Icons.EDIT_NOTE, color=s.PRIMARY),
                title=ft.Text(kind_of(d.kind).label, size=s.TEXT, color=s.INK),
                subtitle=ft.Text(
                    f"Concept van {haarlem(d.updated_at):%d-%m %H:%M}",
                    size=s.SMALL,
                    color=s.MUTED,
                ),
                on_click=self.app.act(self._open(kind_of(d.kind).route)),
            )
            for d in drafts
        ]
        remarks = self.state.remark_count()
        self.remarks.visible = remarks > 0
        self.remarks_text.value = remark_text(remarks) if remarks else ""
        self._refresh_patrol()
        self.actions.refresh()
        spots = self.state.nearby_hotspots(5)
        near = bool(spots) and spots[0].distance_m is not None
        self.spots_title.value = (
            "Focuslocaties in de buurt" if near else "Focuslocaties in je stadsdeel"
        )
        self.spots_title.visible = bool(spots)
        self.spots.controls = [
            ft.ListTile(
                leading=ft.Icon(ft.Icons.PLACE, color=s.PRIMARY),
                title=ft.Text(spot.name, size=s.TEXT, color=s.INK),
                subtitle=ft.Text(distance_text(spot.distance_m), size=s.SMALL, color=s.MUTED)
                if spot.distance_m is not None
                else None,
                trailing=ft.Icon(ft.Icons.CHEVRON_RIGHT, color=s.MUTED),
                min_height=s.TOUCH + 8,
                bgcolor=s.SURFACE,
                tooltip=f"Waarneming bij {spot.name}",
                on_click=self.app.act(self._at(spot.code)),
            )
            for spot in spots
        ]

    def _refresh_patrol(self) -> None:
        suggestion = self.state.patrol_suggestion()
        self.patrol_title.visible = self.patrol_note.visible = suggestion is not None
        if suggestion is None:
            self.patrol.controls = []
            return
        self.patrol_title.value = f"Patrouillesuggestie · {suggestion.heading}"
        self.patrol_note.value = suggestion.note
        self.patrol.controls = [
            ft.ListTile(
                leading=ft.CircleAvatar(
                    content=ft.Text(str(stop.rank), color="#FFFFFF", weight=ft.FontWeight.BOLD),
                    bgcolor=s.PRIMARY if suggestion.current else s.MUTED,
                    radius=16,
                ),
                title=ft.Text(stop.name, size=s.TEXT, color=s.INK),
                subtitle=ft.Text(stop.reason, size=s.SMALL, color=s.MUTED),
                trailing=ft.Icon(ft.Icons.CHEVRON_RIGHT, color=s.MUTED),
                min_height=s.TOUCH + 8,
                bgcolor=s.SURFACE,
                tooltip=f"Waarneming bij {stop.name}",
                on_click=self.app.act(self._at(stop.hotspot)),
            )
            for stop in suggestion.stops
        ]

    def _at(self, code: str) -> Callable[[], None]:
        return lambda: self.app.start_form(KINDS[RecordKind.WAARNEMING].route, hotspot=code)
