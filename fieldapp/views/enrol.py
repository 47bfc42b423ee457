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
        # Team leaders log in with a password (online only); handhavers get the
        # server's explanation that they use a koppelcode.
        enrolment = self.state.enrolment
        self.username = text_field(
            "Gebruikersnaam",
            enrolment.username if self.state.is_teamleader() and enrolment else "",
            autocorrect=False,
            enable_suggestions=False,
            on_change=app.act(lambda: None),
        )
        self.password = text_field(
            "Wachtwoord",
            password=True,
            can_reveal_password=True,
            on_change=app.act(lambda: None),
            on_submit=app.act(self._login),
        )
        self.login_button = big_button("Inloggen", app.act(self._login), icon=ft.Icons.LOGIN)
        self.login_form = ft.Column(
            [
                ft.Text(
                    "Voor teamleiders: registraties beoordelen, indicatoren en hot times. "
                    "Werkt alleen met verbinding.",
                    size=s.TEXT,
                    color=s.INK,
                ),
                self.username,
                self.password,
                ft.Row([self.login_button]),
            ],
            spacing=18,
            visible=False,
            horizontal_alignment=ft.CrossAxisAlignment.STRETCH,
        )
        self.switch_button = ft.TextButton(
            content=ft.Text("Inloggen als teamleider", size=s.TEXT, color=s.PRIMARY),
            on_click=app.act(self._toggle),
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
                self.login_form,
                ft.Row([self.switch_button]),
            ],
            spacing=18,
        )

        if self.state.is_teamleader():
            self._toggle()

    def view(self) -> ft.View:
        return self._view

    def _toggle(self) -> None:
        """Switch between koppelen (handhaver) and inloggen (teamleider)."""
        leader = not self.login_form.visible
        self.login_form.visible = leader
        # The server address is needed for both: it moves along with the form.
        (self.enrol_form if not leader else self.login_form).controls.insert(1, self._take_server())
        self.switch_button.content = ft.Text(
            "Telefoon koppelen als handhaver" if leader else "Inloggen als teamleider",
            size=s.TEXT,
            color=s.PRIMARY,
        )
        self.enrol_form.visible = not leader
        self._view.appbar = self.app.appbar(
            "Inloggen als teamleider" if leader else "Telefoon koppelen", back=False
        )
        self.banner.hide()

    def _take_server(self) -> ft.TextField:
        for form in (self.enrol_form, self.login_form):
            if self.server in form.controls:
                form.controls.remove(self.server)
        return self.server

    async def _login(self) -> None:
        url = (self.server.value or "").strip()
        username, password = (self.username.value or "").strip(), self.password.value or ""
        set_field_error(self.server, None if url else "Vul het adres van de server in.")
        set_field_error(self.username, None if username else "Vul je gebruikersnaam in.")
        set_field_error(self.password, None if password else "Vul je wachtwoord in.")
        if not (url and username and password):
            return
        self.banner.hide()
        self.login_button.disabled = True
        self.app.update()
        try:
            await asyncio.to_thread(
                self.state.login_teamleader, url, username, password, "Veldapp (teamleider)"
            )
        except SyncError as exc:
            self.banner.show(exc.message, "error")
        finally:
            self.login_button.disabled = False

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
