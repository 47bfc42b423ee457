"""Chips for a choice from a few codes."""

from __future__ import annotations

from collections.abc import Callable, Mapping

import flet as ft

from fieldapp.components import style as s
from fieldapp.components.controls import (
    error_text,
    label_text,
    show_error,
)
from fieldapp.components.host import WidgetHost


class ChoiceGroup:
    """Chips for a choice from a few codes, labelled from fieldapp.labels.

    Single choice (one chip at a time) or several (`multi`). A chip is a
    checkbox for a screen reader and at least 48 px high."""

    def __init__(
        self,
        shell: WidgetHost,
        label: str,
        options: Mapping[str, str],
        *,
        multi: bool = False,
        selected: list[str] | None = None,
        on_change: Callable[[], None] | None = None,
        accent: str | None = None,
        missing: str | None = None,
        optional: bool = False,
    ) -> None:
        self.multi, self.optional = multi, optional
        self.missing = missing or f"Kies een {label.lower()}"
        self.on_change = on_change
        self.error = error_text()
        self.chips: dict[str, ft.Chip] = {}
        accent = accent or (s.ACCENT if s.dark else s.PRIMARY)  # read at build: day or night
        chosen = set(selected or [])
        for code, text in options.items():
            self.chips[code] = ft.Chip(
                label=ft.Text(text, size=s.TEXT),
                selected=code in chosen,
                on_select=shell.act(self._selected(code)),
                selected_color=_tint(accent),
                check_color=accent,
                bgcolor=s.SURFACE,
                border_side=ft.BorderSide(2, s.BORDER),
                # 10 px above and below: 50 px high without Flutter's touch padding,
                # which desktop browsers (and touch laptops) do not get
                padding=ft.Padding.symmetric(horizontal=6, vertical=10),
            )
        self.control = ft.Column(
            [
                label_text(label),
                ft.Row(list(self.chips.values()), wrap=True, spacing=8, run_spacing=8),
                self.error,
            ],
            spacing=8,
        )

    def _selected(self, code: str) -> Callable[[], None]:
        def handler() -> None:
            chip = self.chips[code]
            if not self.multi:
                if not chip.selected and not self.optional:
                    chip.selected = True  # a required choice cannot be emptied by a tap
                for other, other_chip in self.chips.items():
                    if other != code:
                        other_chip.selected = False
            self.set_error(None)
            if self.on_change:
                self.on_change()

        return handler

    @property
    def values(self) -> list[str]:
        return [code for code, chip in self.chips.items() if chip.selected]

    @property
    def value(self) -> str | None:
        values = self.values
        return values[0] if values else None

    def set_error(self, message: str | None) -> None:
        if message in ("is verplicht", "kies er minstens één"):
            message = self.missing
        show_error(self.error, message)


def _tint(colour: str) -> str:
    """A selected chip's fill: light by day, dark at night (the label keeps the
    theme's text colour, light at night, so a light fill made it unreadable)."""
    if s.dark:
        return {s.DANGER: "#5A1F1A"}.get(colour, "#1F3F66")
    return {s.DANGER: "#F9D6D3"}.get(colour, "#CFE0F5")
