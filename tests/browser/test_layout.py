"""Layout in a real browser: the night look renders and is remembered; the team
leader's navigation is a bar on a phone and a rail on a desk; the hot-times heat
map fits a 360 px phone; the status line is one line."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from factories import PASSWORD, make_user
from harness import (
    AppProcess,
    Phone,
    phone_in,
    wait_until,
)
from playwright.sync_api import Browser, expect
from sqlalchemy.engine import Engine

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


def _inside(phone: Phone, box: dict[str, float] | None) -> bool:
    size = phone.page.viewport_size or {"width": 0, "height": 0}
    return (
        box is not None
        and box["x"] >= 0
        and box["y"] >= 0
        and box["x"] + box["width"] <= size["width"] + 0.5
        and box["y"] + box["height"] <= size["height"] + 0.5
    )


def _leader(browser: Browser, app: AppProcess, engine: Engine, width: int, height: int):
    make_user(engine, role="teamleider", districts=["noord"], username=f"tl-{width}")
    tab = phone_in(
        browser, app.url.rstrip("/") + "/teamleider", viewport={"width": width, "height": height}
    )
    return tab, f"tl-{width}"


def _log_in(tab: Phone, username: str) -> None:
    tab.see("Inloggen als teamleider")
    tab.fill("Gebruikersnaam", username)
    tab.fill("Wachtwoord", PASSWORD)
    tab.tap(tab.button("Inloggen", exact=True))
    tab.see("Ingelogd als")


def test_the_heat_map_fits_a_360_px_phone_with_its_legend_and_values_on_tap(
    browser: Browser, fieldapp_web: AppProcess, engine: Engine
):
    context, username = _leader(browser, fieldapp_web, engine, 360, 640)
    with context as tab:
        _log_in(tab, username)
        # a phone: a navigation bar at the bottom, the other tabs under "Meer"
        expect(tab.page.get_by_role("tab", name="Meer", exact=True)).to_be_visible()
        tab.leader_tab("Hot times")
        tab.see("Aantal per blok")  # the legend
        late = tab.page.get_by_role("button", name=re.compile(r"^Zo 21–24 uur"))
        first = tab.page.get_by_role("button", name=re.compile(r"^Ma 00–03 uur"))
        expect(late).to_be_visible()
        tab.swipe_into_view(late, top=60, bottom=80)
        assert _inside(tab, late.bounding_box()), late.bounding_box()
        # the whole day in one row: the first block and the last in view together
        assert _inside(tab, first.bounding_box()), first.bounding_box()
        for day in ("Ma", "Zo"):  # the day labels stay in view
            assert _inside(tab, tab.text(day, exact=True).first.bounding_box()), day
        tab.tap(late)
        count = re.compile(r"Zo 21–24 uur: \d+ registraties")  # its count, on tap
        page = tab.page
        expect(page.get_by_text(count).or_(page.get_by_role("group", name=count))).to_be_visible()
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        tab.screenshot(SCREENSHOTS / "layout-teamleider-hot-times-360.png")


def test_the_team_leader_gets_a_rail_on_a_desk_and_content_of_limited_width(
    browser: Browser, fieldapp_web: AppProcess, engine: Engine
):
    context, username = _leader(browser, fieldapp_web, engine, 1280, 800)
    with context as tab:
        _log_in(tab, username)
        rail = tab.page.get_by_role("button", name=re.compile(r"^Hot times\s+Tabblad 5 van 8"))
        expect(rail).to_be_visible()
        expect(tab.page.get_by_role("tab")).to_have_count(0)  # no bar at the bottom
        tab.leader_tab("Wijkprofiel")
        tab.see("Wijkprofiel Noord")
        heading = tab.text("Ingelogd als").first.bounding_box()
        assert heading is not None and heading["x"] >= 40 + 88  # margin and rail


def test_the_status_line_is_one_line_and_content_is_at_most_720_px_wide(
    ready_phone: Phone, browser: Browser, fieldapp_web: AppProcess
):
    status = ready_phone.text("Laatst gesynchroniseerd").first
    box = status.bounding_box()
    # under the 60 px app bar, within 6% of a 640 px screen: a line, not a slab
    assert box is not None and box["y"] + box["height"] <= 60 + 640 * 0.06, box
    for name in ("Alles is verzonden", "Online"):
        line = ready_phone.text(name).first.bounding_box()
        assert (
            line is not None
            and abs(line["y"] + line["height"] / 2 - (box["y"] + box["height"] / 2)) < 8
        )
    ready_phone.page.set_viewport_size({"width": 1280, "height": 800})
    wait_until(
        lambda: (
            (b := ready_phone.button("Waarneming", exact=True).bounding_box()) and b["width"] <= 720
        ),
        20,
        "the buttons narrowed to the content column",
    )
    button = ready_phone.button("Waarneming", exact=True).bounding_box()
    assert button is not None
    assert abs(button["x"] + button["width"] / 2 - 640) < 2, button  # centred
