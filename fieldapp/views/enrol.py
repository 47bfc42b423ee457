"""Koppelen: link this phone to the officer's account with a one-time code."""

from __future__ import annotations

import asyncio
import os
from typing import TYPE_CHECKING

import flet as ft

from fieldapp.components import Banner, big_button, screen, set_field_error, text_field
from fieldapp.components import style as s
from fieldapp.state import SyncError

if TYPE_CHECKING:
    from fieldapp.views.host import Host


class EnrolScreen:
    def __init__(self, app: Host, message: str | None = None) -> None:
        self.app, self.state = app, app.state
        self.route = app.route
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
        # Team leaders and beheerders log in at /teamleider (a login of their own
        # browser session, never this phone's link).
        self.switch_button = ft.TextButton(
            content=ft.Text("Inloggen als teamleider", size=s.TEXT, color=s.ACCENT),
            on_click=app.act(lambda: app.go("/teamleider")),
            height=s.TOUCH,  # 42 px on a tablet in desktop mode without it
        )
        self.enrol_form = ft.Column(
            [
                ft.Text(
                    "Koppel deze telefoon aan je account. Je teamleider geeft je "
                    "een koppelcode die één keer werkt.",
                    size=s.TEXT,
                    color=s.INK,
                ),
                self.server,
                self.code,
                ft.Row([self.button]),
            ],
            spacing=18,
            horizontal_alignment=ft.CrossAxisAlignment.STRETCH,
        )
        # A QR scanner needs a camera: a browser here has none the app can use, and
        # the phone build has no scanner yet, so the code is typed.
        self._view = screen(
            self.route,
            app.appbar("Telefoon koppelen", back=False),
            [
                self.banner.control,
                self.enrol_form,
                ft.Row([self.switch_button]),
            ],
            spacing=18,
        )

    def view(self) -> ft.View:
        return self._view

    def refresh(self) -> None:
        """Nothing here follows the sync state (the shell calls this on every screen)."""

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
        self.app.update()
        device = "Veldapp (browser)" if self.app.is_web else "Veldapp (telefoon)"
        try:
            await asyncio.to_thread(self.state.enroll, url, code, device)
        except SyncError as exc:
            self.banner.show(exc.message, "error")
            self.button.disabled = False
            self.button.content = ft.Text("Koppelen", size=s.BUTTON, weight=ft.FontWeight.BOLD)
            return
        # Fetch the district (focus locations, themes) while the PIN is chosen.
        self.app.start_sync()
