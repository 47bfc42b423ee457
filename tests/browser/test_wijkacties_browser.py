"""The team leader's map and district actions in a real browser (Chromium) against
the real sync server, with the officer's phone driven through its AppState:
the leader moves a focus location on the map (a tap on the marker, "Verplaatsen",
a tap on the new spot) and the officer's phone has the new place after its sync;
the leader plans a district action, the phone shows it during its hot times, an
entry is logged against it, and the action's result counts it."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from factories import make_user
from harness import Phone, RestartableServer, wait_until
from playwright.sync_api import expect
from test_teamleader_browser import login_as_leader, officer_phone

from fieldapp.teamleader.hot_times import WEEKDAYS

pytestmark = pytest.mark.browser

SPOT = "Planetenlaan (Dekamarkt)"  # stands alone on the map (others share a spot)


def test_leader_moves_a_focus_location_and_the_phone_has_it_after_sync(
    phone: Phone, tmp_path: Path, live: RestartableServer, engine, settings, officer
):
    field = officer_phone(tmp_path, live, engine, settings, officer)
    before = next(h for h in field.hotspots_for_map() if h.name == SPOT)
    leader = make_user(engine, role="teamleider", districts=["noord"], username="tl-kaart")
    login_as_leader(phone, leader.username)
    phone.see("Ingelogd als")
    phone.leader_tab("Kaart")
    phone.see("Hoe groter en donkerder")
    marker = phone.button(f"{SPOT}: 0 registraties")
    phone.tap(marker)
    phone.see("Focuslocaties beheren")
    phone.tap(phone.button("Verplaatsen"))
    phone.see("Tik op de kaart op de nieuwe plek.")
    target = phone.button(f"{SPOT}: 0 registraties").first
    phone.swipe_into_view(target)
    box = target.bounding_box()
    assert box is not None
    # A tap on the map beside the marker (no other marker there).
    phone.page.mouse.click(box["x"] + box["width"] / 2 - 60, box["y"] - 40)
    phone.see("Opgeslagen; telefoons krijgen het bij de volgende synchronisatie.")
    phone.screenshot(tmp_path / "teamleider-kaart.png")

    assert field.sync_now().ok
    after = next(h for h in field.hotspots_for_map() if h.code == before.code)
    assert after.lon is not None and after.lat is not None
    assert (after.lat, after.lon) != (before.lat, before.lon)
    # The phone's new place is the one the leader's screen shows for it.
    phone.see(f"{SPOT} · {after.lat:.5f}, {after.lon:.5f}")


def _settled_box(phone: Phone, locator: Any) -> dict[str, float]:
    """The locator's box once it stops moving (the map re-centres after a tap)."""
    last: Any = None
    for _ in range(50):
        box = locator.bounding_box()
        if box is not None and box == last:
            return dict(box)
        last = box
        phone.page.wait_for_timeout(200)
    assert last is not None
    return dict(last)


def test_leader_drags_the_selected_focus_location_to_its_new_place(
    phone: Phone, tmp_path: Path, live: RestartableServer, engine, settings, officer
):
    field = officer_phone(tmp_path, live, engine, settings, officer)
    before = next(h for h in field.hotspots_for_map() if h.name == SPOT)
    assert before.lat is not None and before.lon is not None
    leader = make_user(engine, role="teamleider", districts=["noord"], username="tl-sleep")
    login_as_leader(phone, leader.username)
    phone.see("Ingelogd als")
    phone.leader_tab("Kaart")
    phone.see("Hoe groter en donkerder")
    phone.tap(phone.button(f"{SPOT}: 0 registraties"))
    phone.see("Focuslocaties beheren")
    marker = phone.button(f"{SPOT}: 0 registraties").first
    moved_text = "Verplaatst; telefoons krijgen het bij de volgende synchronisatie."
    moved = phone.page.get_by_text(moved_text)
    for _attempt in range(3):  # a busy machine can drop a gesture's events: drag again
        phone.swipe_into_view(marker)
        box = _settled_box(phone, marker)
        x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
        # Grab the (selected) marker and drop it 80 pixels to the right, 40 up.
        phone.page.mouse.move(x, y)
        phone.page.mouse.down()
        for step in range(1, 11):
            phone.page.mouse.move(x + 8 * step, y - 4 * step)
            phone.page.wait_for_timeout(30)
        phone.page.mouse.up()
        try:
            expect(moved.first).to_be_visible(timeout=15_000)
            break
        except AssertionError:
            continue
    phone.see(moved_text)

    assert field.sync_now().ok
    after = next(h for h in field.hotspots_for_map() if h.code == before.code)
    assert after.lat is not None and after.lon is not None
    assert after.lon > before.lon and after.lat > before.lat  # east and north
    phone.see(f"{SPOT} · {after.lat:.5f}, {after.lon:.5f}")


def test_a_planned_action_reaches_the_phone_and_counts_its_entries(
    phone: Phone, tmp_path: Path, live: RestartableServer, engine, settings, officer
):
    field = officer_phone(tmp_path, live, engine, settings, officer)
    spot = next(h for h in field.hotspots() if h.name == SPOT)
    leader = make_user(engine, role="teamleider", districts=["noord"], username="tl-acties")
    login_as_leader(phone, leader.username)
    phone.see("Ingelogd als")
    phone.see("Geen registraties met deze filters.")  # Beoordelen has loaded
    phone.leader_tab("Wijkacties")
    phone.see("Nog geen wijkacties gepland.")
    phone.tap(phone.button("Nieuwe wijkactie"))
    today = WEEKDAYS[datetime.now(ZoneInfo("Europe/Amsterdam")).weekday()]
    phone.fill("Titel", "Jeugdactie Planetenlaan")
    phone.fill("Hot times, bijv. vr-za 20-23", f"{today} 0-24")
    # The focus locations come below the themes: swipe down to them (Flutter
    # builds what scrolls into view).
    box = phone.textbox("Titel").bounding_box()
    assert box is not None
    phone.page.mouse.move(box["x"] + 20, box["y"] + 200)
    wait_until(
        lambda: (
            phone.page.mouse.wheel(0, 250) or phone.page.get_by_role("checkbox", name=SPOT).count()
        ),
        what="the focus location's checkbox",
    )
    phone.tap(phone.page.get_by_role("checkbox", name=SPOT))
    wait_until(
        lambda: phone.page.mouse.wheel(0, 250) or phone.button("Wijkactie plannen").count(),
        what="the plan button",
    )
    phone.fill("Streefcijfer (aantal registraties)", "3")
    phone.tap(phone.button("Wijkactie plannen"))
    phone.see("Registraties bij deze actie: 0 van streefcijfer 3")

    assert field.sync_now().ok
    [action] = field.active_actions()
    assert action.title == "Jeugdactie Planetenlaan" and action.hotspots == [spot.code]
    field.save(
        "waarneming",
        {"theme": "afval", "hotspot": spot.code, "action": "aanspreken", "wijkactie": action.id},
    )
    assert field.sync_now().accepted == 1

    phone.tap(phone.text("‹ Terug naar de lijst"))
    phone.tap(phone.shown("Jeugdactie Planetenlaan"))
    wait_until(lambda: phone.shown("Registraties bij deze actie: 1 van streefcijfer 3").count())
    phone.see("Waarneming: 1")
    phone.screenshot(tmp_path / "wijkactie-resultaat.png")
