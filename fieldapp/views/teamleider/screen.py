"""The team leader's screen (online only): Material 3 navigation (a bar at the
bottom of a phone, a rail at the side of a wide screen; navigation.py) and the
content of one tab.

All data comes from fieldapp.teamleader (plain, tested in pytest); the tab
modules here only lay it out. Calls to the server run in a thread so the page
stays live; a failed call shows its Dutch message in the banner.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import flet as ft

from fieldapp.components import Banner
from fieldapp.components import style as s
from fieldapp.state import SyncError
from fieldapp.teamleader.client import LAPSED_CODES
from fieldapp.views.teamleider.accounts import AccountsTab
from fieldapp.views.teamleider.hot_times import HotTimesTab
from fieldapp.views.teamleider.incidents import IncidentsTab
from fieldapp.views.teamleider.indicators import IndicatorsTab
from fieldapp.views.teamleider.kaart import KaartTab
from fieldapp.views.teamleider.navigation import (
    MORE,
    RAIL_FROM,
    more_list,
    navigation_bar,
    navigation_rail,
)
from fieldapp.views.teamleider.parts import ALL, dropdown
from fieldapp.views.teamleider.profile import ProfileTab
from fieldapp.views.teamleider.review import ReviewTab
from fieldapp.views.teamleider.tab_host import T, Tab, TabHost
from fieldapp.views.teamleider.wijkacties import WijkactiesTab

if TYPE_CHECKING:
    from fieldapp.views.host import Host


class TeamLeaderScreen:
    """The tabs under one header; the screen is the TabHost of each tab."""

    # Wider than an officer's screen (tables, charts), still no 1920 px lines.
    max_width = 1200

    # The tabs in their order: name → how to make it. Beoordelen comes first and
    # is kept by name too (the incidents board opens a record in it).
    TABS: dict[str, Callable[[TabHost], Tab]] = {
        "Beoordelen": ReviewTab,
        "Incidenten": IncidentsTab,
        "Indicatoren": IndicatorsTab,
        "Kaart": KaartTab,
        "Hot times": HotTimesTab,
        "Wijkprofiel": ProfileTab,
        "Wijkacties": WijkactiesTab,
        "Accounts": AccountsTab,
    }

    def __init__(self, app: Host) -> None:
        self.app, self.leader = app, app.leader
        self.route = "/teamleider"
        self.banner = Banner()
        self.more_open = False  # the phone's "Meer": the other tabs as a list
        self.wide: bool | None = None  # rail (wide) or bar (phone); set by fit_width
        self.body = ft.Column(spacing=12)
        self._themes: dict[str, str] = {}
        self._officers: dict[str, str] = {}
        self.tabs: dict[str, Tab] = {name: make(self) for name, make in self.TABS.items()}
        review = self.tabs["Beoordelen"]
        assert isinstance(review, ReviewTab)
        self.review = review
        self._view = ft.View(
            route=self.route,
            appbar=app.appbar(
                "Teamleider",
                back=False,
                actions=[
                    ft.TextButton(
                        content=ft.Text("Uitloggen", size=s.TEXT, color="#FFFFFF"),
                        on_click=app.act(self._logout),
                        height=s.TOUCH,
                    )
                ],
            ),
            controls=[
                # The tabs stay in view while the content scrolls under them.
                ft.Container(
                    ft.Column(
                        [
                            ft.Text(
                                self.leader.header,
                                size=s.SMALL,
                                color=s.MUTED,
                            ),
                        ],
                        spacing=8,
                    ),
                    padding=ft.Padding.only(left=16, right=16, top=8, bottom=0),
                ),
                ft.ListView(
                    [self.banner.control, self.body],
                    expand=True,
                    spacing=12,
                    padding=ft.Padding.only(left=16, right=16, top=8, bottom=16),
                ),
            ],
            padding=0,
            horizontal_alignment=ft.CrossAxisAlignment.STRETCH,
            bgcolor=s.PAGE_BG,
        )
        # The header and the content; beside a rail on a wide screen (fit_width).
        self._parts = [c for c in self._view.controls if isinstance(c, ft.Control)]
        self.fit_width(app.width)
        self.body.controls = [ft.Text("Laden…", size=s.TEXT, color=s.MUTED)]
        app.run_task(self.load)

    def view(self) -> ft.View:
        return self._view

    # What the tabs show lives in the browser session, so a re-login keeps it.
    @property
    def tab(self) -> str:
        return self.leader.tab if self.leader.tab in self.TABS else "Beoordelen"

    @tab.setter
    def tab(self, name: str) -> None:
        self.leader.tab = name

    @property
    def district(self) -> str | None:
        return self.leader.district

    @district.setter
    def district(self, value: str | None) -> None:
        self.leader.district = value

    def refresh(self) -> None:
        """Nothing here follows the sync state (the shell calls this on every screen)."""

    # ------------------------------------------------------------ navigation

    def fit_width(self, width: float) -> None:
        """The shell calls this on every render and resize: a rail beside the
        content from RAIL_FROM px, else a bar under it."""
        wide = width >= RAIL_FROM
        if wide != self.wide:
            self.wide = wide
            self.more_open = self.more_open and not wide
            self._draw_tabs()

    def _draw_tabs(self) -> None:
        names, act = list(self.tabs), self.app.act
        if self.wide:
            self._view.navigation_bar = None
            self._view.controls = [
                ft.Row(
                    [
                        navigation_rail(names, self.tab, self._pick, act),
                        ft.VerticalDivider(width=1, color=s.BORDER),
                        ft.Column(self._parts, expand=True, spacing=0),
                    ],
                    expand=True,
                    spacing=0,
                    vertical_alignment=ft.CrossAxisAlignment.STRETCH,
                )
            ]
        else:
            self._view.controls = list(self._parts)
            self._view.navigation_bar = navigation_bar(
                names, self.tab, self.more_open, self._pick, act
            )

    async def _pick(self, name: str) -> None:
        """A tab chosen in the bar, the rail or under "Meer"."""
        if name == MORE:
            self.more_open = True
            self._draw_tabs()
            self.banner.hide()
            self.body.controls = more_list(list(self.tabs), self.tab, self._pick, self.app.act)
            self.app.update()
            return
        self.more_open = False
        self.tab = name
        self.review.open(None)
        self._draw_tabs()
        await self.load()

    async def load(self) -> None:
        """Build the current tab in a thread and show it."""
        self.banner.hide()
        try:
            controls = await asyncio.to_thread(self.tabs[self.tab].build)
        except SyncError as exc:
            self._failed(exc)
            controls = []
        if self.more_open:  # "Meer" was tapped meanwhile: its list stays
            return
        self.body.controls = controls
        self.app.update()

    async def attempt(self, fn: Callable[..., T], *args: Any) -> T | None:
        """Run a server call from a button in a thread; on failure show why."""
        try:
            return await asyncio.to_thread(fn, *args)
        except SyncError as exc:
            self._failed(exc)
            self.app.update()
            return None

    def _failed(self, exc: SyncError) -> None:
        self.banner.show(exc.message, "error")
        if exc.code in LAPSED_CODES:
            # Back to the login screen with the reason; the filter stays in the session.
            self.leader.lapsed(exc.message)
            self.app.go("/teamleider")

    async def show_record(self, record_id: str) -> None:
        """Open a log's detail in Beoordelen (from the incidents board)."""
        self.tab = "Beoordelen"
        self.review.open(record_id)
        self._draw_tabs()
        await self.load()

    async def _logout(self) -> None:
        await asyncio.to_thread(self.leader.log_out)
        self.app.go("/teamleider")

    # ------------------------------------------------------------ shared by tabs

    def officers(self) -> dict[str, str]:
        if not self._officers:
            self._officers = self.leader.client.officers()
        return self._officers

    def themes(self) -> dict[str, str]:
        if not self._themes:
            self._themes = self.leader.client.themes(self.leader.districts)
        return self._themes

    def district_filter(self, *, everything: str) -> ft.Control:
        async def handler(e: ft.Event[ft.Dropdown]) -> None:
            value = e.control.value or ALL
            self.district = None if value == ALL else value
            await self.load()

        options = {ALL: everything, **{d: d.capitalize() for d in self.leader.districts}}
        return dropdown("Stadsdeel", options, self.district or ALL, self.app.act(handler))
