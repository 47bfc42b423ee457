"""The officer's map in a real browser: without base map tiles (none on these
machines) it is a plain field that still shows the district's focus locations as
markers, and a tap on one opens an observation at that focus location, which is
saved with it."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from harness import AppProcess, Phone

pytestmark = pytest.mark.browser


def phone_entries(data: Path) -> list[tuple[str, str]]:
    db = sqlite3.connect(f"file:{data / 'handhaving.db'}?mode=ro", uri=True)
    try:
        return db.execute("select kind, payload from entry").fetchall()
    finally:
        db.close()


def test_the_map_shows_markers_without_tiles_and_a_tap_starts_an_entry(
    ready_phone: Phone, fieldapp_web: AppProcess, tmp_path: Path
):
    phone = ready_phone
    phone.tap(phone.button("Kaart", exact=True))
    phone.see("tik op een focuslocatie")
    # Planetenlaan stands alone (two others share one approximate spot).
    spot = phone.button("Waarneming bij Planetenlaan (Dekamarkt)")
    assert phone.page.get_by_role("button", name="Waarneming bij ").count() >= 2
    phone.screenshot(tmp_path / "kaart.png")

    phone.tap(spot)
    phone.see("Thema")
    phone.see("Planetenlaan (Dekamarkt)")
    phone.tap(phone.chip("Afval"))
    phone.tap(phone.chip("Aanspreken"))
    phone.tap(phone.button("Opslaan", exact=True))
    phone.see("Opgeslagen")
    [(kind, payload)] = phone_entries(fieldapp_web.data)
    assert kind == "waarneming"
    assert json.loads(payload)["hotspot"] == "noord-planetenlaan-dekamarkt"
