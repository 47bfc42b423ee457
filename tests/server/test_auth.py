"""Enrolment, password login, tokens, and throttling of guessing."""

from __future__ import annotations

import hashlib
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import httpx
from factories import (
    PASSWORD,
    assert_error,
    bearer,
    client_from,
    enrol,
    enrolment_code,
    login_token,
    make_user,
    protocol_headers,
)
from live_server import LiveServer
from sqlalchemy import text
from sqlmodel import Session, select

from sync_protocol import PROTOCOL_HEADER
from sync_server.db import make_engine
from sync_server.models import AuthFailure, Device, EnrolmentCode, User

ENROLL = "/api/v1/auth/enroll"
LOGIN = "/api/v1/auth/login"
ME = "/api/v1/auth/me"


def _officer(engine, district: str = "noord") -> User:
    """A handhaver: no password, a phone gets its token with an enrolment code."""
    return make_user(engine, districts=[district], password=None)


def _enroll(client: httpx.Client, code: str) -> httpx.Response:
    return client.post(ENROLL, json={"code": code, "device_name": "telefoon van test"})


def _fail_enrolment(client: httpx.Client, times: int) -> None:
    for attempt in range(times):
        assert_error(_enroll(client, f"WRONG-CODE-{attempt:04d}"), 401, "enrolment_code_invalid")


def _code_row(engine, code: str) -> EnrolmentCode:
    digest = hashlib.sha256(code.replace("-", "").encode()).hexdigest()
    with Session(engine) as session:
        return session.exec(select(EnrolmentCode).where(EnrolmentCode.code_hash == digest)).one()


def _devices_of(engine, user: User) -> list[Device]:
    with Session(engine) as session:
        return list(session.exec(select(Device).where(Device.user_id == user.id)).all())


# ---------------------------------------------------------------- enrolment


def test_enrolment_returns_token_and_user(http, engine):
    officer = _officer(engine, "oost")
    response = _enroll(http, enrolment_code(engine, officer))
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["token"].startswith("hv1_")
    assert body["protocol"] == 1
    assert body["user"] == {
        "id": officer.id,
        "username": officer.username,
        "display_name": "Test handhaver",
        "role": "handhaver",
        "districts": ["oost"],
    }
    [device] = _devices_of(engine, officer)
    assert (device.id, device.kind) == (body["device_id"], "phone")
    assert device.name == "telefoon van test"


def test_enrolment_code_works_only_once(http, engine):
    officer = _officer(engine)
    code = enrolment_code(engine, officer)
    assert _enroll(http, code).status_code == 200
    assert_error(_enroll(http, code), 401, "enrolment_code_invalid")
    assert len(_devices_of(engine, officer)) == 1


def test_expired_enrolment_code_is_refused(http, engine):
    officer = _officer(engine)
    code = enrolment_code(engine, officer, ttl=timedelta(seconds=-1))
    assert_error(_enroll(http, code), 401, "enrolment_code_expired")
    assert _devices_of(engine, officer) == []


def test_enrolment_code_typed_in_lower_case_without_dashes(http, engine):
    """Officers type the code from paper; case and the dashes must not matter."""
    officer = _officer(engine)
    code = enrolment_code(engine, officer)
    assert "-" in code
    response = _enroll(http, code.replace("-", "").lower())
    assert response.status_code == 200, response.text
    assert response.json()["user"]["id"] == officer.id


def test_enrolment_without_protocol_header_is_refused(server, engine):
    officer = _officer(engine)
    code = enrolment_code(engine, officer)
    response = httpx.post(server.url + ENROLL, json={"code": code})
    body = assert_error(response, 400, "protocol_missing")
    assert PROTOCOL_HEADER in body["message"]
    assert _code_row(engine, code).used_at is None


def test_enrolment_with_unsupported_protocol_is_refused(server, engine):
    officer = _officer(engine)
    code = enrolment_code(engine, officer)
    for version in ("99", "abc"):
        response = httpx.post(
            server.url + ENROLL, json={"code": code}, headers={PROTOCOL_HEADER: version}
        )
        assert_error(response, 400, "protocol_unsupported")
    assert _code_row(engine, code).used_at is None


def test_enrolment_throttled_after_five_wrong_codes_even_for_valid_code(http, engine, settings):
    officer = _officer(engine)
    code = enrolment_code(engine, officer)
    _fail_enrolment(http, settings.throttle_max_failures)

    response = _enroll(http, code)
    assert_error(response, 429, "too_many_attempts")
    retry_after = int(response.headers["Retry-After"])
    assert 0 < retry_after <= settings.throttle_window.total_seconds() + 1
    # Nothing lost: the valid code was not spent on the refused attempt.
    assert _code_row(engine, code).used_at is None
    assert _devices_of(engine, officer) == []


def test_enrolment_throttle_is_shared_by_every_server_process(http, engine, settings):
    """The failures are counted in the database, so a second server process on the
    same database (its own engine and connection pool) refuses the client too."""
    officer = _officer(engine)
    code = enrolment_code(engine, officer)
    _fail_enrolment(http, settings.throttle_max_failures)
    with Session(engine) as session:
        row = session.get(AuthFailure, "enrol-ip:127.0.0.1")
    assert row is not None and row.failures == settings.throttle_max_failures

    second_engine = make_engine(settings.database_url)
    second = LiveServer(settings, second_engine).start()
    try:
        with httpx.Client(base_url=second.url, headers=protocol_headers()) as other:
            assert_error(_enroll(other, code), 429, "too_many_attempts")
    finally:
        second.stop()
        second_engine.dispose()
    assert _code_row(engine, code).used_at is None


def test_enrolment_throttle_is_per_client(http, server, engine, settings):
    """Another client address is not punished for this client's guesses."""
    officer = _officer(engine)
    _fail_enrolment(http, settings.throttle_max_failures)
    with client_from(server.url, "127.0.0.2") as other:
        assert _enroll(other, enrolment_code(engine, officer)).status_code == 200


def test_parallel_guesses_cannot_outrun_the_throttle(server, engine, settings):
    """Twenty guesses sent at once: at most the allowed number are evaluated, the
    rest are refused, and none fails with a server error."""
    attempts = 4 * settings.throttle_max_failures
    barrier = threading.Barrier(attempts)

    def guess(n: int) -> int:
        with httpx.Client(base_url=server.url, headers=protocol_headers(), timeout=30) as client:
            barrier.wait()
            return _enroll(client, f"PARALLEL-{n:04d}").status_code

    with ThreadPoolExecutor(max_workers=attempts) as pool:
        statuses = Counter(pool.map(guess, range(attempts)))
    assert set(statuses) <= {401, 429}, statuses
    assert statuses[401] <= settings.throttle_max_failures, statuses


def test_code_used_by_two_phones_at_once_enrols_only_one(server, engine):
    """One-time means one device, also when two phones send the code at the same
    moment (each from its own address, so throttling plays no part)."""
    officer = _officer(engine)
    code = enrolment_code(engine, officer)
    phones = 6
    barrier = threading.Barrier(phones)

    def enrol_from(n: int) -> int:
        with client_from(server.url, f"127.0.0.{40 + n}") as client:
            barrier.wait()
            return _enroll(client, code).status_code

    with ThreadPoolExecutor(max_workers=phones) as pool:
        statuses = Counter(pool.map(enrol_from, range(phones)))
    assert statuses == {200: 1, 401: phones - 1}, statuses
    assert len(_devices_of(engine, officer)) == 1


# ---------------------------------------------------------------- password login


def test_teamleider_logs_in_with_password(http, engine):
    leader = make_user(engine, role="teamleider", districts=["noord", "oost"])
    response = http.post(LOGIN, json={"username": leader.username.upper(), "password": PASSWORD})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["user"]["role"] == "teamleider"
    assert body["user"]["districts"] == ["noord", "oost"]
    [device] = _devices_of(engine, leader)
    assert (device.id, device.kind) == (body["device_id"], "browser")


def test_wrong_password_and_unknown_user_get_the_same_answer(http, engine):
    """The reply must not reveal which user names exist."""
    leader = make_user(engine, role="teamleider")
    wrong = http.post(LOGIN, json={"username": leader.username, "password": "not-the-password"})
    unknown = http.post(LOGIN, json={"username": "niemand", "password": PASSWORD})
    assert assert_error(wrong, 401, "login_failed") == assert_error(unknown, 401, "login_failed")
    assert _devices_of(engine, leader) == []


def test_login_throttled_per_user_name(server, engine, settings):
    """Five failures for one name, each from another address, block that name even
    with the right password; another user from the same address still gets in."""
    leader = make_user(engine, role="teamleider")
    colleague = make_user(engine, role="teamleider")
    for n in range(settings.throttle_max_failures):
        with client_from(server.url, f"127.0.0.{10 + n}") as client:
            response = client.post(LOGIN, json={"username": leader.username, "password": "fout"})
            assert_error(response, 401, "login_failed")
    with client_from(server.url, "127.0.0.20") as client:
        response = client.post(LOGIN, json={"username": leader.username, "password": PASSWORD})
        assert_error(response, 429, "too_many_attempts")
        assert int(response.headers["Retry-After"]) > 0
        assert login_token(client, colleague.username)
    assert _devices_of(engine, leader) == []
    with Session(engine) as session:
        row = session.get(AuthFailure, f"login-user:{leader.username}")
    assert row is not None and row.failures == settings.throttle_max_failures


def test_failures_of_other_names_from_one_address_do_not_lock_an_account(http, engine, settings):
    """One office behind one address: guesses at other names (or a colleague's
    typos) count against the address with a much higher limit, so a correct login
    from the same address still works (per-address limit: tests/server/test_throttle.py)."""
    leader = make_user(engine, role="teamleider")
    for n in range(settings.throttle_max_failures):
        response = http.post(LOGIN, json={"username": f"raden{n}", "password": "fout"})
        assert_error(response, 401, "login_failed")
    assert login_token(http, leader.username)


def test_successful_login_resets_the_failure_count(http, engine, settings):
    leader = make_user(engine, role="teamleider")
    for _ in range(settings.throttle_max_failures - 1):
        http.post(LOGIN, json={"username": leader.username, "password": "fout"})
    assert login_token(http, leader.username)
    http.post(LOGIN, json={"username": leader.username, "password": "fout"})
    assert login_token(http, leader.username)


def test_officers_cannot_log_in_with_a_password(http, engine):
    """Officers use an enrolled phone, revocable on its own; a password session
    would be a second, unmanaged way in, even with the right password."""
    officer = make_user(engine, role="handhaver")
    response = http.post(LOGIN, json={"username": officer.username, "password": PASSWORD})
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"
    assert "koppelcode" in response.json()["message"]


# ---------------------------------------------------------------- secrets at rest


def test_password_stored_as_argon2_hash(engine):
    leader = make_user(engine, role="teamleider")
    with Session(engine) as session:
        stored = session.get(User, leader.id)
    assert stored is not None and stored.password_hash is not None
    assert stored.password_hash.startswith("$argon2")
    assert PASSWORD not in stored.password_hash


def test_device_token_stored_only_as_sha256(http, engine, settings):
    phone = enrol(http, engine, settings, _officer(engine))
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT * FROM device")).all()
    cells = [str(value) for row in rows for value in row]
    assert not any(phone.token in cell for cell in cells)
    assert hashlib.sha256(phone.token.encode()).hexdigest() in cells


# ---------------------------------------------------------------- me and logout


def test_me_with_valid_token(http, engine, settings):
    officer = _officer(engine, "schalkwijk")
    phone = enrol(http, engine, settings, officer, name="dienst-telefoon 3")
    response = http.get(ME, headers=phone.headers)
    assert response.status_code == 200, response.text
    assert response.json() == {
        "user": {
            "id": officer.id,
            "username": officer.username,
            "display_name": "Test handhaver",
            "role": "handhaver",
            "districts": ["schalkwijk"],
        },
        "device_id": phone.device_id,
        "device_name": "dienst-telefoon 3",
    }


def test_me_without_token(http):
    assert_error(http.get(ME), 401, "token_missing")
    assert_error(
        http.get(ME, headers={"Authorization": "Basic Zm9vOmJhcg=="}), 401, "token_missing"
    )


def test_me_with_garbage_token(http):
    assert_error(http.get(ME, headers=bearer("hv1_geen-echt-token")), 401, "token_invalid")


def test_me_with_revoked_token(http, engine, settings):
    phone = enrol(http, engine, settings, _officer(engine))
    with Session(engine) as session:
        device = session.get(Device, phone.device_id)
        assert device is not None
        device.revoked_at = device.created_at
        session.add(device)
        session.commit()
    assert_error(http.get(ME, headers=phone.headers), 401, "token_revoked")


def test_logout_revokes_own_token_only(http, engine, settings):
    officer = _officer(engine)
    phone = enrol(http, engine, settings, officer, name="oud")
    other = enrol(http, engine, settings, officer, name="nieuw")

    response = http.post("/api/v1/auth/logout", headers=phone.headers)
    assert response.status_code == 204, response.text
    assert_error(http.get(ME, headers=phone.headers), 401, "token_revoked")
    assert_error(phone.pull(), 401, "token_revoked")
    assert http.get(ME, headers=other.headers).status_code == 200
    assert other.pull().status_code == 200


def test_login_methods_tell_the_app_whether_sso_is_there(http):
    """The app's login screen offers single sign-on only where it is configured."""
    response = http.get("/api/v1/auth/methods")
    assert response.status_code == 200
    assert response.json() == {"password": True, "oidc": False}
