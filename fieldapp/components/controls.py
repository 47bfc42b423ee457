"""Small building blocks every screen uses: the screen frame, big buttons,
labelled icon buttons, text fields, field errors and the problems summary.

Every interactive control has a visible label or a tooltip: that is what a screen
reader reads and what the browser tests find."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import flet as ft

from fieldapp.components import style as s

Handler = Callable[..., Any]


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
    bgcolor: str | None = None,
    color: str = "#FFFFFF",
    height: int = s.BIG_BUTTON,
    outlined: bool = False,
    center: bool = False,
) -> ft.Button:
    """A full-width button with large text: the main actions of a screen.

    The colours are read when the button is built (not as defaults at import), so
    a button made in the night look gets the night palette; an outlined button
    with no colour of its own takes ACCENT, readable on the surface."""
    if bgcolor is None:
        bgcolor = s.ACCENT if outlined else s.PRIMARY
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


def problems_text(problems: Mapping[str, str]) -> str:
    from fieldapp.labels import FIELD_LABELS

    lines = [f"• {FIELD_LABELS.get(k, capitalize(k))}: {v}" for k, v in problems.items()]
    return "Nog niet opgeslagen. Controleer:\n" + "\n".join(lines)
