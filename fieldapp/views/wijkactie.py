"""The district action (wijkactie) card on the officer's home screen: shown only
during the action's hot times (AppState.active_actions), with what it is about
and one button that opens an observation preset with the action and its first
focus location, so logging against the action is one tap away.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import flet as ft

from fieldapp.components import big_button
from fieldapp.components import style as s
from fieldapp.kinds import KINDS
from sync_protocol import RecordKind

if TYPE_CHECKING:
    from fieldapp import models as m
    from fieldapp.views.host import Host

__all__ = ["ActionCards", "REGISTER_TEXT"]

REGISTER_TEXT = "Registreer bij deze actie"
_DAYS = ["ma", "di", "wo", "do", "vr", "za", "zo"]


def hot_times_text(action: m.Wijkactie) -> str:
    return ", ".join(
        f"{_DAYS[t['weekday']]} {t['start_hour']}–{t['end_hour']} u" for t in action.hot_times
    )


class ActionCards:
    """The actions on right now, one card each (nothing when none is on)."""

    def __init__(self, app: Host) -> None:
        self.app, self.state = app, app.state
        self.control = ft.Column(spacing=10, visible=False)

    def refresh(self) -> None:
        actions = self.state.active_actions()
        self.control.visible = bool(actions)
        self.control.controls = [self._card(action) for action in actions]

    def _card(self, action: m.Wijkactie) -> ft.Control:
        places = ", ".join(self.state.hotspot_name(code) for code in action.hotspots)
        lines: list[ft.Control] = [
            ft.Text("Wijkactie nu", size=s.SMALL, color=s.MUTED, weight=ft.FontWeight.BOLD),
            ft.Text(action.title, size=s.LABEL, color=s.INK, weight=ft.FontWeight.BOLD),
        ]
        if places:
            lines.append(ft.Text(places, size=s.TEXT, color=s.INK))
        if action.goal:
            lines.append(ft.Text(action.goal, size=s.SMALL, color=s.MUTED))
        when = hot_times_text(action)
        lines.append(
            ft.Text(
                f"{action.starts_on} t/m {action.ends_on}" + (f" · {when}" if when else ""),
                size=s.SMALL,
                color=s.MUTED,
            )
        )
        lines.append(
            ft.Row(
                [
                    big_button(
                        REGISTER_TEXT,
                        self.app.act(self._register(action)),
                        icon=ft.Icons.ADD_TASK,
                        height=56,
                    )
                ]
            )
        )
        return ft.Semantics(
            container=True,
            content=ft.Container(
                ft.Column(lines, spacing=4),
                bgcolor=s.SURFACE,
                border=ft.Border.all(2, s.PRIMARY),
                border_radius=12,
                padding=12,
            ),
        )

    def _register(self, action: m.Wijkactie) -> Callable[[], None]:
        route = KINDS[RecordKind.WAARNEMING].route
        hotspot = action.hotspots[0] if action.hotspots else None
        return lambda: self.app.start_form(route, hotspot=hotspot, wijkactie=action.id)
