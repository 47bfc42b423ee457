"""The connection, what waits to be sent, and the last sync, on every screen."""

from __future__ import annotations

import flet as ft

from fieldapp.components import style as s
from fieldapp.state import AppState


class StatusBar:
    """Online or offline, always in view. The full bar (home, PIN screens) also says
    what waits and when the last sync was; the compact one (forms) only how many wait."""

    def __init__(self, state: AppState, *, compact: bool = False) -> None:
        self.state, self.compact = state, compact
        self.icon = ft.Icon(ft.Icons.WIFI, color="#FFFFFF", size=24)
        self.online = ft.Text("", size=s.TEXT, weight=ft.FontWeight.BOLD, color="#FFFFFF")
        self.pending = ft.Text("", size=s.SMALL, color="#FFFFFF", weight=ft.FontWeight.BOLD)
        self.last = ft.Text("", size=s.SMALL, color="#FFFFFF", visible=not compact)
        self.control = ft.Container(
            content=ft.Column(
                [ft.Row([self.icon, self.online], spacing=8, wrap=True), self.pending, self.last],
                spacing=0,
            ),
            padding=ft.Padding.symmetric(horizontal=16, vertical=6),
        )
        self.refresh()

    def refresh(self) -> None:
        state = self.state
        self.online.value = state.online_text()
        self.pending.value = state.pending_text()
        self.last.value = state.last_sync_text()
        if state.syncing:
            self.online.value = "Bezig met synchroniseren…"
            self.control.bgcolor, self.icon.icon = s.CHECKING, ft.Icons.SYNC
        elif state.online is None:
            self.control.bgcolor, self.icon.icon = s.CHECKING, ft.Icons.SYNC
        elif state.online:
            self.control.bgcolor, self.icon.icon = s.ONLINE, ft.Icons.WIFI
        else:
            self.control.bgcolor, self.icon.icon = s.OFFLINE, ft.Icons.WIFI_OFF
