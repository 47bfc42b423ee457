"""The field app in a real browser (Chromium, 390×844) against the real sync server.

Controls are found by their accessible names (what a screen reader reads), taps
are counted, and every outcome is checked where it lands: on screen, in the
phone's files, and in the server's database.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from harness import (
    AppProcess,
    Phone,
    RestartableServer,
    enrol_and_set_pin,
    enrolment_code,
    phone_in,
    wait_until,
)
from playwright.sync_api import expect
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from fieldapp.encryption import FieldCipher
from fieldapp.keystore import default_keystore
from sync_server.models import Record, User
from sync_server.services.blobs import blob_path

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
    assert (
        phone_rows(fieldapp_web.data, "select count(*) from hotspot where district='noord'")[0][0]
        > 5
    )

    # Locked (by hand here; after 5 minutes without a tap by itself): the PIN opens it.
    phone.tap(phone.button("Vergrendelen"))
    phone.see("Vul je pincode in")
    phone.fill("Pincode", "99999")
    phone.tap(phone.button("Ontgrendelen"))
    phone.see("Verkeerde pincode. Nog 4 pogingen.")
    phone.fill("Pincode", "48213")
    phone.tap(phone.button("Ontgrendelen"))
    expect(phone.button("Incident", exact=True)).to_be_visible()


def camera_picture(folder: Path) -> Path:
    """A JPEG as a phone camera writes it: with the GPS position in its EXIF."""
    from PIL import Image

    exif = Image.Exif()
    gps = exif.get_ifd(0x8825)
    gps.update({1: "N", 2: (52.0, 24.0, 14.0), 3: "E", 4: (4.0, 38.0, 49.0)})
    path = folder / "camera.jpg"
    Image.new("RGB", (1200, 900), (200, 120, 40)).save(path, "JPEG", exif=exif)
    assert b"Exif" in path.read_bytes()
    return path


def test_observation_offline_waits_then_syncs_and_is_accepted(
    ready_phone: Phone,
    live: RestartableServer,
    engine,
    settings,
    officer: User,
    fieldapp_web: AppProcess,
    tmp_path: Path,
):
    phone = ready_phone
    live.stop()  # no signal

    phone.tap(phone.button("Waarneming", exact=True))
    phone.tap(phone.chip("Afval"))
    phone.tap(phone.button("Kies een focuslocatie"))
    phone.tap(phone.button("Marsmanplein"))
    phone.tap(phone.chip("Aanspreken"))
    phone.tap(phone.button("Feit (optioneel)"))
    phone.tap(phone.chip("Bijplaatsing afval"))
    phone.tap(phone.button("Aantal personen: één meer"))
    phone.tap(phone.button("Aantal personen: één meer"))
    phone.fill("Notitie (optioneel)", "Bijplaatsing naast container")
    # A camera picture with the position in its EXIF: the app keeps only pixels.
    with phone.page.expect_file_chooser() as chooser:
        phone.tap(phone.button("Foto kiezen"))
    chooser.value.set_files(str(camera_picture(tmp_path)))
    phone.see("1 foto")
    phone.tap(phone.button("Opslaan", exact=True))

    phone.see("Opgeslagen — wordt verzonden")  # "… zodra er verbinding is" when offline
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
    [photo] = record.payload["photos"]
    stored = blob_path(settings.blob_dir, photo).read_bytes()
    assert stored.startswith(b"\xff\xd8") and b"Exif" not in stored
    assert record.payload["theme"] == "afval" and record.payload["action"] == "aanspreken"
    assert record.payload["persons"] == 2 and record.payload["feit"] == "bijplaatsing_afval"
    assert record.payload["note"] == "Bijplaatsing naast container"
    assert (
        record.payload["hotspot"]
        == phone_rows(fieldapp_web.data, "select code from hotspot where name='Marsmanplein'")[0][0]
    )


def test_incident_in_at_most_seven_taps(ready_phone: Phone, engine, fieldapp_web: AppProcess):
    phone = ready_phone
    phone.taps = 0
    phone.page.evaluate("window.__taps = 0")

    first = phone_rows(
        fieldapp_web.data, "select code, name from hotspot where district='noord' order by name"
    )[0]
    phone.tap(phone.button("Incident", exact=True))
    # The defaults are on screen: now, no police. Without a position no focus
    # location is preselected, and "Bodycam aan" has no default (issue 12): a wrong
    # place or a guessed answer is worse than a tap.
    phone.see("Kies een focuslocatie")
    expect(phone.chip("Ja")).not_to_be_checked()
    expect(phone.chip("Nee")).not_to_be_checked()
    expect(phone.switch("Gewond")).not_to_be_checked()
    expect(phone.chip("Geen politie")).to_be_checked()
    phone.tap(phone.chip("Verbaal"))
    phone.tap(phone.chip("Bedreiging"))
    phone.tap(phone.chip("Ja"))  # bodycam on
    phone.tap(phone.button("Kies een focuslocatie"))
    phone.tap(phone.button(first[1]))
    phone.tap(phone.button("Incident opslaan"))
    phone.see("Opgeslagen — wordt verzonden")  # "… zodra er verbinding is" when offline

    taps = phone.page_taps()
    assert taps == phone.taps == 7, (taps, phone.taps)

    [(kind, payload)] = phone_rows(fieldapp_web.data, "select kind, payload from entry")
    assert kind == "incident"
    # Online: it goes out at once (incidents first); poll the server for it.
    record = wait_until(lambda: server_records(engine, "incident"), 30, "incident on server")[0]
    assert record.payload["types"] == ["verbaal", "bedreiging"]
    assert record.payload["bodycam_on"] is True and record.payload["injured"] is False
    assert record.payload["politie"] == "geen" and record.payload["bot_gewenst"] is False
    assert record.payload["hotspot"] == first[0]
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
    phone.see("Deze datum bestaat niet")  # no such day: refused next to the field
    phone.fill("Geboortedatum (dd-mm-jjjj)", "05-03-2010")
    phone.tap(phone.button("Opslaan", exact=True))
    phone.see("Opgeslagen — wordt verzonden")  # "… zodra er verbinding is" when offline

    record = wait_until(lambda: server_records(engine, "gele_kaart"), 30, "card on server")[0]
    assert "jongere" not in record.payload
    phone.tap(phone.button("Mijn log", exact=True))
    phone.see("Geaccepteerd")
    phone.see("1e kaart")
    expect(phone.shown("Testjongere")).to_have_count(0)
    assert "Testjongere" not in phone.page.locator("body").aria_snapshot()

    def clean() -> bool:
        return not [p for p, data in fieldapp_web.files().items() if b"Testjongere" in data]

    wait_until(clean, 15, "name gone from every file in the phone's data folder")
    assert b"2010-03-05" not in b"".join(fieldapp_web.files().values())


def test_incident_with_a_position_takes_the_nearest_focus_location(
    browser, fieldapp_web: AppProcess, engine, settings, officer: User
):
    """With the browser's location allowed (flet-geolocator in web mode), the
    nearest focus location is pre-selected and the position is saved with it."""
    here = {"latitude": 52.4041, "longitude": 4.6471, "accuracy": 12}  # at Marsmanplein
    with phone_in(
        browser, fieldapp_web.url, geolocation=here, permissions=["geolocation"]
    ) as phone:
        enrol_and_set_pin(phone, enrolment_code(engine, settings, officer))
        phone.see("Focuslocaties in de buurt", timeout=30_000)
        phone.taps = 0
        phone.tap(phone.button("Incident", exact=True))
        phone.see("dichtstbij")
        expect(phone.button("Marsmanplein")).to_be_visible()
        phone.tap(phone.chip("Fysiek"))
        phone.tap(phone.chip("Nee"))  # bodycam off: must be answered
        phone.tap(phone.button("Incident opslaan"))
        phone.see("Opgeslagen — wordt verzonden")  # "… zodra er verbinding is" when offline
        assert phone.taps == 4

    record = wait_until(lambda: server_records(engine, "incident"), 30, "incident on server")[0]
    assert record.payload["hotspot"] == "noord-marsmanplein"
    assert record.payload["bodycam_on"] is False
    assert record.payload["location"]["lat"] == pytest.approx(52.4041)
    assert record.payload["location"]["accuracy_m"] == pytest.approx(12)


def test_my_log_delete_and_edit_before_sending(
    ready_phone: Phone, live: RestartableServer, engine, fieldapp_web: AppProcess
):
    phone = ready_phone
    live.stop()
    for address in ("Zaanenlaan 1", "Zaanenlaan 2"):
        phone.tap(phone.button("Adrescontrole", exact=True))
        phone.tap(phone.chip("Geen hit"))
        phone.fill("Adres (of een focuslocatie)", address)
        phone.tap(phone.button("Opslaan", exact=True))
        phone.see("Opgeslagen — wordt verzonden")  # "… zodra er verbinding is" when offline
    phone.see("2 wachten op verzenden")

    phone.tap(phone.button("Mijn log", exact=True))
    phone.see("Zaanenlaan 2")
    phone.tap(phone.button("Adrescontrole verwijderen"))  # the newest comes first
    phone.see("Invoer verwijderen?")
    phone.tap(phone.button("Verwijderen", exact=True))
    phone.see("Adrescontrole verwijderd")
    phone.wait_gone("Zaanenlaan 2")

    phone.tap(phone.button("Zaanenlaan 1"))
    phone.see("Nog niet verzonden. Je wijziging vervangt wat er stond.")
    phone.fill("Adres (of een focuslocatie)", "Zaanenlaan 11")
    phone.tap(phone.button("Opslaan", exact=True))
    phone.see("Tik op een invoer om die aan te passen.")  # back in Mijn log
    phone.see("Zaanenlaan 11")
    rows = phone_rows(fieldapp_web.data, "select id, version, payload from entry")
    assert len(rows) == 1 and rows[0][1] == 1 and "Zaanenlaan" not in rows[0][2]
    # The address is sealed at rest; with the phone's key it reads as typed.
    sealed = json.loads(rows[0][2])["address"]
    cipher = FieldCipher(default_keystore(fieldapp_web.data))
    assert cipher.open(sealed, context=f"{rows[0][0]}/address") == "Zaanenlaan 11"
    assert phone_rows(fieldapp_web.data, "select count(*) from outbox") == [(1,)]
    assert server_records(engine, "adrescontrole") == []


# ---------------------------------------------------------------- issue 12: capture on patrol


def test_back_with_input_keeps_a_draft_that_a_reload_restores(
    ready_phone: Phone, engine, fieldapp_web: AppProcess
):
    phone = ready_phone
    phone.tap(phone.button("Adrescontrole", exact=True))
    phone.fill("Adres (of een focuslocatie)", "Kleverparkweg 12")
    phone.tap(phone.button("Back").or_(phone.button("Terug")))
    phone.see("Formulier verlaten?")
    phone.tap(phone.button("Concept bewaren"))
    phone.wait_gone("Formulier verlaten?")  # the dialog closes (issue 12)
    phone.see("Concept bewaard")
    phone.see("Concepten (nog niet opgeslagen)")
    phone.open(fieldapp_web.url)  # a reload
    locked, drafts = phone.shown("Vul je pincode in"), phone.shown("Concepten (nog niet")
    expect(locked.or_(drafts).first).to_be_visible(timeout=30_000)
    if locked.count():
        phone.fill("Pincode", "48213")
        phone.tap(phone.button("Ontgrendelen"))
    phone.see("Concepten (nog niet opgeslagen)")
    phone.tap(phone.button("Adrescontrole", exact=True))
    phone.see("Je concept is teruggezet.")
    [(data,)] = phone_rows(fieldapp_web.data, "select data from draft")
    assert "Kleverparkweg" not in data  # sealed at rest
    phone.tap(phone.chip("Geen hit"))
    phone.tap(phone.button("Opslaan", exact=True))
    phone.see("Opgeslagen")
    record = wait_until(lambda: server_records(engine, "adrescontrole"), 30, "check on server")[0]
    assert record.payload["address"] == "Kleverparkweg 12"  # the draft's text was saved
    assert phone_rows(fieldapp_web.data, "select id from draft") == []


def test_two_taps_0_ms_apart_save_one_entry(ready_phone: Phone, engine, fieldapp_web: AppProcess):
    phone = ready_phone
    phone.tap(phone.button("Adrescontrole", exact=True))
    phone.tap(phone.chip("Geen hit"))
    phone.fill("Adres (of een focuslocatie)", "Zaanenlaan 3")
    save = phone.button("Opslaan", exact=True).first
    phone.swipe_into_view(save)
    box = save.bounding_box()
    assert box is not None
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    # Two pointer taps in one script turn: 0 ms apart.
    phone.page.evaluate(
        """([x, y]) => {
            const el = document.elementFromPoint(x, y);
            for (let i = 0; i < 2; i++) {
                for (const type of ["pointerdown", "pointerup"]) {
                    el.dispatchEvent(new PointerEvent(type, {
                        bubbles: true, clientX: x, clientY: y, pointerId: 1,
                        pointerType: "mouse", isPrimary: true,
                        buttons: type === "pointerdown" ? 1 : 0,
                    }));
                }
            }
        }""",
        [x, y],
    )
    phone.see("Opgeslagen")
    wait_until(lambda: server_records(engine, "adrescontrole"), 30, "check on server")
    phone.tap(phone.button("Mijn log", exact=True))
    phone.see("Geaccepteerd")
    assert len(server_records(engine, "adrescontrole")) == 1
    assert len(phone_rows(fieldapp_web.data, "select id from entry")) == 1


def test_a_far_position_preselects_nothing(
    browser, fieldapp_web: AppProcess, engine, settings, officer: User
):
    far = {"latitude": 52.3812, "longitude": 4.6365, "accuracy": 10}  # Haarlem station
    with phone_in(browser, fieldapp_web.url, geolocation=far, permissions=["geolocation"]) as phone:
        enrol_and_set_pin(phone, enrolment_code(engine, settings, officer))
        phone.see("Focuslocaties in de buurt", timeout=30_000)
        phone.tap(phone.button("Waarneming", exact=True))
        phone.see("Kies een focuslocatie")
        expect(phone.shown("dichtstbij")).to_have_count(0)
