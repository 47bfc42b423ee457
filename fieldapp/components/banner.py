"""A message above a form or list: information, a warning or an error."""

from __future__ import annotations

import flet as ft

from fieldapp.components import style as s


class Banner:
    """A message block: errors in red, success in green, information in amber."""

    KINDS = {
        "error": (s.DANGER_BG, s.DANGER, ft.Icons.ERROR_OUTLINE),
        "ok": (s.OK_BG, s.ONLINE, ft.Icons.CHECK_CIRCLE_OUTLINE),
        "info": (s.WARN_BG, "#6B3500", ft.Icons.INFO_OUTLINE),
    }

    def __init__(self) -> None:
        self.icon = ft.Icon(ft.Icons.ERROR_OUTLINE, size=28)
        self.text = ft.Text("", size=s.TEXT, color=s.INK, expand=True)
        self.control = ft.Container(
            content=ft.Row([self.icon, self.text], vertical_alignment=ft.CrossAxisAlignment.START),
            padding=12,
            border_radius=10,
            visible=False,
        )

    def show(self, message: str, kind: str = "error") -> None:
        bg, fg, icon = self.KINDS[kind]
        self.control.bgcolor = bg
        self.control.border = ft.Border.all(2, fg)
        self.icon.icon, self.icon.color = icon, fg
        self.text.value = message
        self.control.visible = True

    def hide(self) -> None:
        self.control.visible = False
