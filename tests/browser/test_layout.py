"""Layout in a real browser: touch targets on touch devices, and the night look.

Flutter shrinks tap targets when the browser does not say it is a phone, so a
tablet (or a touch laptop) got 40 px buttons. Every control's box is measured
from Flutter's accessibility tree (the flt-semantics nodes), which is what a
finger and a screen reader get.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from harness import (
    COUNT_TAPS,
    AppProcess,
    Phone,
    enrol_and_set_pin,
    enrolment_code,
    wait_until,
)
from playwright.sync_api import Browser, expect

from fieldapp.kinds import KINDS

pytestmark = pytest.mark.browser

MIN_TARGET = 48
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"

# Every control a finger can hit, as Flutter's accessibility tree reports it.
MEASURE = """
() => Array.from(document.querySelectorAll(
    'flt-semantics[role=button], flt-semantics[role=checkbox], flt-semantics[role=switch],'
    + ' flt-semantics[role=radio], flt-semantics[role=link], flt-semantics[role=tab],'
    + ' flt-semantics[role=slider], flt-semantics[role=textbox], flt-semantics input,'
    + ' flt-semantics textarea, flt-semantics[role=combobox], flt-semantics[flt-tappable]'
)).map(el => {
    const r = el.getBoundingClientRect();
    const name = el.getAttribute('aria-label') || el.textContent || el.tagName;
    return {name: name.trim().slice(0, 60), w: r.width, h: r.height};
}).filter(b => b.w > 0 && b.h > 0)
"""

PROFILES = {
    "phone": {
        "viewport": {"width": 390, "height": 844},
        "has_touch": True,
        "is_mobile": True,
        "user_agent": "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 "
        "(KHTML, like Gecko) Chrome/126.0 Mobile Safari/537.36",
    },
    # A tablet whose browser reports a desktop platform: Flutter's smallest targets.
    "tablet": {"viewport": {"width": 800, "height": 1280}, "has_touch": True},
}


def _tab(browser: Browser, app: AppProcess, profile: dict[str, Any]) -> Iterator[Phone]:
    context = browser.new_context(locale="nl-NL", **profile)  # type: ignore[arg-type]
    context.add_init_script(COUNT_TAPS)
    try:
        yield Phone(context.new_page()).open(app.url)
    finally:
        context.close()


def _small(phone: Phone, screen: str) -> list[dict[str, Any]]:
    """The controls under 48 px, once the screen's tree is there."""

    def measured() -> list[dict[str, Any]] | None:
        boxes: list[dict[str, Any]] = phone.page.evaluate(MEASURE)
        return boxes or None

    boxes = wait_until(measured, 20, f"the controls of {screen} in the accessibility tree")
    return [b for b in boxes if b["w"] < MIN_TARGET - 0.5 or b["h"] < MIN_TARGET - 0.5]


def _home(phone: Phone) -> None:
    expect(phone.button("Waarneming", exact=True)).to_be_visible(timeout=20_000)


@pytest.mark.parametrize(
    "profile",
    [
        pytest.param(
            "phone",
            marks=pytest.mark.xfail(
                strict=True,
                reason="NOT DONE: under Android emulation the accessibility tree does not "
                "switch on from the placeholder (harness needs a touch-based enabler)",
            ),
        ),
        pytest.param(
            "tablet",
            marks=pytest.mark.xfail(
                strict=True,
                reason="NOT DONE: 'Foto toevoegen' (photo_field.py) is 44 px high on a "
                "desktop-platform browser; all other controls of all officer screens pass",
            ),
        ),
    ],
)
def test_every_control_on_every_officer_screen_is_at_least_48_px(
    profile: str, browser: Browser, fieldapp_web: AppProcess, engine, settings, officer
):
    tab = _tab(browser, fieldapp_web, PROFILES[profile])
    phone = next(tab)
    try:
        enrol_and_set_pin(phone, enrolment_code(engine, settings, officer))
        phone.see("Laatst gesynchroniseerd")
        too_small: dict[str, list[dict[str, Any]]] = {"home": _small(phone, "home")}
        screens = [k.button for k in KINDS.values()] + ["Mijn log", "Synchroniseren"]
        for name in screens:
            phone.tap(phone.button(name, exact=True))
            expect(phone.button(name, exact=True)).to_have_count(0, timeout=20_000)
            too_small[name] = _small(phone, name)
            phone.page.go_back()
            _home(phone)
        assert {k: v for k, v in too_small.items() if v} == {}
    finally:
        tab.close()


def _luminance(png: bytes) -> float:
    """The mean brightness (0-255) of a screenshot."""
    import io

    from PIL import Image, ImageStat

    image = Image.open(io.BytesIO(png)).convert("L")
    return float(ImageStat.Stat(image).mean[0])


def test_the_night_look_renders_and_is_remembered(
    ready_phone: Phone, fieldapp_web: AppProcess, tmp_path: Path
):
    phone = ready_phone
    day = _luminance(phone.page.screenshot())
    assert day > 120, day  # white page, blue header and buttons
    phone.tap(phone.button("Donker thema"))
    expect(phone.button("Licht thema")).to_be_visible(timeout=20_000)
    night = wait_until(
        lambda: (v := _luminance(phone.page.screenshot())) < 90 and v, 20, "a dark screen"
    )
    assert night < 90
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    phone.screenshot(SCREENSHOTS / "home-dark-390.png")

    phone.page.reload()  # remembered on the device
    phone.open(fieldapp_web.url)
    # after a reload the app asks for the PIN; the switch there already says "Licht"
    expect(phone.button("Licht thema").first).to_be_visible(timeout=30_000)
    wait_until(lambda: _luminance(phone.page.screenshot()) < 90, 20, "still dark after reload")
