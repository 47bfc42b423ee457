"""A yes/no question as a switch with its question as label."""

from __future__ import annotations

from collections.abc import Callable

import flet as ft

from fieldapp.components import style as s
from fieldapp.components.controls import (
    error_text,
    show_error,
)
from fieldapp.components.host import WidgetHost


class YesNo:
    """A switch that says its value in words next to it ("Ja" / "Nee").

    The label sits left, the word and the switch right; for a screen reader the
    switch itself carries the label."""

    def __init__(
        self,
        shell: WidgetHost,
        label: str,
        value: bool,
        on_change: Callable[[], None] | None = None,
    ) -> None:
        self.on_change = on_change
        self.switch = ft.Switch(
            value=value,
            active_color="#FFFFFF",
            active_track_color=s.PRIMARY,
            inactive_thumb_color=s.MUTED,
            inactive_track_color="#DDE3EA",
            track_outline_color=s.BORDER,
            on_change=shell.act(self._changed),
        )
        self.word = ft.Text(
            "",
            size=s.TEXT,
            weight=ft.FontWeight.BOLD,
            color=s.INK,
            width=40,
            text_align=ft.TextAlign.RIGHT,
        )
        self.error = error_text()
        self.control = ft.Column(
            [
                ft.Row(
                    [
                        ft.Text(label, size=s.TEXT, color=s.INK, expand=True),
                        self.word,
                        ft.MergeSemantics(content=ft.Semantics(label=label, content=self.switch)),
                    ],
                    height=s.TOUCH + 4,
                ),
                self.error,
            ],
            spacing=0,
        )
        self._show()

    def _show(self) -> None:
        self.word.value = "Ja" if self.switch.value else "Nee"

    def _changed(self) -> None:
        self._show()
        self.set_error(None)
        if self.on_change:
            self.on_change()

    @property
    def value(self) -> bool:
        return bool(self.switch.value)

    @value.setter
    def value(self, value: bool) -> None:
        self.switch.value = value
        self._show()

    def set_error(self, message: str | None) -> None:
        show_error(self.error, message)
