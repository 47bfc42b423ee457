"""← on a form with input: "Concept bewaren" or "Weggooien".

Flutter takes the form off the screen at ← by itself, before the app hears of
it; a dialog shown before the views are rebuilt stays on screen for good in the
web build (it cannot be closed again). So the shell keeps the form as a draft,
shows the screen below, and asks only once that screen is rendered (after the
route change): "Concept bewaren" leaves the draft listed on home, "Weggooien"
drops it. An app killed while the question is open keeps the draft: nothing
typed is lost unasked."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import flet as ft

from fieldapp.components import style as s

if TYPE_CHECKING:
    from fieldapp.views.forms.base import EntryForm
    from fieldapp.views.host import Host

QUESTION = "Formulier verlaten?"
KEPT = "Concept bewaard. Je vindt het op het beginscherm."
DISCARDED = "Concept weggegooid."


def leave_dialog(app: Host, form: EntryForm) -> ft.AlertDialog:
    """The question for a form just left with ← (its draft already kept)."""
    answered: list[bool] = []

    def choose(keep: bool) -> Callable[[], None]:
        def handler() -> None:
            if answered:
                return  # a second tap while the dialog closes
            answered.append(keep)
            app.close_dialog()
            if not keep:
                form.discard_draft()  # home hears of it and drops it from its list
            app.snack(KEPT if keep else DISCARDED)

        return handler

    return ft.AlertDialog(
        modal=True,
        title=ft.Text(QUESTION, size=s.TITLE, weight=ft.FontWeight.BOLD),
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
    )
