"""Sync survives a bad network: nothing lost, nothing doubled, every failure in Dutch."""

from __future__ import annotations

import io
import subprocess
import sys
import threading

import pytest
from factories import make_user
from faults import FaultTransport
from PIL import Image
from sqlmodel import Session, func, select

from fieldapp.photos import process_photo
from fieldapp.state import AppState
from fieldapp.sync import default_client
from sync_server.db import session_scope
from sync_server.models import Blob, Record, RecordVersion
from sync_server.services import accounts


@pytest.fixture
def transport():
    return FaultTransport()


@pytest.fixture
def phone(tmp_path, server, engine, settings, transport):
    officer = make_user(engine, districts=["noord"], username="fout1")
    with session_scope(engine) as session:
        code = accounts.create_enrolment_code(
            session, user=officer, ttl=settings.enrolment_code_ttl
        )
    app = AppState(
        tmp_path / "phone", client_factory=lambda url: default_client(url, transport=transport)
    )
    app.enroll(server.url, code.code)
    app.set_pin("48213", "48213")
    assert app.sync_now().ok
    return app


def _observe(app: AppState, note: str = ""):
    spot = app.hotspots()[0].code
    return app.save_waarneming(theme="afval", hotspot=spot, action="aanspreken", note=note)


def _server_count(engine, model=Record) -> int:
    with Session(engine) as session:
        return int(session.exec(select(func.count()).select_from(model)).one())


def test_offline_entries_wait_and_go_when_the_server_is_back(phone, transport, engine):
    transport.fail_always("refuse")
    entry = _observe(phone)
    report = phone.sync_now()
    assert report.error is not None and report.error.code == "offline"
    assert "Geen verbinding" in report.error.message and "bewaard" in report.error.message
    assert phone.pending_count() == 1 and phone.online is False
    transport.heal()
    assert phone.sync_now().ok
    assert phone.pending_count() == 0
    assert phone.store.entry(entry.id).status == "geaccepteerd"


def test_reply_lost_after_commit_is_resent_and_not_doubled(phone, transport, engine):
    entries = [_observe(phone, note=str(n)) for n in range(3)]
    transport.fail("drop_reply", path="/api/v1/sync/push")
    report = phone.sync_now()
    assert report.error is not None and report.error.code == "offline"
    assert _server_count(engine) == 3  # the server did commit
    assert phone.pending_count() == 3  # but the phone never heard so
    assert phone.sync_now().ok
    assert phone.pending_count() == 0
    assert _server_count(engine) == 3 and _server_count(engine, RecordVersion) == 3
    assert {phone.store.entry(e.id).status for e in entries} == {"geaccepteerd"}


def test_app_killed_between_ack_and_outbox_update(phone, engine, monkeypatch):
    _observe(phone)
    original = phone.store.apply_push_results

    def killed(_results):
        raise SystemExit("app killed")

    monkeypatch.setattr(phone.store, "apply_push_results", killed)
    with pytest.raises(SystemExit):
        phone.sync_now()
    monkeypatch.setattr(phone.store, "apply_push_results", original)
    assert phone.pending_count() == 1
    assert phone.sync_now().ok
    assert phone.pending_count() == 0 and _server_count(engine) == 1


def test_truncated_pull_reply_keeps_the_cursor_and_recovers(phone, transport, engine):
    cursor = phone.store.cursor()
    _observe(phone)
    transport.fail("truncate", path="/api/v1/sync/pull")
    report = phone.sync_now()
    assert report.error is not None and report.error.code == "bad_reply"
    assert phone.store.cursor() == cursor
    assert phone.sync_now().ok
    assert phone.store.cursor() > cursor


def test_server_error_is_explained(phone, transport):
    _observe(phone)
    transport.fail("server_error", path="/api/v1/sync/push")
    report = phone.sync_now()
    assert report.error is not None and report.error.code == "server_error"
    assert "storing" in report.error.message
    assert phone.pending_count() == 1


def test_outdated_app_is_told_to_update(phone, transport):
    _observe(phone)
    transport.fail("old_protocol", path="/api/v1/sync/push")
    report = phone.sync_now()
    assert report.error is not None and report.error.code == "protocol_unsupported"
    assert "Werk de app bij" in report.error.message
    assert phone.pending_count() == 1


def test_revoked_phone_is_wiped_and_asks_for_a_new_code(phone, engine):
    # A revoked phone is presumed lost or stolen: nothing stays, not even what
    # waited to be sent (tests/fieldapp/test_remote_wipe.py has the whole story).
    _observe(phone)
    with session_scope(engine) as session:
        accounts.revoke_device(session, phone.enrolment.device_id)
    report = phone.sync_now()
    assert report.error is not None and report.error.code == "token_revoked"
    assert "nieuwe koppelcode" in report.error.message and "gewist" in report.error.message
    assert phone.enrolment is None and phone.pending_count() == 0


def test_two_syncs_at_once_send_each_record_once(phone, engine, tmp_path):
    for n in range(20):
        _observe(phone, note=str(n))
    second = AppState(tmp_path / "phone")  # the nightly job: same files, own process state
    results = []
    threads = [
        threading.Thread(target=lambda a=a: results.append(a.sync_now())) for a in (phone, second)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert phone.pending_count() == 0
    assert _server_count(engine) == 20 and _server_count(engine, RecordVersion) == 20


def test_photo_with_gps_exif_arrives_without_it(phone, engine, settings):
    image = Image.new("RGB", (1200, 900), (120, 140, 90))
    exif = Image.Exif()
    gps = exif.get_ifd(0x8825)
    gps.update({1: "N", 2: (52.0, 22.0, 51.0), 3: "E", 4: (4.0, 38.0, 12.0)})
    exif[0x010F] = "TestCam"
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif)
    photo = process_photo(buffer.getvalue())
    assert photo.gps is not None
    spot = phone.hotspots()[0].code
    phone.save_waarneming(theme="afval", hotspot=spot, action="sticker", photos=[photo])
    report = phone.sync_now()
    assert report.ok and report.photos_uploaded == 1
    assert _server_count(engine, Blob) == 1
    stored = (settings.blob_dir / photo.sha256[:2] / photo.sha256).read_bytes()
    with Image.open(io.BytesIO(stored)) as check:
        assert not check.getexif() and "exif" not in check.info
    assert b"TestCam" not in stored


def test_headless_sync_command(phone, engine, tmp_path):
    _observe(phone)
    command = [sys.executable, "-m", "fieldapp", "sync", "--data", str(tmp_path / "phone")]
    done = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "1 geaccepteerd" in done.stdout
    assert _server_count(engine) == 1
    empty = subprocess.run(
        [sys.executable, "-m", "fieldapp", "sync", "--data", str(tmp_path / "elders")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert empty.returncode == 2 and "niet gekoppeld" in empty.stderr


def test_server_restored_from_backup_makes_the_phone_pull_again(phone, engine):
    """A phone whose cursor is beyond the server's last change (the server was
    restored) is told so and starts again from 0 instead of waiting for ever."""
    phone.store.apply_pull_page([], next_since=10**6)
    report = phone.sync_now()
    assert report.ok, report.error
    assert 0 < phone.store.cursor() < 10**6
    assert phone.hotspots()


@pytest.mark.parametrize("fault", ["refuse", "drop_reply", "truncate", "server_error"])
def test_a_failed_patrol_suggestion_leaves_the_sync_done_and_the_last_suggestion(
    phone, transport, engine, fault
):
    """The suggestion is a nice-to-have fetched after the pull: if only that call
    fails, the entries are sent, the sync counts as done and the last one stays."""
    before = phone.patrol_suggestion()
    assert before is not None  # fetched by the fixture's first sync
    entry = _observe(phone)
    transport.fail(fault, path="/api/v1/patrol-suggestion")
    report = phone.sync_now()
    assert report.ok and report.accepted == 1
    assert phone.store.entry(entry.id).status == "geaccepteerd"
    assert phone.patrol_suggestion() == before
    assert "GET /api/v1/patrol-suggestion" in transport.seen
