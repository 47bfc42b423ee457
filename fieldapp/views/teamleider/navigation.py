"""The team leader's tabs as Material 3 navigation instead of a wrapping row of buttons.

A phone gets a NavigationBar at the bottom: four tabs and "Meer" (Material's
bar holds three to five; eight labels do not fit 360 px), "Meer" lists the
other tabs in the content. A wide screen gets a NavigationRail at the side with
every tab. The screen (screen.py) decides which one from the page's width.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import flet as ft

from fieldapp.components import style as s

# From this width a NavigationRail at the side (Material's "medium" window class
# starts at 600 px; the review and indicator tabs switch to tables at 700 px).
RAIL_FROM = 700
ON_BAR = 4  # tabs in the phone's bar; the others under "Meer"
MORE = "Meer"

ICONS: dict[str, tuple[ft.IconData, ft.IconData]] = {
    "Beoordelen": (ft.Icons.FACT_CHECK_OUTLINED, ft.Icons.FACT_CHECK),
    "Incidenten": (ft.Icons.REPORT_OUTLINED, ft.Icons.REPORT),
    "Indicatoren": (ft.Icons.INSIGHTS_OUTLINED, ft.Icons.INSIGHTS),
    "Kaart": (ft.Icons.MAP_OUTLINED, ft.Icons.MAP),
    "Hot times": (ft.Icons.SCHEDULE_OUTLINED, ft.Icons.SCHEDULE),
    "Wijkprofiel": (ft.Icons.ANALYTICS_OUTLINED, ft.Icons.ANALYTICS),
    "Wijkacties": (ft.Icons.EVENT_NOTE_OUTLINED, ft.Icons.EVENT_NOTE),
    "Accounts": (ft.Icons.MANAGE_ACCOUNTS_OUTLINED, ft.Icons.MANAGE_ACCOUNTS),
    MORE: (ft.Icons.MORE_HORIZ, ft.Icons.MORE_HORIZ),
}
FALLBACK = (ft.Icons.TAB_OUTLINED, ft.Icons.TAB)


def _icons(name: str) -> tuple[ft.IconData, ft.IconData]:
    return ICONS.get(name, FALLBACK)


def bar_names(tabs: Sequence[str]) -> list[str]:
    """What the phone's bar shows: all tabs when they fit, else four and "Meer"."""
    names = list(tabs)
    return names if len(names) <= ON_BAR + 1 else [*names[:ON_BAR], MORE]


def bar_index(tabs: Sequence[str], current: str, more_open: bool) -> int:
    names = bar_names(tabs)
    if more_open and MORE in names:
        return names.index(MORE)
    return names.index(current) if current in names else names.index(MORE)


Pick = Callable[[str], Awaitable[None]]
Wrap = Callable[[Callable[..., Any]], Callable[..., Any]]  # the shell's `act`


def navigation_bar(
    tabs: Sequence[str], current: str, more_open: bool, on_pick: Pick, wrap: Wrap
) -> ft.NavigationBar:
    names = bar_names(tabs)

    async def changed(e: ft.Event[ft.NavigationBar]) -> None:
        await on_pick(names[e.control.selected_index])

    return ft.NavigationBar(
        destinations=[
            ft.NavigationBarDestination(
                icon=_icons(name)[0], selected_icon=_icons(name)[1], label=name
            )
            for name in names
        ],
        selected_index=bar_index(tabs, current, more_open),
        on_change=wrap(changed),
        bgcolor=s.SURFACE,
        indicator_color=s.OK_BG if not s.dark else s.PRIMARY,
        label_behavior=ft.NavigationBarLabelBehavior.ALWAYS_SHOW,
        height=72,
    )


def navigation_rail(
    tabs: Sequence[str], current: str, on_pick: Pick, wrap: Wrap
) -> ft.NavigationRail:
    names = list(tabs)

    async def changed(e: ft.Event[ft.NavigationRail]) -> None:
        await on_pick(names[e.control.selected_index or 0])

    return ft.NavigationRail(
        destinations=[
            ft.NavigationRailDestination(
                icon=_icons(name)[0], selected_icon=_icons(name)[1], label=name
            )
            for name in names
        ],
        selected_index=names.index(current) if current in names else 0,
        on_change=wrap(changed),
        label_type=ft.NavigationRailLabelType.ALL,
        bgcolor=s.SURFACE,
        indicator_color=s.OK_BG if not s.dark else s.PRIMARY,
        min_width=88,
        selected_label_text_style=ft.TextStyle(size=14, weight=ft.FontWeight.BOLD, color=s.INK),
        unselected_label_text_style=ft.TextStyle(size=14, color=s.MUTED),
        scrollable=True,
    )


def more_list(tabs: Sequence[str], current: str, on_pick: Pick, wrap: Wrap) -> list[ft.Control]:
    """The content under "Meer": one large row per tab that is not in the bar."""
    rest = [name for name in tabs if name not in bar_names(tabs)]
    return [
        ft.ListTile(
            leading=ft.Icon(_icons(name)[1 if name == current else 0], color=s.PRIMARY),
            title=ft.Text(name, size=s.TEXT, color=s.INK, weight=ft.FontWeight.BOLD),
            trailing=ft.Icon(ft.Icons.CHEVRON_RIGHT, color=s.MUTED),
            min_height=s.TOUCH + 8,
            bgcolor=s.SURFACE,
            on_click=wrap(_pick_handler(on_pick, name)),
        )
        for name in rest
    ]


def _pick_handler(on_pick: Pick, name: str) -> Callable[[], Awaitable[None]]:
    async def handler() -> None:
        await on_pick(name)

    return handler
