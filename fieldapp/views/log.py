"""Mijn log: the officer's own entries with their status; tap to change, and
delete only what never left the phone. A yellow card shows no identity here."""

from __future__ import annotations

from typing import TYPE_CHECKING

import flet as ft

from fieldapp.components import icon_button
from fieldapp.components import style as s
from fieldapp.state import EntryLocked, LogItem, haarlem

if TYPE_CHECKING:
    from fieldapp.views.host import Host


class LogScreen:
    route = "/log"

    def __init__(self, app: Host) -> None:
        self.app, self.state = app, app.state
        self.status = app.status_bar()
        # A Column (not a lazy ListView): every entry is in the accessibility tree.
        self.items = ft.Column(spacing=10, horizontal_alignment=ft.CrossAxisAlignment.STRETCH)
        self._view = ft.View(
            route=self.route,
            appbar=app.appbar("Mijn log"),
            controls=[
                self.status.control,
                ft.Column(
                    [
                        ft.Container(
                            self.items,
                            padding=ft.Padding.only(left=12, right=12, top=12, bottom=24),
                        )
                    ],
                    expand=True,
                    scroll=ft.ScrollMode.AUTO,
                ),
            ],
            padding=0,
            horizontal_alignment=ft.CrossAxisAlignment.STRETCH,
            spacing=0,
            bgcolor=s.PAGE_BG,
        )

    def view(self) -> ft.View:
        return self._view

    def refresh(self) -> None:
        self.status.refresh()
        items = self.state.log()
        rows: list[ft.Control] = []
        if items:
            rows.append(
                ft.Text("Tik op een invoer om die aan te passen.", size=s.SMALL, color=s.MUTED)
            )
        else:
            rows.append(
                ft.Text("Nog niets vastgelegd op deze telefoon.", size=s.TEXT, color=s.MUTED)
            )
        rows.extend(self._card(item) for item in items)
        self.items.controls = rows

    def _card(self, item: LogItem) -> ft.Control:
        """The entry (one tap target: open it) and, beside it, its delete button:
        two separate controls, so a screen reader names both."""
        problem = item.status in ("afgewezen", "conflict")
        bg, fg = s.STATUS_COLOURS.get(item.status, ("#ECEFF1", s.INK))
        when = haarlem(item.when)
        lines: list[ft.Control] = [
            ft.Text(item.kind_label, size=s.TEXT, weight=ft.FontWeight.BOLD, color=s.INK),
            ft.Row(
                [
                    ft.Container(
                        ft.Text(
                            item.status_label, size=s.SMALL, weight=ft.FontWeight.BOLD, color=fg
                        ),
                        bgcolor=bg,
                        border=ft.Border.all(1, fg),
                        border_radius=14,
                        padding=ft.Padding.symmetric(horizontal=10, vertical=3),
                    ),
                    ft.Text(f"{when:%d-%m %H:%M}", size=s.SMALL, color=s.MUTED),
                ],
                spacing=10,
            ),
        ]
        if item.title:
            lines.append(ft.Text(item.title, size=s.SMALL, color=s.INK))
        if item.detail:
            attention = problem or item.needs_attention
            lines.append(
                ft.Text(
                    item.detail,
                    size=s.SMALL,
                    color=fg if problem else ("#6B3500" if attention else s.INK),
                    weight=ft.FontWeight.BOLD if attention else None,
                )
            )
        if item.needs_attention:
            lines.insert(
                1,
                ft.Text(
                    "Teruggestuurd door je teamleider",
                    size=s.SMALL,
                    weight=ft.FontWeight.BOLD,
                    color="#6B3500",
                ),
            )
        row: list[ft.Control] = [
            ft.MergeSemantics(
                content=ft.Semantics(
                    button=True,
                    content=ft.Container(
                        ft.Column(lines, spacing=6),
                        padding=ft.Padding.only(left=14, right=8, top=10, bottom=12),
                        border_radius=10,
                        ink=True,
                        on_click=self.app.act(lambda: self.app.go(f"/log/{item.id}")),
                    ),
                ),
                expand=True,
            )
        ]
        if item.can_delete:
            row.append(
                icon_button(
                    ft.Icons.DELETE_OUTLINE,
                    f"{item.kind_label} verwijderen",
                    self.app.act(lambda: self._confirm_delete(item)),
                    icon_color=s.DANGER,
                    icon_size=28,
                )
            )
        edge = fg if problem else ("#B86E00" if item.needs_attention else "#C5CCD4")
        return ft.Container(
            ft.Row(row, vertical_alignment=ft.CrossAxisAlignment.START, spacing=0),
            bgcolor=s.SURFACE,
            border=ft.Border.all(2 if problem or item.needs_attention else 1, edge),
            border_radius=10,
        )

    def _confirm_delete(self, item: LogItem) -> None:
        when = haarlem(item.when)
        place = f" bij {item.title}" if item.title else ""

        def delete() -> None:
            self.app.close_dialog()
            try:
                self.state.delete_entry(item.id)
            except EntryLocked as exc:
                self.app.snack(str(exc), error=True)
                return
            self.refresh()
            self.app.snack(f"{item.kind_label} verwijderd")

        self.app.show_dialog(
            ft.AlertDialog(
                modal=True,
                title=ft.Text("Invoer verwijderen?", size=s.TITLE, weight=ft.FontWeight.BOLD),
                content=ft.Text(
                    f"{item.kind_label} van {when:%d-%m %H:%M}{place} wordt van deze telefoon "
                    "verwijderd en nooit verzonden. Dit kan niet ongedaan worden.",
                    size=s.TEXT,
                ),
                actions=[
                    ft.TextButton(
                        content=ft.Text("Annuleren", size=s.TEXT),
                        on_click=self.app.act(lambda: self.app.close_dialog()),
                    ),
                    ft.Button(
                        content=ft.Text("Verwijderen", size=s.TEXT, weight=ft.FontWeight.BOLD),
                        on_click=self.app.act(delete),
                        style=ft.ButtonStyle(bgcolor=s.DANGER, color="#FFFFFF"),
                    ),
                ],
            )
        )
