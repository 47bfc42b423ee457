"""When it happened: date and time as typed (dd-mm-jjjj, uu:mm)."""

from __future__ import annotations

from datetime import datetime

import flet as ft

from fieldapp.components import style as s
from fieldapp.components.controls import (
    label_text,
    set_field_error,
    text_field,
)
from fieldapp.components.host import WidgetHost
from fieldapp.state import moment_texts, parse_moment


class MomentField:
    """When it happened: date and time, filled in with now (change when earlier)."""

    def __init__(self, shell: WidgetHost, label: str = "Tijdstip", moment: datetime | None = None):
        day, clock = moment_texts(moment)
        self.date = text_field(
            "Datum (dd-mm-jjjj)",
            day,
            expand=3,
            keyboard_type=ft.KeyboardType.DATETIME,
            on_change=shell.act(lambda: None),
        )
        self.time = text_field(
            "Tijd (uu:mm)",
            clock,
            expand=2,
            keyboard_type=ft.KeyboardType.DATETIME,
            on_change=shell.act(lambda: None),
        )
        self.hint = ft.Text(
            "Ingevuld met nu. Pas aan als het eerder was.", size=s.SMALL, color=s.MUTED
        )
        self.control = ft.Column(
            [label_text(label), ft.Row([self.date, self.time], spacing=8), self.hint],
            spacing=8,
        )
        if moment is not None:
            self.hint.visible = False

    def value(self) -> datetime:
        return parse_moment(self.date.value or "", self.time.value or "")

    def set_error(self, message: str | None) -> None:
        set_field_error(self.date, message)
