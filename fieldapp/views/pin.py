"""Pincode: choose one after enrolment, and unlock with it after inactivity."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import flet as ft

from fieldapp.components import Banner, big_button, labelled, screen, text_field
from fieldapp.components import style as s
from fieldapp.pin import MIN_LENGTH
from fieldapp.state import PinProblem

if TYPE_CHECKING:
    from fieldapp.views.host import Host


def pin_field(label: str, app: Host, **kwargs: Any) -> ft.TextField:
    """A hidden PIN with a labelled button to show it (a bare eye icon has no name)."""
    field = text_field(
        label,
        password=True,
        keyboard_type=ft.KeyboardType.NUMBER,
        autocorrect=False,
        enable_suggestions=False,
        text_size=26,
        on_change=app.act(lambda: None),
        **kwargs,
    )

    def toggle() -> None:
        field.password = not field.password
        show.icon = ft.Icons.VISIBILITY_OFF if not field.password else ft.Icons.VISIBILITY
        show.tooltip = "Pincode verbergen" if not field.password else "Pincode tonen"

    show = ft.IconButton(
        ft.Icons.VISIBILITY, tooltip="Pincode tonen", icon_color=s.MUTED, on_click=app.act(toggle)
    )
    field.suffix = labelled(show, "Pincode tonen of verbergen")
    return field


class SetPinScreen:
    def __init__(self, app: Host) -> None:
        self.app, self.state = app, app.state
        self.route = app.route
        self.status = app.status_bar(compact=False)
        self.pin = pin_field("Nieuwe pincode", app)
        self.repeat = pin_field("Herhaal pincode", app, on_submit=app.act(self._save))
        self.banner = Banner()
        self.who = ft.Text("", size=s.TEXT, weight=ft.FontWeight.BOLD, color=s.INK)
        self.refresh()
        self._view = screen(
            self.route,
            app.appbar("Pincode kiezen", back=False),
            [
                self.who,
                ft.Text(
                    f"Kies een pincode van minstens {MIN_LENGTH} cijfers. Daarmee "
                    "open je de app, ook zonder verbinding.",
                    size=s.TEXT,
                    color=s.INK,
                ),
                self.banner.control,
                self.pin,
                self.repeat,
                ft.Row([big_button("Pincode opslaan", app.act(self._save), icon=ft.Icons.CHECK)]),
            ],
            spacing=18,
            status=self.status,
        )

    def view(self) -> ft.View:
        return self._view

    def refresh(self) -> None:
        self.status.refresh()
        districts = ", ".join(
            d.name for d in self.state.store.districts() if d.code in self.state.districts
        )
        self.who.value = f"Gekoppeld als {self.state.officer_name()}" + (
            f" (stadsdeel {districts})" if districts else ""
        )

    def _save(self) -> None:
        try:
            self.state.set_pin(self.pin.value or "", self.repeat.value or "")
        except PinProblem as exc:
            self.banner.show(str(exc), "error")


class UnlockScreen:
    def __init__(self, app: Host) -> None:
        self.app, self.state = app, app.state
        self.route = app.route
        self.status = app.status_bar(compact=False)
        self.pin = pin_field("Pincode", app, on_submit=app.act(self._unlock))
        self.banner = Banner()
        self._view = screen(
            self.route,
            app.appbar("Vergrendeld", back=False),
            [
                ft.Text(
                    self.state.officer_name(),
                    size=s.TITLE,
                    weight=ft.FontWeight.BOLD,
                    color=s.INK,
                ),
                ft.Text(
                    "Vul je pincode in om verder te gaan. Wat je al had ingevuld, staat er nog.",
                    size=s.TEXT,
                    color=s.INK,
                ),
                self.banner.control,
                self.pin,
                ft.Row(
                    [big_button("Ontgrendelen", app.act(self._unlock), icon=ft.Icons.LOCK_OPEN)]
                ),
            ],
            spacing=18,
            status=self.status,
        )

    def view(self) -> ft.View:
        return self._view

    def refresh(self) -> None:
        self.status.refresh()

    def _unlock(self) -> None:
        message = self.state.unlock(self.pin.value or "")
        self.pin.value = ""
        if message is None:
            return
        if self.state.enrolment is None:  # too many wrong PINs: the link was wiped
            self.app.flash = message
            return
        self.banner.show(message, "error")
