"""Day or night look: follows the phone's system setting, or the officer's choice.

A night shift in a dark street needs a dark screen (a white one blinds and gives
the officer away). The choice ("systeem", "licht", "donker") is kept on the
device with the platform's preferences (localStorage in a browser), not on the
server: it is nobody else's business and must work offline.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from typing import Any

import flet as ft

from fieldapp.components import style as s
from fieldapp.components.controls import icon_button

log = logging.getLogger(__name__)

PREFERENCE = "handhaving.thema"
CHOICES = ("systeem", "licht", "donker")


class NightLook:
    def __init__(
        self,
        page: ft.Page,
        rebuild: Callable[[], None],
        act: Callable[[Callable[..., Any]], Callable[..., Any]],
    ) -> None:
        """`rebuild` drops the built screens and renders again (the shell knows when
        that is safe); `act` wraps a handler like every other one."""
        self.page, self.rebuild, self.act = page, rebuild, act
        self.choice = "systeem"
        self._prefs: ft.SharedPreferences | None = None

    def start(self) -> None:
        page = self.page
        page.theme = s.theme()
        page.dark_theme = s.theme(night=True)
        page.on_platform_brightness_change = lambda _e: self.apply()
        try:
            self._prefs = ft.SharedPreferences()
        except Exception:
            log.info("no preferences service", exc_info=True)
        self.apply(rebuild=False)
        page.run_task(self._load)

    async def _load(self) -> None:
        if self._prefs is None:
            return
        value = None
        with contextlib.suppress(Exception):
            value = await self._prefs.get(PREFERENCE)
        if isinstance(value, str) and value in CHOICES and value != self.choice:
            self.choice = value
            self.apply()

    async def _save(self) -> None:
        if self._prefs is not None:
            with contextlib.suppress(Exception):
                await self._prefs.set(PREFERENCE, self.choice)

    def is_dark(self) -> bool:
        if self.choice != "systeem":
            return self.choice == "donker"
        return self.page.platform_brightness == ft.Brightness.DARK

    def apply(self, *, rebuild: bool = True) -> None:
        """Tell Flutter which theme to draw and give the screens the same palette.
        Screens read their colours when built, so they are rebuilt."""
        page, dark = self.page, self.is_dark()
        page.theme_mode = {
            "systeem": ft.ThemeMode.SYSTEM,
            "licht": ft.ThemeMode.LIGHT,
            "donker": ft.ThemeMode.DARK,
        }[self.choice]
        changed = dark != s.dark
        s.use_dark(dark)
        page.bgcolor = s.PAGE_BG
        if rebuild and changed:
            self.rebuild()
        elif rebuild:
            page.update()

    def toggle(self) -> None:
        self.choice = "licht" if self.is_dark() else "donker"
        self.apply()
        self.page.run_task(self._save)

    def button(self) -> ft.Control:
        """The switch in the app bar: the moon for night, the sun for day."""
        if s.dark:
            return icon_button(
                ft.Icons.LIGHT_MODE, "Licht thema", self.act(self.toggle), icon_color="#FFFFFF"
            )
        return icon_button(
            ft.Icons.DARK_MODE, "Donker thema", self.act(self.toggle), icon_color="#FFFFFF"
        )
