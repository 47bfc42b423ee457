"""The /teamleider login screen on a fake Host, against the real server on
loopback: a refused login, the authenticator code when the account has a second
factor, the single sign-on button only where the server has it, the code the
sign-on comes back with, and an expired session back on the login screen with
its Dutch message and the filter kept."""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import timedelta

import pyotp
from factories import PASSWORD, age_browser_tokens, bearer, login_token, make_user
from fake_host import FakeHost, run_async, texts
from live_server import LiveServer

from fieldapp.state import AppState
from fieldapp.teamleader import ReviewQuery
from fieldapp.teamleader.sso import sso_reply
from fieldapp.views.routes import leader_phase
from fieldapp.views.teamleider import TeamLeaderScreen
from fieldapp.views.teamleider.login import LeaderLoginScreen


def _host(tmp_path, server_url: str, route: str = "/teamleider") -> FakeHost:
    host = FakeHost(AppState(tmp_path / "app"), route=route)
    host.leader.server_url = server_url
    return host


def _log_in(screen: LeaderLoginScreen, username: str, password: str = PASSWORD) -> None:
    screen.username.value, screen.password.value = username, password
    run_async(screen._login())


def test_route_is_the_leaders_whatever_the_phone_does():
    assert leader_phase("/teamleider", False) == "teamleider_inloggen"
    assert leader_phase("/teamleider?sso_code=abc", True) == "teamleider"
    assert leader_phase("/", True) is None and leader_phase("/log", False) is None


def test_refused_then_accepted_login(tmp_path, server, engine):
    make_user(engine, role="teamleider", districts=["noord"], username="tl1")
    host = _host(tmp_path, server.url)
    screen = LeaderLoginScreen(host)
    host.run_tasks()
    assert not screen.sso_button.visible  # no single sign-on on this server
    _log_in(screen, "tl1", "fout-wachtwoord")
    assert screen.banner.control.visible and "klopt niet" in (screen.banner.text.value or "")
    assert not host.leader.logged_in and host.routes == []
    _log_in(screen, "tl1")
    assert host.leader.logged_in and host.routes == ["/teamleider"]
    assert host.state.enrolment is None  # nothing in the shared store


def test_second_factor_asks_for_the_code(tmp_path, server, engine, http):
    make_user(engine, role="teamleider", districts=["noord"], username="tl-totp")
    token = login_token(http, "tl-totp")
    body = http.post("/api/v1/auth/totp", headers=bearer(token)).json()
    totp = pyotp.TOTP(body["secret"])
    confirmed = http.post(
        "/api/v1/auth/totp/confirm", json={"code": totp.now()}, headers=bearer(token)
    )
    assert confirmed.status_code == 204, confirmed.text
    host = _host(tmp_path, server.url)
    screen = LeaderLoginScreen(host)
    assert not screen.totp.visible
    _log_in(screen, "tl-totp")
    assert screen.totp.visible and "authenticator" in (screen.banner.text.value or "")
    assert not host.leader.logged_in
    screen.totp.value = totp.at(time.time() + 30)  # a fresh step: the first one is used
    _log_in(screen, "tl-totp")
    assert host.leader.logged_in, screen.banner.text.value


def test_sso_button_only_where_configured(tmp_path, settings, engine):
    sso = replace(settings, oidc_issuer="http://127.0.0.1:9/idp", oidc_client_id="veldapp")
    live = LiveServer(sso, engine).start()
    try:
        host = _host(tmp_path, live.url)
        screen = LeaderLoginScreen(host)
        host.run_tasks()
        assert screen.sso_button.visible
        run_async(screen._sso())
        assert host.opened_urls == [live.url + "/api/v1/auth/oidc/start"]
    finally:
        live.stop()


def test_sso_return_codes(tmp_path, server):
    assert sso_reply("/teamleider") == (None, None)
    assert sso_reply("/teamleider?sso_code=abc123") == ("abc123", None)
    code, failure = sso_reply("/teamleider?sso_fout=sso_failed")
    assert code is None and failure
    # An unknown or used code: the screen says so and stays on the login.
    host = _host(tmp_path, server.url, route="/teamleider?sso_code=" + "x" * 30)
    screen = LeaderLoginScreen(host)
    host.run_tasks()
    assert screen.banner.control.visible and not host.leader.logged_in


def test_expired_session_returns_to_login_with_the_filter(tmp_path, server, engine):
    make_user(engine, role="teamleider", districts=["noord"], username="tl1")
    host = _host(tmp_path, server.url)
    host.leader.log_in(server.url, "tl1", PASSWORD)
    screen = TeamLeaderScreen(host)
    host.run_tasks()
    screen.review.query = ReviewQuery(last_days=7, kind="incident")
    age_browser_tokens(engine, "tl1", timedelta(hours=1))
    run_async(screen.load())
    assert host.routes[-1] == "/teamleider" and not host.leader.logged_in
    login = LeaderLoginScreen(host)
    assert "verlopen" in (login.banner.text.value or "")
    assert login.username.value == "tl1"
    _log_in(login, "tl1")
    again = TeamLeaderScreen(host)
    host.run_tasks()
    assert again.review.query == ReviewQuery(last_days=7, kind="incident")
    assert "Ingelogd als" in "\n".join(texts(again.view()))
