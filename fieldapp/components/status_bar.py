"""The connection, what waits to be sent, and the last sync, on every screen.

One line (about 32 px, 5% of a 640 px screen): the slab it replaced took 13% of
a small phone's height, room the forms need. The line shows short words
("Offline · 2 wachten · Sync 14:02"); each part's semantics label is the full
sentence, so a screen reader (and a test) hears "Offline — invoer blijft
bewaard", "2 wachten op verzenden", "Laatst gesynchroniseerd 14:02".
"""

from __future__ import annotations

import flet as ft

from fieldapp.components import style as s
from fieldapp.state import AppState

WHITE = "#FFFFFF"


def _short_online(state: AppState) -> str:
    if state.syncing:
        return "Synchroniseren…"
    if state.online is None:
        return "Controleren…"
    return "Online" if state.online else "Offline"


def _short_pending(state: AppState) -> str:
    count = state.pending_count()
    if count == 0:
        return "alles verzonden"
    return f"{count} {'wacht' if count == 1 else 'wachten'}"


def _short_last(full: str) -> str:
    """'Laatst gesynchroniseerd gisteren 14:02' → 'Sync gisteren 14:02'."""
    if full.startswith("Laatst gesynchroniseerd "):
        return "Sync " + full.removeprefix("Laatst gesynchroniseerd ")
    return "Nog geen sync"


class StatusBar:
    """Online or offline, always in view, in one coloured line. The full line (home,
    sync, PIN screens) also says when the last sync was; the compact one (forms,
    log, map) only what waits."""

    def __init__(self, state: AppState, *, compact: bool = False) -> None:
        self.state, self.compact = state, compact
        self.icon = ft.Icon(ft.Icons.WIFI, color=WHITE, size=20)
        self.online = ft.Text(
            "", size=s.SMALL, weight=ft.FontWeight.BOLD, color=WHITE, no_wrap=True
        )
        self.pending = ft.Text(
            "", size=s.SMALL, weight=ft.FontWeight.BOLD, color=WHITE, no_wrap=True
        )
        self.last = ft.Text(
            "",
            size=s.SMALL,
            color=WHITE,
            visible=not compact,
            max_lines=1,
            overflow=ft.TextOverflow.ELLIPSIS,
            text_align=ft.TextAlign.RIGHT,
            expand=True,
        )
        self.control = ft.Container(
            content=ft.Row(
                [
                    self.icon,
                    self.online,
                    ft.Text("·", size=s.SMALL, color=WHITE),
                    self.pending,
                    self.last,
                ],
                spacing=6,
                vertical_alignment=ft.CrossAxisAlignment.CENTER,
            ),
            padding=ft.Padding.symmetric(horizontal=16, vertical=6),
        )
        self.refresh()

    def refresh(self) -> None:
        state = self.state
        online = "Bezig met synchroniseren…" if state.syncing else state.online_text()
        self.online.value, self.online.semantics_label = _short_online(state), online
        self.pending.value = _short_pending(state)
        self.pending.semantics_label = state.pending_text()
        last = state.last_sync_text()
        self.last.value, self.last.semantics_label = _short_last(last), last
        if state.syncing or state.online is None:
            self.control.bgcolor, self.icon.icon = s.CHECKING, ft.Icons.SYNC
        elif state.online:
            self.control.bgcolor, self.icon.icon = s.ONLINE, ft.Icons.WIFI
        else:
            self.control.bgcolor, self.icon.icon = s.OFFLINE, ft.Icons.WIFI_OFF
