"""Throttling per account and per address, apart, and the trusted proxy (issue 11.4)."""

from __future__ import annotations

import dataclasses
import ipaddress
from collections.abc import Iterator

import httpx
import pytest
from factories import (
    PASSWORD,
    assert_error,
    bearer,
    browser_token,
    client_from,
    enrolment_code,
    make_user,
)
from live_server import LiveServer
from sqlmodel import Session

from sync_server.models import AuthFailure
from sync_server.services.throttle import client_address

LOGIN = "/api/v1/auth/login"
PROXY = "127.0.0.77"
OFFICE = "203.0.113.7"


@pytest.fixture
def proxied(settings, engine) -> Iterator[LiveServer]:
    """The server behind a trusted proxy at PROXY, with a small per-address limit."""
    behind = dataclasses.replace(
        settings,
        trusted_proxies=(ipaddress.ip_network(f"{PROXY}/32"),),
        throttle_max_failures_per_address=8,
    )
    live = LiveServer(behind, engine).start()
    yield live
    live.stop()


def _login(client: httpx.Client, username: str, password: str, via: str | None = None):
    headers = {"X-Forwarded-For": via} if via else {}
    return client.post(LOGIN, json={"username": username, "password": password}, headers=headers)


def test_client_address_believes_only_trusted_proxies():
    trusted = (ipaddress.ip_network("10.0.0.0/8"),)
    assert client_address("192.0.2.1", "198.51.100.9", trusted) == "192.0.2.1"
    assert client_address("10.0.0.5", "198.51.100.9", trusted) == "198.51.100.9"
    # A client's own (forged) entry before the proxy's is not believed.
    assert client_address("10.0.0.5", "1.2.3.4, 198.51.100.9", trusted) == "198.51.100.9"
    # Proxies in a chain are skipped.
    assert client_address("10.0.0.5", "198.51.100.9, 10.0.0.6", trusted) == "198.51.100.9"
    assert client_address("10.0.0.5", "rommel", trusted) == "10.0.0.5"
    assert client_address("10.0.0.5", None, trusted) == "10.0.0.5"


def test_locked_account_behind_a_proxy_does_not_lock_the_office(proxied, engine, settings):
    """Two accounts behind one office address, through the trusted proxy: five
    wrong passwords lock one account; the colleague's correct login still works."""
    victim = make_user(engine, role="teamleider")
    colleague = make_user(engine, role="teamleider")
    with client_from(proxied.url, PROXY) as client:
        for _ in range(settings.throttle_max_failures):
            assert_error(_login(client, victim.username, "fout", OFFICE), 401, "login_failed")
        assert_error(_login(client, victim.username, PASSWORD, OFFICE), 429, "too_many_attempts")
        assert _login(client, colleague.username, PASSWORD, OFFICE).status_code == 200
    with Session(engine) as session:
        address_row = session.get(AuthFailure, f"login-ip:{OFFICE}")
        proxy_row = session.get(AuthFailure, f"login-ip:{PROXY}")
    assert address_row is not None and address_row.failures == settings.throttle_max_failures
    assert proxy_row is None  # counted for the office, not for the proxy


def test_an_address_spraying_many_names_is_refused(proxied, engine):
    """Guesses at many names from one address hit the per-address limit; another
    office behind the same proxy is not affected."""
    colleague = make_user(engine, role="teamleider")
    with client_from(proxied.url, PROXY) as client:
        for n in range(8):
            assert_error(_login(client, f"raden{n}", "fout", OFFICE), 401, "login_failed")
        assert_error(_login(client, colleague.username, PASSWORD, OFFICE), 429, "too_many_attempts")
        assert _login(client, colleague.username, PASSWORD, "198.51.100.20").status_code == 200


def test_forwarded_for_from_an_untrusted_client_is_ignored(proxied, engine):
    """A client that is not the proxy cannot escape its count with a new header each time."""
    with client_from(proxied.url, "127.0.0.78") as client:
        for n in range(8):
            response = _login(client, f"raden{n}", "fout", f"198.51.100.{n + 1}")
            assert_error(response, 401, "login_failed")
        assert_error(_login(client, "raden99", "fout", "198.51.100.99"), 429, "too_many_attempts")


def test_beheerder_lists_and_unlocks_a_locked_account(http, engine, settings):
    victim = make_user(engine, role="teamleider")
    admin = make_user(engine, role="beheerder")
    for n in range(settings.throttle_max_failures):
        with client_from(http.base_url.__str__(), f"127.0.0.{30 + n}") as client:
            assert_error(_login(client, victim.username, "fout"), 401, "login_failed")
    assert_error(_login(http, victim.username, PASSWORD), 429, "too_many_attempts")

    headers = bearer(browser_token(engine, admin))
    listed = http.get("/api/v1/admin/throttled", headers=headers)
    assert listed.status_code == 200, listed.text
    [account] = listed.json()["accounts"]
    assert (account["user_id"], account["username"]) == (victim.id, victim.username)
    assert account["failures"] == settings.throttle_max_failures

    response = http.post(f"/api/v1/admin/users/{victim.id}/unlock", headers=headers)
    assert response.status_code == 204, response.text
    assert http.get("/api/v1/admin/throttled", headers=headers).json()["accounts"] == []
    assert _login(http, victim.username, PASSWORD).status_code == 200


def test_beheerder_unlocks_an_address(proxied, engine):
    admin = make_user(engine, role="beheerder")
    headers = bearer(browser_token(engine, admin))
    with client_from(proxied.url, PROXY) as client:
        for n in range(8):
            _login(client, f"raden{n}", "fout", OFFICE)
        listed = client.get("/api/v1/admin/throttled", headers=headers).json()
        assert [a["address"] for a in listed["addresses"]] == [OFFICE]
        response = client.post(
            "/api/v1/admin/throttled/addresses/unlock", json={"address": OFFICE}, headers=headers
        )
        assert response.status_code == 204, response.text
        assert_error(_login(client, "raden1", "fout", OFFICE), 401, "login_failed")


def test_teamleider_sees_only_own_officers_and_no_addresses(http, engine, settings):
    """Officers have no password, so their accounts lock only through other
    routes; a teamleider's view is limited to them and holds no addresses."""
    leader = make_user(engine, role="teamleider", districts=["noord"])
    other_leader = make_user(engine, role="teamleider", districts=["oost"])
    for n in range(settings.throttle_max_failures):
        with client_from(http.base_url.__str__(), f"127.0.0.{50 + n}") as client:
            _login(client, other_leader.username, "fout")
    headers = bearer(browser_token(engine, leader))
    listed = http.get("/api/v1/admin/throttled", headers=headers).json()
    assert listed == {"accounts": [], "addresses": []}
    response = http.post(f"/api/v1/admin/users/{other_leader.id}/unlock", headers=headers)
    assert_error(response, 403, "forbidden")
    response = http.post(
        "/api/v1/admin/throttled/addresses/unlock", json={"address": "127.0.0.50"}, headers=headers
    )
    assert_error(response, 403, "forbidden")


def test_enrolment_guesses_count_for_the_forwarded_address(proxied, engine, settings):
    """Phones behind the proxy: one address's wrong codes do not stop a phone
    elsewhere behind the same proxy from enrolling."""
    officer = make_user(engine, password=None)
    with client_from(proxied.url, PROXY) as client:
        for n in range(settings.throttle_max_failures):
            response = client.post(
                "/api/v1/auth/enroll",
                json={"code": f"FOUT-{n:04d}-XXXX"},
                headers={"X-Forwarded-For": OFFICE},
            )
            assert_error(response, 401, "enrolment_code_invalid")
        refused = client.post(
            "/api/v1/auth/enroll",
            json={"code": enrolment_code(engine, officer)},
            headers={"X-Forwarded-For": OFFICE},
        )
        assert_error(refused, 429, "too_many_attempts")
        elsewhere = client.post(
            "/api/v1/auth/enroll",
            json={"code": enrolment_code(engine, officer)},
            headers={"X-Forwarded-For": "198.51.100.30"},
        )
        assert elsewhere.status_code == 200, elsewhere.text
