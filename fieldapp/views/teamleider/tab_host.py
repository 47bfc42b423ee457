"""What a team leader's tab needs of the screen it sits in: a protocol, so a tab
never imports the screen (screen.py imports every tab) and a test can render a
tab with a fake one. The screen (TeamLeaderScreen) is the one implementation."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

import flet as ft

from fieldapp.components import Banner
from fieldapp.teamleader.session import LeaderSession

if TYPE_CHECKING:
    from fieldapp.views.host import Host

T = TypeVar("T")


class Tab(Protocol):
    def build(self) -> list[ft.Control]:
        """The tab's content, built in a thread (it calls the server)."""


class TabHost(Protocol):
    app: Host
    leader: LeaderSession  # this browser session's login and filters
    banner: Banner
    # The district the tabs show (None: all of the leader's districts).
    district: str | None

    async def load(self) -> None:
        """Build the current tab again (in a thread) and show it."""

    def attempt(self, fn: Callable[..., T], *args: Any) -> Awaitable[T | None]:
        """Run a server call from a button in a thread; on failure show why."""

    async def show_record(self, record_id: str) -> None:
        """Open a log's detail in Beoordelen."""

    def officers(self) -> dict[str, str]:
        """The leader's officers by id (cached)."""

    def themes(self) -> dict[str, str]:
        """The themes of the leader's districts by code (cached)."""

    def district_filter(self, *, everything: str) -> ft.Control:
        """The district dropdown shared by the tabs."""
