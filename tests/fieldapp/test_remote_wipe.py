"""Remote wipe: a phone revoked on the server (`python -m sync_server revoke-device`
or the admin API) wipes all of the app's data on its next contact and returns
to the enrolment screen with a Dutch explanation.

A revoked phone is presumed lost or stolen, so entries that were not sent yet
are wiped too: the officer is told so, and logs them again on a new phone.
End to end against the real server on loopback.
"""

from __future__ import annotations

import io
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from factories import PASSWORD, TEST_KEY, make_user
from PIL import Image

from fieldapp.db import DB_NAME
from fieldapp.keystore import KEY_FILE
from fieldapp.photos import process_photo
from fieldapp.state import ENROL, READY, AppState
from sync_server.db import session_scope
from sync_server.services import accounts

ROOT = Path(__file__).resolve().parents[2]
NOTE = "Wachtende notitie over Hermelijn Oosterbroek"
SENT_NOTE = "Verzonden notitie over Gijsbertha Tromp"
TABLES = (
    "entry",
    "outbox",
    "pendingidentity",
    "photo",
    "entryphoto",
    "district",
    "theme",
    "hotspot",
    "enrolment",
)


def _code(engine, settings, officer) -> str:
    with session_scope(engine) as session:
        return accounts.create_enrolment_code(
            session, user=officer, ttl=settings.enrolment_code_ttl
        ).code


def _photo() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (320, 240), (200, 40, 40)).save(buffer, "JPEG")
    return buffer.getvalue()


@pytest.fixture
def phone(tmp_path, server, engine, settings):
    """An officer's phone with a synced district, one accepted entry and, waiting
    to be sent, a yellow card, an entry with a photo, and an incident."""
    officer = make_user(engine, districts=["noord"], username="kwijtgeraakt")
    app = AppState(tmp_path / "phone")
    app.enroll(server.url, _code(engine, settings, officer))
    app.set_pin("48213", "48213")
    assert app.sync_now().ok
    spot = app.hotspots()[0].code
    app.save_waarneming(theme="afval", hotspot=spot, action="aanspreken", note=SENT_NOTE)
    assert app.sync_now().accepted == 1
    app.save_gele_kaart(
        naam="Teuntje Wildervanck",
        geboortedatum="2011-01-02",
        hotspot=spot,
        aanleiding="hinderlijk_gedrag",
    )
    app.save_signaal(
        categorie="drugs",
        description=NOTE,
        hotspot=spot,
        photos=[process_photo(_photo())],
    )
    app.save_incident(
        types=["verbaal"],
        hotspot=spot,
        injured=False,
        bodycam_on=False,
        politie="geen",
        bot_gewenst=False,
        description=NOTE,
    )
    assert app.pending_count() == 3
    assert (tmp_path / "phone" / KEY_FILE).exists()
    assert list((tmp_path / "phone" / "photos").glob("*.jpg"))
    return app, officer


def _revoke_with_cli(settings, device_id: str, cwd: Path) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HV_", "DATABASE_URL"))}
    env |= {
        "DATABASE_URL": settings.database_url,
        "HV_PSEUDONYM_KEY": TEST_KEY.hex(),
        "HV_VAR_DIR": str(cwd / "var"),
        "PYTHONPATH": str(ROOT),
    }
    done = subprocess.run(
        [sys.executable, "-m", "sync_server", "revoke-device", "--device-id", device_id],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def _assert_wiped(app: AppState, folder: Path, hotspot_name: str) -> None:
    assert app.phase() == ENROL
    assert app.pending_count() == 0 and app.store.cursor() == 0
    notice = app.wipe_notice or ""
    assert "ingetrokken" in notice and "gewist" in notice
    assert "ook invoer die nog niet verzonden was" in notice and "nieuwe koppelcode" in notice
    assert not (folder / KEY_FILE).exists()
    assert not (folder / "photos").exists()
    db = sqlite3.connect(folder / DB_NAME)
    for table in TABLES:
        assert db.execute(f"select count(*) from {table}").fetchone() == (0,), table
    assert db.execute("select cursor from syncstate").fetchall() == [(0,)]
    db.close()
    # Nothing readable is left in any file: not the entries (sent or not), not the
    # district's reference data, not the token.
    needles = [NOTE, SENT_NOTE, "Wildervanck", hotspot_name, "hv1_"]
    for path in folder.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            for needle in needles:
                assert needle.encode() not in data, (path, needle)


def test_revoke_device_command_wipes_the_phone_on_its_next_contact(
    phone, tmp_path, server, engine, settings
):
    app, officer = phone
    folder = tmp_path / "phone"
    hotspot_name = app.hotspots()[0].name
    enrolment = app.enrolment
    assert enrolment is not None
    out = _revoke_with_cli(settings, enrolment.device_id, tmp_path)
    assert f"Apparaat {enrolment.device_id}" in out

    report = app.sync_now()
    assert report.error is not None and report.error.code == "token_revoked"
    _assert_wiped(app, folder, hotspot_name)

    # The enrolment screen works again: a new code, a new key, a fresh district.
    app.enroll(server.url, _code(engine, settings, officer))
    assert app.wipe_notice is None
    app.set_pin("48213", "48213")
    assert app.phase() == READY
    assert app.sync_now().ok and app.hotspots()
    spot = app.hotspots()[0].code
    app.save_waarneming(theme="afval", hotspot=spot, action="aanspreken", note="opnieuw")
    assert app.sync_now().accepted == 1
    assert (folder / KEY_FILE).exists()


def test_revoke_by_the_beheerder_api_wipes_on_the_background_sync(phone, tmp_path, http, engine):
    app, _officer = phone
    folder = tmp_path / "phone"
    hotspot_name = app.hotspots()[0].name
    admin = make_user(engine, role="beheerder", username="beheer1")
    login = http.post(
        "/api/v1/auth/login",
        json={"username": admin.username, "password": PASSWORD, "device_name": "browser"},
    )
    assert login.status_code == 200, login.text
    enrolment = app.enrolment
    assert enrolment is not None
    revoked = http.post(
        f"/api/v1/admin/devices/{enrolment.device_id}/revoke",
        headers={"Authorization": f"Bearer {login.json()['token']}"},
    )
    assert revoked.status_code == 200 and revoked.json()["revoked_at"]

    # The app's own timer turn: no PIN needed, the phone is wiped all the same.
    app.lock()
    report = app.auto_sync()
    assert report is not None and report.error is not None
    assert report.error.code == "token_revoked"
    _assert_wiped(app, folder, hotspot_name)
    # A second app process on the same folder (the nightly headless sync) finds
    # nothing to send and no link.
    assert AppState(folder).enrolment is None
