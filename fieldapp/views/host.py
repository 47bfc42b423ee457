"""What a screen needs of the running app, as a protocol: screens depend on this,
never on the app shell (views/shell.py), so the shell can import every screen
through the route table (views/routes.py) without a cycle, and a test can hand a
screen a fake host and check it without a browser.

Each host has its own `leader` (fieldapp.teamleader.session): a team leader's
login belongs to one browser session, never to the app process.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Protocol

import flet as ft

from fieldapp.components.host import Handler, WidgetHost
from fieldapp.components.status_bar import StatusBar
from fieldapp.teamleader.session import LeaderSession

__all__ = ["Handler", "Host", "Screen"]


class Screen(Protocol):
    route: str

    def view(self) -> ft.View:
        """The Flet view that shows this screen."""

    def refresh(self) -> None:
        """Bring what the screen shows up to date with the app state."""


class Host(WidgetHost, Protocol):
    # A message for the next phase screen (e.g. why the phone was unlinked).
    flash: str | None
    # This browser session's team-leader or beheerder login (never shared).
    leader: LeaderSession

    @property
    def route(self) -> str:
        """The route the page shows now."""

    @property
    def is_web(self) -> bool:
        """Whether the app runs in a browser (not as a phone app)."""

    @property
    def width(self) -> float:
        """The page's width in logical pixels (0 when not known yet)."""

    def update(self) -> None:
        """Send what changed to the screen now (e.g. "Bezig…" before slow work)."""

    def run_task(self, fn: Callable[[], Awaitable[Any]]) -> None:
        """Run a coroutine function on the page's event loop."""

    def post(self, fn: Callable[[], None]) -> None:
        """Run `fn` on the page's event loop and update the page (from any thread)."""

    def go(self, route: str) -> None:
        """Show the screen of `route`."""

    def open_url(self, url: str) -> None:
        """Send this browser tab to another address (the single sign-on)."""

    def start_form(
        self, route: str, *, hotspot: str | None = None, wijkactie: str | None = None
    ) -> None:
        """Open a new, empty form (optionally at a focus location tapped on home,
        and for a district action shown on home)."""

    def close_screen(self, screen: Screen, message: str | None = None) -> None:
        """Leave a screen for the one below it, forgetting its input."""

    def snack(self, message: str, *, error: bool = False) -> None:
        """A short message at the bottom of the screen."""

    def appbar(
        self,
        title: str,
        *,
        actions: list[ft.Control] | None = None,
        bgcolor: str | None = None,
        back: bool = True,
    ) -> ft.AppBar:
        """The app's title bar."""

    def status_bar(self, *, compact: bool = True) -> StatusBar:
        """The connection and what waits, kept up to date by the host."""

    def start_sync(self) -> bool:
        """Start one sync in the background (False when one runs already)."""

    def wake(self) -> None:
        """Check the connection (and sync) now instead of at the next tick."""
