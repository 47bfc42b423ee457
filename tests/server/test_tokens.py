"""Browser sessions end by inactivity and by age; phones' tokens only by revocation
(issue 11.1, the server side)."""

from __future__ import annotations

from datetime import timedelta

from factories import assert_error, bearer, enrol, login_token, make_user
from sqlmodel import Session

from sync_server.db import session_scope, utcnow
from sync_server.models import Device

ME = "/api/v1/auth/me"


def _age(engine, device_id: str, *, created: timedelta, seen: timedelta | None) -> None:
    """Move a device's login and last call into the past, as if time had passed."""
    with session_scope(engine) as session:
        device = session.get(Device, device_id)
        assert device is not None
        now = utcnow()
        device.created_at = now - created
        device.last_seen_at = None if seen is None else now - seen
        session.add(device)


def _device_id(http, token: str) -> str:
    return str(http.get(ME, headers=bearer(token)).json()["device_id"])


def test_browser_token_expires_after_inactivity(http, engine, settings):
    leader = make_user(engine, role="teamleider")
    token = login_token(http, leader.username)
    device_id = _device_id(http, token)
    idle = settings.browser_token_idle
    _age(engine, device_id, created=idle * 2, seen=idle - timedelta(minutes=2))
    assert http.get(ME, headers=bearer(token)).status_code == 200  # still active

    _age(engine, device_id, created=idle * 2, seen=idle + timedelta(minutes=1))
    body = assert_error(http.get(ME, headers=bearer(token)), 401, "token_expired")
    assert "verlopen" in body["message"]


def test_browser_token_never_used_expires_after_inactivity(http, engine, settings):
    leader = make_user(engine, role="teamleider")
    token = login_token(http, leader.username)
    device_id = _device_id(http, token)
    _age(engine, device_id, created=settings.browser_token_idle + timedelta(minutes=1), seen=None)
    assert_error(http.get(ME, headers=bearer(token)), 401, "token_expired")


def test_browser_token_expires_absolutely_even_when_active(http, engine, settings):
    admin = make_user(engine, role="beheerder")
    token = login_token(http, admin.username)
    device_id = _device_id(http, token)
    lifetime = settings.browser_token_lifetime
    _age(engine, device_id, created=lifetime - timedelta(minutes=5), seen=timedelta(seconds=5))
    assert http.get("/api/v1/admin/users", headers=bearer(token)).status_code == 200
    _age(engine, device_id, created=lifetime + timedelta(minutes=1), seen=timedelta(seconds=5))
    assert_error(http.get("/api/v1/admin/users", headers=bearer(token)), 401, "token_expired")


def test_use_keeps_a_browser_session_alive(http, engine, settings):
    """A call records the activity, so a session in use does not time out."""
    leader = make_user(engine, role="teamleider")
    token = login_token(http, leader.username)
    device_id = _device_id(http, token)
    idle = settings.browser_token_idle
    _age(engine, device_id, created=idle * 3, seen=idle - timedelta(minutes=1))
    assert http.get(ME, headers=bearer(token)).status_code == 200
    with Session(engine) as session:
        device = session.get(Device, device_id)
        assert device is not None and device.last_seen_at is not None
        assert utcnow() - device.last_seen_at < timedelta(minutes=1)


def test_phone_token_does_not_expire(http, engine, settings):
    """Officers in the field are not logged out mid-shift: a phone's token lives
    until it is revoked (the phone itself is locked with a PIN)."""
    phone = enrol(http, engine, settings, make_user(engine, password=None))
    _age(engine, phone.device_id, created=timedelta(days=400), seen=timedelta(days=30))
    assert http.get(ME, headers=phone.headers).status_code == 200
    assert phone.pull().status_code == 200


def test_logout_ends_only_that_browser_session(http, engine):
    leader = make_user(engine, role="teamleider")
    first = login_token(http, leader.username)
    second = login_token(http, leader.username)
    assert http.post("/api/v1/auth/logout", headers=bearer(first)).status_code == 204
    assert_error(http.get(ME, headers=bearer(first)), 401, "token_revoked")
    assert http.get(ME, headers=bearer(second)).status_code == 200
