"""Incidenten: incidents against enforcers with their aftercare (BOT) and police
follow-up. Late ones come first, flagged in red; the team leader records the
follow-up here with one tap."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import flet as ft

from fieldapp.components import style as s
from fieldapp.state import SyncError
from fieldapp.teamleader import IncidentRow
from fieldapp.views.teamleider.parts import card, flag, note, small_button

if TYPE_CHECKING:
    from fieldapp.views.teamleider.tab_host import TabHost

FOLLOWUP_DONE = {
    "bot_contact": "BOT-contact vastgelegd",
    "melding_gedaan": "Melding vastgelegd",
    "aangifte_gedaan": "Aangifte vastgelegd",
}


class IncidentsTab:
    def __init__(self, screen: TabHost) -> None:
        self.screen, self.app, self.leader = screen, screen.app, screen.leader

    def build(self) -> list[ft.Control]:
        board = self.leader.client.incident_board(self.screen.district)
        summary = (
            f"{board.open} met open opvolging, {board.overdue} te laat "
            f"(termijn: {board.working_days} werkdagen na het incident)."
        )
        controls: list[ft.Control] = [
            self.screen.district_filter(everything="Al mijn stadsdelen"),
            note(summary),
        ]
        if not board.rows:
            controls.append(ft.Text("Geen incidenten geregistreerd.", size=s.TEXT, color=s.MUTED))
        controls.extend(self._card(row) for row in board.rows)
        return controls

    def _followup(self, row: IncidentRow, kind: str) -> Callable[..., Any]:
        async def handler() -> None:
            try:
                await asyncio.to_thread(self.leader.client.add_followup, row.id, kind)
            except SyncError as exc:
                self.screen.banner.show(exc.message, "error")
                return
            self.app.snack(FOLLOWUP_DONE[kind])
            await self.screen.load()

        return self.app.act(handler)

    def _card(self, row: IncidentRow) -> ft.Control:
        buttons: list[ft.Control] = []
        if row.bot_open:
            buttons.append(
                small_button(
                    "BOT-contact gehad",
                    self._followup(row, "bot_contact"),
                    icon=ft.Icons.SUPPORT_AGENT,
                )
            )
        if row.politie_open:
            kind = f"{row.politie_wanted}_gedaan"
            buttons.append(
                small_button(
                    f"{row.politie_wanted.capitalize()} gedaan",
                    self._followup(row, kind),
                    icon=ft.Icons.LOCAL_POLICE,
                )
            )
        buttons.append(
            small_button(
                "Registratie",
                self.app.act(self._open(row.id)),
                icon=ft.Icons.OPEN_IN_NEW,
                tooltip="Bekijk en beoordeel de registratie",
            )
        )
        head: list[ft.Control] = [
            ft.Text(row.title, size=s.TEXT, weight=ft.FontWeight.BOLD, color=s.INK, expand=True)
        ]
        if row.overdue:
            head.append(flag("Te laat", s.DANGER_BG, s.DANGER))
        lines: list[ft.Control] = [
            ft.Row(head),
            ft.Text(row.types, size=s.SMALL, color=s.INK),
            ft.Text(row.bot, size=s.SMALL, color=s.MUTED),
            ft.Text(row.politie, size=s.SMALL, color=s.MUTED),
        ]
        if row.overdue_text:
            lines.append(
                ft.Text(row.overdue_text, size=s.SMALL, color=s.DANGER, weight=ft.FontWeight.BOLD)
            )
        lines.append(ft.Row(buttons, wrap=True, spacing=8, run_spacing=8))
        return ft.Semantics(
            container=True,
            content=card(
                ft.Column(lines, spacing=4),
                border=ft.Border.all(
                    2 if row.overdue else 1, s.DANGER if row.overdue else s.BORDER
                ),
            ),
        )

    def _open(self, record_id: str) -> Callable[[], Any]:
        async def handler() -> None:
            await self.screen.show_record(record_id)

        return handler
