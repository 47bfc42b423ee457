"""← on a form with input: "Concept bewaren" or "Weggooien".

The form is kept as a draft before the question is even asked, so an app killed
while the question is open loses nothing. The screen below is shown only once
Flutter reports the dialog gone (its dismiss event): closing the dialog and
changing the views in one update left the dialog on screen in the web build.
The dialog is closed by itself (open = False), not with page.pop_dialog(), which
closes the newest open dialog, and that can be a snack bar still showing."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import flet as ft

from fieldapp.components import style as s

if TYPE_CHECKING:
    from fieldapp.views.forms.base import EntryForm
    from fieldapp.views.host import Host

KEPT = "Concept bewaard. Je vindt het op het beginscherm."
DISCARDED = "Concept weggegooid."


def ask_to_leave(app: Host, form: EntryForm, leave: Callable[[], None]) -> None:
    """Ask whether to keep what `form` holds; `leave` shows the screen below."""
    if form.leaving:
        return  # ← again while the question is open
    form.leaving = True
    form.keep_draft()
    choice: list[bool] = []

    def choose(keep: bool) -> Callable[[], None]:
        def handler() -> None:
            if choice:
                return  # a second tap while the dialog closes
            choice.append(keep)
            dialog.open = False  # Flutter closes it, then reports the dismiss

        return handler

    def dismissed() -> None:
        form.leaving = False
        if not choice:
            return  # closed without a choice: stay on the form
        if choice[0]:
            form.keep_draft()
        else:
            form.discard_draft()
        leave()
        app.snack(KEPT if choice[0] else DISCARDED)

    dialog = ft.AlertDialog(
        modal=True,
        title=ft.Text("Formulier verlaten?", size=s.TITLE, weight=ft.FontWeight.BOLD),
        content=ft.Text(
            "Je hebt al iets ingevuld. Bewaar het als concept (je vindt het op het "
            "beginscherm) of gooi het weg.",
            size=s.TEXT,
        ),
        actions=[
            ft.TextButton(
                content=ft.Text("Weggooien", size=s.TEXT, color=s.DANGER),
                on_click=app.act(choose(False)),
                height=s.TOUCH,
            ),
            ft.Button(
                content=ft.Text("Concept bewaren", size=s.TEXT, weight=ft.FontWeight.BOLD),
                on_click=app.act(choose(True)),
                height=s.TOUCH,
                style=ft.ButtonStyle(bgcolor=s.PRIMARY, color="#FFFFFF"),
            ),
        ],
        on_dismiss=app.act(dismissed),
    )
    app.show_dialog(dialog)
