"""A number typed or changed with − and + (persons present)."""

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
    """A number in a small text field between large − and + buttons: a few people
    are stepped, 30 are typed (30 taps on + is no way to count a crowd).

    `value` is the last valid number; `problem()` says in Dutch what is wrong with
    what is typed now (None when it is fine), and a form refuses to save until
    it is fixed."""

    def __init__(
        self,
        shell: WidgetHost,
        label: str,
        value: int = 0,
        *,
        minimum: int = 0,
        maximum: int = 1000,
    ) -> None:
        self.label = label
        self.value, self.minimum, self.maximum = value, minimum, maximum
        self.number = ft.TextField(
            value=str(value),
            label="Aantal",
            width=92,
            text_size=24,
            text_align=ft.TextAlign.CENTER,
            keyboard_type=ft.KeyboardType.NUMBER,
            input_filter=ft.NumbersOnlyInputFilter(),
            max_length=len(str(maximum)),
            counter=ft.Text(""),  # no "0/4" counter under the number
            border_color=s.PRIMARY,
            focused_border_color=s.PRIMARY,
            bgcolor=s.SURFACE,
            filled=True,
            fill_color=s.SURFACE,
            label_style=ft.TextStyle(size=s.SMALL, color=s.MUTED),
            on_change=shell.act(self._typed),
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
                    wrap=True,
                ),
                self.error,
            ],
            spacing=4,
        )

    def problem(self) -> str | None:
        """What is wrong with the typed number, in Dutch; None when it is fine."""
        text = (self.number.value or "").strip()
        if not text:
            return "typ een aantal"
        if not text.isdigit():
            return "typ alleen cijfers"
        number = int(text)
        if not self.minimum <= number <= self.maximum:
            return f"typ een aantal van {self.minimum} tot en met {self.maximum}"
        return None

    def _typed(self) -> None:
        message = self.problem()
        if message is None:
            self.value = int((self.number.value or "").strip())
        self.set_error(message)

    def _step(self, delta: int) -> None:
        if self.problem() is None:
            self.value = int((self.number.value or "").strip())
        self.set(self.value + delta)

    def set(self, value: int) -> None:
        """Show `value` (kept within the range) as the number."""
        self.value = max(self.minimum, min(self.maximum, value))
        self.number.value = str(self.value)
        self.set_error(None)

    def set_error(self, message: str | None) -> None:
        show_error(self.error, message)
