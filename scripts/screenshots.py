#!/usr/bin/env python
"""Screenshots of every main screen of the field app, at phone size (390×844).

    .venv/bin/python scripts/screenshots.py [--out docs/screenshots]

They are pictures of the real app: the same harness as the browser tests
(tests/browser/harness.py) starts a throw-away sync server with the programme's
reference data, runs `python -m fieldapp web` and drives it in Chromium. The
mixed statuses in "Mijn log" come from the real server too: a focus location is
removed on the server before an entry for it arrives (rejected), another copy of
an entry is sent first (conflict), and a team leader's remark is pulled.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import sqlite3
import sys
import tempfile
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO / "tests" / "browser"), str(REPO)]
# Draw with SwiftShader's WebGL rather than no GPU at all: with --disable-gpu,
# Chromium's software canvas garbles letters after a few dozen screens.
os.environ.setdefault(
    "CHROMIUM_ARGS",
    "--no-sandbox --disable-quic --use-angle=swiftshader --enable-unsafe-swiftshader",
)

import harness as h  # noqa: E402
import httpx  # noqa: E402
from playwright.sync_api import expect, sync_playwright  # noqa: E402
from sqlmodel import Session, select  # noqa: E402

from sync_protocol import PROTOCOL_HEADER, PROTOCOL_VERSION  # noqa: E402
from sync_server.db import session_scope  # noqa: E402
from sync_server.models import Hotspot, Record  # noqa: E402
from sync_server.services import accounts  # noqa: E402
from sync_server.services.changes import AUDIENCE_OWNER, PendingChange, record_changes  # noqa: E402


class SlowPush:
    """ASGI middleware: hold pushes for a moment, so the progress bar can be seen."""

    def __init__(self, app: Any) -> None:
        self.app, self.delay = app, 0.0

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        staged = (b"x-staging", b"1") in scope.get("headers", [])
        if self.delay and not staged and scope.get("path", "").endswith("/sync/push"):
            await asyncio.sleep(self.delay)
        await self.app(scope, receive, send)


def phone_db(app: h.AppProcess) -> sqlite3.Connection:
    return sqlite3.connect(f"file:{app.data / 'handhaving.db'}?mode=ro", uri=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(REPO / "docs" / "screenshots"))
    parser.add_argument(
        "--alleen-teamleider", action="store_true", help="only the team leader's screens"
    )
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    if args.alleen_teamleider:
        return teamleader_screenshots(out)

    tmp = Path(tempfile.mkdtemp(prefix="screenshots-"))
    engine, settings = h.server_database(tmp / "server")
    server = h.RestartableServer(settings, engine)
    slow = SlowPush(server.app)
    server.app = slow  # type: ignore[assignment]
    server.start()
    with session_scope(engine) as session:
        officer = accounts.create_user(
            session,
            username="jeroen.visser",
            display_name="Jeroen Visser",
            role="handhaver",
            districts=["noord"],
        )
    app = h.AppProcess(data=tmp / "phone", home=tmp / "home", server_url=server.url).start()
    shots: list[str] = []

    def shot(phone: h.Phone, name: str) -> None:
        phone.page.mouse.move(385, 5)  # no hover effects or tooltips in the picture
        phone.screenshot(out / f"{name}.png")
        shots.append(name)

    try:
        with sync_playwright() as playwright:
            browser = h.launch_browser(playwright)
            with h.phone_in(browser, app.url) as phone:
                try:
                    # -- enrol and PIN
                    phone.see("Telefoon koppelen")
                    code = h.enrolment_code(engine, settings, officer)
                    phone.fill("Koppelcode", code)
                    shot(phone, "01-koppelen")
                    phone.tap(phone.button("Koppelen", exact=True))
                    phone.see("Pincode kiezen")
                    phone.see("stadsdeel Noord")
                    phone.fill("Nieuwe pincode", "48213")
                    phone.fill("Herhaal pincode", "48213")
                    shot(phone, "02-pincode-kiezen")
                    phone.tap(phone.button("Pincode opslaan"))
                    phone.see("Laatst gesynchroniseerd")
                    shot(phone, "03-home-online")

                    # -- the six forms
                    phone.tap(phone.button("Waarneming", exact=True))
                    phone.see("Thema")
                    shot(phone, "04-waarneming")
                    phone.tap(phone.chip("Afval"))
                    phone.tap(phone.button("Opslaan", exact=True))
                    phone.see("Nog niet opgeslagen")
                    shot(phone, "05-waarneming-controleer")
                    phone.tap(phone.button("Kies een focuslocatie"))
                    phone.see("Kies focuslocatie")
                    shot(phone, "06-focuslocatie-kiezen")
                    phone.tap(phone.button("Marsmanplein"))
                    phone.tap(phone.chip("Aanspreken"))
                    phone.tap(phone.button("Aantal personen: één meer"))
                    phone.tap(phone.button("Opslaan", exact=True))
                    _saved(phone)
                    waarneming = h.wait_until(
                        lambda: _accepted(engine, "waarneming"), 30, "waarneming accepted"
                    )

                    for label, name in [
                        ("Gele kaart", "07-gele-kaart"),
                        ("Incident", "08-incident"),
                        ("Adrescontrole", "09-adrescontrole"),
                        ("Signaal ondermijning", "10-signaal-ondermijning"),
                        ("Integrale controle", "11-integrale-controle"),
                    ]:
                        phone.tap(phone.button(label, exact=True))
                        phone.see("Tijdstip" if label != "Incident" else "Wanneer")
                        shot(phone, name)
                        phone.tap(phone.button("Terug"))
                        expect(phone.button("Waarneming", exact=True)).to_be_visible()

                    # -- a yellow card, accepted (the log shows no identity)
                    phone.tap(phone.button("Gele kaart", exact=True))
                    phone.fill("Naam jongere", "Voorbeeld Jongere")
                    phone.fill("Geboortedatum (dd-mm-jjjj)", "14-07-2010")
                    phone.tap(phone.button("Kies een focuslocatie"))
                    phone.tap(phone.button("Noorder Sportpark"))
                    phone.tap(phone.chip("Hinderlijk gedrag"))
                    phone.tap(phone.button("Opslaan", exact=True))
                    _saved(phone)
                    h.wait_until(lambda: _accepted(engine, "gele_kaart"), 30, "card accepted")
                    phone.swipe_into_view(phone.shown("Patrouillesuggestie").first)
                    shot(phone, "03b-home-patrouillesuggestie")

                    # -- the team leader sends a remark back on the observation
                    with session_scope(engine) as session:
                        record = session.get(Record, waarneming)
                        assert record is not None
                        record.review_state = "terug_naar_handhaver"
                        record.review_remark = "Welke container? Graag het adres erbij."
                        session.add(record)
                        record_changes(
                            session,
                            [
                                PendingChange(
                                    "record",
                                    record.id,
                                    "upsert",
                                    AUDIENCE_OWNER,
                                    record.district_code,
                                    record.owner_user_id,
                                )
                            ],
                        )

                    # -- offline: entries wait
                    server.stop()
                    _signaal(phone, "Transvaalbuurt")
                    _incident(phone)
                    phone.see("Offline")  # saving makes the app check the connection at once
                    phone.see("2 wachten op verzenden")
                    shot(phone, "12-home-offline")

                    # Sync without a connection: explained, nothing lost.
                    phone.tap(phone.button("Synchroniseren", exact=True))
                    phone.tap(phone.button("Nu synchroniseren"))
                    phone.see("Synchronisatie mislukt")
                    shot(phone, "13-synchroniseren-offline")

                    # While offline the focus location was closed on the server, and
                    # another copy of the incident reached it first.
                    with session_scope(engine) as session:
                        spot = session.exec(
                            select(Hotspot).where(Hotspot.name == "Transvaalbuurt")
                        ).one()
                        session.delete(spot)
                    incident_id, token, device = _phone_entry(app, "incident")
                    slow.delay = 4.0  # a slow connection, so the progress can be seen
                    server.start()
                    _push_other_copy(server.url, token, device, incident_id)
                    phone.tap(phone.button("Nu synchroniseren"))
                    phone.see("Bezig met synchroniseren")
                    shot(phone, "14-synchroniseren-bezig")
                    slow.delay = 0
                    phone.see("Afgewezen of conflict", timeout=30_000)
                    shot(phone, "15-synchroniseren-resultaat")
                    phone.tap(phone.button("Terug"))

                    # -- one more that waits, then Mijn log with every status
                    server.stop()
                    phone.tap(phone.button("Adrescontrole", exact=True))
                    phone.tap(phone.chip("Geen hit"))
                    phone.fill("Adres (optioneel)", "Zaanenlaan 12")
                    phone.tap(phone.button("Opslaan", exact=True))
                    _saved(phone)
                    phone.see("Offline")
                    phone.see("1 wacht op verzenden")
                    phone.tap(phone.button("Mijn log", exact=True))
                    shot(phone, "16-mijn-log")
                    phone.swipe_into_view(phone.button("Opmerking teamleider").first)
                    shot(phone, "16b-mijn-log-opmerking-teamleider")
                    phone.tap(phone.button("Onbekende focuslocatie"))
                    phone.see("Afgewezen door de server")
                    shot(phone, "17-aanpassen-afgewezen")
                    phone.tap(phone.button("Terug"))
                    phone.see("Tik op een invoer")
                    phone.tap(phone.button("Terug"))

                    # -- locked
                    phone.tap(phone.button("Vergrendelen"))
                    phone.see("Vul je pincode in")
                    shot(phone, "18-ontgrendelen")
                except Exception:
                    phone.page.screenshot(path=str(tmp / "failure.png"))
                    print(
                        f"Mislukt; zo zag het scherm eruit: {tmp / 'failure.png'}\n"
                        f"{phone.page.locator('body').aria_snapshot()}",
                        file=sys.stderr,
                    )
                    raise
            browser.close()
    finally:
        app.stop()
        server.stop()
    print(f"{len(shots)} screenshots in {out}:")
    for name in shots:
        print(f"  {name}.png")
    return teamleader_screenshots(out)


def teamleader_screenshots(out: Path) -> int:
    """The team leader's screens (2x-teamleider-*.png): at phone size, and the
    review list at desktop size (1280×800). An officer's phone (its AppState,
    no browser) logs a few entries first, so there is something to review."""
    from fieldapp.state import AppState

    tmp = Path(tempfile.mkdtemp(prefix="screenshots-tl-"))
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
            password="voorbeeld-wachtwoord-1",
        )
    field = AppState(tmp / "officer")
    field.enroll(server.url, h.enrolment_code(engine, settings, officer))
    field.set_pin("48213", "48213")
    field.sync_now()
    spots = field.hotspots()
    for n, (theme, action) in enumerate(
        [("afval", "aanspreken"), ("jeugd", "aanspreken"), ("afval", "waarschuwing")]
    ):
        field.save(
            "waarneming",
            {
                "theme": theme,
                "hotspot": spots[n % len(spots)].code,
                "action": action,
                "persons": n + 1,
            },
        )
    from datetime import UTC, datetime, timedelta

    # An incident of last week whose aftercare is late, and one of today.
    field.save(
        "incident",
        {
            "types": ["verbaal", "bedreiging"],
            "hotspot": spots[1].code,
            "politie": "aangifte_gewenst",
            "bot_gewenst": True,
            "observed_at": datetime.now(UTC) - timedelta(days=6),
        },
    )
    field.save("incident", {"types": ["verbaal"], "hotspot": spots[0].code, "bot_gewenst": True})
    # Enough yellow cards this year for a figure that is not suppressed ("<5").
    for n in range(7):
        field.save(
            "gele_kaart",
            {
                "naam": f"Voorbeeld Jongere {n}",
                "geboortedatum": "2010-07-14",
                "hotspot": spots[2].code,
                "aanleiding": "hinderlijk_gedrag",
            },
        )
    # The newest, at the top of the list: an observation with a photo.
    field.save(
        "waarneming",
        {
            "theme": "afval",
            "hotspot": spots[0].code,
            "action": "aanspreken",
            "persons": 1,
            "photos": [_example_photo()],
        },
    )
    field.sync_now()
    from sync_server.services import nightly

    nightly.run_nightly(engine, settings)  # the nightly count fills this year's column
    app = h.AppProcess(data=tmp / "leader", home=tmp / "home", server_url=server.url).start()
    shots: list[str] = []

    def shot(phone: h.Phone, name: str) -> None:
        phone.page.mouse.move(5, 400)
        phone.screenshot(out / f"{name}.png")
        shots.append(name)

    def login(phone: h.Phone) -> None:
        expect(phone.textbox("Adres van de server")).to_be_visible()
        if phone.button("Inloggen als teamleider").count():  # else it opens on the login
            phone.tap(phone.button("Inloggen als teamleider"))
        phone.fill("Gebruikersnaam", "sanne.teamleider")
        phone.fill("Wachtwoord", "voorbeeld-wachtwoord-1")

    try:
        with sync_playwright() as playwright:
            browser = h.launch_browser(playwright)
            with h.phone_in(browser, app.url) as phone:
                try:
                    _leader_on_phone(phone, login, shot)
                except Exception:
                    phone.page.screenshot(path=str(tmp / "failure.png"))
                    print(
                        f"Mislukt; zo zag het scherm eruit: {tmp / 'failure.png'}", file=sys.stderr
                    )
                    raise
            context = browser.new_context(
                viewport={"width": 1280, "height": 800},
                locale="nl-NL",  # type: ignore[arg-type]
            )
            try:
                desk = h.Phone(context.new_page()).open(app.url)
                login(desk)
                desk.tap(desk.button("Inloggen", exact=True))
                desk.see("Jeroen Visser")
                shot(desk, "2x-teamleider-06-beoordelen-desktop")
                desk.leader_tab("Indicatoren")
                desk.see("Uitgedeelde gele kaarten")
                shot(desk, "2x-teamleider-07-indicatoren-desktop")
                desk.tap(desk.button("Grafiek", exact=True))
                desk.see("nulmeting")
                shot(desk, "2x-teamleider-11-indicator-grafiek-desktop")
                desk.leader_tab("Wijkprofiel")
                desk.see("Wijkprofiel Noord")
                shot(desk, "2x-teamleider-12-wijkprofiel-desktop")
                # Accounts: the officers of the leader's district, an enrolment code as QR.
                desk.leader_tab("Accounts")
                desk.see("Nieuw account")
                shot(desk, "2x-teamleider-13-accounts-desktop")
                card = desk.page.get_by_role("group", name=re.compile(r"Jeroen Visser \("))
                desk.tap(card.get_by_role("button", name="Koppelcode"))
                # Not "Koppelcode voor …": the button's tooltip says that already.
                # The QR is drawn a frame or more after its card: wait for its pixels.
                qr = desk.page.get_by_role("img", name="QR-code om de telefoon te koppelen")
                expect(qr).to_be_visible()
                h.wait_until(lambda: _drawn(desk, qr), 10, "QR image drawn")
                shot(desk, "2x-teamleider-14-koppelcode-desktop")
                desk.tap(card.get_by_role("button", name="Telefoons"))
                desk.see("laatste sync:")
                shot(desk, "2x-teamleider-15-telefoons-desktop")
            finally:
                context.close()
            browser.close()
    finally:
        app.stop()
        server.stop()
    print(f"{len(shots)} screenshots in {out}:")
    for name in shots:
        print(f"  {name}.png")
    return 0


def _leader_on_phone(phone: h.Phone, login: Any, shot: Any) -> None:
    """The team leader's tabs at phone size."""
    login(phone)
    shot(phone, "2x-teamleider-01-inloggen")
    phone.tap(phone.button("Inloggen", exact=True))
    phone.see("Jeroen Visser")
    shot(phone, "2x-teamleider-02-beoordelen")
    phone.tap(phone.shown("foto('s)"))
    phone.see("Jouw beoordeling")
    phone.see("Foto's")
    shot(phone, "2x-teamleider-03-registratie")
    phone.page.mouse.move(195, 600)
    phone.page.mouse.wheel(0, 520)  # down to the photo (offscreen parts have no labels)
    phone.see("Jouw beoordeling")
    shot(phone, "2x-teamleider-03b-registratie-foto")
    phone.fill("Opmerking voor de handhaver", "Welke container?")
    phone.tap(phone.button("Terug naar handhaver"))
    phone.see("Opgeslagen")
    # (button to tap, text to wait for, picture)
    for button, text, name in [
        ("Incidenten", "te laat", "08-incidenten"),
        ("Indicatoren", "Registraties geteld op", "04-indicatoren"),
        ("Grafiek", "per maand", "09-indicator-grafiek"),
        ("Hot times", "Drukste focuslocaties", "05-hot-times"),
        ("Wijkprofiel", "Wijkprofiel Noord", "10-wijkprofiel"),
    ]:
        if button == "Grafiek":  # a button in the indicators tab
            phone.tap(phone.button(button, exact=True))
        else:
            phone.leader_tab(button)
        phone.see(text)
        shot(phone, f"2x-teamleider-{name}")


def _drawn(phone: h.Phone, image: Any) -> bool:
    """Whether the screen shows more than one flat colour where the image is."""
    import io

    from PIL import Image

    box = image.bounding_box()
    if box is None:
        return False
    shot = Image.open(io.BytesIO(phone.page.screenshot(clip=box))).convert("L")
    darkest, lightest = shot.getextrema()  # type: ignore[misc]
    return bool(lightest - darkest > 128)


def _example_photo() -> Any:
    """A camera-sized picture (an overflowing container on a street) through the
    app's own photo pipeline."""
    import io

    from PIL import Image, ImageDraw

    from fieldapp.photos import process_photo

    image = Image.new("RGB", (2000, 1500), (150, 170, 190))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 950, 2000, 1500), fill=(95, 95, 100))  # street
    draw.rectangle((700, 600, 1300, 1100), fill=(40, 90, 50))  # container
    draw.rectangle((680, 560, 1320, 620), fill=(30, 70, 40))
    for n, colour in enumerate([(200, 200, 190), (120, 80, 40), (220, 210, 120)]):
        x = 420 + n * 160
        draw.ellipse((x, 980, x + 190, 1130), fill=colour)  # bags beside it
    raw = io.BytesIO()
    image.save(raw, "JPEG", quality=90)
    return process_photo(raw.getvalue())


def _accepted(engine: Any, kind: str) -> str | None:
    with Session(engine) as session:
        row = session.exec(select(Record).where(Record.kind == kind)).first()
    return row.id if row else None


def _signaal(phone: h.Phone, spot: str) -> None:
    phone.tap(phone.button("Signaal ondermijning", exact=True))
    phone.tap(phone.chip("Drugs"))
    phone.fill("Wat zag je?", "Veel aanloop bij portiek, steeds kort bezoek.")
    phone.tap(phone.button("Kies een focuslocatie"))
    phone.tap(phone.button(spot))
    phone.tap(phone.button("Opslaan", exact=True))
    _saved(phone)


def _incident(phone: h.Phone) -> None:
    phone.tap(phone.button("Incident", exact=True))
    phone.tap(phone.chip("Verbaal"))
    phone.tap(phone.button("Incident opslaan"))
    _saved(phone)


def _saved(phone: h.Phone) -> None:
    """The save was confirmed; wait until the message is gone (it would cover the
    next screenshot). Tapping its close button races its own animation."""
    phone.see("Opgeslagen — wordt verzonden")
    phone.wait_gone("Opgeslagen — wordt verzonden")


def _phone_entry(app: h.AppProcess, kind: str) -> tuple[str, str, str]:
    db = phone_db(app)
    try:
        (entry_id,) = db.execute("select id from entry where kind=?", (kind,)).fetchone()
        token, device = db.execute("select token, device_id from enrolment").fetchone()
    finally:
        db.close()
    return entry_id, token, device


def _push_other_copy(url: str, token: str, device: str, entry_id: str) -> None:
    """Another copy of the same entry (same id and version, other content)."""
    from datetime import UTC, datetime

    response = httpx.post(
        f"{url}/api/v1/sync/push",
        headers={
            PROTOCOL_HEADER: str(PROTOCOL_VERSION),
            "Authorization": f"Bearer {token}",
            "X-Staging": "1",
        },
        json={
            "protocol": PROTOCOL_VERSION,
            "device_id": device,
            "records": [
                {
                    "id": entry_id,
                    "kind": "incident",
                    "version": 1,
                    "payload": {
                        "observed_at": datetime.now(UTC).isoformat(),
                        "types": ["fysiek"],
                        "place": "Marsmanplein",
                        "injured": False,
                        "bodycam_on": False,
                        "politie": "geen",
                        "bot_gewenst": False,
                    },
                }
            ],
        },
        timeout=10,
    )
    response.raise_for_status()


if __name__ == "__main__":
    raise SystemExit(main())
