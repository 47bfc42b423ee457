"""The running app: which screen shows, navigation, locking, and background sync.

The screen follows AppState.phase(): koppelen → enrol, pincode_instellen → set
PIN, vergrendeld → unlock, gereed → home with the page's route on top of it.
Handlers run on Flet's event loop; work that may take seconds (enrolment,
sync) runs in a thread and hands its result back to the loop with `post`.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import logging
import threading
import time
from collections.abc import Awaitable, Callable
from typing import Any

import flet as ft

from fieldapp.components import StatusBar
from fieldapp.components import style as s
from fieldapp.components.camera import PhotoSource, camera_for
from fieldapp.kinds import by_route
from fieldapp.state import READY, AppState
from fieldapp.teamleader.session import LeaderSession
from fieldapp.views.forms.base import EntryForm
from fieldapp.views.forms.leave import leave_dialog
from fieldapp.views.host import Screen
from fieldapp.views.night import NightLook
from fieldapp.views.routes import PHASE_SCREENS, leader_phase, make_screen, route_chain

log = logging.getLogger(__name__)

AUTO_SYNC_SECONDS = 20.0
TICK_SECONDS = 5.0
# The widest a screen's content gets (a phone column): on a 1280 px desktop a
# button no longer stretches 1248 px. A screen may ask for more (`max_width`).
MAX_CONTENT_WIDTH = 720


class App:
    """The Host of every screen (fieldapp.views.host) on one Flet page."""

    def __init__(
        self,
        page: ft.Page,
        state: AppState,
        *,
        auto_sync_seconds: float = AUTO_SYNC_SECONDS,
        tick_seconds: float = TICK_SECONDS,
    ) -> None:
        self.page, self.state = page, state
        # This browser session's team-leader login: never in the shared store.
        self.leader = LeaderSession(state.sync_client.client_factory)
        self.auto_sync_seconds, self.tick_seconds = auto_sync_seconds, tick_seconds
        state.backoff.base_seconds = auto_sync_seconds
        self._next_auto_sync_in = auto_sync_seconds
        self.screens: dict[str, Screen] = {}
        self.phase_screen: tuple[str, Screen] | None = None
        self.shown_phase: str | None = None
        self.flash: str | None = None  # a message for the next phase screen
        self.closed = threading.Event()
        self._wake: asyncio.Event | None = None
        self._picker: ft.FilePicker | None = None
        self._last_auto_sync = float("-inf")
        self.night = NightLook(page, self._new_look, self.act)
        self.preset_hotspot: str | None = None
        self.preset_wijkactie: str | None = None
        self.after_route: ft.DialogControl | None = None  # asked once home is shown

    # ------------------------------------------------------------ start and stop

    def start(self) -> None:
        page = self.page
        page.title = "Handhaving Haarlem"
        self.night.start()
        page.padding = 0
        page.locale_configuration = ft.LocaleConfiguration(
            supported_locales=[ft.Locale("nl", "NL")], current_locale=ft.Locale("nl", "NL")
        )
        page.on_route_change = self._route_changed
        page.on_view_pop = self._view_popped
        page.on_resize = self._resized
        page.on_close = self._closed
        self.state.on_change(self._state_changed)
        try:
            self._picker = ft.FilePicker()
        except Exception:
            log.info("no file picker", exc_info=True)
        self._start_connectivity()
        self.render()
        page.run_task(self._ticker)

    def _start_connectivity(self) -> None:
        """The platform's connectivity events make the next check come at once;
        the health check against the server (the ticker) stays the ground truth."""
        try:
            ft.Connectivity(on_change=lambda _e: self._connection_changed())
        except Exception:
            log.info("no connectivity service", exc_info=True)

    def _closed(self) -> None:
        self.closed.set()
        self.wake()
        with contextlib.suppress(Exception):
            self.state.store.engine.dispose()

    # ------------------------------------------------------------ the Host protocol

    def file_picker(self) -> ft.FilePicker | None:
        return self._picker

    def camera(self) -> PhotoSource | None:
        return camera_for(self.page)

    @property
    def route(self) -> str:
        return self.page.route

    @property
    def is_web(self) -> bool:
        return bool(self.page.web)

    @property
    def width(self) -> float:
        return float(self.page.width or 0)

    def update(self) -> None:
        self.page.update()

    def run_task(self, fn: Callable[[], Awaitable[Any]]) -> None:
        self.page.run_task(fn)

    def show_dialog(self, dialog: ft.DialogControl) -> None:
        self.page.show_dialog(dialog)

    def close_dialog(self) -> None:
        self.page.pop_dialog()

    # ------------------------------------------------------------ helpers for screens

    def act(self, handler: Callable[..., Any]) -> Callable[..., Any]:
        """Wrap an event handler: every interaction counts as activity (locking)."""
        takes_event = _takes_argument(handler)
        if inspect.iscoroutinefunction(handler):

            async def wrapped_async(e: Any = None) -> Any:
                self.state.touch()
                result = await (handler(e) if takes_event else handler())
                # Flet skips its automatic update once a handler updated the page
                # itself (e.g. to show "Bezig…"): update again for the outcome.
                self.page.update()
                return result

            return wrapped_async

        def wrapped(e: Any = None) -> Any:
            self.state.touch()
            result = handler(e) if takes_event else handler()
            self.page.update()
            return result

        return wrapped

    def post(self, fn: Callable[[], None]) -> None:
        """Run `fn` on the page's event loop and update the page (from any thread)."""
        if self.closed.is_set():
            return

        async def runner() -> None:
            try:
                fn()
                self.page.update()
            except Exception:
                log.exception("UI update failed")

        with contextlib.suppress(Exception):
            self.page.run_task(runner)

    def status_bar(self, *, compact: bool = True) -> StatusBar:
        return StatusBar(self.state, compact=compact)

    def appbar(
        self,
        title: str,
        *,
        actions: list[ft.Control] | None = None,
        bgcolor: str | None = None,
        back: bool = True,
    ) -> ft.AppBar:
        return ft.AppBar(
            title=ft.Text(title, size=s.TITLE, weight=ft.FontWeight.BOLD, color="#FFFFFF"),
            bgcolor=bgcolor or s.PRIMARY,
            color="#FFFFFF",
            toolbar_height=60,
            automatically_imply_leading=back,
            # the day/night switch on the top screens (never in a form)
            actions=[*(actions or []), self.night.button()] if not back else actions,
        )

    def snack(self, message: str, *, error: bool = False) -> None:
        self.page.show_dialog(
            ft.SnackBar(
                ft.Text(message, size=s.TEXT, color="#FFFFFF"),
                bgcolor=s.DANGER if error else s.ONLINE,
                duration=ft.Duration(seconds=5),
                # No close button: with one, Flutter keeps the message up for good
                # whenever accessibility is on (TalkBack, or the browser's tree).
            )
        )

    def go(self, route: str) -> None:
        self.state.touch()
        if self.page.route == route:
            self.render()
        else:
            self.page.navigate(route)

    def close_screen(self, screen: Screen, message: str | None = None) -> None:
        """Leave a screen for home (after a save or a delete), forgetting its input."""
        self.screens.pop(screen.route, None)
        chain = route_chain(screen.route)
        self.go(chain[-2] if len(chain) > 1 else "/")
        if message:
            self.snack(message)

    # ------------------------------------------------------------ rendering

    def _new_look(self) -> None:
        """Day/night changed: rebuild the screens in the new colours, but only from
        home, so an open form keeps its input (and its colours until it closes)."""
        if self.page.route in ("/", ""):
            self.screens.clear()
            self.phase_screen = None
            self.render()
        else:
            self.page.update()

    def phase(self) -> str:
        """The phone's phase, or the team leader's at /teamleider."""
        return leader_phase(self.page.route, self.leader.logged_in) or self.state.phase()

    def open_url(self, url: str) -> None:
        """Send this browser tab to another address (the single sign-on)."""

        async def launch() -> None:
            await ft.UrlLauncher().launch_url(url, web_only_window_name="_self")

        self.page.run_task(launch)

    def render(self) -> None:
        phase = self.phase()
        self.shown_phase = phase
        if phase != READY:
            screens = [self._phase_screen(phase)]
        else:
            self.phase_screen = None
            home = self._screen("/")
            assert home is not None
            screens = [home]
            for route in route_chain(self.page.route):
                screen = self._screen(route)
                if screen is not None:
                    screens.append(screen)
        for screen in screens:
            if phase == READY:
                screen.refresh()
            self._fit(screen)
        views = [screen.view() for screen in screens]
        if [id(v) for v in self.page.views] != [id(v) for v in views]:
            self.page.views.clear()
            self.page.views.extend(views)
        self.page.update()

    def _fit(self, screen: Screen) -> None:
        """Centre the screen's content in a column of at most its maximum width: the
        view's side padding grows with the window (the app bar stays full width)."""
        limit = float(getattr(screen, "max_width", MAX_CONTENT_WIDTH))
        side = max(0.0, (self.width - limit) / 2) if self.width else 0.0
        screen.view().padding = ft.Padding.symmetric(horizontal=side)
        fit = getattr(screen, "fit_width", None)  # a screen that lays out by width
        if callable(fit):
            fit(self.width)

    def _resized(self) -> None:
        """A rotated phone or a resized window: new side margins, and the team
        leader's navigation switches between bar (narrow) and rail (wide)."""
        self.render()

    def _phase_screen(self, phase: str) -> Screen:
        if self.phase_screen is None or self.phase_screen[0] != phase:
            self.phase_screen = (phase, PHASE_SCREENS[phase](self))
            self.flash = None
        return self.phase_screen[1]

    def _screen(self, route: str) -> Screen | None:
        screen = self.screens.get(route)
        if screen is None:
            screen = self._make(route)
            if screen is not None:
                self.screens[route] = screen
        return screen

    def _make(self, route: str) -> Screen | None:
        preset = action = None
        if by_route(route) is not None:  # a new form takes the place tapped on home
            preset, self.preset_hotspot = self.preset_hotspot, None
            action, self.preset_wijkactie = self.preset_wijkactie, None
        return make_screen(self, route, hotspot=preset, wijkactie=action)

    def start_form(
        self, route: str, *, hotspot: str | None = None, wijkactie: str | None = None
    ) -> None:
        """Open a new form (optionally at a focus location tapped on home, and for a
        district action shown on home); the kind's newest draft, if any, is reopened."""
        old = self.screens.pop(route, None)
        if isinstance(old, EntryForm):
            old.keep_draft()
        self.preset_hotspot, self.preset_wijkactie = hotspot, wijkactie
        self.go(route)

    def _route_changed(self) -> None:
        self.state.touch()
        self.render()
        if self.after_route is not None:
            dialog, self.after_route = self.after_route, None
            self.show_dialog(dialog)

    def _view_popped(self, e: ft.ViewPopEvent) -> None:
        """The back arrow or Android's back button: go to the screen below (home, or
        "Mijn log" under an entry opened from it). A new form with input asks
        "Concept bewaren / weggooien" over the screen below once that is shown
        (views/forms/leave.py); it is kept as a draft before, so nothing typed is
        thrown away unasked."""
        route = e.view.route if e.view is not None else self.page.route
        screen = self.screens.get(route)
        if isinstance(screen, EntryForm) and screen.has_input() and screen.keep_draft():
            self.after_route = leave_dialog(self, screen)
        self._leave(route)

    def _leave(self, route: str) -> None:
        self.screens.pop(route, None)
        chain = route_chain(route)
        self.go(chain[-2] if len(chain) > 1 else "/")

    def _keep_drafts(self) -> None:
        """Every open form with input is kept as a draft: a reload, the lock or an
        app killed by the phone then loses at most a few seconds of typing."""
        for screen in list(self.screens.values()):
            if isinstance(screen, EntryForm):
                try:
                    screen.keep_draft()
                except Exception:  # never let the background loop die
                    log.exception("keeping a draft failed")

    # ------------------------------------------------------------ state and background

    def _state_changed(self) -> None:
        self.post(self._refresh)

    def _refresh(self) -> None:
        if self.phase() != self.shown_phase:
            self.render()
            return
        for view in list(self.page.views):
            screen = self._screen_of(view)
            if screen is not None:
                screen.refresh()

    def _screen_of(self, view: Any) -> Screen | None:
        if self.phase_screen is not None and self.phase_screen[1].view() is view:
            return self.phase_screen[1]
        for screen in self.screens.values():
            if screen.view() is view:
                return screen
        return None

    def position_changed(self) -> None:
        """A new position: re-sort the focus locations shown (from any thread)."""
        self.post(self._refresh)

    def _connection_changed(self) -> None:
        """The network came (back): try at once, and forget the backoff."""
        self.state.connection_returned()
        self.wake()

    def wake(self) -> None:
        """Check the connection (and sync) now instead of at the next tick."""
        event = self._wake
        if event is not None:
            with contextlib.suppress(Exception):
                self.page.session.connection.loop.call_soon_threadsafe(event.set)

    async def _ticker(self) -> None:
        """Every few seconds: lock when idle; every ~20 s: check the connection and
        sync what waits (no PIN needed, so it also runs while locked)."""
        self._wake = asyncio.Event()
        while not self.closed.is_set():
            await asyncio.to_thread(self._keep_drafts)
            if self.phase() != self.shown_phase:
                self.render()
            if time.monotonic() - self._last_auto_sync >= self._next_auto_sync_in:
                self._last_auto_sync = time.monotonic()
                await asyncio.to_thread(self._auto_sync)
                # Backoff with jitter after failures (fieldapp/state/backoff.py).
                self._next_auto_sync_in = self.state.next_auto_sync_in()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.tick_seconds)
                self._last_auto_sync = float("-inf")  # woken: check right away
            self._wake.clear()

    def _auto_sync(self) -> None:
        try:
            self.state.auto_sync()
        except Exception:  # never let the background loop die
            log.exception("automatic sync failed")

    def start_sync(self) -> bool:
        """The sync button: run one sync in a thread; progress and the result reach
        the screens through AppState's change notifications."""
        if self.state.syncing:
            return False

        def worker() -> None:
            try:
                self.state.sync_now()
            except Exception:
                log.exception("sync failed")

        self.page.run_thread(worker)
        return True


def _takes_argument(handler: Callable[..., Any]) -> bool:
    try:
        params = [
            p
            for p in inspect.signature(handler).parameters.values()
            if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) and p.default is p.empty
        ]
    except (TypeError, ValueError):
        return False
    return bool(params)
