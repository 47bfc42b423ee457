"""Koppelen: link this phone to the officer's account with a one-time code."""

from __future__ import annotations

import asyncio
import os
from typing import TYPE_CHECKING

import flet as ft

from fieldapp.components import style as s
from fieldapp.components.widgets import Banner, big_button, set_field_error, text_field
from fieldapp.state import SyncError

if TYPE_CHECKING:
    from fieldapp.views.shell import App


class EnrolScreen:
    def __init__(self, app: App, message: str | None = None) -> None:
        self.app, self.state = app, app.state
        self.route = app.page.route
        self.server = text_field(
            "Adres van de server",
            os.environ.get("HV_SERVER_URL", ""),
            keyboard_type=ft.KeyboardType.URL,
            autocorrect=False,
            enable_suggestions=False,
            on_change=app.act(lambda: None),
        )
        self.code = text_field(
            "Koppelcode",
            autocorrect=False,
            enable_suggestions=False,
            capitalization=ft.TextCapitalization.CHARACTERS,
            on_change=app.act(lambda: None),
            on_submit=app.act(self._enrol),
        )
        self.banner = Banner()
        if message:
            self.banner.show(message, "error")
        self.button = big_button("Koppelen", app.act(self._enrol), icon=ft.Icons.LINK)
        # A QR scanner needs a camera: a browser here has none the app can use, and
        # the phone build has no scanner yet, so the code is typed.
        self._view = ft.View(
            route=self.route,
            appbar=app.appbar("Telefoon koppelen", back=False),
            controls=[
                ft.ListView(
                    [
                        ft.Text(
                            "Koppel deze telefoon aan je account. Je teamleider geeft je "
                            "een koppelcode die één keer werkt.",
                            size=s.TEXT,
                            color=s.INK,
                        ),
                        self.banner.control,
                        self.server,
                        self.code,
                        ft.Row([self.button]),
                    ],
                    expand=True,
                    spacing=18,
                    padding=16,
                )
            ],
            padding=0,
            horizontal_alignment=ft.CrossAxisAlignment.STRETCH,
            bgcolor=s.PAGE_BG,
        )

    def view(self) -> ft.View:
        return self._view

    def refresh(self) -> None:
        pass

    async def _enrol(self) -> None:
        url, code = (self.server.value or "").strip(), (self.code.value or "").strip()
        set_field_error(self.server, None if url else "Vul het adres van de server in.")
        set_field_error(self.code, None if code else "Vul de koppelcode in.")
        if not (url and code):
            return
        self.banner.hide()
        self.button.disabled = True
        self.button.content = ft.Text(
            "Bezig met koppelen…", size=s.BUTTON, weight=ft.FontWeight.BOLD
        )
        self.app.page.update()
        device = "Veldapp (browser)" if self.app.page.web else "Veldapp (telefoon)"
        try:
            await asyncio.to_thread(self.state.enroll, url, code, device)
        except SyncError as exc:
            self.banner.show(exc.message, "error")
            self.button.disabled = False
            self.button.content = ft.Text("Koppelen", size=s.BUTTON, weight=ft.FontWeight.BOLD)
            return
        # Fetch the district (focus locations, themes) while the PIN is chosen.
        self.app.start_sync()
