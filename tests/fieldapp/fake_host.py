"""A fake Host (fieldapp.views.host) for screens tested without a browser.

It keeps what a screen asked of the app (snacks, closed screens, routes, dialogs,
tasks) so a test can assert on it; everything else is the real thing: the screen's
Flet controls as plain Python objects, and a real AppState on an SQLite file."""

from __future__ import annotations

import asyncio
import inspect
import threading
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import flet as ft
from phone_reference import REFERENCE

from fieldapp.components import StatusBar
from fieldapp.components.camera import PhotoSource
from fieldapp.state import AppState
from fieldapp.teamleader.session import LeaderSession
from fieldapp.views.host import Screen


class FakeHost:
    def __init__(self, state: AppState, *, route: str = "/", width: float = 390) -> None:
        self.state = state
        self.leader = LeaderSession(state.sync_client.client_factory)
        self.opened_urls: list[str] = []
        self.flash: str | None = None
        self.route, self.width, self.is_web = route, width, True
        self.snacks: list[tuple[str, bool]] = []
        self.closed: list[tuple[Screen, str | None]] = []
        self.routes: list[str] = []
        self.forms: list[tuple[str, str | None]] = []
        self.actions: list[str | None] = []  # the district action each form was opened for
        self.dialogs: list[ft.DialogControl] = []
        self.tasks: list[Callable[[], Awaitable[Any]]] = []
        self.syncs = self.wakes = self.updates = 0
        self.picker: Any = None  # a test may put a fake file picker here
        self.camera_source: PhotoSource | None = None  # and a fake camera here

    # WidgetHost
    def act(self, handler: Callable[..., Any]) -> Callable[..., Any]:
        wants_event = any(
            p.default is p.empty and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
            for p in inspect.signature(handler).parameters.values()
        )

        def wrapped(e: Any = None) -> Any:
            result = handler(e) if wants_event else handler()
            if inspect.isawaitable(result):
                return run_async(result)
            return result

        return wrapped

    def file_picker(self) -> ft.FilePicker | None:
        return self.picker

    def camera(self) -> PhotoSource | None:
        return self.camera_source

    def show_dialog(self, dialog: ft.DialogControl) -> None:
        self.dialogs.append(dialog)

    def close_dialog(self) -> None:
        if self.dialogs:
            self.dialogs.pop()

    # Host
    def update(self) -> None:
        self.updates += 1

    def run_task(self, fn: Callable[[], Awaitable[Any]]) -> None:
        self.tasks.append(fn)

    def post(self, fn: Callable[[], None]) -> None:
        fn()

    def open_url(self, url: str) -> None:
        self.opened_urls.append(url)

    def go(self, route: str) -> None:
        self.routes.append(route)

    def start_form(
        self, route: str, *, hotspot: str | None = None, wijkactie: str | None = None
    ) -> None:
        self.forms.append((route, hotspot))
        self.actions.append(wijkactie)

    def close_screen(self, screen: Screen, message: str | None = None) -> None:
        self.closed.append((screen, message))

    def snack(self, message: str, *, error: bool = False) -> None:
        self.snacks.append((message, error))

    def appbar(
        self,
        title: str,
        *,
        actions: list[ft.Control] | None = None,
        bgcolor: str | None = None,
        back: bool = True,
    ) -> ft.AppBar:
        return ft.AppBar(title=ft.Text(title), bgcolor=bgcolor, actions=actions)

    def status_bar(self, *, compact: bool = True) -> StatusBar:
        return StatusBar(self.state, compact=compact)

    def start_sync(self) -> bool:
        self.syncs += 1
        return True

    def wake(self) -> None:
        self.wakes += 1

    def run_tasks(self) -> None:
        """Run what the screen scheduled on the event loop, as the page would."""
        while self.tasks:
            run_async(self.tasks.pop(0)())


async def _awaited(result: Awaitable[Any]) -> Any:
    return await result


def phone_state(folder: Path) -> AppState:
    """An AppState on a fresh SQLite file with Noord's reference data, no server."""
    state = AppState(folder)
    state.store.apply_pull_page(REFERENCE, next_since=len(REFERENCE))
    return state


def texts(control: Any) -> list[str]:
    """Every text a control tree shows (Text values, labels, tooltips, errors)."""
    found: list[str] = []
    seen: set[int] = set()

    def walk(node: Any) -> None:
        if node is None or id(node) in seen:
            return
        seen.add(id(node))
        if isinstance(node, (list, tuple)):
            for item in node:
                walk(item)
            return
        if not isinstance(node, ft.BaseControl):
            return
        if getattr(node, "visible", True) is False:
            return
        for name in ("value", "label", "tooltip", "error", "text", "title", "subtitle"):
            value = getattr(node, name, None)
            if isinstance(value, str) and value:
                found.append(value)
            elif isinstance(value, ft.BaseControl):
                walk(value)
        for name in ("content", "controls", "leading", "trailing", "actions", "appbar"):
            walk(getattr(node, name, None))

    walk(control)
    return found


def button_labelled(control: Any, label: str) -> Any:
    """The first control in the tree whose content is a Text reading `label`:
    found wherever the layout nests it, so a regrouped screen keeps its tests."""
    stack = [control]
    seen: set[int] = set()
    while stack:
        node = stack.pop(0)
        if node is None or id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, (list, tuple)):
            stack.extend(node)
            continue
        if not isinstance(node, ft.BaseControl):
            continue
        if getattr(getattr(node, "content", None), "value", None) == label:
            return node
        for name in ("content", "controls", "leading", "trailing", "actions", "appbar"):
            stack.append(getattr(node, name, None))
    raise LookupError(f"no control labelled {label!r}")


def run_async(awaitable: Any) -> Any:
    """Run a coroutine to its end on a thread of its own: after the browser tests
    an event loop runs in the main thread, where asyncio.run() is refused."""
    box: dict[str, Any] = {}

    def work() -> None:
        try:
            box["value"] = asyncio.run(_awaited(awaitable))
        except BaseException as exc:  # handed to the caller's thread
            box["error"] = exc

    thread = threading.Thread(target=work)
    thread.start()
    thread.join()
    if "error" in box:
        raise box["error"]
    return box.get("value")
