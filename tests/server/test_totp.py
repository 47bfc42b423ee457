"""The optional second factor (TOTP) for password login (issue 11.2)."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import parse_qs, urlsplit

import pyotp
from factories import (
    PASSWORD,
    assert_error,
    bearer,
    client_from,
    enrol,
    login_token,
    make_user,
)
from sqlalchemy import text

LOGIN = "/api/v1/auth/login"


def _enrol(http, token: str) -> pyotp.TOTP:
    response = http.post("/api/v1/auth/totp", headers=bearer(token))
    assert response.status_code == 201, response.text
    body = response.json()
    uri = urlsplit(body["otpauth_uri"])
    assert uri.scheme == "otpauth" and parse_qs(uri.query)["secret"] == [body["secret"]]
    assert body["qr_png_base64"]
    return pyotp.TOTP(body["secret"])


def _code(totp: pyotp.TOTP, steps_ahead: int = 0) -> str:
    return totp.at(time.time() + 30 * steps_ahead)


def _wrong(totp: pyotp.TOTP) -> str:
    """A code that no step around now has."""
    valid = {_code(totp, step) for step in range(-2, 3)}
    return next(code for code in ("000000", "111111", "222222") if code not in valid)


def _login(http, username: str, code: str | None = None):
    body = {"username": username, "password": PASSWORD}
    if code is not None:
        body["totp_code"] = code
    return http.post(LOGIN, json=body)


def test_second_factor_enrol_confirm_and_login(http, engine):
    leader = make_user(engine, role="teamleider")
    token = login_token(http, leader.username)
    totp = _enrol(http, token)
    # Not yet confirmed: the password alone still works.
    assert _login(http, leader.username).status_code == 200
    refused = http.post(
        "/api/v1/auth/totp/confirm", json={"code": _wrong(totp)}, headers=bearer(token)
    )
    assert_error(refused, 401, "second_factor_failed")
    confirm = http.post(
        "/api/v1/auth/totp/confirm", json={"code": _code(totp)}, headers=bearer(token)
    )
    assert confirm.status_code == 204, confirm.text

    assert_error(_login(http, leader.username), 401, "second_factor_required")
    assert_error(_login(http, leader.username, _wrong(totp)), 401, "second_factor_failed")
    good = _code(totp, 1)
    response = _login(http, leader.username, good)
    assert response.status_code == 200, response.text
    # A code works once: seen over a shoulder, it cannot be replayed.
    assert_error(_login(http, leader.username, good), 401, "second_factor_failed")


def test_asking_for_the_code_does_not_use_up_attempts(http, engine, settings):
    leader = make_user(engine, role="beheerder")
    token = login_token(http, leader.username)
    totp = _enrol(http, token)
    http.post("/api/v1/auth/totp/confirm", json={"code": _code(totp)}, headers=bearer(token))
    for _ in range(settings.throttle_max_failures + 2):
        assert_error(_login(http, leader.username), 401, "second_factor_required")
    assert _login(http, leader.username, _code(totp, 1)).status_code == 200


def test_secret_is_not_stored_in_clear(http, engine):
    leader = make_user(engine, role="teamleider")
    totp = _enrol(http, login_token(http, leader.username))
    with engine.connect() as connection:
        cells = [str(v) for row in connection.execute(text('SELECT * FROM "user"')) for v in row]
    assert not any(totp.secret in cell for cell in cells)


def test_second_enrolment_while_active_is_refused_and_beheerder_resets(http, engine):
    leader = make_user(engine, role="teamleider")
    admin = make_user(engine, role="beheerder")
    token = login_token(http, leader.username)
    totp = _enrol(http, token)
    http.post("/api/v1/auth/totp/confirm", json={"code": _code(totp)}, headers=bearer(token))
    assert_error(http.post("/api/v1/auth/totp", headers=bearer(token)), 409, "conflict")

    admin_token = login_token(http, admin.username)
    reset = http.delete(f"/api/v1/admin/users/{leader.id}/totp", headers=bearer(admin_token))
    assert reset.status_code == 204, reset.text
    assert _login(http, leader.username).status_code == 200


def test_officers_phones_have_no_second_factor_route(http, engine, settings):
    phone = enrol(http, engine, settings, make_user(engine, password=None))
    assert_error(http.post("/api/v1/auth/totp", headers=phone.headers), 403, "forbidden")


def test_one_code_sent_twice_at_once_logs_in_once(server, http, engine):
    """The time step is claimed in one conditional update, so a code caught in
    transit and sent in parallel with the real login gets no second session."""
    leader = make_user(engine, role="teamleider")
    token = login_token(http, leader.username)
    totp = _enrol(http, token)
    http.post("/api/v1/auth/totp/confirm", json={"code": _code(totp)}, headers=bearer(token))
    code = _code(totp, 1)
    barrier = threading.Barrier(2)

    def attempt(n: int) -> int:
        with client_from(server.url, f"127.0.0.{60 + n}") as client:
            barrier.wait()
            return _login(client, leader.username, code).status_code

    with ThreadPoolExecutor(max_workers=2) as pool:
        statuses = sorted(pool.map(attempt, range(2)))
    assert statuses == [200, 401], statuses
