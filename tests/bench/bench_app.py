"""The app: start of the web app to its first usable screen in Chromium, and
the time to save an entry with 10,000 entries already on the phone."""

from __future__ import annotations

import statistics
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench_common import REPO, fill_outbox, make_records


@dataclass
class StartResult:
    answers_seconds: float
    usable_seconds: float
    screen: str


@dataclass
class SaveResult:
    existing: int
    median_ms: float
    p90_ms: float
    empty_median_ms: float
    saves: int


def run_start(workdir: Path) -> StartResult:
    """Time from `python -m fieldapp web` being started to the enrol screen being
    usable (its code field visible in the accessibility tree) in Chromium."""
    sys.path.insert(0, str(REPO / "tests" / "browser"))
    from harness import AppProcess, Phone, launch_browser
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as playwright:
        browser = launch_browser(playwright)
        try:
            context = browser.new_context(viewport={"width": 390, "height": 844})
            page = context.new_page()
            app = AppProcess(
                data=workdir / "app-data", home=workdir / "app-home",
                server_url="http://127.0.0.1:9",
            )  # fmt: skip
            started = time.perf_counter()
            app.start()
            answers = time.perf_counter() - started
            try:
                phone = Phone(page).open(app.url)
                expect(phone.textbox("Koppelcode")).to_be_visible(timeout=60_000)
                usable = time.perf_counter() - started
            finally:
                app.stop()
                context.close()
        finally:
            browser.close()
    return StartResult(answers, usable, "Telefoon koppelen (code field ready)")


def _save_times(store: object, count: int) -> list[float]:
    times = []
    for i in range(count):
        payload = {
            "observed_at": (datetime.now(UTC) - timedelta(minutes=i + 1)).isoformat(),
            "theme": "afval",
            "hotspot": _HOTSPOT,
            "persons": 2,
            "action": "aanspreken",
            "note": "afval naast de container bij de speeltuin",
        }
        started = time.perf_counter()
        store.save_entry("waarneming", payload)  # type: ignore[attr-defined]
        times.append(time.perf_counter() - started)
    return times


_HOTSPOT = ""


def run_save(workdir: Path, existing: int = 10_000, saves: int = 30) -> SaveResult:
    """Store.save_entry (what the form's Opslaan calls: validate, check the
    references, entry and outbox row in one transaction, synchronous=FULL)."""
    from bench_common import load_reference
    from sqlalchemy import insert

    from fieldapp import models as m
    from fieldapp.db import open_database
    from fieldapp.store import Store

    global _HOTSPOT
    ref = load_reference()
    _HOTSPOT = next(code for code, district, _t in ref.hotspots if district == "noord")

    def phone(name: str) -> Store:
        engine = open_database(workdir / name / "handhaving.db")
        store = Store(engine, workdir / name / "photos")
        with store.transaction() as session:
            session.execute(
                insert(m.Hotspot),
                [
                    {"code": code, "name": code, "district": district, "themes": themes}
                    for code, district, themes in ref.hotspots
                ],
            )
            session.execute(
                insert(m.Theme), [{"code": t, "name": t, "kind": "handhaving"} for t in ref.themes]
            )
        return store

    empty = phone("save-empty")
    full = phone("save-full")
    fill_outbox(full, make_records(existing, seed=33))
    _save_times(empty, 3)  # warm up imports and caches
    empty_times = _save_times(empty, saves)
    _save_times(full, 3)
    times = sorted(_save_times(full, saves))
    return SaveResult(
        existing,
        statistics.median(times) * 1000,
        times[int(len(times) * 0.9) - 1] * 1000,
        statistics.median(empty_times) * 1000,
        saves,
    )
