"""Photos by content hash: verified before they are stored, and stored once.

The phone strips EXIF and re-encodes; the server does not trust that, because a
GPS position or a half-uploaded picture in storage cannot be taken back.
"""

from __future__ import annotations

import hashlib
import io
import random
import struct
import threading
import zlib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from factories import (
    enrol,
    hotspot_in,
    make_user,
    new_client,
    signaal,
    waarneming,
    with_client,
)
from PIL import ExifTags, Image, PngImagePlugin
from sqlmodel import Session, func, select

from sync_server.models import Blob, RecordPhoto


def jpeg(
    width: int = 320,
    height: int = 240,
    *,
    seed: int = 1,
    exif: Image.Exif | None = None,
    quality: int = 85,
) -> bytes:
    """A real JPEG with noisy content (so the scan data is long enough to cut)."""
    noise = random.Random(seed).randbytes(width * height * 3)
    image = Image.frombytes("RGB", (width, height), noise)
    out = io.BytesIO()
    if exif is None:
        image.save(out, "JPEG", quality=quality)
    else:
        image.save(out, "JPEG", quality=quality, exif=exif)
    return out.getvalue()


def png(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.new("L", (width, height)).save(out, "PNG")
    return out.getvalue()


def png_declaring(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims `width`×`height`: a decompression bomb."""
    data = bytearray(png(1, 1))
    assert data[12:16] == b"IHDR"
    data[16:24] = struct.pack(">II", width, height)
    data[29:33] = struct.pack(">I", zlib.crc32(bytes(data[12:29])))
    return bytes(data)


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def stored_files(blob_dir: Path) -> list[Path]:
    return sorted(p for p in blob_dir.rglob("*") if p.is_file()) if blob_dir.exists() else []


def blob_rows(engine) -> int:
    with Session(engine) as session:
        return int(session.exec(select(func.count()).select_from(Blob)).one())


@pytest.fixture
def phone(http, engine, settings):
    return enrol(http, engine, settings, make_user(engine, districts=["noord"], password=None))


def put(phone, digest: str, data: bytes):
    return phone.client.put(
        f"/api/v1/blobs/{digest}",
        content=data,
        headers=phone.headers | {"Content-Type": "image/jpeg"},
    )


def head(phone, digest: str):
    return phone.client.head(f"/api/v1/blobs/{digest}", headers=phone.headers)


def assert_refused(response, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    assert response.json()["code"] == code


def assert_nothing_stored(engine, settings) -> None:
    assert blob_rows(engine) == 0
    assert stored_files(settings.blob_dir) == []


def test_a_photo_is_uploaded_once_and_then_known(phone, engine, settings):
    photo = jpeg()
    digest = sha(photo)

    assert head(phone, digest).status_code == 404
    assert put(phone, digest, photo).status_code == 201
    assert head(phone, digest).status_code == 200
    assert put(phone, digest, photo).status_code == 200  # a retry after a lost reply

    files = stored_files(settings.blob_dir)
    assert len(files) == 1
    assert files[0].name == digest
    assert files[0].read_bytes() == photo
    assert blob_rows(engine) == 1
    with Session(engine) as session:
        row = session.get(Blob, digest)
    assert (row.size, row.content_type, row.width, row.height) == (
        len(photo),
        "image/jpeg",
        320,
        240,
    )


def test_a_png_is_accepted(phone, engine):
    photo = png(40, 30)
    assert put(phone, sha(photo), photo).status_code == 201
    with Session(engine) as session:
        assert session.get(Blob, sha(photo)).content_type == "image/png"


def test_bytes_that_do_not_match_the_hash_are_refused(phone, engine, settings):
    photo = jpeg()
    assert_refused(put(phone, sha(jpeg(seed=2)), photo), 400, "blob_hash_mismatch")
    assert_nothing_stored(engine, settings)


def test_an_invalid_hash_is_refused(phone, engine, settings):
    photo = jpeg()
    for digest in ("abc", "G" * 64, sha(photo).upper(), "0" * 63, "0" * 65, "0" * 60 + ".jpg"):
        assert_refused(put(phone, digest, photo), 400, "blob_hash_invalid")
        assert head(phone, digest).status_code == 400  # a HEAD reply has no body
    assert_nothing_stored(engine, settings)


def test_bytes_that_are_not_a_photo_are_refused(phone, engine, settings):
    out = io.BytesIO()
    Image.new("RGB", (20, 20)).save(out, "GIF")
    for data in (b"%PDF-1.4 dit is geen foto\n" * 20, b"", b"GIF89a" + bytes(100), out.getvalue()):
        assert_refused(put(phone, sha(data), data), 415, "blob_not_an_image")
    assert_nothing_stored(engine, settings)


def test_a_photo_cut_short_is_refused(phone, engine, settings):
    """An upload cut short (connection dropped), sent with the hash of what arrived:
    at random offsets, and just before the end where only the end marker is missing."""
    photo = jpeg()
    rng = random.Random(20240601)
    offsets = sorted(rng.randrange(1, len(photo)) for _ in range(6))
    for offset in offsets + [len(photo) - 50, len(photo) - 2, len(photo) - 1]:
        cut = photo[:offset]
        response = put(phone, sha(cut), cut)
        assert response.status_code == 415, f"cut at {offset} of {len(photo)}: {response.text}"
        assert response.json()["code"] == "blob_not_an_image"
    assert_nothing_stored(engine, settings)
    assert head(phone, sha(photo)).status_code == 404
    assert put(phone, sha(photo), photo).status_code == 201  # the retry of the whole photo


def test_a_photo_with_gps_tags_is_refused(phone, engine, settings):
    exif = Image.Exif()
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (52.0, 22.0, 51.5)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (4.0, 38.0, 12.0)
    photo = jpeg(exif=exif)
    with Image.open(io.BytesIO(photo)) as check:  # the test photo really carries them
        assert check.getexif().get_ifd(ExifTags.IFD.GPSInfo)

    assert_refused(put(phone, sha(photo), photo), 422, "blob_has_metadata")
    assert_nothing_stored(engine, settings)


@pytest.mark.parametrize("chunk", ["tEXt", "iTXt"])
def test_a_png_with_a_text_chunk_is_refused(phone, engine, settings, chunk):
    """PNG keeps metadata in text chunks rather than EXIF; they may hold a position too."""
    info = PngImagePlugin.PngInfo()
    if chunk == "tEXt":
        info.add_text("Location", "52.3812,4.6369")
    else:
        info.add_itxt("Author", "Handhaver Noord")
    out = io.BytesIO()
    Image.new("RGB", (40, 30)).save(out, "PNG", pnginfo=info)
    photo = out.getvalue()
    assert_refused(put(phone, sha(photo), photo), 422, "blob_has_metadata")
    assert_nothing_stored(engine, settings)


def test_a_photo_over_the_byte_limit_is_refused(phone, engine, settings):
    photo = jpeg()
    padded = photo + bytes(settings.limits.max_photo_bytes + 1 - len(photo))
    response = put(phone, sha(padded), padded)
    assert response.status_code == 413, response.text
    # refused on the declared length, before the body is read into memory
    assert response.json()["code"] == "blob_too_large"
    assert_nothing_stored(engine, settings)


def test_a_photo_wider_than_the_side_limit_is_refused(phone, engine, settings):
    photo = png(settings.limits.max_photo_side + 1, 8)
    assert_refused(put(phone, sha(photo), photo), 413, "blob_image_too_large")
    assert_nothing_stored(engine, settings)


def test_a_decompression_bomb_is_refused(phone, engine, settings):
    bomb = png_declaring(20_000, 20_000)
    assert len(bomb) < 200
    assert_refused(put(phone, sha(bomb), bomb), 413, "blob_image_too_large")
    assert_nothing_stored(engine, settings)


def test_a_photo_just_over_the_pixel_limit_is_refused(phone, engine, settings):
    """Between the limit and twice it Pillow only warns; that must still refuse."""
    side = int(settings.limits.max_photo_pixels**0.5) + 10
    assert side <= settings.limits.max_photo_side
    data = png_declaring(side, side)
    assert_refused(put(phone, sha(data), data), 413, "blob_image_too_large")
    assert_nothing_stored(engine, settings)


def test_photos_need_a_token(http, engine, settings):
    photo = jpeg()
    digest = sha(photo)
    response = http.put(f"/api/v1/blobs/{digest}", content=photo)
    assert_refused(response, 401, "token_missing")
    assert http.head(f"/api/v1/blobs/{digest}").status_code == 401
    bad = {"Authorization": "Bearer hv1_nietgeldig"}
    assert http.put(f"/api/v1/blobs/{digest}", content=photo, headers=bad).status_code == 401
    assert_nothing_stored(engine, settings)


def test_two_records_naming_the_same_photo_share_one_blob(phone, engine, settings):
    photo = jpeg()
    digest = sha(photo)
    spot = hotspot_in(engine, "noord")
    results = phone.push_ok([waarneming(spot, photos=[digest]), signaal(spot, photos=[digest])])
    assert [r["status"] for r in results] == ["accepted", "accepted"]
    assert put(phone, digest, photo).status_code == 201
    assert put(phone, digest, photo).status_code == 200  # the second record's upload

    assert blob_rows(engine) == 1
    assert len(stored_files(settings.blob_dir)) == 1
    with Session(engine) as session:
        named = session.exec(select(RecordPhoto).where(RecordPhoto.sha256 == digest)).all()
    assert {p.record_id for p in named} == {r["id"] for r in results}


def test_the_same_photo_uploaded_twice_at_once_is_stored_once(phone, server, engine, settings):
    """Two records of one phone name the same photo, and their uploads overlap
    (several photos, to give the race a fair chance on PostgreSQL)."""
    photos = [jpeg(seed=seed) for seed in range(6)]
    clients = [new_client(server.url) for _ in range(2)]
    barrier = threading.Barrier(2)

    def upload(client, photo: bytes) -> int:
        barrier.wait(timeout=30)
        return put(with_client(phone, client), sha(photo), photo).status_code

    try:
        with ThreadPoolExecutor(max_workers=2) as pool:
            for photo in photos:
                statuses = sorted(pool.map(upload, clients, [photo, photo]))
                # never a 500, and at least one of the two stored it
                assert statuses in ([200, 201], [201, 201]), statuses
    finally:
        for client in clients:
            client.close()

    assert blob_rows(engine) == len(photos)
    assert stored_files(settings.blob_dir) == sorted(
        settings.blob_dir / sha(p)[:2] / sha(p) for p in photos
    )
