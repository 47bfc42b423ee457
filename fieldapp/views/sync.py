"""Synchroniseren: send what waits and fetch news, with progress, and every
failure, rejection and conflict explained in Dutch, with what to do."""

from __future__ import annotations

from typing import TYPE_CHECKING

import flet as ft

from fieldapp.components import Banner, big_button, label_text, screen
from fieldapp.components import style as s
from fieldapp.state import haarlem

if TYPE_CHECKING:
    from fieldapp.views.host import Host


class SyncScreen:
    route = "/sync"

    def __init__(self, app: Host) -> None:
        self.app, self.state = app, app.state
        self.status = app.status_bar(compact=False)
        self.button = big_button("Nu synchroniseren", app.act(self._start), icon=ft.Icons.SYNC)
        self.bar = ft.ProgressBar(
            value=0,
            bar_height=14,
            border_radius=7,
            color=s.PRIMARY,
            bgcolor="#DDE3EA",
            semantics_label="Voortgang",
        )
        self.step = ft.Text("", size=s.TEXT, color=s.INK)
        self.result = Banner()
        self.problems_title = label_text("Afgewezen of conflict")
        self.problems = ft.Column(spacing=8)
        self._view = screen(
            self.route,
            app.appbar("Synchroniseren"),
            [
                ft.Text(
                    "Verstuurt wat wacht en haalt de gegevens van je stadsdeel op. "
                    "Dit gebeurt ook vanzelf zodra er verbinding is.",
                    size=s.TEXT,
                    color=s.INK,
                ),
                ft.Row([self.button]),
                ft.Column([self.bar, self.step], spacing=6),
                self.result.control,
                self.problems_title,
                self.problems,
            ],
            spacing=16,
            status=self.status,
        )

    def view(self) -> ft.View:
        return self._view

    def _start(self) -> None:
        if not self.app.start_sync():
            self.app.snack("Er loopt al een synchronisatie. Even geduld.")
        self.step.value = "Verbinden met de server…"
        self.bar.value = None  # moving until the first step reports
        self.button.disabled = True

    def refresh(self) -> None:
        state = self.state
        self.status.refresh()
        text, fraction = state.progress
        if state.syncing:
            self.button.disabled = True
            self.bar.value = fraction if fraction > 0 else None
            self.step.value = text or "Verbinden met de server…"
        else:
            self.button.disabled = False
            self.bar.value = fraction if state.last_report is not None else 0
            self.step.value = ""
        report = state.last_report
        if report is not None and not state.syncing:
            lines = state.sync_summary(report)
            kind = "ok" if report.ok and not (report.rejected or report.conflicts) else "error"
            self.result.show("\n".join(lines), kind)
            self.step.value = "Klaar" if report.ok else "Niet gelukt"
            if not report.ok:
                self.bar.value = 0
        else:
            self.result.hide()  # no result yet, or an older one while this sync runs
        problems = state.problem_items()
        self.problems_title.visible = bool(problems)
        self.problems.controls = [
            ft.Container(
                ft.Column(
                    [
                        ft.Text(
                            f"{item.kind_label} · {item.status_label}",
                            size=s.TEXT,
                            weight=ft.FontWeight.BOLD,
                            color=s.DANGER,
                        ),
                        ft.Text(
                            " · ".join(
                                p for p in (item.title, f"{haarlem(item.when):%d-%m %H:%M}") if p
                            ),
                            size=s.SMALL,
                            color=s.MUTED,
                        ),
                        ft.Text(item.detail or "Geen reden opgegeven.", size=s.SMALL, color=s.INK),
                        ft.Text(
                            "Tik om aan te passen en opnieuw te versturen.",
                            size=s.SMALL,
                            color=s.PRIMARY,
                            weight=ft.FontWeight.BOLD,
                        ),
                    ],
                    spacing=4,
                ),
                bgcolor=s.SURFACE,
                border=ft.Border.all(2, s.DANGER),
                border_radius=10,
                padding=12,
                ink=True,
                on_click=self.app.act(lambda item_id=item.id: self.app.go(f"/log/{item_id}")),
            )
            for item in problems
        ]
