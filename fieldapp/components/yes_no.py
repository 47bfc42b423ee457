"""A yes/no question: a switch with its question as label, or, where there is no
honest default, two chips "Ja" / "Nee" of which one must be chosen."""

from __future__ import annotations

from collections.abc import Callable

import flet as ft

from fieldapp.components import style as s
from fieldapp.components.controls import (
    error_text,
    show_error,
)
from fieldapp.components.host import WidgetHost

YES, NO = "Ja", "Nee"


class YesNo:
    """A yes/no question on one row: the label left, the answer right.

    As a switch (the default) it says its value in words next to it, and a tap
    anywhere on the row flips it, not only on the small switch: a gloved thumb
    in the rain hits the words as often as the switch. For a screen reader the
    switch itself carries the label.

    With `ask=True` there is no default: the row shows two chips, "Ja" and "Nee",
    `value` is None until one is tapped, and `problem()` says so in Dutch (e.g.
    "Bodycam aan": guessing it for the officer would file the wrong answer)."""

    def __init__(
        self,
        shell: WidgetHost,
        label: str,
        value: bool | None,
        on_change: Callable[[], None] | None = None,
        *,
        ask: bool = False,
        missing: str = "kies Ja of Nee",
    ) -> None:
        self.label, self.ask, self.missing = label, ask, missing
        self.on_change = on_change
        self._answer: bool | None = value if ask else bool(value)
        self.switch = ft.Switch(
            value=bool(value),
            active_color="#FFFFFF",
            active_track_color=s.PRIMARY,
            inactive_thumb_color=s.MUTED,
            inactive_track_color="#DDE3EA",
            track_outline_color=s.BORDER,
            on_change=shell.act(self._switched),
        )
        self.chips = {
            answer: ft.Chip(
                label=ft.Text(word, size=s.TEXT),
                selected=value is answer,
                on_select=shell.act(self._chosen(answer)),
                selected_color="#CFE0F5",
                check_color=s.PRIMARY,
                bgcolor=s.SURFACE,
                border_side=ft.BorderSide(2, s.BORDER),
                padding=ft.Padding.symmetric(horizontal=6, vertical=10),
            )
            for answer, word in ((True, YES), (False, NO))
        }
        self.word = ft.Text(
            "",
            size=s.TEXT,
            weight=ft.FontWeight.BOLD,
            color=s.INK,
            width=40,
            text_align=ft.TextAlign.RIGHT,
        )
        self.error = error_text()
        if ask:
            row: ft.Control = ft.Row(
                [
                    ft.Text(label, size=s.TEXT, color=s.INK),
                    ft.Row(list(self.chips.values()), spacing=8),
                ],
                alignment=ft.MainAxisAlignment.SPACE_BETWEEN,
                wrap=True,
            )
        else:
            # The whole row is the tap target; a tap on the switch itself is the
            # switch's own (Flutter gives the innermost gesture the tap).
            row = ft.Container(
                ft.Row(
                    [
                        ft.Text(label, size=s.TEXT, color=s.INK, expand=True),
                        self.word,
                        ft.MergeSemantics(content=ft.Semantics(label=label, content=self.switch)),
                    ],
                ),
                height=s.TOUCH + 4,
                on_click=shell.act(self._row_tapped),
            )
        self.row = row
        self.control = ft.Column([row, self.error], spacing=0)
        self._show()

    def _show(self) -> None:
        self.word.value = YES if self.switch.value else NO
        for answer, chip in self.chips.items():
            chip.selected = self._answer is answer

    def _changed(self) -> None:
        self._show()
        self.set_error(None)
        if self.on_change:
            self.on_change()

    def _switched(self) -> None:
        self._answer = bool(self.switch.value)
        self._changed()

    def _row_tapped(self) -> None:
        if self.switch.disabled:
            return
        self.switch.value = not self.switch.value
        self._switched()

    def _chosen(self, answer: bool) -> Callable[[], None]:
        def handler() -> None:
            self._answer = answer  # a tap on the chosen chip keeps it chosen
            self.switch.value = answer
            self._changed()

        return handler

    @property
    def value(self) -> bool | None:
        """The answer; None only with `ask` and nothing chosen yet."""
        return self._answer

    @value.setter
    def value(self, value: bool | None) -> None:
        self._answer = value if self.ask else bool(value)
        self.switch.value = bool(value)
        self._show()

    def choose(self, value: bool | None) -> None:
        """Set the answer as a tap would: dependent fields follow (a restored draft)."""
        self.value = value
        self._changed()

    @property
    def disabled(self) -> bool:
        return bool(self.switch.disabled)

    @disabled.setter
    def disabled(self, disabled: bool) -> None:
        self.switch.disabled = disabled
        for chip in self.chips.values():
            chip.disabled = disabled

    def problem(self) -> str | None:
        """Dutch, when a required answer is missing; None otherwise."""
        return self.missing if self._answer is None else None

    def set_error(self, message: str | None) -> None:
        if message and self.ask and self._answer is None:
            message = self.missing  # the model's "moet ja of nee zijn", as a question
        show_error(self.error, message)
