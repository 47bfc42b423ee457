"""Accounts: users (new, change, switch off), their phones (last sync, revoke), a
new enrolment code shown as a QR image and as text, phones not synced for a day,
and blocked logins with an unlock. A beheerder manages everyone; a team leader
the officers of their own districts (the server enforces it)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import flet as ft

from fieldapp.components import style as s
from fieldapp.teamleader.accounts import ROLES, Account, Accounts, EnrolmentCode, Phone
from fieldapp.views.teamleider.parts import card, dropdown, note, small_button

if TYPE_CHECKING:
    from fieldapp.views.teamleider.tab_host import TabHost


def _heading(text: str) -> ft.Control:
    return ft.Text(text, size=s.TEXT, weight=ft.FontWeight.BOLD, color=s.INK)


class AccountsTab:
    def __init__(self, screen: TabHost) -> None:
        self.screen, self.app, self.leader = screen, screen.app, screen.leader
        self.accounts = Accounts(self.leader.client)
        self.opened: int | None = None  # the user whose phones are shown
        self.code: EnrolmentCode | None = None  # the enrolment code just made
        # on_change: a field sends its value to Python as it is typed.
        typed = self.app.act(lambda: None)
        self.username = ft.TextField(label="Gebruikersnaam", text_size=s.SMALL, on_change=typed)
        self.display_name = ft.TextField(label="Weergavenaam", text_size=s.SMALL, on_change=typed)
        self.districts = ft.TextField(
            label="Stadsdelen (met komma's)", text_size=s.SMALL, on_change=typed
        )
        self.role = "handhaver"

    def _roles(self) -> dict[str, str]:
        """A team leader creates officers only; a beheerder any role."""
        if self.leader.role == "beheerder":
            return ROLES
        return {"handhaver": ROLES["handhaver"]}

    def build(self) -> list[ft.Control]:
        users = self.accounts.users()
        phones = self.accounts.phones(self.opened) if self.opened is not None else []
        unsynced = self.accounts.unsynced()
        blocked = self.accounts.blocked()
        controls: list[ft.Control] = []
        if self.code is not None:
            controls.append(self._code_card(self.code))
        controls.append(self._new_user())
        controls.append(_heading(f"Accounts ({len(users)})"))
        for user in users:
            controls.append(self._user_card(user, phones if user.id == self.opened else None))
        controls.append(_heading("Telefoons langer dan een dag niet gesynchroniseerd"))
        controls.extend(note(line) for line in unsynced or ["Geen."])
        controls.append(_heading("Geblokkeerde accounts"))
        if not blocked:
            controls.append(note("Geen."))
        for item in blocked:
            controls.append(
                ft.Row(
                    [
                        ft.Text(f"{item.username} · tot {item.until}", size=s.SMALL),
                        small_button(
                            "Ontgrendelen",
                            self._do(self.accounts.unlock, item.user_id, done="Ontgrendeld"),
                            icon=ft.Icons.LOCK_OPEN,
                        ),
                    ],
                    wrap=True,
                )
            )
        return controls

    # ------------------------------------------------------------ parts

    def _code_card(self, code: EnrolmentCode) -> ft.Control:
        return card(
            ft.Column(
                [
                    _heading(f"Koppelcode voor {code.display_name}"),
                    ft.Image(src=code.qr_image, width=220, height=220),
                    ft.Text(code.code, size=28, weight=ft.FontWeight.BOLD),
                    note(f"Werkt één keer, tot {code.expires}. Scan of typ hem op de telefoon."),
                ],
                horizontal_alignment=ft.CrossAxisAlignment.CENTER,
                spacing=8,
            )
        )

    def _new_user(self) -> ft.Control:
        if not self.districts.value:
            self.districts.value = ", ".join(self.leader.districts)

        def pick(e: ft.Event[ft.Dropdown]) -> None:
            self.role = e.control.value or "handhaver"

        return card(
            ft.Column(
                [
                    _heading("Nieuw account"),
                    self.username,
                    self.display_name,
                    dropdown("Rol", self._roles(), self.role, self.app.act(pick)),
                    self.districts,
                    small_button("Account maken", self.app.act(self._create), icon=ft.Icons.ADD),
                ],
                spacing=8,
            )
        )

    def _user_card(self, user: Account, phones: list[Phone] | None) -> ft.Control:
        buttons: list[ft.Control] = [
            small_button(
                "Koppelcode",
                self.app.act(self._new_code(user)),
                icon=ft.Icons.QR_CODE,
                tooltip=f"Nieuwe koppelcode voor {user.display_name}",
            ),
            small_button(
                "Telefoons",
                self.app.act(self._toggle_phones(user.id)),
                icon=ft.Icons.PHONE_ANDROID,
            ),
            small_button(
                "Uitschakelen" if user.active else "Inschakelen",
                self._do(
                    self.accounts.change,
                    user.id,
                    active=not user.active,
                    done="Uitgeschakeld" if user.active else "Ingeschakeld",
                ),
                icon=ft.Icons.BLOCK if user.active else ft.Icons.CHECK,
            ),
        ]
        lines: list[ft.Control] = [
            ft.Text(
                f"{user.display_name} ({user.username})",
                size=s.TEXT,
                weight=ft.FontWeight.BOLD,
                color=s.INK if user.active else s.MUTED,
            ),
            ft.Text(user.summary, size=s.SMALL, color=s.MUTED),
            ft.Row(buttons, wrap=True, spacing=8, run_spacing=8),
        ]
        for phone in phones or []:
            row: list[ft.Control] = [
                ft.Text(
                    f"{phone.name} · laatste sync: {phone.last_sync}"
                    + (" · ingetrokken" if phone.revoked else ""),
                    size=s.SMALL,
                )
            ]
            if not phone.revoked:
                row.append(
                    small_button(
                        "Intrekken",
                        self._do(self.accounts.revoke, phone.id, done="Ingetrokken"),
                        icon=ft.Icons.PHONELINK_ERASE,
                    )
                )
            lines.append(ft.Row(row, wrap=True))
        if phones == []:
            lines.append(note("Geen telefoons of browsers."))
        return ft.Semantics(container=True, content=card(ft.Column(lines, spacing=4)))

    # ------------------------------------------------------------ actions

    def _do(self, fn: Callable[..., Any], *args: Any, done: str, **kwargs: Any) -> Any:
        async def handler() -> None:
            def call() -> bool:
                fn(*args, **kwargs)
                return True

            if await self.screen.attempt(call):
                self.app.snack(done)
                await self.screen.load()

        return self.app.act(handler)

    def _new_code(self, user: Account) -> Callable[[], Any]:
        async def handler() -> None:
            code = await self.screen.attempt(self.accounts.enrolment_code, user.id)
            if code is not None:
                self.code = code
                await self.screen.load()

        return handler

    def _toggle_phones(self, user_id: int) -> Callable[[], Any]:
        async def handler() -> None:
            self.opened = None if self.opened == user_id else user_id
            await self.screen.load()

        return handler

    async def _create(self) -> None:
        districts = [
            d.strip().lower() for d in (self.districts.value or "").split(",") if d.strip()
        ]

        def call() -> bool:
            self.accounts.create(
                self.username.value or "", self.display_name.value or "", self.role, districts
            )
            return True

        if await self.screen.attempt(call):
            self.app.snack(f"Account gemaakt: {(self.username.value or '').strip()}")
            self.username.value = self.display_name.value = ""
            await self.screen.load()
