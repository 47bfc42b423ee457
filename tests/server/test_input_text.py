"""Text no database can store, and date-times that could be misread (issue 11.5).

U+0000 and lone surrogates used to reach PostgreSQL and fail there as a 500;
now every route refuses them up front with 422 `invalid_text`, nothing is
written, and no reply repeats what was sent. A push judges records one by one,
so such a record is rejected on its own and the rest of the batch lands.
"""

from __future__ import annotations

import json

import httpx
import pytest
from factories import PASSWORD, assert_error, bearer, browser_token, enrol, hotspot_in, make_user
from factories import waarneming as waarneming_record
from sqlmodel import Session, func, select

from sync_server.models import Device, User

SECRET = "Jan\x00Jansen"
NUL = "\x00"


def _json(value: object) -> bytes:
    return json.dumps(value).encode()


def _assert_refused(response: httpx.Response) -> None:
    body = assert_error(response, 422, "invalid_text")
    assert "Jansen" not in response.text and "\\u0000" not in response.text, body


def _count(engine, model) -> int:
    with Session(engine) as session:
        return int(session.exec(select(func.count()).select_from(model)).one())


def test_login_name_with_nul_is_refused_without_a_trace(http, engine):
    users = _count(engine, User)
    response = http.post("/api/v1/auth/login", json={"username": SECRET, "password": PASSWORD})
    _assert_refused(response)
    assert _count(engine, User) == users


def test_enrolment_device_name_with_nul_is_refused(http, engine):
    officer = make_user(engine, password=None)
    response = http.post(
        "/api/v1/auth/enroll", json={"code": "ABCD-EFGH-JKLM", "device_name": SECRET}
    )
    _assert_refused(response)
    assert _count(engine, Device) == 0
    assert officer.id is not None


def test_lone_surrogate_in_a_body_is_refused(http):
    raw = b'{"username": "ab\\ud800cd", "password": "x"}'
    response = http.post(
        "/api/v1/auth/login", content=raw, headers={"content-type": "application/json"}
    )
    _assert_refused(response)


def test_a_surrogate_pair_is_ordinary_text(http):
    """An emoji arrives as a pair of escapes: that is text, judged as usual."""
    raw = b'{"username": "ab\\ud83d\\ude00cd", "password": "xxxxxxxxxx"}'
    response = http.post(
        "/api/v1/auth/login", content=raw, headers={"content-type": "application/json"}
    )
    assert_error(response, 401, "login_failed")


def test_an_escaped_backslash_before_u0000_is_ordinary_text(http):
    """`\\\\u0000` in JSON is a backslash and the letters u0000, not U+0000."""
    raw = b'{"username": "ab\\\\u0000", "password": "xxxxxxxxxx"}'
    response = http.post(
        "/api/v1/auth/login", content=raw, headers={"content-type": "application/json"}
    )
    assert_error(response, 401, "login_failed")


def test_admin_user_with_nul_in_display_name_is_refused(http, engine):
    admin = make_user(engine, role="beheerder")
    users = _count(engine, User)
    response = http.post(
        "/api/v1/admin/users",
        json={"username": "nieuw.lid", "display_name": SECRET, "role": "beheerder"},
        headers=bearer(browser_token(engine, admin)),
    )
    _assert_refused(response)
    assert _count(engine, User) == users


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/audit?user=a%00b",
        "/api/v1/review/records?theme=%00",
        "/api/v1/admin/devices/ab%00cd/revoke",
    ],
)
def test_nul_in_query_or_path_is_refused(http, engine, url):
    admin = make_user(engine, role="beheerder")
    method = "POST" if url.endswith("/revoke") else "GET"
    response = http.request(method, url, headers=bearer(browser_token(engine, admin)))
    _assert_refused(response)


def test_nul_in_a_saved_filter_name_is_refused(http, engine):
    leader = make_user(engine, role="teamleider")
    response = http.post(
        "/api/v1/review/filters",
        json={"name": SECRET, "filter": {}},
        headers=bearer(browser_token(engine, leader)),
    )
    _assert_refused(response)


def test_nul_byte_in_a_csv_import_is_refused(http, engine):
    admin = make_user(engine, role="beheerder")
    response = http.post(
        "/api/v1/indicators/import",
        content=b"indicator,year\nx\x00y,2024\n",
        headers={"content-type": "text/csv"} | bearer(browser_token(engine, admin)),
    )
    _assert_refused(response)


def test_push_rejects_only_the_record_with_nul(http, engine, settings):
    phone = enrol(http, engine, settings, make_user(engine, password=None))
    spot = hotspot_in(engine, "noord")
    good = waarneming_record(spot)
    bad = waarneming_record(spot, note=f"bij {SECRET}")
    response = phone.push([bad, good])
    assert response.status_code == 200, response.text
    first, second = response.json()["results"]
    assert (first["status"], first["code"]) == ("rejected", "invalid_record")
    assert second["status"] == "accepted"
    assert "Jansen" not in response.text


def test_push_rejects_only_the_record_with_a_surrogate_sent_as_raw_bytes(http, engine, settings):
    """A lone surrogate can also arrive unescaped, as its UTF-8 bytes (Python's
    json module reads them): that record is rejected on its own, as an escaped
    one is, now that the push body is scanned as bytes before it is parsed."""
    phone = enrol(http, engine, settings, make_user(engine, password=None))
    spot = hotspot_in(engine, "noord")
    good = waarneming_record(spot)
    bad = waarneming_record(spot, note="bij \ud800 de ingang")
    body = json.dumps(
        {"protocol": 1, "device_id": phone.device_id, "records": [good, bad]},
        ensure_ascii=False,
    ).encode("utf-8", "surrogatepass")
    assert b"\xed\xa0\x80" in body
    response = phone.client.post(
        "/api/v1/sync/push",
        headers=phone.headers | {"Content-Type": "application/json"},
        content=body,
    )
    assert response.status_code == 200, response.text
    first, second = response.json()["results"]
    assert first["status"] == "accepted"
    assert (second["status"], second["code"]) == ("rejected", "invalid_record")


@pytest.mark.parametrize(
    "observed_at",
    [1_700_000_000, 1_700_000_000.5, "1700000000", "2026-03-01T14:05:00", "2026-03-01", True],
)
def test_observed_at_only_as_iso_text_with_an_offset(http, engine, settings, observed_at):
    phone = enrol(http, engine, settings, make_user(engine, password=None))
    record = waarneming_record(hotspot_in(engine, "noord"), observed_at=observed_at)
    [result] = phone.push([record]).json()["results"]
    assert (result["status"], result["code"]) == ("rejected", "invalid_record"), result


@pytest.mark.parametrize(
    "observed_at",
    ["2026-03-01T14:05:00+01:00", "2026-03-01T13:05:00Z", "2026-03-01 13:05:00.5+00:00"],
)
def test_observed_at_with_an_offset_is_accepted(http, engine, settings, observed_at):
    phone = enrol(http, engine, settings, make_user(engine, password=None))
    record = waarneming_record(hotspot_in(engine, "noord"), observed_at=observed_at)
    [result] = phone.push([record]).json()["results"]
    assert result["status"] == "accepted", result


def test_unknown_field_names_are_not_repeated(http, engine):
    """A made-up key may itself be personal data: the reply names no such key."""
    response = http.post(
        "/api/v1/auth/login",
        json={"username": "a", "password": "b", "Jan Jansen 12-03-2010": 1},
    )
    assert_error(response, 422, "invalid_request")
    assert "Jansen" not in response.text


@pytest.mark.parametrize("day", [1_700_000_000, "1700000000", "01-03-2026"])
def test_a_day_in_a_body_only_as_iso_text(http, engine, day):
    """A saved filter's day as a number (epoch seconds) would name another day."""
    leader = make_user(engine, role="teamleider")
    response = http.post(
        "/api/v1/review/filters",
        json={"name": "maart", "filter": {"date_from": day}},
        headers=bearer(browser_token(engine, leader)),
    )
    assert_error(response, 422, "invalid_request")


def test_a_day_in_a_body_as_iso_text_is_accepted(http, engine):
    leader = make_user(engine, role="teamleider")
    response = http.post(
        "/api/v1/review/filters",
        json={"name": "maart", "filter": {"date_from": "2026-03-01"}},
        headers=bearer(browser_token(engine, leader)),
    )
    assert response.status_code in (200, 201), response.text
