"""Photos in either store: a folder, or a bucket on a real S3 server (SeaweedFS,
started by the `seaweed` fixture). Upload, verification, reading through a
record, retention, the folder-to-bucket copy, and a bucket that is down.
"""

from __future__ import annotations

import hashlib
import io
import random
import socket
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from factories import (
    assert_error,
    bearer,
    browser_token,
    enrol,
    enrolment_code,
    hotspot_in,
    make_user,
    waarneming,
)
from live_server import LiveServer
from PIL import Image
from sqlmodel import Session, func, select

from fieldapp.photos import process_photo
from fieldapp.state import AppState
from sync_server.cli import main as cli_main
from sync_server.config import S3Settings, Settings
from sync_server.db import utcnow
from sync_server.models import Blob, BlobUpload
from sync_server.photostore import PhotoStoreUnavailable, open_photo_store
from sync_server.photostore.folder import FolderPhotoStore
from sync_server.photostore.s3 import S3PhotoStore
from sync_server.services import nightly


def jpeg(seed: int) -> bytes:
    noise = random.Random(seed).randbytes(64 * 48 * 3)
    out = io.BytesIO()
    Image.frombytes("RGB", (64, 48), noise).save(out, "JPEG", quality=80)
    return out.getvalue()


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def put(phone, data: bytes, digest: str | None = None):
    return phone.client.put(
        f"/api/v1/blobs/{digest or sha(data)}",
        content=data,
        headers=phone.headers | {"Content-Type": "image/jpeg"},
    )


def head(phone, digest: str) -> int:
    return phone.client.head(f"/api/v1/blobs/{digest}", headers=phone.headers).status_code


def rows(engine, model) -> int:
    with Session(engine) as session:
        return int(session.exec(select(func.count()).select_from(model)).one())


def bucket_store(settings: Settings) -> S3PhotoStore:
    assert settings.s3 is not None
    return S3PhotoStore(**vars(settings.s3))


@pytest.fixture
def s3_live(s3_settings: Settings, engine) -> Iterator[LiveServer]:
    live = LiveServer(s3_settings, engine).start()
    yield live
    live.stop()


@pytest.fixture
def s3_http(s3_live: LiveServer) -> Iterator:
    import httpx

    from sync_protocol import PROTOCOL_HEADER, PROTOCOL_VERSION

    with httpx.Client(
        base_url=s3_live.url, headers={PROTOCOL_HEADER: str(PROTOCOL_VERSION)}, timeout=30
    ) as client:
        yield client


# ---------------------------------------------------------------- scope (issue 11.5)


def test_a_photo_opens_only_through_a_record_whose_owner_uploaded_it(http, engine, settings):
    noord = enrol(http, engine, settings, make_user(engine, districts=["noord"], password=None))
    oost = enrol(http, engine, settings, make_user(engine, districts=["oost"], password=None))
    tl_noord = bearer(browser_token(engine, make_user(engine, role="teamleider", password=None)))
    tl_oost = bearer(
        browser_token(engine, make_user(engine, role="teamleider", districts=["oost"]))
    )
    photo = jpeg(1)
    digest = sha(photo)
    assert put(noord, photo).status_code == 201
    noord.push_ok([waarneming(hotspot_in(engine, "noord"), photos=[digest])])
    # Oost's officer names noord's photo hash in a record without having the photo.
    oost.push_ok([waarneming(hotspot_in(engine, "oost", "afval"), theme="afval", photos=[digest])])

    # HEAD tells only the uploader that the photo is there.
    assert head(noord, digest) == 200
    assert head(oost, digest) == 404
    url = f"/api/v1/blobs/{digest}"
    assert http.get(url, headers=tl_noord).content == photo
    assert_error(http.get(url, headers=tl_oost), 404, "not_found")

    # Whoever has the bytes proves it by uploading them; stored once, both uploaders.
    assert put(oost, photo).status_code == 200
    assert head(oost, digest) == 200
    assert http.get(url, headers=tl_oost).content == photo
    assert rows(engine, Blob) == 1 and rows(engine, BlobUpload) == 2


# ---------------------------------------------------------------- the S3 store


def test_upload_verify_read_through_the_bucket(s3_http, engine, s3_settings):
    phone = enrol(s3_http, engine, s3_settings, make_user(engine, password=None))
    leader = bearer(browser_token(engine, make_user(engine, role="teamleider", password=None)))
    photo = jpeg(2)
    digest = sha(photo)

    # A photo that does not match its hash is refused; nothing lands anywhere.
    assert_error(put(phone, photo, sha(b"other")), 400, "blob_hash_mismatch")
    assert bucket_store(s3_settings).keys() == []

    assert head(phone, digest) == 404
    assert put(phone, photo).status_code == 201
    assert head(phone, digest) == 200
    assert put(phone, photo).status_code == 200  # a retry after a lost reply
    store = bucket_store(s3_settings)
    assert store.keys() == [digest]
    assert store.get(digest) == photo
    assert not s3_settings.blob_dir.exists()  # nothing on the server's own disk

    phone.push_ok([waarneming(hotspot_in(engine, "noord"), photos=[digest])])
    response = s3_http.get(f"/api/v1/blobs/{digest}", headers=leader)
    assert response.status_code == 200 and response.content == photo
    assert response.headers["content-type"] == "image/jpeg"


def test_retention_deletes_the_photo_from_the_bucket(s3_http, engine, s3_settings):
    phone = enrol(s3_http, engine, s3_settings, make_user(engine, password=None))
    old, kept = jpeg(3), jpeg(4)
    for photo in (old, kept):
        assert put(phone, photo).status_code == 201
    spot = hotspot_in(engine, "noord")
    observed = (utcnow() - timedelta(days=10)).isoformat()
    phone.push_ok([waarneming(spot, photos=[sha(old)], observed_at=observed)])
    phone.push_ok([waarneming(spot, photos=[sha(kept)])])

    # Five years and a bit later only the first record has passed its period.
    nightly.run_nightly(engine, s3_settings, now=utcnow() + timedelta(days=1821))

    store = bucket_store(s3_settings)
    assert store.keys() == [sha(kept)]
    with Session(engine) as session:
        assert session.get(Blob, sha(old)) is None
        assert session.get(Blob, sha(kept)) is not None


def _closed_port() -> int:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return port


def test_a_bucket_that_is_down_gives_a_clear_error_and_nothing_is_marked_sent(engine, settings):
    down = replace(
        settings,
        photo_store="s3",
        s3=S3Settings(
            endpoint=f"127.0.0.1:{_closed_port()}",
            bucket="hv-nowhere",
            access_key="x",
            secret_key="y",
            secure=False,
        ),
    )
    live = LiveServer(down, engine).start()
    try:
        import httpx

        from sync_protocol import PROTOCOL_HEADER, PROTOCOL_VERSION

        with httpx.Client(
            base_url=live.url, headers={PROTOCOL_HEADER: str(PROTOCOL_VERSION)}, timeout=60
        ) as client:
            phone = enrol(client, engine, down, make_user(engine, password=None))
            photo = jpeg(5)
            response = put(phone, photo)
            body = assert_error(response, 503, "photo_store_unavailable")
            assert "niet bereikbaar" in body["message"]
            assert response.headers.get("Retry-After")
            # The phone asks before it marks a photo as sent: still missing.
            assert head(phone, sha(photo)) == 404
            assert rows(engine, Blob) == 0 and rows(engine, BlobUpload) == 0
    finally:
        live.stop()


def test_a_bucket_store_raises_its_own_error_when_unreachable():
    store = S3PhotoStore(
        endpoint=f"127.0.0.1:{_closed_port()}",
        bucket="hv-nowhere",
        access_key="x",
        secret_key="y",
        secure=False,
    )
    for call in (store.check, lambda: store.get("a" * 64), lambda: store.exists("a" * 64)):
        with pytest.raises(PhotoStoreUnavailable):
            call()


def test_migrate_photos_copies_a_folder_into_the_bucket_verifying_each_hash(
    s3_settings, tmp_path: Path, monkeypatch, capsys
):
    folder = FolderPhotoStore(tmp_path / "old-blobs")
    photos = [jpeg(seed) for seed in (6, 7, 8)]
    for photo in photos:
        folder.put(sha(photo), photo, "image/jpeg")
    # A file damaged on disk: its bytes no longer match the name.
    damaged = sha(b"was a photo once")
    folder.put(damaged, b"bit rot", "image/jpeg")

    assert s3_settings.s3 is not None
    env = {
        "HV_PHOTO_STORE": "s3",
        "HV_S3_ENDPOINT": s3_settings.s3.endpoint,
        "HV_S3_BUCKET": s3_settings.s3.bucket,
        "HV_S3_ACCESS_KEY": s3_settings.s3.access_key,
        "HV_S3_SECRET_KEY": s3_settings.s3.secret_key,
        "HV_S3_SECURE": "false",
        "HV_BLOB_DIR": str(folder.folder),
        "HV_VAR_DIR": str(tmp_path / "var"),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}",
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)

    assert cli_main(["migrate-photos"]) == 1  # one damaged file is reported
    out = capsys.readouterr()
    assert "gekopieerd: 3" in out.out and "beschadigd (niet gekopieerd): 1" in out.out
    assert damaged in out.err
    store = bucket_store(s3_settings)
    assert store.keys() == sorted(sha(p) for p in photos)
    for photo in photos:
        assert store.get(sha(photo)) == photo

    folder.delete(damaged)
    assert cli_main(["migrate-photos"]) == 0  # again: nothing more to copy
    assert "gekopieerd: 0; stonden er al: 3" in capsys.readouterr().out


def test_the_folder_store_keeps_whole_files(tmp_path: Path):
    store = open_photo_store(
        Settings(database_url="sqlite://", blob_dir=tmp_path / "b", pseudonym_key=b"k" * 32)
    )
    photo = jpeg(9)
    store.put(sha(photo), photo, "image/jpeg")
    assert store.exists(sha(photo)) and store.get(sha(photo)) == photo
    assert store.keys() == [sha(photo)]
    assert [p.name for p in (tmp_path / "b").rglob("*") if p.is_file()] == [sha(photo)]
    store.delete(sha(photo))
    store.delete(sha(photo))  # twice is harmless
    assert store.get(sha(photo)) is None and store.keys() == []


def test_a_phone_keeps_its_photo_unsent_while_the_bucket_is_down(
    engine, settings, s3_settings, tmp_path: Path
):
    """End to end with the real app: the record goes, the photo waits; when the
    bucket is back the next sync sends it."""
    down = replace(
        s3_settings,
        s3=S3Settings(f"127.0.0.1:{_closed_port()}", "hv-nowhere", "x", "y", secure=False),
    )
    live = LiveServer(down, engine).start()
    try:
        officer = make_user(engine, districts=["noord"])
        app = AppState(tmp_path / "phone")
        app.enroll(live.url, enrolment_code(engine, officer))
        app.set_pin("48213", "48213")
        assert app.sync_now().ok
        out = io.BytesIO()
        Image.frombytes("RGB", (640, 480), random.Random(11).randbytes(640 * 480 * 3)).save(
            out, "JPEG"
        )
        photo = process_photo(out.getvalue())
        spot = app.hotspots()[0].code
        app.save_waarneming(theme="afval", hotspot=spot, action="sticker", photos=[photo])

        report = app.sync_now()
        assert not report.ok and report.photos_uploaded == 0
        assert [p.sha256 for p in app.store.photos_to_upload()] == [photo.sha256]
        assert rows(engine, Blob) == 0

        live.app.state.settings = s3_settings  # the bucket is back
        report = app.sync_now()
        assert report.ok and report.photos_uploaded == 1
        assert app.store.photos_to_upload() == []
        assert bucket_store(s3_settings).keys() == [photo.sha256]
    finally:
        live.stop()
