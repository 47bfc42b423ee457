"""Small building blocks shared by the team leader's tabs."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import flet as ft

from fieldapp.components import style as s

ALL = "alle"
STATE_COLOURS = {
    "nieuw": ("#FFF4E5", "#6B3500"),
    "beoordeeld": ("#E8F5E9", "#1B5E20"),
    "terug_naar_handhaver": ("#FDECEA", "#B3261E"),
    "afgesloten": ("#E3F2FD", "#0B3A6E"),
}


def dropdown(
    label: str,
    options: dict[str, str],
    value: str,
    on_select: Callable[..., Any],
    *,
    width: int = 175,
) -> ft.Control:
    # Its own semantics node: else Flutter reads the text after it as its name.
    return ft.Semantics(
        container=True,
        content=ft.Dropdown(
            label=label,
            value=value,
            options=[ft.dropdown.Option(key=k, text=v) for k, v in options.items()],
            text_size=s.SMALL,
            width=width,
            border_color=s.BORDER,
            filled=True,
            fill_color=s.SURFACE,
            on_select=on_select,
        ),
    )


def chip(text: str, state: str) -> ft.Control:
    bg, fg = STATE_COLOURS.get(state, ("#EEEEEE", s.INK))
    return flag(text, bg, fg)


def flag(text: str, bg: str, fg: str) -> ft.Control:
    return ft.Container(
        ft.Text(text, size=s.SMALL, color=fg, weight=ft.FontWeight.BOLD),
        bgcolor=bg,
        border=ft.Border.all(1, fg),
        border_radius=8,
        padding=ft.Padding.symmetric(horizontal=8, vertical=2),
    )


def note(text: str) -> ft.Control:
    """An explanation in its own semantics node (not merged into a filter's name)."""
    return ft.Semantics(container=True, content=ft.Text(text, size=s.SMALL, color=s.MUTED))


def card(
    content: ft.Control, *, on_click: Callable[..., Any] | None = None, **kwargs: Any
) -> ft.Container:
    kwargs.setdefault("border", ft.Border.all(1, s.BORDER))
    kwargs.setdefault("padding", 12)
    return ft.Container(
        content,
        bgcolor=s.SURFACE,
        border_radius=10,
        ink=on_click is not None,
        on_click=on_click,
        **kwargs,
    )


def small_button(
    text: str,
    on_click: Callable[..., Any],
    *,
    icon: ft.IconData | None = None,
    primary: bool = False,
    tooltip: str | None = None,
) -> ft.Control:
    """A secondary action: still a full touch target, but not a big block."""
    return ft.Button(
        content=ft.Text(text, size=s.SMALL, weight=ft.FontWeight.BOLD),
        icon=icon,
        on_click=on_click,
        height=s.TOUCH,
        tooltip=tooltip,
        style=ft.ButtonStyle(
            bgcolor=s.PRIMARY if primary else s.SURFACE,
            color="#FFFFFF" if primary else s.PRIMARY,
            icon_color="#FFFFFF" if primary else s.PRIMARY,
            side=ft.BorderSide(2, s.PRIMARY),
            shape=ft.RoundedRectangleBorder(radius=10),
            padding=ft.Padding.symmetric(horizontal=12),
        ),
    )


def back_link(on_click: Callable[..., Any], text: str = "‹ Terug naar de lijst") -> ft.Control:
    return ft.Row(
        [
            ft.TextButton(
                content=ft.Text(text, size=s.TEXT, color=s.PRIMARY),
                on_click=on_click,
            )
        ]
    )


def section(text: str) -> ft.Control:
    return ft.Semantics(
        container=True,
        content=ft.Text(text, size=s.LABEL, weight=ft.FontWeight.BOLD, color=s.INK),
    )
