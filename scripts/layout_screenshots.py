#!/usr/bin/env python
"""Screenshots of the layout at other sizes: a small phone (360×640), a tablet
(820×1180), a desktop (1280×800) and the night look, for the officer and the
team leader.

    .venv/bin/python scripts/layout_screenshots.py [--out docs/screenshots]

The same harness as scripts/screenshots.py and the browser tests: a throw-away
sync server, `python -m fieldapp web`, Chromium. The phone is enrolled once;
every other window opens the same app and unlocks it with the PIN.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO / "tests" / "browser"), str(REPO)]
os.environ.setdefault(
    "CHROMIUM_ARGS",
    "--no-sandbox --disable-quic --use-angle=swiftshader --enable-unsafe-swiftshader",
)

import harness as h  # noqa: E402
from playwright.sync_api import expect, sync_playwright  # noqa: E402

from fieldapp.state import AppState  # noqa: E402
from sync_server.db import session_scope  # noqa: E402
from sync_server.services import accounts  # noqa: E402

PIN = "48213"
PASSWORD = "voorbeeld-wachtwoord-1"
SIZES = {
    "360": {"width": 360, "height": 640},
    "tablet": {"width": 820, "height": 1180},
    "desktop": {"width": 1280, "height": 800},
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(REPO / "docs" / "screenshots"))
    out = Path(parser.parse_args().out)
    out.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="layout-shots-"))
    engine, settings = h.server_database(tmp / "server")
    server = h.RestartableServer(settings, engine).start()
    with session_scope(engine) as session:
        officer = accounts.create_user(
            session,
            username="jeroen.visser",
            display_name="Jeroen Visser",
            role="handhaver",
            districts=["noord"],
        )
        accounts.create_user(
            session,
            username="sanne.teamleider",
            display_name="Sanne de Boer",
            role="teamleider",
            districts=["noord"],
            password=PASSWORD,
        )
    _some_entries(tmp, server.url, h.enrolment_code(engine, settings, officer))
    app = h.AppProcess(data=tmp / "phone", home=tmp / "home", server_url=server.url).start()
    shots: list[str] = []

    def shot(phone: h.Phone, name: str) -> None:
        phone.page.mouse.move(2, 2)  # no hover effects or tooltips in the picture
        phone.screenshot(out / f"{name}.png")
        shots.append(name)

    try:
        with sync_playwright() as playwright:
            browser = h.launch_browser(playwright)
            with h.phone_in(browser, app.url) as phone:
                h.enrol_and_set_pin(phone, h.enrolment_code(engine, settings, officer), PIN)
                phone.see("Laatst gesynchroniseerd")
                shot(phone, "layout-home-390")
            for size, viewport in SIZES.items():
                with h.phone_in(browser, app.url, viewport=viewport, has_touch=True) as phone:
                    unlock(phone)
                    shot(phone, f"layout-home-{size}")
                    phone.tap(phone.button("Waarneming", exact=True))
                    phone.see("Thema")
                    shot(phone, f"layout-waarneming-{size}")
            with h.phone_in(browser, app.url, color_scheme="dark") as phone:
                unlock(phone)  # the night look follows the system (dark here)
                shot(phone, "layout-home-dark-390")
                phone.tap(phone.button("Waarneming", exact=True))
                phone.see("Thema")
                phone.tap(phone.chip("Afval"))
                shot(phone, "layout-waarneming-dark-390")
                phone.tap(phone.button("Terug").or_(phone.button("Back")))
                phone.tap(phone.button("Weggooien"))  # the chip was input: leave it
                phone.tap(phone.button("Synchroniseren", exact=True))
                phone.see("Nu synchroniseren")
                shot(phone, "layout-sync-dark-390")
            leader = app.url.rstrip("/") + "/teamleider"
            for size, viewport in {"390": {"width": 390, "height": 844}, **SIZES}.items():
                with h.phone_in(browser, leader, viewport=viewport) as desk:
                    leader_login(desk)
                    # The review list, not its "Laden…" placeholder.
                    expect(desk.page.get_by_text("Laden…")).to_have_count(0, timeout=30_000)
                    shot(desk, f"layout-teamleider-{size}")
                    desk.leader_tab("Hot times")
                    desk.see("Drukste focuslocaties")
                    shot(desk, f"layout-teamleider-hot-times-{size}")
    finally:
        app.stop()
        server.stop()
    print("\n".join(f"{out / name}.png" for name in shots))
    return 0


def unlock(phone: h.Phone) -> None:
    phone.fill("Pincode", PIN)
    phone.tap(phone.button("Ontgrendelen"))
    expect(phone.button("Waarneming", exact=True)).to_be_visible(timeout=h.TIMEOUT_MS)
    phone.see("Laatst gesynchroniseerd")


def leader_login(desk: h.Phone) -> None:
    desk.see("Inloggen als teamleider")
    desk.fill("Gebruikersnaam", "sanne.teamleider")
    desk.fill("Wachtwoord", PASSWORD)
    desk.tap(desk.button("Inloggen", exact=True))
    desk.see("Ingelogd als")


def _some_entries(tmp: Path, server_url: str, code: str) -> Any:
    """A second phone of the officer's sends entries at several hours, so the team
    leader's heat map and lists have something to show."""
    field = AppState(tmp / "officer")
    field.enroll(server_url, code)
    field.set_pin(PIN, PIN)
    field.sync_now()
    spots = field.hotspots()
    for n, theme in enumerate(["afval", "jeugd", "afval", "parkeren", "afval"]):
        field.save(
            "waarneming",
            {"theme": theme, "hotspot": spots[n % len(spots)].code, "action": "aanspreken"},
        )
    field.sync_now()
    return field


if __name__ == "__main__":
    raise SystemExit(main())
