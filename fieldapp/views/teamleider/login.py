"""Inloggen als teamleider of beheerder, at /teamleider, whatever the phone part of
the same app process is doing (gekoppeld, vergrendeld...).

The login lives in this browser session's LeaderSession only. The screen says
why it is back (an expired session), asks for the authenticator code when the
server wants a second factor, and offers the city's single sign-on when the
server has it configured.
"""

from __future__ import annotations

import asyncio
import os
from typing import TYPE_CHECKING

import flet as ft

from fieldapp.components import Banner, big_button, screen, set_field_error, text_field
from fieldapp.components import style as s
from fieldapp.state import SyncError
from fieldapp.teamleader.sso import sso_methods, sso_reply, sso_start_url

if TYPE_CHECKING:
    from fieldapp.views.host import Host

SECOND_FACTOR = ("second_factor_required", "second_factor_failed")


class LeaderLoginScreen:
    def __init__(self, app: Host) -> None:
        self.app, self.leader = app, app.leader
        self.route = "/teamleider"
        self.banner = Banner()
        if self.leader.notice:
            self.banner.show(self.leader.notice, "error")
        server = self.leader.server_url or os.environ.get("HV_SERVER_URL", "")
        self.server = text_field(
            "Adres van de server",
            server,
            keyboard_type=ft.KeyboardType.URL,
            autocorrect=False,
            enable_suggestions=False,
            on_change=app.act(lambda: None),
            on_blur=app.act(self._check_sso),
        )
        self.username = text_field(
            "Gebruikersnaam",
            self.leader.username,
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
        # Only when the server asks for a second factor (TOTP) for this account.
        self.totp = text_field(
            "Code uit je authenticator-app",
            keyboard_type=ft.KeyboardType.NUMBER,
            autocorrect=False,
            enable_suggestions=False,
            visible=False,
            on_change=app.act(lambda: None),
            on_submit=app.act(self._login),
        )
        self.login_button = big_button("Inloggen", app.act(self._login), icon=ft.Icons.LOGIN)
        self.sso_button = ft.OutlinedButton(
            content=ft.Text("Inloggen met gemeente-account", size=s.TEXT),
            icon=ft.Icons.ACCOUNT_BALANCE,
            visible=False,
            height=s.TOUCH,
            on_click=app.act(self._sso),
        )
        self._view = screen(
            self.route,
            app.appbar("Inloggen als teamleider", back=False),
            [
                self.banner.control,
                ft.Text(
                    "Voor teamleiders en beheerders: registraties beoordelen, indicatoren, "
                    "hot times en accounts. Werkt alleen met verbinding.",
                    size=s.TEXT,
                    color=s.INK,
                ),
                self.server,
                self.username,
                self.password,
                self.totp,
                ft.Row([self.login_button]),
                ft.Row([self.sso_button]),
            ],
            spacing=18,
        )
        self._replies: set[str] = set()  # the sign-on replies (route queries) taken
        if not self._take_sso_reply() and server:
            app.run_task(self._check_sso)

    def view(self) -> ft.View:
        # Flet's web client keeps its session across a reload, so this screen may
        # already exist when the browser comes back from the city's sign-on page:
        # the shell asks for the view at every route change, so look here too.
        self._take_sso_reply()
        return self._view

    def _take_sso_reply(self) -> bool:
        """Back from the city's sign-on page: trade the one-time code in the address
        for a login (once per reply), or show why it failed. True while a code is
        being traded."""
        route = self.app.route
        code, failure = sso_reply(route)
        if not (code or failure) or route in self._replies:
            return False
        self._replies.add(route)
        if failure:
            self.banner.show(failure, "error")
        if code:

            async def finish() -> None:
                await self._finish_sso(code)

            self.app.run_task(finish)
        return code is not None

    def refresh(self) -> None:
        """Nothing here follows the sync state (the shell calls this on every screen)."""

    def show_problem(self, message: str) -> None:
        self.banner.show(message, "error")

    async def _check_sso(self) -> None:
        """Show the single sign-on button when this server has it configured."""
        url = (self.server.value or "").strip()
        offered = bool(url) and await asyncio.to_thread(
            sso_methods, self.leader.client_factory, url
        )
        if offered != self.sso_button.visible:
            self.sso_button.visible = offered
            self.app.update()

    async def _sso(self) -> None:
        url = (self.server.value or "").strip()
        if not url:
            set_field_error(self.server, "Vul het adres van de server in.")
            return
        self.app.open_url(sso_start_url(url))

    async def _finish_sso(self, code: str) -> None:
        url = (self.server.value or "").strip()
        try:
            await asyncio.to_thread(self.leader.sso, url, code)
        except SyncError as exc:
            self.banner.show(exc.message, "error")
            self.app.update()
            return
        self.app.go("/teamleider")

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
                self.leader.log_in, url, username, password, self.totp.value or ""
            )
        except SyncError as exc:
            if exc.code in SECOND_FACTOR:
                self.totp.visible = True
            self.banner.show(exc.message, "error")
            return
        finally:
            self.login_button.disabled = False
            self.app.update()
        self.app.go("/teamleider")
