"""The Flet entry point: `main(page)` for the phone build (root main.py) and
`serve_web(...)` for `python -m fieldapp web` (browser, tests, demo)."""

from __future__ import annotations

import os
from pathlib import Path

import flet as ft

from fieldapp.components.geolocation import start_geolocation
from fieldapp.components.secure_storage import open_keystore
from fieldapp.db import data_dir
from fieldapp.location import LatestPosition
from fieldapp.state import AppState
from fieldapp.views.shell import App

ASSETS_DIR = Path(__file__).resolve().parent.parent / "assets"


async def main(page: ft.Page, data: Path | None = None) -> None:
    """One app per session: its own AppState (the data folder is shared; on a
    phone there is one session, in a browser every tab must unlock itself).

    The key of the personal fields comes from the platform's secure storage
    where there is one (awaited here, before anything reads the database)."""
    folder = data_dir(data)
    keystore = await open_keystore(page, folder)
    latest = LatestPosition()
    state = AppState(folder, location=latest, keystore=keystore)
    app = App(page, state)
    app.start()
    start_geolocation(page, latest, on_update=app.position_changed)


def serve_web(host: str, port: int, data: Path | None) -> None:
    """Serve the app to a browser without any CDN (works offline).

    The data folder is `data`, else FLET_APP_STORAGE_DATA (see fieldapp.db)."""
    os.environ.setdefault("FLET_FORCE_WEB_SERVER", "1")  # never try to open a browser

    async def session(page: ft.Page) -> None:
        await main(page, data)

    ft.run(
        session,
        host=host,
        port=port,
        view=ft.AppView.WEB_BROWSER,
        assets_dir=str(ASSETS_DIR),
        no_cdn=True,
    )
