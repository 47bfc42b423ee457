"""Every limit on what a client may send, in one table: each breach is refused
with its stable code, and nothing of the refused request is written (no record,
no change number, no photo row, no file in the photo folder).

| limit                                   | status | code                  |
| --------------------------------------- | ------ | --------------------- |
| body over 4 MiB                         | 413    | body_too_large        |
| more than 500 records in a push         | 413    | batch_too_large       |
| a record's text over 500 / 2000 chars   | (push) | invalid_record        |
| a request field over its maximum length | 422    | invalid_request       |
| pull page over 1000                     | 422    | invalid_request       |
| a day outside 2000–2100 in a filter     | 422    | invalid_request       |
| photo over 6 MiB                        | 413    | blob_too_large        |
| photo side over 8000 pixels             | 413    | blob_image_too_large  |
| photo over 40 megapixels                | 413    | blob_image_too_large  |
| decompression bomb (tiny file, huge)    | 413    | blob_image_too_large  |
| truncated or corrupt JPEG/PNG           | 415    | blob_not_an_image     |
| bytes that are no image, or a GIF       | 415    | blob_not_an_image     |
"""

from __future__ import annotations

import hashlib
import io
import json
import random
import struct
import zlib
from pathlib import Path

import pytest
from factories import enrol, hotspot_in, make_user, waarneming
from PIL import Image
from sqlalchemy import text
from sqlalchemy.engine import Engine

from sync_protocol import PROTOCOL_HEADER, PROTOCOL_VERSION
from sync_server.config import Limits
from sync_server.db import session_scope
from sync_server.services import accounts

LIMITS = Limits()


def _counts(engine: Engine, blob_dir: Path) -> tuple[int, int, int, int, int]:
    with engine.connect() as conn:
        records, versions, changes, blobs = (
            int(conn.execute(text(f'SELECT count(*) FROM "{table}"')).scalar_one())
            for table in ("record", "recordversion", "change", "blob")
        )
    files = sum(1 for p in blob_dir.rglob("*") if p.is_file()) if blob_dir.exists() else 0
    return records, versions, changes, blobs, files


@pytest.fixture
def phone(http, engine, settings):
    return enrol(http, engine, settings, make_user(engine, districts=["noord"], password=None))


@pytest.fixture
def unchanged(engine, settings):
    """Asserts, at the end of the test, that nothing was written."""
    before = _counts(engine, settings.blob_dir)
    yield
    assert _counts(engine, settings.blob_dir) == before, "a refused request wrote something"


def _refused(response, status: int, code: str) -> None:
    assert response.status_code == status, response.text[:300]
    if response.request.method != "HEAD":
        body = response.json()
        assert body["code"] == code
        assert body["message"]


def _beheerder_token(engine: Engine) -> str:
    boss = make_user(engine, role="beheerder", password=None)
    with session_scope(engine) as session:
        return accounts.issue_device(session, boss, name="b", kind="browser").token


def _push_body(phone, records: list) -> dict:
    return {"protocol": PROTOCOL_VERSION, "device_id": phone.device_id, "records": records}


# ---------------------------------------------------------------- requests and records


def test_body_over_the_limit(phone, engine, unchanged):
    spot = hotspot_in(engine, "noord")
    note = "x" * 400
    count = LIMITS.max_body_bytes // 500 + 10
    body = json.dumps(_push_body(phone, [waarneming(spot, note=note) for _ in range(count)]))
    assert len(body) > LIMITS.max_body_bytes
    response = phone.client.post(
        "/api/v1/sync/push",
        content=body,
        headers=phone.headers | {"Content-Type": "application/json"},
    )
    _refused(response, 413, "body_too_large")


def test_too_many_records_in_one_push(phone, engine, unchanged):
    spot = hotspot_in(engine, "noord")
    records = [waarneming(spot) for _ in range(LIMITS.max_batch_records + 1)]
    _refused(phone.push(records), 413, "batch_too_large")


@pytest.mark.parametrize(("field", "limit"), [("note", 2000), ("address", 500)])
def test_overlong_text_in_a_record_is_rejected_alone(phone, engine, field, limit):
    spot = hotspot_in(engine, "noord")
    good = waarneming(spot)
    if field == "note":
        bad = waarneming(spot, note="x" * (limit + 1))
    else:
        bad = {
            "id": waarneming(spot)["id"],
            "kind": "adrescontrole",
            "version": 1,
            "payload": {
                "observed_at": good["payload"]["observed_at"],
                "uitkomst": "hit",
                "address": "x" * (limit + 1),
            },
        }
    results = phone.push_ok([bad, good])
    assert results[0]["status"] == "rejected"
    assert results[0]["code"] == "invalid_record"
    assert field in results[0]["message"]
    assert "x" * 20 not in results[0]["message"]  # the value is not echoed
    assert results[1]["status"] == "accepted"
    with engine.connect() as conn:
        ids = set(conn.execute(text("SELECT id FROM record")).scalars())
    assert ids == {good["id"]}


def test_text_at_its_limit_is_accepted(phone, engine):
    results = phone.push_ok([waarneming(hotspot_in(engine, "noord"), note="x" * 2000)])
    assert results[0]["status"] == "accepted"


def test_overlong_field_of_a_request(http, engine, unchanged):
    response = http.post("/api/v1/auth/enroll", json={"code": "ABCD-EFGH", "device_name": "t" * 81})
    _refused(response, 422, "invalid_request")


def test_overlong_device_id_in_a_push(phone, unchanged):
    body = {"protocol": PROTOCOL_VERSION, "device_id": "d" * 65, "records": []}
    response = phone.client.post("/api/v1/sync/push", json=body, headers=phone.headers)
    _refused(response, 422, "invalid_request")


def test_pull_page_over_the_limit(phone, unchanged):
    response = phone.client.get(
        "/api/v1/sync/pull",
        params={"since": 0, "limit": LIMITS.max_pull_limit + 1},
        headers=phone.headers,
    )
    _refused(response, 422, "invalid_request")


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31", "1999-12-31", "2101-01-01"])
def test_a_day_the_database_cannot_hold_is_refused(http, engine, day):
    """Found by schemathesis: the year 1 overflowed while turned into UTC (a 500)."""
    token = _beheerder_token(engine)
    auth = {"Authorization": f"Bearer {token}"}
    for path in ("/api/v1/audit", "/api/v1/review/records", "/api/v1/hotspots/activity"):
        _refused(http.get(path, params={"date_from": day}, headers=auth), 422, "invalid_request")
    response = http.get(
        "/api/v1/patrol-suggestion", params={"start": f"{day}T12:00:00+01:00"}, headers=auth
    )
    _refused(response, 422, "invalid_request")


def test_a_csv_with_a_stray_carriage_return_is_a_clear_error(http, engine):
    """Found by schemathesis: csv.Error escaped as a 500."""
    token = _beheerder_token(engine)
    response = http.post(
        "/api/v1/indicators/import",
        content=b'indicator,year,value\n"winkeldiefstal\r,2023',
        headers={"Authorization": f"Bearer {token}", "Content-Type": "text/csv"},
    )
    _refused(response, 422, "invalid_request")


# ---------------------------------------------------------------- photos


def _jpeg(width: int, height: int, quality: int = 80) -> bytes:
    noise = random.Random(width * height).randbytes(width * height * 3)
    out = io.BytesIO()
    Image.frombytes("RGB", (width, height), noise).save(out, "JPEG", quality=quality)
    return out.getvalue()


def _png(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.new("L", (width, height)).save(out, "PNG", optimize=True)
    return out.getvalue()


def _png_claiming(width: int, height: int) -> bytes:
    """A 1×1 PNG whose header says width×height: a few dozen bytes that would
    decode to gigabytes (a decompression bomb)."""
    data = bytearray(_png(1, 1))
    data[16:24] = struct.pack(">II", width, height)
    data[29:33] = struct.pack(">I", zlib.crc32(bytes(data[12:29])))
    return bytes(data)


def _put(phone, data: bytes, digest: str | None = None):
    digest = digest or hashlib.sha256(data).hexdigest()
    return phone.client.put(
        f"/api/v1/blobs/{digest}",
        content=data,
        headers=phone.headers | {"Content-Type": "image/jpeg", PROTOCOL_HEADER: "1"},
    )


def _corrupt_jpeg() -> bytes:
    data = bytearray(_jpeg(64, 48))
    start = data.index(b"\xff\xda")  # scan data: garble the header before it
    data[4:start] = bytes(len(data[4:start]))
    return bytes(data)


PHOTOS = {
    "over 6 MiB": (
        lambda: b"\xff\xd8" + random.Random(1).randbytes(LIMITS.max_photo_bytes),
        413,
        "blob_too_large",
    ),
    "wider than 8000 px": (lambda: _png(LIMITS.max_photo_side + 1, 1), 413, "blob_image_too_large"),
    "over 40 megapixels": (lambda: _png(7000, 6000), 413, "blob_image_too_large"),
    "decompression bomb (PNG says 100000×100000)": (
        lambda: _png_claiming(100_000, 100_000),
        413,
        "blob_image_too_large",
    ),
    "bomb within the side limit (8000×8000)": (
        lambda: _png_claiming(8000, 8000),
        413,
        "blob_image_too_large",
    ),
    "truncated JPEG": (lambda: _jpeg(200, 150)[:-400], 415, "blob_not_an_image"),
    "truncated PNG": (lambda: _png(300, 300)[:-20], 415, "blob_not_an_image"),
    "corrupt JPEG header": (_corrupt_jpeg, 415, "blob_not_an_image"),
    "not an image": (lambda: b"%PDF-1.4 dit is geen foto" * 40, 415, "blob_not_an_image"),
    "empty": (lambda: b"", 415, "blob_not_an_image"),
    "a GIF": (lambda: b"GIF89a\x01\x00\x01\x00\x00\x00\x00;", 415, "blob_not_an_image"),
}


@pytest.mark.parametrize("case", list(PHOTOS))
def test_photo_limits(phone, unchanged, case):
    make, status, code = PHOTOS[case]
    data = make()
    _refused(_put(phone, data), status, code)


def test_a_bomb_is_refused_before_it_is_decoded(phone, unchanged):
    """The refusal is quick and small: the pixels are never allocated."""
    import time

    import psutil

    process = psutil.Process()
    before = process.memory_info().rss
    began = time.perf_counter()
    _refused(_put(phone, _png_claiming(60_000, 60_000)), 413, "blob_image_too_large")
    assert time.perf_counter() - began < 2
    assert process.memory_info().rss - before < 200 * 2**20  # 3.6 GB if it had decoded


def test_a_photo_within_every_limit_is_stored(phone, engine, settings):
    data = _jpeg(800, 600)
    assert _put(phone, data).status_code == 201
    assert _counts(engine, settings.blob_dir)[3:] == (1, 1)
