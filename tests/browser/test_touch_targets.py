"""Every tappable control on every officer screen is at least 48 × 48 px on a touch
device, measured in a real browser from Flutter's semantics tree.

Two profiles: a phone (390 × 844, touch, an Android user agent) and a tablet
(820 × 1180, touch, the desktop user agent a tablet or touch laptop sends in
desktop mode). Flutter shrinks tap targets when it thinks it runs on a desktop
platform, so the tablet profile is the one that catches a small control.

Each screen is scrolled from top to bottom; a control counts at its largest
measured size (Flutter clips a node's box where the scroll area cuts it off).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from factories import make_user
from harness import (
    TIMEOUT_MS,
    AppProcess,
    Phone,
    enrolment_code,
    phone_in,
    wait_until,
)
from playwright.sync_api import Browser, expect
from sqlalchemy.engine import Engine

from fieldapp.kinds import KINDS
from sync_server.config import Settings

pytestmark = pytest.mark.browser

MIN = 48
ANDROID_UA = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/126.0 Mobile Safari/537.36"
)
PROFILES: dict[str, dict[str, Any]] = {
    "phone": {
        "viewport": {"width": 390, "height": 844},
        "device_scale_factor": 2,
        "is_mobile": True,
        "has_touch": True,
        "user_agent": ANDROID_UA,
    },
    # No user agent of its own: Chromium's desktop one, as a tablet in desktop mode.
    "tablet": {
        "viewport": {"width": 820, "height": 1180},
        "device_scale_factor": 2,
        "has_touch": True,
    },
}

# Every node a finger can act on: Flutter marks tappable nodes with flt-tappable;
# buttons, chips, switches and fields have their role.
MEASURE = """
() => {
  const sel = 'flt-semantics[flt-tappable], [role=button], [role=checkbox], [role=switch],'
    + ' [role=radio], [role=tab], [role=link], [role=slider], [role=menuitem],'
    + ' [role=textbox], input, textarea';
  const vw = window.innerWidth, vh = window.innerHeight;
  const out = [];
  for (const el of document.querySelectorAll(sel)) {
    const r = el.getBoundingClientRect();
    if (r.width < 1 || r.height < 1) continue;
    if (r.top < 0 || r.left < 0 || r.bottom > vh + 0.5 || r.right > vw + 0.5) continue;
    const role = el.getAttribute('role') || el.tagName.toLowerCase();
    const name = (el.getAttribute('aria-label') || el.textContent || '').trim().slice(0, 60);
    out.push({role, name, w: r.width, h: r.height});
  }
  return out;
}
"""


def measure_screen(phone: Phone, screen: str) -> dict[tuple[str, str, str], tuple[float, float]]:
    """Scroll the screen from top to bottom; per control its largest box seen."""
    page = phone.page
    size = page.viewport_size or {"width": 390, "height": 844}
    seen: dict[tuple[str, str, str], tuple[float, float]] = {}
    page.mouse.move(size["width"] / 2, size["height"] / 2)
    for _ in range(8):  # back to the top first
        page.mouse.wheel(0, -2000)
    page.wait_for_timeout(300)  # the scroll settles (not an assertion)
    last: list[Any] = []
    for _ in range(25):
        nodes = page.evaluate(MEASURE)
        for node in nodes:
            key = (screen, node["role"], node["name"])
            w, h = seen.get(key, (0.0, 0.0))
            seen[key] = (max(w, node["w"]), max(h, node["h"]))
        if nodes == last:  # the bottom: nothing moved
            break
        last = nodes
        # Half a screen a step: every control (all far smaller than half a
        # screen) is whole in at least one of the views measured.
        page.mouse.wheel(0, size["height"] / 2)
        page.wait_for_timeout(250)  # the scroll settles (not an assertion)
    return seen


def too_small(seen: dict[tuple[str, str, str], tuple[float, float]]) -> list[str]:
    return [
        f"{screen}: {role} {name!r} {w:.0f}×{h:.0f}"
        for (screen, role, name), (w, h) in sorted(seen.items())
        if w < MIN - 0.5 or h < MIN - 0.5
    ]


@pytest.fixture(params=sorted(PROFILES))
def device(
    request: pytest.FixtureRequest, browser: Browser, fieldapp_web: AppProcess
) -> Iterator[Phone]:
    with phone_in(browser, fieldapp_web.url, **PROFILES[request.param]) as tab:
        yield tab


def test_every_control_on_every_officer_screen_is_at_least_48_px(
    device: Phone, engine: Engine, settings: Settings
):
    phone = device
    officer = make_user(engine, districts=["noord"], username="boa-touch")
    seen: dict[tuple[str, str, str], tuple[float, float]] = {}

    phone.see("Telefoon koppelen")
    seen |= measure_screen(phone, "koppelen")
    phone.fill("Koppelcode", enrolment_code(engine, settings, officer))
    phone.tap(phone.button("Koppelen", exact=True))
    phone.see("Pincode kiezen")
    seen |= measure_screen(phone, "pincode kiezen")
    phone.fill("Nieuwe pincode", "48213")
    phone.fill("Herhaal pincode", "48213")
    phone.tap(phone.button("Pincode opslaan"))
    expect(phone.button("Waarneming", exact=True)).to_be_visible(timeout=TIMEOUT_MS)
    phone.see("Laatst gesynchroniseerd")
    seen |= measure_screen(phone, "home")

    for spec in KINDS.values():
        phone.tap(phone.button(spec.button, exact=True))
        expect(phone.button("Opslaan").first).to_be_attached(timeout=TIMEOUT_MS)
        seen |= measure_screen(phone, spec.button)
        phone.tap(phone.button("Terug").or_(phone.button("Back")))
        expect(phone.button("Mijn log", exact=True)).to_be_visible(timeout=TIMEOUT_MS)

    for name, screen in (("Mijn log", "log"), ("Synchroniseren", "sync")):
        phone.tap(phone.button(name, exact=True))
        wait_until(lambda: phone.button("Terug").or_(phone.button("Back")).count(), 20, name)
        seen |= measure_screen(phone, screen)
        phone.tap(phone.button("Terug").or_(phone.button("Back")))
        expect(phone.button("Waarneming", exact=True)).to_be_visible(timeout=TIMEOUT_MS)

    phone.tap(phone.button("Vergrendelen"))
    phone.see("Ontgrendelen")
    seen |= measure_screen(phone, "ontgrendelen")

    screens = {screen for screen, _, _ in seen}
    assert len(screens) == 12, screens  # the measuring really saw every screen
    assert len(seen) > 60, len(seen)  # and the controls on them, of every sort:
    roles = {role for _, role, _ in seen}
    assert {"button", "checkbox", "switch", "input"} <= roles, roles
    assert ("Waarneming", "button", "Foto kiezen") in seen
    assert ("home", "button", "Vergrendelen") in seen
    assert too_small(seen) == [], "\n".join(too_small(seen))
