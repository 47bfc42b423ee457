"""A number changed with − and + (persons present)."""

from __future__ import annotations

import flet as ft

from fieldapp.components import style as s
from fieldapp.components.controls import (
    error_text,
    icon_button,
    label_text,
    show_error,
)
from fieldapp.components.host import WidgetHost


class Stepper:
    """A number changed with large − and + buttons (typing is not needed)."""

    def __init__(
        self,
        shell: WidgetHost,
        label: str,
        value: int = 0,
        *,
        minimum: int = 0,
        maximum: int = 1000,
    ) -> None:
        self.value, self.minimum, self.maximum = value, minimum, maximum
        self.number = ft.Text(
            str(value),
            size=28,
            weight=ft.FontWeight.BOLD,
            color=s.INK,
            width=64,
            text_align=ft.TextAlign.CENTER,
        )
        button_style = ft.ButtonStyle(
            side=ft.BorderSide(2, s.PRIMARY), shape=ft.RoundedRectangleBorder(radius=10)
        )
        self.error = error_text()
        self.control = ft.Column(
            [
                ft.Row(
                    [
                        label_text(label),
                        ft.Row(
                            [
                                icon_button(
                                    ft.Icons.REMOVE,
                                    f"{label}: één minder",
                                    shell.act(lambda: self._step(-1)),
                                    icon_size=30,
                                    icon_color=s.PRIMARY,
                                    style=button_style,
                                    width=56,
                                    height=56,
                                ),
                                self.number,
                                icon_button(
                                    ft.Icons.ADD,
                                    f"{label}: één meer",
                                    shell.act(lambda: self._step(1)),
                                    icon_size=30,
                                    icon_color=s.PRIMARY,
                                    style=button_style,
                                    width=56,
                                    height=56,
                                ),
                            ],
                            spacing=4,
                        ),
                    ],
                    alignment=ft.MainAxisAlignment.SPACE_BETWEEN,
                ),
                self.error,
            ],
            spacing=4,
        )

    def _step(self, delta: int) -> None:
        self.value = max(self.minimum, min(self.maximum, self.value + delta))
        self.number.value = str(self.value)

    def set_error(self, message: str | None) -> None:
        show_error(self.error, message)
