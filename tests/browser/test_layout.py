"""Layout in a real browser: the night look renders and is remembered."""

from __future__ import annotations

from pathlib import Path

import pytest
from harness import (
    AppProcess,
    Phone,
    wait_until,
)
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


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
