"""The field app in a real browser (Chromium, 390×844) against the real sync server.

Controls are found by their accessible names (what a screen reader reads), taps
are counted, and every outcome is checked where it lands: on screen, in the
phone's files, and in the server's database.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest
from harness import AppProcess, Phone, RestartableServer, enrolment_code, wait_until
from playwright.sync_api import expect
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from sync_server.models import Record, User

pytestmark = pytest.mark.browser


def server_records(engine: Engine, kind: str) -> list[Record]:
    with Session(engine) as session:
        return list(session.exec(select(Record).where(Record.kind == kind)).all())


def phone_rows(data: Path, sql: str) -> list[tuple[Any, ...]]:
    db = sqlite3.connect(f"file:{data / 'handhaving.db'}?mode=ro", uri=True)
    try:
        return db.execute(sql).fetchall()
    finally:
        db.close()


def test_enrol_with_a_code_set_pin_and_arrive_home(
    phone: Phone, engine, settings, officer: User, fieldapp_web: AppProcess
):
    phone.see("Koppel deze telefoon aan je account")
    # The server address comes pre-filled (HV_SERVER_URL); a wrong code is explained.
    phone.fill("Koppelcode", "ABCD-EFGH")
    phone.tap(phone.button("Koppelen", exact=True))
    phone.see("Deze koppelcode is onbekend of al gebruikt")

    phone.fill("Koppelcode", enrolment_code(engine, settings, officer))
    phone.tap(phone.button("Koppelen", exact=True))
    phone.see("Pincode kiezen")
    phone.see(f"Gekoppeld als {officer.display_name}")
    phone.fill("Nieuwe pincode", "11111")
    phone.fill("Herhaal pincode", "11111")
    phone.tap(phone.button("Pincode opslaan"))
    phone.see("te makkelijk te raden")
    phone.fill("Nieuwe pincode", "48213")
    phone.fill("Herhaal pincode", "48213")
    phone.tap(phone.button("Pincode opslaan"))

    expect(phone.button("Incident", exact=True)).to_be_visible()
    phone.see(officer.display_name)
    phone.see("Stadsdeel Noord")
    phone.see("Online")
    phone.see("Alles is verzonden")
    phone.see("Laatst gesynchroniseerd")
    rows = phone_rows(fieldapp_web.data, "select username, pin_hash is not null from enrolment")
    assert rows == [(officer.username, 1)]
    # The first sync brought the district's focus locations: listed on home.
    phone.see("Focuslocaties in je stadsdeel")
    assert phone_rows(fieldapp_web.data, "select count(*) from hotspot where district='noord'")[
        0][0] > 5


def test_observation_offline_waits_then_syncs_and_is_accepted(
    ready_phone: Phone, live: RestartableServer, engine, officer: User,
    fieldapp_web: AppProcess
):
    phone = ready_phone
    live.stop()  # no signal

    phone.tap(phone.button("Waarneming", exact=True))
    phone.tap(phone.chip("Afval"))
    phone.tap(phone.button("Kies een focuslocatie"))
    phone.tap(phone.button("Marsmanplein"))
    phone.tap(phone.chip("Aanspreken"))
    phone.tap(phone.button("Aantal personen: één meer"))
    phone.tap(phone.button("Aantal personen: één meer"))
    phone.fill("Notitie (optioneel)", "Bijplaatsing naast container")
    phone.tap(phone.button("Opslaan", exact=True))

    phone.see("Opgeslagen — wordt verzonden zodra er verbinding is")
    phone.see("1 wacht op verzenden")
    phone.see("Offline — invoer blijft bewaard")
    phone.tap(phone.button("Mijn log", exact=True))
    phone.see("Wacht op verzenden")
    phone.see("Marsmanplein")
    assert server_records(engine, "waarneming") == []

    live.start()
    phone.tap(phone.button("Terug"))
    phone.tap(phone.button("Synchroniseren", exact=True))
    phone.tap(phone.button("Nu synchroniseren"))
    phone.see("Synchronisatie gelukt.")
    phone.see("1 geaccepteerd")
    phone.tap(phone.button("Terug"))
    phone.see("Alles is verzonden")
    phone.tap(phone.button("Mijn log", exact=True))
    phone.see("Geaccepteerd")

    [record] = server_records(engine, "waarneming")
    assert record.owner_user_id == officer.id
    assert record.payload["theme"] == "afval" and record.payload["action"] == "aanspreken"
    assert record.payload["persons"] == 2
    assert record.payload["note"] == "Bijplaatsing naast container"
    assert record.payload["hotspot"] == phone_rows(
        fieldapp_web.data, "select code from hotspot where name='Marsmanplein'")[0][0]


def test_incident_in_at_most_six_taps(ready_phone: Phone, engine, fieldapp_web: AppProcess):
    phone = ready_phone
    phone.taps = 0
    phone.page.evaluate("window.__taps = 0")

    phone.tap(phone.button("Incident", exact=True))
    # The defaults are on screen: now, a focus location (with why), bodycam on, no police.
    phone.see("eerste van je stadsdeel")
    expect(phone.switch("Bodycam aan")).to_be_checked()
    expect(phone.switch("Gewond")).not_to_be_checked()
    expect(phone.chip("Geen politie")).to_be_checked()
    phone.tap(phone.chip("Verbaal"))
    phone.tap(phone.chip("Bedreiging"))
    phone.tap(phone.button("Incident opslaan"))
    phone.see("Opgeslagen — wordt verzonden zodra er verbinding is")

    taps = phone.page_taps()
    assert taps == phone.taps == 4, (taps, phone.taps)
    assert taps <= 6

    [(kind, payload)] = phone_rows(fieldapp_web.data, "select kind, payload from entry")
    assert kind == "incident"
    # Online: it goes out at once (incidents first); poll the server for it.
    record = wait_until(lambda: server_records(engine, "incident"), 30, "incident on server")[0]
    assert record.payload["types"] == ["verbaal", "bedreiging"]
    assert record.payload["bodycam_on"] is True and record.payload["injured"] is False
    assert record.payload["politie"] == "geen" and record.payload["bot_gewenst"] is False
    assert record.payload["hotspot"] == phone_rows(
        fieldapp_web.data, "select code from hotspot where district='noord' order by name")[0][0]
    phone.tap(phone.button("Mijn log", exact=True))
    phone.see("Incident tegen handhaver")
    phone.see("Geaccepteerd")


def test_yellow_card_identity_gone_from_phone_after_sync(
    ready_phone: Phone, engine, fieldapp_web: AppProcess
):
    phone = ready_phone
    name = "Kees Testjongere"
    phone.tap(phone.button("Gele kaart", exact=True))
    phone.fill("Naam jongere", name)
    phone.fill("Geboortedatum (dd-mm-jjjj)", "31-02-2010")
    phone.tap(phone.button("Kies een focuslocatie"))
    phone.fill("Zoek op naam", "pim")
    phone.tap(phone.button("Sportpark Pim Mulier"))
    phone.tap(phone.chip("Hinderlijk gedrag"))
    phone.tap(phone.button("Opslaan", exact=True))
    phone.see("typ de datum als dd-mm-jjjj")  # no such day: refused next to the field
    phone.fill("Geboortedatum (dd-mm-jjjj)", "05-03-2010")
    phone.tap(phone.button("Opslaan", exact=True))
    phone.see("Opgeslagen — wordt verzonden zodra er verbinding is")

    record = wait_until(lambda: server_records(engine, "gele_kaart"), 30, "card on server")[0]
    assert "jongere" not in record.payload
    phone.tap(phone.button("Mijn log", exact=True))
    phone.see("Geaccepteerd")
    phone.see("1e kaart")
    expect(phone.text("Testjongere")).to_have_count(0)
    assert "Testjongere" not in phone.page.locator("body").aria_snapshot()

    def clean() -> bool:
        return not [p for p, data in fieldapp_web.files().items() if b"Testjongere" in data]

    wait_until(clean, 15, "name gone from every file in the phone's data folder")
    assert b"2010-03-05" not in b"".join(fieldapp_web.files().values())
