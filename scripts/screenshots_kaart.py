#!/usr/bin/env python
"""Screenshots of the maps and the district actions (issue 13), from the real app.

    .venv/bin/python scripts/screenshots_kaart.py [--out docs/screenshots]

As scripts/screenshots.py: the browser tests' harness starts a throw-away sync
server with the programme's reference data and `python -m fieldapp web`, and
Chromium is driven like a person would. Before that, a team leader plans a
district action through the API (today, all day, with an officer on it), residents'
reports are imported (Signalen's CSV) and an officer's second phone (its
AppState) logs a few entries, some against the action, so the layers and the
result have something to show. No base map here (no internet): the server's
tile proxy is pointed at a closed port, and the maps show their markers on a
plain background, as in the field without a connection.

Pictures (kaart-*.png): the officer's map, the action card on home, the team
leader's Kaart with both layers, a focus location being managed (themes, period),
the Wijkacties tab with the planned action, and the district profile's actions.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
import tempfile
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO / "tests" / "browser"), str(REPO)]
os.environ.setdefault(
    "CHROMIUM_ARGS",
    "--no-sandbox --disable-quic --use-angle=swiftshader --enable-unsafe-swiftshader",
)

import harness as h  # noqa: E402
import httpx  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402

from sync_protocol import PROTOCOL_HEADER, PROTOCOL_VERSION  # noqa: E402
from sync_server.db import session_scope  # noqa: E402
from sync_server.services import accounts  # noqa: E402

LEADER, PASSWORD = "sanne.teamleider", "voorbeeld-wachtwoord-1"
DESKTOP = {"width": 1280, "height": 900}


def _api(url: str, token: str | None = None) -> httpx.Client:
    headers = {PROTOCOL_HEADER: str(PROTOCOL_VERSION)}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return httpx.Client(base_url=url, headers=headers, timeout=30)


def _leader_token(url: str) -> str:
    with _api(url) as client:
        reply = client.post(
            "/api/v1/auth/login",
            json={"username": LEADER, "password": PASSWORD, "device_name": "schermafbeeldingen"},
        )
        reply.raise_for_status()
        return str(reply.json()["token"])


def _meldingen(spots: list[Any]) -> bytes:
    """Residents' reports near the focus locations, in Signalen's CSV export."""
    head = "id;created_at;updated_at;main_slug;sub_slug;status;text;reporter_email;lat;lon"
    rows = []
    categories = [("afval", "grofvuil"), ("overlast", "jongeren"), ("afval", "zwerfafval")]
    today = datetime.now(ZoneInfo("Europe/Amsterdam")).date()
    for n in range(9):
        spot = spots[n % len(spots)]
        main, sub = categories[n % len(categories)]
        lat, lon = spot.lat + 0.0008 * ((n % 3) - 1), spot.lon + 0.0012 * ((n % 2) * 2 - 1)
        day = today - timedelta(days=n)
        rows.append(f"SIG-{900 + n};{day}T2{n % 3}:10:00+01:00;;{main};{sub};m;;;{lat};{lon}")
    return ("\ufeff" + "\n".join([head, *rows]) + "\n").encode()


def prepare(tmp: Path) -> tuple[h.RestartableServer, Any, Any, Any]:
    engine, settings = h.server_database(tmp / "server")
    settings = dataclasses.replace(settings, tile_url_template="http://127.0.0.1:9/{z}/{x}/{y}.png")
    server = h.RestartableServer(settings, engine).start()
    with session_scope(engine) as session:
        officer = accounts.create_user(
            session,
            username="jeroen.visser",
            display_name="Jeroen Visser",
            role="handhaver",
            districts=["noord"],
        )
        second = accounts.create_user(
            session,
            username="fatima.elamrani",
            display_name="Fatima El Amrani",
            role="handhaver",
            districts=["noord"],
        )
        accounts.create_user(
            session,
            username=LEADER,
            display_name="Sanne de Boer",
            role="teamleider",
            districts=["noord"],
            password=PASSWORD,
        )
    return server, engine, settings, (officer, second)


def plan_and_log(server: h.RestartableServer, engine: Any, settings: Any, officer: Any) -> str:
    """Reports imported, an action planned for today, entries logged (some against it)."""
    from fieldapp.state import AppState

    field = AppState(Path(tempfile.mkdtemp(prefix="kaart-veld-")))
    field.enroll(server.url, h.enrolment_code(engine, settings, officer))
    field.set_pin("48213", "48213")
    assert field.sync_now().ok
    spots = field.hotspots_for_map()[:6]
    target = spots[0]
    today = datetime.now(ZoneInfo("Europe/Amsterdam")).date()
    with _api(server.url, _leader_token(server.url)) as api:
        api.post(
            "/api/v1/meldingen/import", params={"format": "csv"}, content=_meldingen(spots)
        ).raise_for_status()
        planned = api.post(
            "/api/v1/wijkacties",
            json={
                "district": "noord",
                "title": f"Afval en jeugd {target.name}",
                "themes": ["afval", "jeugd"],
                "hotspots": [target.code],
                "starts_on": today.isoformat(),
                "ends_on": (today + timedelta(days=27)).isoformat(),
                "hot_times": [{"weekday": today.weekday(), "start_hour": 0, "end_hour": 24}],
                "goal": "Minder bijplaatsingen en overlast op vrijdagavond",
                "target": 10,
                "team": "Noord-avond",
                "officers": [officer.id],
            },
        )
        planned.raise_for_status()
        action_id = str(planned.json()["id"])
    assert field.sync_now().ok
    for n, (theme, action) in enumerate(
        [("afval", "aanspreken"), ("jeugd", "aanspreken"), ("afval", "waarschuwing")]
    ):
        field.save(
            "waarneming",
            {"theme": theme, "hotspot": target.code, "action": action, "wijkactie": action_id},
        )
        field.save(
            "waarneming",
            {"theme": theme, "hotspot": spots[(n + 1) % len(spots)].code, "action": action},
        )
    assert field.sync_now().accepted == 6
    return str(target.name)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(REPO / "docs" / "screenshots"))
    out = Path(parser.parse_args().out)
    out.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="screenshots-kaart-"))
    server, engine, settings, (officer, second) = prepare(tmp)
    spot = plan_and_log(server, engine, settings, officer)
    phone_app = h.AppProcess(data=tmp / "phone", home=tmp / "home", server_url=server.url)
    leader_app = h.AppProcess(data=tmp / "leader", home=tmp / "home-tl", server_url=server.url)
    phone_app.start()
    leader_app.start()
    shots: list[str] = []

    def shot(phone: h.Phone, name: str, park: tuple[int, int] = (385, 5)) -> None:
        phone.page.mouse.move(*park)  # no hover effects or tooltips in the picture
        phone.screenshot(out / f"{name}.png")
        shots.append(name)

    try:
        with sync_playwright() as playwright:
            browser = h.launch_browser(playwright)
            with h.phone_in(browser, phone_app.url) as phone:
                h.enrol_and_set_pin(phone, h.enrolment_code(engine, settings, officer))
                phone.see("Afval en jeugd")
                shot(phone, "kaart-02-wijkactie-home")
                phone.tap(phone.button("Kaart", exact=True))
                phone.see("tik op een focuslocatie")
                shot(phone, "kaart-01-kaart-handhaver")
            context = browser.new_context(viewport=DESKTOP, locale="nl-NL")  # type: ignore[arg-type]
            try:
                desk = h.Phone(context.new_page()).open(leader_app.url)
                desk.tap(desk.button("Inloggen als teamleider"))
                desk.fill("Gebruikersnaam", LEADER)
                desk.fill("Wachtwoord", PASSWORD)
                desk.tap(desk.button("Inloggen", exact=True))
                desk.see("Ingelogd als")
                desk.leader_tab("Kaart")
                desk.see("Hoe groter en donkerder")
                desk.tap(desk.switch("Registraties handhavers"))
                desk.tap(desk.switch("Meldingen bewoners"))
                desk.see("Melding: afval")
                shot(desk, "kaart-03-teamleider-kaart-lagen", park=(5, 400))
                desk.tap(desk.switch("Registraties handhavers"))
                desk.tap(desk.switch("Meldingen bewoners"))
                desk.tap(desk.button(f"{spot}: 3 registraties").first)
                desk.tap(desk.button("Thema's en periode", exact=True))
                desk.see("Thema's en periode opslaan")
                shot(desk, "kaart-04-focuslocatie-beheren", park=(5, 400))
                desk.leader_tab("Wijkacties")
                desk.see("Nieuwe wijkactie")
                desk.tap(desk.shown("Afval en jeugd"))
                desk.see("Registraties bij deze actie: 3 van streefcijfer 10")
                shot(desk, "kaart-05-wijkactie-resultaat", park=(5, 400))
                desk.leader_tab("Wijkprofiel")
                desk.see("Wijkprofiel Noord")
                desk.page.mouse.move(640, 500)
                h.wait_until(
                    lambda: desk.page.mouse.wheel(0, 600) or desk.shown("Wijkacties (1)").count(),
                    what="the profile's actions",
                )
                desk.page.mouse.wheel(0, 400)
                desk.see("Registraties bij deze actie: 3 van streefcijfer 10")
                shot(desk, "kaart-06-wijkprofiel-wijkacties", park=(5, 400))
            finally:
                context.close()
            browser.close()
    finally:
        phone_app.stop()
        leader_app.stop()
        server.stop()
    print(f"{len(shots)} screenshots in {out}:")
    for name in shots:
        print(f"  {name}.png")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
