"""Accounts: users (new; role and districts changed; switched off and on), their
phones (last sync, revoke), a new enrolment code shown as a QR image and as
text, phones not synced for a day, blocked accounts and addresses with an
unlock, and the caller's own second factor (authenticator app). A beheerder
manages everyone; a team leader the officers of their own districts, and only
assigns those districts (the server enforces it; the form offers no more)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import flet as ft

from fieldapp.components import style as s
from fieldapp.teamleader.accounts import (
    ROLES,
    Account,
    Accounts,
    EnrolmentCode,
    Phone,
    Throttled,
    TotpSetup,
    parse_districts,
)
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
        # The user whose role and districts are being changed, and the form's values.
        self.editing: int | None = None
        self.edit_role = "handhaver"
        self.edit_districts = ft.TextField(
            label="Stadsdelen van de gebruiker", text_size=s.SMALL, on_change=typed
        )
        self.edit_district = ""  # a team leader picks one of their own districts
        # Why the last save or code was refused, shown by its button (the banner at
        # the top can be scrolled out of view).
        self.problem: str | None = None
        # The caller's own second factor, while it waits for its first code.
        self.totp: TotpSetup | None = None
        self.totp_code = ft.TextField(
            label="Code uit je authenticator-app",
            text_size=s.SMALL,
            keyboard_type=ft.KeyboardType.NUMBER,
            on_change=typed,
        )

    def _roles(self) -> dict[str, str]:
        """A team leader creates officers only; a beheerder any role."""
        if self.beheerder:
            return ROLES
        return {"handhaver": ROLES["handhaver"]}

    @property
    def beheerder(self) -> bool:
        return self.leader.role == "beheerder"

    def build(self) -> list[ft.Control]:
        users = self.accounts.users()
        phones = self.accounts.phones(self.opened) if self.opened is not None else []
        unsynced = self.accounts.unsynced()
        blocked = self.accounts.blocked()
        controls: list[ft.Control] = []
        if self.code is not None:
            controls.append(self._code_card(self.code))
        if self.totp is not None:  # being set up: on top, where the button was pressed
            controls.append(self._second_factor())
        controls.append(self._new_user())
        controls.append(_heading(f"Accounts ({len(users)})"))
        for user in users:
            controls.append(self._user_card(user, phones if user.id == self.opened else None))
        controls.append(_heading("Telefoons langer dan een dag niet gesynchroniseerd"))
        controls.extend(note(line) for line in unsynced or ["Geen."])
        controls.extend(self._blocked(blocked))
        if self.totp is None:
            controls.append(self._second_factor())
        return controls

    # ------------------------------------------------------------ parts

    def _blocked(self, blocked: Throttled) -> list[ft.Control]:
        """Blocked accounts, and for the beheerder blocked addresses, each with an unlock."""
        controls: list[ft.Control] = [_heading("Geblokkeerde accounts")]
        if not blocked.accounts:
            controls.append(note("Geen."))
        for item in blocked.accounts:
            controls.append(
                ft.Row(
                    [
                        ft.Text(f"{item.username} · tot {item.until}", size=s.SMALL),
                        small_button(
                            "Ontgrendelen",
                            self._do(self.accounts.unlock, item.user_id, done="Ontgrendeld"),
                            icon=ft.Icons.LOCK_OPEN,
                            tooltip=f"Account {item.username} ontgrendelen",
                        ),
                    ],
                    wrap=True,
                )
            )
        if not self.beheerder:
            return controls  # addresses are the beheerder's (the server lists them only there)
        controls.append(_heading("Geblokkeerde adressen"))
        if not blocked.addresses:
            controls.append(note("Geen."))
        for place in blocked.addresses:
            controls.append(
                ft.Row(
                    [
                        ft.Text(
                            f"{place.address} · {place.failures} mislukte pogingen"
                            f" · tot {place.until}",
                            size=s.SMALL,
                        ),
                        small_button(
                            "Vrijgeven",
                            self._do(
                                self.accounts.unlock_address, place.address, done="Vrijgegeven"
                            ),
                            icon=ft.Icons.LOCK_OPEN,
                            tooltip=f"Adres {place.address} vrijgeven",
                        ),
                    ],
                    wrap=True,
                )
            )
        return controls

    def _second_factor(self) -> ft.Control:
        """The caller's own authenticator app: start, scan (or type), confirm."""
        lines: list[ft.Control] = [_heading("Jouw tweede factor (authenticator-app)")]
        if self.totp is None:
            lines.append(
                note(
                    "Met een authenticator-app vraagt het inloggen met wachtwoord ook om "
                    "een code van 6 cijfers."
                )
            )
            lines.append(
                small_button(
                    "Authenticator-app koppelen",
                    self.app.act(self._start_totp),
                    icon=ft.Icons.SECURITY,
                )
            )
            return card(ft.Column(lines, spacing=8))
        setup = self.totp
        lines += [
            note("Scan de code met je authenticator-app, of typ de sleutel over."),
            ft.Image(
                src=setup.qr_image,
                width=220,
                height=220,
                semantics_label="QR-code voor je authenticator-app",
            ),
            # Not selectable: Flutter's web build leaves selectable text out of
            # the accessibility tree (a screen reader would not read the key).
            ft.Text(f"Sleutel: {setup.secret}", size=s.SMALL),
            self.totp_code,
            ft.Row(
                [
                    small_button(
                        "Bevestigen",
                        self.app.act(self._confirm_totp),
                        icon=ft.Icons.CHECK,
                        primary=True,
                    ),
                    small_button("Annuleren", self.app.act(self._cancel_totp)),
                ],
                wrap=True,
                spacing=8,
            ),
            *self._problem(),
        ]
        return card(ft.Column(lines, spacing=8))

    def _editor(self, user: Account) -> ft.Control:
        """Role and districts of one user: a beheerder any; a team leader moves an
        officer between their own districts only."""

        def pick_role(e: ft.Event[ft.Dropdown]) -> None:
            self.edit_role = e.control.value or self.edit_role

        def pick_district(e: ft.Event[ft.Dropdown]) -> None:
            self.edit_district = e.control.value or self.edit_district

        fields: list[ft.Control] = []
        if self.beheerder:
            fields.append(dropdown("Nieuwe rol", ROLES, self.edit_role, self.app.act(pick_role)))
            fields.append(self.edit_districts)
            fields.append(note("Een beheerder hoort bij geen stadsdeel (heel Haarlem)."))
        else:
            own = {d: d.capitalize() for d in self.leader.districts}
            fields.append(
                dropdown("Stadsdeel", own, self.edit_district, self.app.act(pick_district))
            )
        fields.append(
            ft.Row(
                [
                    small_button(
                        "Opslaan",
                        self.app.act(self._save_edit(user)),
                        icon=ft.Icons.SAVE,
                        primary=True,
                        tooltip=f"Wijzigingen voor {user.display_name} opslaan",
                    ),
                    small_button("Annuleren", self.app.act(self._toggle_edit(user))),
                ],
                wrap=True,
                spacing=8,
            )
        )
        return ft.Column(fields + self._problem(), spacing=8)

    def _code_card(self, code: EnrolmentCode) -> ft.Control:
        return card(
            ft.Column(
                [
                    _heading(f"Koppelcode voor {code.display_name}"),
                    ft.Image(
                        src=code.qr_image,
                        width=220,
                        height=220,
                        semantics_label="QR-code om de telefoon te koppelen",
                    ),
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
                "Wijzigen",
                self.app.act(self._toggle_edit(user)),
                icon=ft.Icons.EDIT,
                tooltip=f"Rol en stadsdelen van {user.display_name} wijzigen",
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
        if self.beheerder:
            buttons.append(
                small_button(
                    "Tweede factor wissen",
                    self._do(
                        self.accounts.reset_second_factor, user.id, done="Tweede factor gewist"
                    ),
                    icon=ft.Icons.PHONELINK_LOCK,
                    tooltip=f"Authenticator-app van {user.display_name} wissen (kwijtgeraakt)",
                )
            )
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
        if self.editing == user.id:
            lines.append(self._editor(user))
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

    async def _refused(self) -> None:
        """Show the refusal by the form's button too, then draw the tab again."""
        self.problem = self.screen.banner.text.value
        if self.leader.logged_in:
            await self.screen.load()
            self.screen.banner.show(self.problem or "", "error")
            self.app.update()

    def _problem(self) -> list[ft.Control]:
        if not self.problem:
            return []
        return [ft.Text(self.problem, size=s.SMALL, color=s.DANGER, weight=ft.FontWeight.BOLD)]

    def _toggle_edit(self, user: Account) -> Callable[[], Any]:
        async def handler() -> None:
            self.problem = None
            if self.editing == user.id:
                self.editing = None
            else:
                self.editing = user.id
                self.edit_role = user.role
                self.edit_districts.value = ", ".join(user.districts)
                own = self.leader.districts
                self.edit_district = next(
                    (d for d in user.districts if d in own), own[0] if own else ""
                )
            await self.screen.load()

        return handler

    def _save_edit(self, user: Account) -> Callable[[], Any]:
        async def handler() -> None:
            if self.beheerder:
                role, districts = self.edit_role, parse_districts(self.edit_districts.value or "")
            else:
                role, districts = "handhaver", [self.edit_district] if self.edit_district else []

            def call() -> bool:
                self.accounts.reassign(user.id, role, districts)
                return True

            if await self.screen.attempt(call):
                self.editing, self.problem = None, None
                self.app.snack(f"Gewijzigd: {user.username}")
                await self.screen.load()
            else:
                await self._refused()

        return handler

    async def _start_totp(self) -> None:
        setup = await self.screen.attempt(self.accounts.start_second_factor)
        if setup is not None:
            self.totp, self.totp_code.value, self.problem = setup, "", None
            await self.screen.load()

    async def _confirm_totp(self) -> None:
        code = self.totp_code.value or ""

        def call() -> bool:
            self.accounts.confirm_second_factor(code)
            return True

        if await self.screen.attempt(call):
            self.totp, self.totp_code.value, self.problem = None, "", None
            self.app.snack("Tweede factor staat aan: log voortaan in met een code")
            await self.screen.load()
        else:
            await self._refused()

    async def _cancel_totp(self) -> None:
        self.totp, self.totp_code.value, self.problem = None, "", None
        await self.screen.load()

    def _toggle_phones(self, user_id: int) -> Callable[[], Any]:
        async def handler() -> None:
            self.opened = None if self.opened == user_id else user_id
            await self.screen.load()

        return handler

    async def _create(self) -> None:
        districts = parse_districts(self.districts.value or "")

        def call() -> bool:
            self.accounts.create(
                self.username.value or "", self.display_name.value or "", self.role, districts
            )
            return True

        if await self.screen.attempt(call):
            self.app.snack(f"Account gemaakt: {(self.username.value or '').strip()}")
            self.username.value = self.display_name.value = ""
            await self.screen.load()
