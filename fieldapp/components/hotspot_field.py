"""The focus location of an entry, pre-selected honestly and searchable."""

from __future__ import annotations

from collections.abc import Callable

import flet as ft

from fieldapp.components import style as s
from fieldapp.components.controls import (
    error_text,
    label_text,
    show_error,
    text_field,
)
from fieldapp.components.host import WidgetHost
from fieldapp.store import HotspotChoice


class HotspotField:
    """The focus location: the current choice with why it was chosen, and a
    searchable list (nearest first when the position is known) to change it."""

    def __init__(
        self,
        shell: WidgetHost,
        *,
        label: str = "Focuslocatie",
        code: str | None = None,
        reason: str = "",
        theme: Callable[[], str | None] | None = None,
        optional: bool = False,
    ) -> None:
        self.shell, self.state = shell, shell.state
        self.label, self.theme, self.optional = label, theme, optional
        self.code, self.reason = code, reason
        self.name = ft.Text("", size=s.TEXT, weight=ft.FontWeight.BOLD, color=s.INK)
        self.why = ft.Text("", size=s.SMALL, color=s.MUTED)
        self.error = error_text()
        self.button = ft.Container(
            content=ft.Row(
                [
                    ft.Icon(ft.Icons.PLACE, color=s.PRIMARY, size=30),
                    ft.Column([self.name, self.why], spacing=2, expand=True),
                    ft.Text("Wijzig", size=s.TEXT, color=s.PRIMARY, weight=ft.FontWeight.BOLD),
                ],
            ),
            padding=ft.Padding.symmetric(horizontal=12, vertical=10),
            border=ft.Border.all(2, s.BORDER),
            border_radius=10,
            bgcolor=s.SURFACE,
            ink=True,
            on_click=shell.act(self.open),
        )
        self.search = text_field(
            "Zoek op naam", prefix_icon=ft.Icons.SEARCH, on_change=shell.act(self._filter)
        )
        self.options = ft.Column(spacing=0, expand=True, scroll=ft.ScrollMode.AUTO)
        self.dialog = ft.AlertDialog(
            title=ft.Text(f"Kies {label.lower()}", size=s.TITLE, weight=ft.FontWeight.BOLD),
            content=ft.Container(
                ft.Column([self.search, self.options], spacing=8),
                width=360,
                height=480,
            ),
            actions=[
                ft.TextButton(
                    content=ft.Text("Annuleren", size=s.TEXT), on_click=shell.act(self.close)
                )
            ],
            inset_padding=ft.Padding.symmetric(horizontal=12, vertical=24),
        )
        self.control = ft.Column([label_text(label), self.button, self.error], spacing=8)
        self._show()

    def _show(self) -> None:
        if self.code:
            self.name.value = self.state.hotspot_name(self.code)
            self.why.value = self.reason or "gekozen"
        else:
            self.name.value = "Geen focuslocatie" if self.optional else "Kies een focuslocatie"
            self.why.value = "optioneel" if self.optional else ""
        self.why.visible = bool(self.why.value)

    @property
    def value(self) -> str | None:
        return self.code

    def choose(self, code: str | None, reason: str = "gekozen") -> None:
        self.code, self.reason = code, reason
        self.set_error(None)
        self._show()

    def open(self) -> None:
        self.search.value = ""
        self._fill("")
        self.shell.show_dialog(self.dialog)

    def close(self) -> None:
        self.shell.close_dialog()

    def _filter(self, e: ft.Event[ft.TextField]) -> None:
        self._fill(e.control.value or "")

    def _fill(self, search: str) -> None:
        """The theme's focus locations first (nearest first when the position is
        known), then the district's others: the officer can always pick any."""
        theme = self.theme() if self.theme else None
        first = self.state.hotspots(search, theme) if theme else []
        shown = {choice.code for choice in first}
        rest = [c for c in self.state.hotspots(search) if c.code not in shown]
        rows: list[ft.Control] = []
        if self.optional:
            rows.append(self._option(None, "Geen focuslocatie", ""))
        rows.extend(self._option(c.code, c.name, _distance(c)) for c in first)
        if first and rest:
            rows.append(
                ft.Container(
                    ft.Text(
                        "Andere focuslocaties",
                        size=s.SMALL,
                        color=s.MUTED,
                        weight=ft.FontWeight.BOLD,
                    ),
                    padding=ft.Padding.only(left=16, top=12, bottom=4),
                )
            )
        rows.extend(self._option(c.code, c.name, _distance(c)) for c in rest)
        if not first and not rest:
            rows.append(
                ft.Text(
                    "Geen focuslocatie gevonden. Synchroniseer om de lijst van je "
                    "stadsdeel op te halen."
                    if not search
                    else "Geen focuslocatie met die naam.",
                    size=s.TEXT,
                    color=s.MUTED,
                )
            )
        self.options.controls = rows

    def _option(self, code: str | None, name: str, detail: str) -> ft.Control:
        def pick() -> None:
            self.choose(code, "gekozen")
            self.close()

        return ft.ListTile(
            title=ft.Text(name, size=s.TEXT, color=s.INK),
            subtitle=ft.Text(detail, size=s.SMALL, color=s.MUTED) if detail else None,
            selected=code == self.code,
            min_height=s.TOUCH + 8,
            on_click=self.shell.act(pick),
        )

    def set_error(self, message: str | None) -> None:
        show_error(self.error, message)
        self.button.border = ft.Border.all(2, s.DANGER if message else s.BORDER)


def _distance(choice: HotspotChoice) -> str:
    from fieldapp.state import distance_text

    return f"{distance_text(choice.distance_m)} hiervandaan" if choice.distance_m else ""
