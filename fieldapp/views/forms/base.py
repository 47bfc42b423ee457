"""What every entry form shares: layout, the save button, Dutch problems next to
the fields, and editing an entry from "Mijn log"."""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

import flet as ft

from fieldapp import models as m
from fieldapp.components import Banner, HotspotField, big_button, problems_text
from fieldapp.components import style as s
from fieldapp.kinds import kind_of
from fieldapp.state import EntryInvalid, haarlem
from fieldapp.views.forms import draft
from sync_protocol import RecordKind

if TYPE_CHECKING:
    from fieldapp.views.host import Host

SAVED = "Opgeslagen — wordt verzonden zodra er verbinding is"
SAVED_ONLINE = "Opgeslagen — wordt verzonden"


def saved_text(online: bool | None) -> str:
    """What a save says: "as soon as there is a connection" only when the app is
    not known to be online; online it goes out right away (AppState.online is None
    before the first contact, and then the promise is the honest one)."""
    return SAVED_ONLINE if online else SAVED


class HasError(Protocol):
    def set_error(self, message: str | None) -> None:
        """Show a Dutch message under the field, or clear it with None."""


class TextError:
    """set_error for a plain text field."""

    def __init__(self, field: ft.TextField) -> None:
        self.field = field

    def set_error(self, message: str | None) -> None:
        self.field.error = (message[:1].upper() + message[1:]) if message else None


class EntryForm(ABC):
    """A form for one entry kind. A subclass names its `kind`; its route, title,
    colours and save button come from the registry (fieldapp.kinds), and defining
    the subclass registers it, so the route table finds it by kind."""

    kind: ClassVar[RecordKind]
    by_kind: ClassVar[dict[RecordKind, type[EntryForm]]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "kind" in cls.__dict__:
            EntryForm.by_kind[cls.kind] = cls

    def __init__(
        self,
        app: Host,
        *,
        entry: m.Entry | None = None,
        hotspot: str | None = None,
        wijkactie: str | None = None,
    ) -> None:
        self.app, self.state, self.entry = app, app.state, entry
        self.spec = kind_of(self.kind)
        self.save_text, self.accent = self.spec.save_text, self.spec.accent
        self.route = f"/log/{entry.id}" if entry is not None else self.spec.route
        self.payload: dict[str, Any] = dict(entry.payload) if entry is not None else {}
        self.preset_hotspot = hotspot
        # The id this form's entry will have, from the moment it opens: a second
        # tap on save, a retry or a race can only ever save this one entry.
        self.new_id = self.state.new_entry_id() if entry is None else None
        # A new form reopens the kind's newest draft (after ←, a reload, the lock
        # or an app kill), with that draft's id: saving it saves that entry once.
        self._resume: dict[str, Any] | None = None
        self._kept: dict[str, Any] | None = None
        if entry is None:
            drafts = self.state.drafts(self.kind)
            if drafts:
                self.new_id, self._resume = drafts[0].id, drafts[0].values
        self._saving = threading.Lock()  # taps may arrive on two threads at once
        self._saved = False
        self._discarded = False  # thrown away on ←: never kept again
        self.preset_wijkactie = wijkactie  # a new entry logged against a district action
        self.fields: dict[str, HasError] = {}
        self.problems = Banner()
        self.status = app.status_bar()
        self._view: ft.View | None = None
        self._initial: dict[str, Any] = {}

    # ------------------------------------------------------------ for subclasses

    @abstractmethod
    def build(self) -> list[ft.Control]:
        """The form's own fields, between the status bar and the save button."""

    @abstractmethod
    def collect(self, problems: dict[str, str]) -> dict[str, Any]:
        """The entry's fields by the wire model's names (see AppState.save), read
        from the controls once, here; typing problems go into `problems`."""

    def moment(self) -> datetime | None:
        when = self.payload.get("observed_at")
        return datetime.fromisoformat(when) if when else None

    def hotspot_field(
        self,
        *,
        label: str = "Focuslocatie",
        always_default: bool = False,
        optional: bool = False,
        theme: Callable[[], str | None] | None = None,
    ) -> HotspotField:
        """Pre-selected honestly: the saved one when editing, the one tapped on home,
        or the nearest when a position is known and it is close enough to trust
        (see AppState.default_hotspot); the reason is shown under the name.
        `always_default` is kept for callers; it no longer widens the rule."""
        code, reason = None, ""
        if self.entry is not None:
            code, reason = self.payload.get("hotspot"), "opgeslagen"
        elif self.preset_hotspot:
            code, reason = self.preset_hotspot, "gekozen op het beginscherm"
        else:
            default = self.state.default_hotspot()
            if default is not None:
                code, reason = default[0].code, default[1]
        return HotspotField(
            self.app, label=label, code=code, reason=reason, theme=theme, optional=optional
        )

    @staticmethod
    def parsed(problems: dict[str, str], fn: Callable[[], Any]) -> Any:
        try:
            return fn()
        except EntryInvalid as exc:
            problems.update(exc.problems)
            return None

    # ------------------------------------------------------------ screen

    def title(self) -> str:
        return "Invoer aanpassen" if self.entry is not None else self.spec.label

    def view(self) -> ft.View:
        if self._view is None:
            body: list[ft.Control] = []
            intro = self._edit_intro()
            if intro is not None:
                body.append(intro)
            body.extend(self.build())
            # What the form starts with (a preset chip, zero persons) is not input.
            self._initial = draft.snapshot(self)
            if self._resume:
                draft.restore(self, self._resume)
                self.problems.show("Je concept is teruggezet.", "info")
            save = big_button(
                self.save_text, self.app.act(self.save), icon=ft.Icons.SAVE, bgcolor=self.accent
            )
            self._view = ft.View(
                route=self.route,
                appbar=self.app.appbar(self.title(), bgcolor=self.accent),
                controls=[
                    self.status.control,
                    # A Column (not a lazy ListView): every field is in the
                    # accessibility tree, also the ones scrolled out of view.
                    ft.Column(
                        [
                            ft.Container(
                                ft.Column(
                                    body,
                                    spacing=22,
                                    horizontal_alignment=ft.CrossAxisAlignment.STRETCH,
                                ),
                                padding=ft.Padding.only(left=16, right=16, top=16, bottom=24),
                            )
                        ],
                        expand=True,
                        scroll=ft.ScrollMode.AUTO,
                    ),
                    ft.Container(
                        ft.Column([self.problems.control, ft.Row([save])], spacing=8),
                        padding=12,
                        bgcolor=s.SURFACE,
                        border=ft.Border.only(top=ft.BorderSide(1, s.BORDER)),
                    ),
                ],
                padding=0,
                horizontal_alignment=ft.CrossAxisAlignment.STRETCH,
                spacing=0,
                bgcolor=s.PAGE_BG,
            )
        return self._view

    def _edit_intro(self) -> ft.Control | None:
        entry = self.entry
        if entry is None:
            return None
        banner = Banner()
        when = self.moment()
        heading = ft.Text(
            self.spec.label + (f" van {haarlem(when):%d-%m %H:%M}" if when else ""),
            size=s.TITLE,
            weight=ft.FontWeight.BOLD,
            color=s.INK,
        )
        if entry.status == m.CONFLICT:
            banner.show(
                "Conflict: er staat al een andere versie van deze invoer op de server. "
                "Controleer alles en sla op: dan gaat jouw versie als nieuwe versie "
                "naar de server.",
                "error",
            )
        elif entry.status == m.AFGEWEZEN:
            reason = entry.reject_message or "geen reden opgegeven"
            banner.show(
                f"Afgewezen door de server: {reason}\nPas aan en sla op: dan gaat het "
                "opnieuw naar de server.",
                "error",
            )
        elif entry.synced_version is not None:
            banner.show(
                "Al verzonden. Je wijziging gaat als correctie (nieuwe versie) naar de server.",
                "info",
            )
        else:
            banner.show("Nog niet verzonden. Je wijziging vervangt wat er stond.", "info")
        parts: list[ft.Control] = [heading, banner.control]
        if entry.review_remark:
            # The team leader's remark where the officer fixes the entry.
            remark = Banner()
            remark.show(f"Opmerking teamleider: {entry.review_remark}", "error")
            parts.insert(1, remark.control)
        return ft.Column(parts, spacing=10)

    def refresh(self) -> None:
        self.status.refresh()

    # ------------------------------------------------------------ drafts

    def has_input(self) -> bool:
        """Whether leaving would lose something the officer typed or chose."""
        return (
            self.entry is None
            and self._view is not None
            and not self._saved
            and not self._discarded
            and draft.has_input(draft.snapshot(self), self._initial)
        )

    def keep_draft(self) -> bool:
        """Keep what is filled in as a draft (the shell calls this every few
        seconds, on ← and before the lock); False when there is nothing to keep."""
        if self.new_id is None or not self.has_input():
            return False
        values = draft.snapshot(self)
        if values != self._kept:  # unchanged since the last time: no write
            self.state.keep_draft(self.new_id, self.kind, values)
            self._kept = values
        return True

    def discard_draft(self) -> None:
        self._discarded = True
        if self.new_id is not None:
            self.state.drop_draft(self.new_id)

    def save(self) -> None:
        if self._saved or not self._saving.acquire(blocking=False):
            return  # a second tap while (or after) the first one saves
        try:
            if not self._saved:
                self._save()
        finally:
            self._saving.release()

    def _save(self) -> None:
        self.problems.hide()
        for field in self.fields.values():
            field.set_error(None)
        problems: dict[str, str] = {}
        values = self.collect(problems)
        if self.preset_wijkactie and self.entry is None:
            values.setdefault("wijkactie", self.preset_wijkactie)
        if not problems:
            try:
                entry_id = self.entry.id if self.entry is not None else None
                self.state.save(self.kind, values, entry_id=entry_id, new_id=self.new_id)
            except EntryInvalid as exc:
                problems = exc.problems
        if problems:
            self.show_problems(problems)
            return
        self._saved = True
        self.app.close_screen(self, saved_text(self.state.online))
        self.app.wake()  # online? then it goes out right away

    def show_problems(self, problems: dict[str, str]) -> None:
        for key, message in problems.items():
            field = self.fields.get(key)
            if field is not None:
                field.set_error(message)
        self.problems.show(problems_text(problems), "error")
