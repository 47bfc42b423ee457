"""Widgets shared by the screens: status bar, banners, choice chips, stepper,
switches, the time and focus-location fields and the photo field.

Each widget keeps its Flet control in `.control` and exposes plain values;
`set_error` shows a Dutch problem next to the field. Every interactive control
has a visible label or a tooltip: that is what a screen reader reads and what
the browser tests find.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any, Protocol

import flet as ft

from fieldapp.components import style as s
from fieldapp.photos import ProcessedPhoto
from fieldapp.state import AppState, EntryInvalid, PhotoError, moment_texts, parse_moment
from fieldapp.store import HotspotChoice
from sync_protocol.records import MAX_PHOTOS

Handler = Callable[..., Any]


class Shell(Protocol):
    """What a widget needs from the running app (fieldapp.views.shell.App)."""

    page: ft.Page
    state: AppState

    def act(self, handler: Handler) -> Handler:
        """Wrap an event handler (activity for the lock, page update after)."""

    def file_picker(self) -> ft.FilePicker | None:
        """The page's file picker, or None where the platform has none."""


def screen(
    route: str,
    appbar: ft.AppBar,
    body: list[ft.Control],
    *,
    status: Any = None,
    spacing: int = 18,
) -> ft.View:
    """A whole screen: app bar, the status bar (if any) fixed under it, and the
    screen's own controls in a scrolling column with the app's margins."""
    top = [status.control] if status is not None else []
    return ft.View(
        route=route,
        appbar=appbar,
        controls=[*top, ft.ListView(body, expand=True, spacing=spacing, padding=16)],
        padding=0,
        horizontal_alignment=ft.CrossAxisAlignment.STRETCH,
        spacing=0,
        bgcolor=s.PAGE_BG,
    )


def capitalize(text: str) -> str:
    return text[:1].upper() + text[1:]


def label_text(text: str, *, size: int = s.LABEL) -> ft.Text:
    return ft.Text(text, size=size, weight=ft.FontWeight.BOLD, color=s.INK)


def error_text() -> ft.Text:
    return ft.Text("", size=s.SMALL, color=s.DANGER, weight=ft.FontWeight.BOLD, visible=False)


def show_error(text: ft.Text, message: str | None) -> None:
    text.value = capitalize(message or "")
    text.visible = bool(message)


def big_button(
    text: str,
    on_click: Handler | None,
    *,
    icon: ft.IconData | None = None,
    bgcolor: str = s.PRIMARY,
    color: str = "#FFFFFF",
    height: int = s.BIG_BUTTON,
    outlined: bool = False,
    center: bool = False,
) -> ft.Button:
    """A full-width button with large text: the main actions of a screen."""
    return ft.Button(
        content=ft.Text(text, size=s.BUTTON, weight=ft.FontWeight.BOLD),
        icon=icon,
        on_click=on_click,
        height=height,
        expand=True,
        style=ft.ButtonStyle(
            bgcolor=s.SURFACE if outlined else bgcolor,
            color=bgcolor if outlined else color,
            icon_color=bgcolor if outlined else color,
            icon_size=28,
            side=ft.BorderSide(2, bgcolor) if outlined else None,
            shape=ft.RoundedRectangleBorder(radius=12),
            padding=ft.Padding.symmetric(horizontal=8 if center else 16),
            alignment=ft.Alignment.CENTER if center else ft.Alignment.CENTER_LEFT,
        ),
    )


def labelled(control: ft.Control, label: str) -> ft.Control:
    """Give an icon-only control a name a screen reader (and a test) can find; a
    tooltip alone does not become its accessible name in a browser."""
    return ft.MergeSemantics(content=ft.Semantics(label=label, button=True, content=control))


def icon_button(icon: ft.IconData, label: str, on_click: Handler, **kwargs: Any) -> ft.Control:
    return labelled(ft.IconButton(icon, on_click=on_click, **kwargs), label)


def text_field(label: str, value: str = "", **kwargs: Any) -> ft.TextField:
    kwargs.setdefault("text_size", s.TEXT)
    return ft.TextField(
        label=label,
        value=value,
        label_style=ft.TextStyle(size=s.TEXT, color=s.MUTED),
        border_color=s.BORDER,
        focused_border_color=s.PRIMARY,
        bgcolor=s.SURFACE,
        filled=True,
        fill_color=s.SURFACE,
        error_style=ft.TextStyle(size=s.SMALL, color=s.DANGER, weight=ft.FontWeight.BOLD),
        **kwargs,
    )


def set_field_error(field: ft.TextField, message: str | None) -> None:
    field.error = capitalize(message) if message else None


class StatusBar:
    """Online or offline, always in view. The full bar (home, PIN screens) also says
    what waits and when the last sync was; the compact one (forms) only how many wait."""

    def __init__(self, state: AppState, *, compact: bool = False) -> None:
        self.state, self.compact = state, compact
        self.icon = ft.Icon(ft.Icons.WIFI, color="#FFFFFF", size=24)
        self.online = ft.Text("", size=s.TEXT, weight=ft.FontWeight.BOLD, color="#FFFFFF")
        self.pending = ft.Text("", size=s.SMALL, color="#FFFFFF", weight=ft.FontWeight.BOLD)
        self.last = ft.Text("", size=s.SMALL, color="#FFFFFF", visible=not compact)
        self.control = ft.Container(
            content=ft.Column(
                [ft.Row([self.icon, self.online], spacing=8, wrap=True), self.pending, self.last],
                spacing=0,
            ),
            padding=ft.Padding.symmetric(horizontal=16, vertical=6),
        )
        self.refresh()

    def refresh(self) -> None:
        state = self.state
        self.online.value = state.online_text()
        self.pending.value = state.pending_text()
        self.last.value = state.last_sync_text()
        if state.syncing:
            self.online.value = "Bezig met synchroniseren…"
            self.control.bgcolor, self.icon.icon = s.CHECKING, ft.Icons.SYNC
        elif state.online is None:
            self.control.bgcolor, self.icon.icon = s.CHECKING, ft.Icons.SYNC
        elif state.online:
            self.control.bgcolor, self.icon.icon = s.ONLINE, ft.Icons.WIFI
        else:
            self.control.bgcolor, self.icon.icon = s.OFFLINE, ft.Icons.WIFI_OFF


class Banner:
    """A message block: errors in red, success in green, information in amber."""

    KINDS = {
        "error": (s.DANGER_BG, s.DANGER, ft.Icons.ERROR_OUTLINE),
        "ok": (s.OK_BG, s.ONLINE, ft.Icons.CHECK_CIRCLE_OUTLINE),
        "info": (s.WARN_BG, "#6B3500", ft.Icons.INFO_OUTLINE),
    }

    def __init__(self) -> None:
        self.icon = ft.Icon(ft.Icons.ERROR_OUTLINE, size=28)
        self.text = ft.Text("", size=s.TEXT, color=s.INK, expand=True)
        self.control = ft.Container(
            content=ft.Row([self.icon, self.text], vertical_alignment=ft.CrossAxisAlignment.START),
            padding=12,
            border_radius=10,
            visible=False,
        )

    def show(self, message: str, kind: str = "error") -> None:
        bg, fg, icon = self.KINDS[kind]
        self.control.bgcolor = bg
        self.control.border = ft.Border.all(2, fg)
        self.icon.icon, self.icon.color = icon, fg
        self.text.value = message
        self.control.visible = True

    def hide(self) -> None:
        self.control.visible = False


class ChoiceGroup:
    """Chips for a choice from a few codes, labelled from fieldapp.labels.

    Single choice (one chip at a time) or several (`multi`). A chip is a
    checkbox for a screen reader and at least 48 px high."""

    def __init__(
        self,
        shell: Shell,
        label: str,
        options: Mapping[str, str],
        *,
        multi: bool = False,
        selected: list[str] | None = None,
        on_change: Callable[[], None] | None = None,
        accent: str = s.PRIMARY,
        missing: str | None = None,
        optional: bool = False,
    ) -> None:
        self.multi, self.optional = multi, optional
        self.missing = missing or f"Kies een {label.lower()}"
        self.on_change = on_change
        self.error = error_text()
        self.chips: dict[str, ft.Chip] = {}
        chosen = set(selected or [])
        for code, text in options.items():
            self.chips[code] = ft.Chip(
                label=ft.Text(text, size=s.TEXT),
                selected=code in chosen,
                on_select=shell.act(self._selected(code)),
                selected_color=_tint(accent),
                check_color=accent,
                bgcolor=s.SURFACE,
                border_side=ft.BorderSide(2, s.BORDER),
                padding=ft.Padding.symmetric(horizontal=6, vertical=8),
            )
        self.control = ft.Column(
            [
                label_text(label),
                ft.Row(list(self.chips.values()), wrap=True, spacing=8, run_spacing=8),
                self.error,
            ],
            spacing=8,
        )

    def _selected(self, code: str) -> Callable[[], None]:
        def handler() -> None:
            chip = self.chips[code]
            if not self.multi:
                if not chip.selected and not self.optional:
                    chip.selected = True  # a required choice cannot be emptied by a tap
                for other, other_chip in self.chips.items():
                    if other != code:
                        other_chip.selected = False
            self.set_error(None)
            if self.on_change:
                self.on_change()

        return handler

    @property
    def values(self) -> list[str]:
        return [code for code, chip in self.chips.items() if chip.selected]

    @property
    def value(self) -> str | None:
        values = self.values
        return values[0] if values else None

    def set_error(self, message: str | None) -> None:
        if message in ("is verplicht", "kies er minstens één"):
            message = self.missing
        show_error(self.error, message)


def _tint(colour: str) -> str:
    return {s.DANGER: "#F9D6D3"}.get(colour, "#CFE0F5")


class Stepper:
    """A number changed with large − and + buttons (typing is not needed)."""

    def __init__(
        self, shell: Shell, label: str, value: int = 0, *, minimum: int = 0, maximum: int = 1000
    ) -> None:
        self.value, self.minimum, self.maximum = value, minimum, maximum
        self.number = ft.Text(
            str(value),
            size=28,
            weight=ft.FontWeight.BOLD,
            color=s.INK,
            width=64,
            text_align=ft.TextAlign.CENTER,
        )
        button_style = ft.ButtonStyle(
            side=ft.BorderSide(2, s.PRIMARY), shape=ft.RoundedRectangleBorder(radius=10)
        )
        self.error = error_text()
        self.control = ft.Column(
            [
                ft.Row(
                    [
                        label_text(label),
                        ft.Row(
                            [
                                icon_button(
                                    ft.Icons.REMOVE,
                                    f"{label}: één minder",
                                    shell.act(lambda: self._step(-1)),
                                    icon_size=30,
                                    icon_color=s.PRIMARY,
                                    style=button_style,
                                    width=56,
                                    height=56,
                                ),
                                self.number,
                                icon_button(
                                    ft.Icons.ADD,
                                    f"{label}: één meer",
                                    shell.act(lambda: self._step(1)),
                                    icon_size=30,
                                    icon_color=s.PRIMARY,
                                    style=button_style,
                                    width=56,
                                    height=56,
                                ),
                            ],
                            spacing=4,
                        ),
                    ],
                    alignment=ft.MainAxisAlignment.SPACE_BETWEEN,
                ),
                self.error,
            ],
            spacing=4,
        )

    def _step(self, delta: int) -> None:
        self.value = max(self.minimum, min(self.maximum, self.value + delta))
        self.number.value = str(self.value)

    def set_error(self, message: str | None) -> None:
        show_error(self.error, message)


class YesNo:
    """A switch that says its value in words next to it ("Ja" / "Nee").

    The label sits left, the word and the switch right; for a screen reader the
    switch itself carries the label."""

    def __init__(
        self,
        shell: Shell,
        label: str,
        value: bool,
        on_change: Callable[[], None] | None = None,
    ) -> None:
        self.on_change = on_change
        self.switch = ft.Switch(
            value=value,
            active_color="#FFFFFF",
            active_track_color=s.PRIMARY,
            inactive_thumb_color=s.MUTED,
            inactive_track_color="#DDE3EA",
            track_outline_color=s.BORDER,
            on_change=shell.act(self._changed),
        )
        self.word = ft.Text(
            "",
            size=s.TEXT,
            weight=ft.FontWeight.BOLD,
            color=s.INK,
            width=40,
            text_align=ft.TextAlign.RIGHT,
        )
        self.error = error_text()
        self.control = ft.Column(
            [
                ft.Row(
                    [
                        ft.Text(label, size=s.TEXT, color=s.INK, expand=True),
                        self.word,
                        ft.MergeSemantics(content=ft.Semantics(label=label, content=self.switch)),
                    ],
                    height=s.TOUCH + 4,
                ),
                self.error,
            ],
            spacing=0,
        )
        self._show()

    def _show(self) -> None:
        self.word.value = "Ja" if self.switch.value else "Nee"

    def _changed(self) -> None:
        self._show()
        self.set_error(None)
        if self.on_change:
            self.on_change()

    @property
    def value(self) -> bool:
        return bool(self.switch.value)

    @value.setter
    def value(self, value: bool) -> None:
        self.switch.value = value
        self._show()

    def set_error(self, message: str | None) -> None:
        show_error(self.error, message)


class MomentField:
    """When it happened: date and time, filled in with now (change when earlier)."""

    def __init__(self, shell: Shell, label: str = "Tijdstip", moment: datetime | None = None):
        day, clock = moment_texts(moment)
        self.date = text_field(
            "Datum (dd-mm-jjjj)",
            day,
            expand=3,
            keyboard_type=ft.KeyboardType.DATETIME,
            on_change=shell.act(lambda: None),
        )
        self.time = text_field(
            "Tijd (uu:mm)",
            clock,
            expand=2,
            keyboard_type=ft.KeyboardType.DATETIME,
            on_change=shell.act(lambda: None),
        )
        self.hint = ft.Text(
            "Ingevuld met nu. Pas aan als het eerder was.", size=s.SMALL, color=s.MUTED
        )
        self.control = ft.Column(
            [label_text(label), ft.Row([self.date, self.time], spacing=8), self.hint],
            spacing=8,
        )
        if moment is not None:
            self.hint.visible = False

    def value(self) -> datetime:
        return parse_moment(self.date.value or "", self.time.value or "")

    def set_error(self, message: str | None) -> None:
        set_field_error(self.date, message)


class HotspotField:
    """The focus location: the current choice with why it was chosen, and a
    searchable list (nearest first when the position is known) to change it."""

    def __init__(
        self,
        shell: Shell,
        *,
        label: str = "Focuslocatie",
        code: str | None = None,
        reason: str = "",
        theme: Callable[[], str | None] | None = None,
        optional: bool = False,
    ) -> None:
        self.shell, self.state = shell, shell.state
        self.label, self.theme, self.optional = label, theme, optional
        self.code, self.reason = code, reason
        self.name = ft.Text("", size=s.TEXT, weight=ft.FontWeight.BOLD, color=s.INK)
        self.why = ft.Text("", size=s.SMALL, color=s.MUTED)
        self.error = error_text()
        self.button = ft.Container(
            content=ft.Row(
                [
                    ft.Icon(ft.Icons.PLACE, color=s.PRIMARY, size=30),
                    ft.Column([self.name, self.why], spacing=2, expand=True),
                    ft.Text("Wijzig", size=s.TEXT, color=s.PRIMARY, weight=ft.FontWeight.BOLD),
                ],
            ),
            padding=ft.Padding.symmetric(horizontal=12, vertical=10),
            border=ft.Border.all(2, s.BORDER),
            border_radius=10,
            bgcolor=s.SURFACE,
            ink=True,
            on_click=shell.act(self.open),
        )
        self.search = text_field(
            "Zoek op naam", prefix_icon=ft.Icons.SEARCH, on_change=shell.act(self._filter)
        )
        self.options = ft.Column(spacing=0, expand=True, scroll=ft.ScrollMode.AUTO)
        self.dialog = ft.AlertDialog(
            title=ft.Text(f"Kies {label.lower()}", size=s.TITLE, weight=ft.FontWeight.BOLD),
            content=ft.Container(
                ft.Column([self.search, self.options], spacing=8),
                width=360,
                height=480,
            ),
            actions=[
                ft.TextButton(
                    content=ft.Text("Annuleren", size=s.TEXT), on_click=shell.act(self.close)
                )
            ],
            inset_padding=ft.Padding.symmetric(horizontal=12, vertical=24),
        )
        self.control = ft.Column([label_text(label), self.button, self.error], spacing=8)
        self._show()

    def _show(self) -> None:
        if self.code:
            self.name.value = self.state.hotspot_name(self.code)
            self.why.value = self.reason or "gekozen"
        else:
            self.name.value = "Geen focuslocatie" if self.optional else "Kies een focuslocatie"
            self.why.value = "optioneel" if self.optional else ""
        self.why.visible = bool(self.why.value)

    @property
    def value(self) -> str | None:
        return self.code

    def choose(self, code: str | None, reason: str = "gekozen") -> None:
        self.code, self.reason = code, reason
        self.set_error(None)
        self._show()

    def open(self) -> None:
        self.search.value = ""
        self._fill("")
        self.shell.page.show_dialog(self.dialog)

    def close(self) -> None:
        self.shell.page.pop_dialog()

    def _filter(self, e: ft.Event[ft.TextField]) -> None:
        self._fill(e.control.value or "")

    def _fill(self, search: str) -> None:
        """The theme's focus locations first (nearest first when the position is
        known), then the district's others: the officer can always pick any."""
        theme = self.theme() if self.theme else None
        first = self.state.hotspots(search, theme) if theme else []
        shown = {choice.code for choice in first}
        rest = [c for c in self.state.hotspots(search) if c.code not in shown]
        rows: list[ft.Control] = []
        if self.optional:
            rows.append(self._option(None, "Geen focuslocatie", ""))
        rows.extend(self._option(c.code, c.name, _distance(c)) for c in first)
        if first and rest:
            rows.append(
                ft.Container(
                    ft.Text(
                        "Andere focuslocaties",
                        size=s.SMALL,
                        color=s.MUTED,
                        weight=ft.FontWeight.BOLD,
                    ),
                    padding=ft.Padding.only(left=16, top=12, bottom=4),
                )
            )
        rows.extend(self._option(c.code, c.name, _distance(c)) for c in rest)
        if not first and not rest:
            rows.append(
                ft.Text(
                    "Geen focuslocatie gevonden. Synchroniseer om de lijst van je "
                    "stadsdeel op te halen."
                    if not search
                    else "Geen focuslocatie met die naam.",
                    size=s.TEXT,
                    color=s.MUTED,
                )
            )
        self.options.controls = rows

    def _option(self, code: str | None, name: str, detail: str) -> ft.Control:
        def pick() -> None:
            self.choose(code, "gekozen")
            self.close()

        return ft.ListTile(
            title=ft.Text(name, size=s.TEXT, color=s.INK),
            subtitle=ft.Text(detail, size=s.SMALL, color=s.MUTED) if detail else None,
            selected=code == self.code,
            min_height=s.TOUCH + 8,
            on_click=self.shell.act(pick),
        )

    def set_error(self, message: str | None) -> None:
        show_error(self.error, message)
        self.button.border = ft.Border.all(2, s.DANGER if message else s.BORDER)


def _distance(choice: HotspotChoice) -> str:
    from fieldapp.state import distance_text

    return f"{distance_text(choice.distance_m)} hiervandaan" if choice.distance_m else ""


class PhotoField:
    """ "Foto toevoegen": pictures from the phone (camera roll or file), made safe
    by fieldapp.photos before they are kept (no location or camera data)."""

    def __init__(self, shell: Shell, *, already: int = 0) -> None:
        self.shell = shell
        self.already = already
        self.photos: list[ProcessedPhoto] = []
        self.error = error_text()
        self.count = ft.Text("", size=s.SMALL, color=s.MUTED)
        self.thumbs = ft.Row(wrap=True, spacing=8, run_spacing=8)
        self.button = ft.Button(
            content=ft.Text("Foto toevoegen", size=s.TEXT, weight=ft.FontWeight.BOLD),
            icon=ft.Icons.ADD_A_PHOTO,
            height=s.TOUCH + 8,
            on_click=shell.act(self._pick),
            style=ft.ButtonStyle(
                color=s.PRIMARY,
                bgcolor=s.SURFACE,
                side=ft.BorderSide(2, s.PRIMARY),
                shape=ft.RoundedRectangleBorder(radius=10),
            ),
        )
        self.control = ft.Column(
            [label_text("Foto's"), self.button, self.count, self.thumbs, self.error], spacing=8
        )
        self._show()

    async def _pick(self) -> None:
        picker = self.shell.file_picker()
        if picker is None:
            self.set_error("Foto's toevoegen kan op dit apparaat niet.")
            return
        try:
            files = await picker.pick_files(
                dialog_title="Kies een foto",
                file_type=ft.FilePickerFileType.IMAGE,
                allow_multiple=True,
                with_data=True,
            )
        except Exception:  # the platform's picker failed or was unavailable
            self.set_error("De fotokiezer kon niet openen. Probeer het opnieuw.")
            return
        problems = []
        for file in files:
            if self.already + len(self.photos) >= MAX_PHOTOS:
                problems.append(f"Maximaal {MAX_PHOTOS} foto's per invoer.")
                break
            if not file.bytes:
                problems.append(f"{file.name}: het bestand kon niet worden gelezen.")
                continue
            try:
                photo = self.shell.state.process_photo(file.bytes)
            except PhotoError as exc:
                problems.append(f"{file.name}: {exc}")
                continue
            if all(p.sha256 != photo.sha256 for p in self.photos):
                self.photos.append(photo)
        self.set_error(" ".join(problems) or None)
        self._show()

    def _remove(self, photo: ProcessedPhoto) -> Callable[[], None]:
        def handler() -> None:
            self.photos = [p for p in self.photos if p.sha256 != photo.sha256]
            self._show()

        return handler

    def _show(self) -> None:
        total = self.already + len(self.photos)
        parts = []
        if self.already:
            parts.append(f"{self.already} al bewaard")
        if self.photos:
            parts.append(f"{len(self.photos)} nieuw")
        noun = "foto" if total == 1 else "foto's"
        detail = f" ({', '.join(parts)})" if self.already else ""
        self.count.value = (
            f"{total} {noun}{detail}"
            if total
            else "Nog geen foto's. Locatie en cameragegevens worden uit een foto verwijderd."
        )
        self.thumbs.controls = [
            ft.Stack(
                [
                    ft.Image(
                        src=photo.thumbnail,
                        width=96,
                        height=96,
                        fit=ft.BoxFit.COVER,
                        border_radius=8,
                        semantics_label=f"Foto {n}",
                    ),
                    ft.Container(
                        icon_button(
                            ft.Icons.CLOSE,
                            f"Foto {n} weghalen",
                            self.shell.act(self._remove(photo)),
                            icon_color="#FFFFFF",
                            bgcolor=s.DANGER,
                        ),
                        right=0,
                        top=0,
                    ),
                ],
                width=96,
                height=96,
            )
            for n, photo in enumerate(self.photos, start=1)
        ]
        self.button.disabled = total >= MAX_PHOTOS

    def set_error(self, message: str | None) -> None:
        show_error(self.error, message)


def problems_text(problems: Mapping[str, str]) -> str:
    from fieldapp.labels import FIELD_LABELS

    lines = [f"• {FIELD_LABELS.get(k, capitalize(k))}: {v}" for k, v in problems.items()]
    return "Nog niet opgeslagen. Controleer:\n" + "\n".join(lines)


__all__ = [
    "Banner",
    "ChoiceGroup",
    "EntryInvalid",
    "HotspotField",
    "MomentField",
    "PhotoField",
    "Shell",
    "StatusBar",
    "Stepper",
    "YesNo",
    "big_button",
    "icon_button",
    "label_text",
    "labelled",
    "problems_text",
    "set_field_error",
    "text_field",
]
