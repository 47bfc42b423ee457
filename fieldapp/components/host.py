"""What a widget needs from the running app: a small protocol, so a widget (and a
test with a fake host) never needs the concrete app or a Flet page.
fieldapp.views.host.Host extends it with what a whole screen needs."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

import flet as ft

from fieldapp.components.camera import PhotoSource
from fieldapp.state import AppState

Handler = Callable[..., Any]


class WidgetHost(Protocol):
    state: AppState

    def act(self, handler: Handler) -> Handler:
        """Wrap an event handler (activity for the lock, page update after)."""

    def file_picker(self) -> ft.FilePicker | None:
        """The page's file picker, or None where the platform has none."""

    def camera(self) -> PhotoSource | None:
        """The phone's camera, or None where the platform has none (a browser)."""

    def show_dialog(self, dialog: ft.DialogControl) -> None:
        """Show a dialog (or a snack bar) over the current screen."""

    def close_dialog(self) -> None:
        """Close the dialog shown last."""
