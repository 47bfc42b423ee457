"""The Accounts tab's management actions on a fake Host against the real server on
loopback (issue 11): a user's role and districts changed (a beheerder any; a team
leader only between their own districts), switched off and on again, blocked
accounts and addresses unlocked, and the caller's own authenticator app switched
on with a code that pyotp makes from the secret the tab shows."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Iterator

import httpx
import pyotp
import pytest
from factories import PASSWORD, make_user
from fake_host import FakeHost, run_async, texts
from live_server import LiveServer
from sqlmodel import Session

from fieldapp.http_client import SyncError
from fieldapp.state import AppState
from fieldapp.teamleader.accounts import Accounts
from fieldapp.teamleader.session import LeaderSession
from fieldapp.views.teamleider import TeamLeaderScreen
from fieldapp.views.teamleider.accounts import AccountsTab
from sync_server.models import User
from sync_server.services.accounts import user_districts


def _accounts(tmp_path, url: str, engine, role: str, username: str, districts=None):
    if districts is None:
        districts = [] if role == "beheerder" else ["noord"]
    make_user(engine, role=role, districts=districts, username=username)
    host = FakeHost(AppState(tmp_path / username))
    host.leader.log_in(url, username, PASSWORD)
    screen = TeamLeaderScreen(host)
    host.run_tasks()
    screen.tab = "Accounts"
    tab = screen.tabs["Accounts"]
    assert isinstance(tab, AccountsTab)
    run_async(screen.load())
    return host, screen, tab


def _shown(screen: TeamLeaderScreen) -> str:
    assert not screen.banner.control.visible, screen.banner.text.value
    return "\n".join(texts(screen.body))


def _stored(engine, user_id: int) -> tuple[str, list[str], bool]:
    with Session(engine) as session:
        user = session.get(User, user_id)
        assert user is not None
        return user.role, sorted(user_districts(session, user)), user.active


def _account(host: FakeHost, username: str):
    return next(u for u in Accounts(host.leader.client).users() if u.username == username)


def test_beheerder_changes_role_and_districts_and_switches_off_and_on(tmp_path, server, engine):
    officer = make_user(engine, districts=["noord"], username="boa-wissel")
    host, screen, tab = _accounts(tmp_path, server.url, engine, "beheerder", "beheer1")
    assert "beheerder, heel Haarlem" in host.leader.header  # no "· ·" in the header
    user = _account(host, "boa-wissel")

    run_async(tab._toggle_edit(user)())
    assert "Stadsdelen van de gebruiker" in [getattr(c, "label", None) for c in _walk(screen.body)]
    assert tab.edit_districts.value == "noord" and tab.edit_role == "handhaver"
    # A team leader of two districts.
    tab.edit_role, tab.edit_districts.value = "teamleider", "Noord, oost"
    run_async(tab._save_edit(user)())
    assert host.snacks[-1] == ("Gewijzigd: boa-wissel", False)
    assert _stored(engine, officer.id) == ("teamleider", ["noord", "oost"], True)
    assert "Teamleider · Noord, Oost" in _shown(screen) and tab.editing is None

    # A handhaver with two districts: the server's Dutch reason, nothing stored.
    user = _account(host, "boa-wissel")
    run_async(tab._toggle_edit(user)())
    tab.edit_role = "handhaver"
    run_async(tab._save_edit(user)())
    assert screen.banner.control.visible
    assert screen.banner.text.value == "Een handhaver hoort bij precies één stadsdeel."
    # Also by the form's button (the banner may be scrolled out of view).
    assert "Een handhaver hoort bij precies één stadsdeel." in texts(screen.body)
    assert _stored(engine, officer.id) == ("teamleider", ["noord", "oost"], True)
    # Beheerder: the districts go, whatever the field says.
    tab.edit_role = "beheerder"
    run_async(tab._save_edit(user)())
    assert _stored(engine, officer.id) == ("beheerder", [], True)

    user = _account(host, "boa-wissel")
    tab._do(tab.accounts.change, user.id, active=False, done="Uitgeschakeld")()
    assert _stored(engine, officer.id)[2] is False and "uitgeschakeld" in _shown(screen)
    tab._do(tab.accounts.change, user.id, active=True, done="Ingeschakeld")()
    assert _stored(engine, officer.id)[2] is True and host.snacks[-1] == ("Ingeschakeld", False)


def test_team_leader_moves_officers_between_own_districts_only(tmp_path, server, engine):
    officer = make_user(engine, districts=["noord"], username="boa-noord")
    host, screen, tab = _accounts(
        tmp_path, server.url, engine, "teamleider", "tl-twee", districts=["noord", "oost"]
    )
    user = _account(host, "boa-noord")
    run_async(tab._toggle_edit(user)())
    # The form offers the leader's own districts only, and no role.
    [district] = [c for c in _walk(screen.body) if getattr(c, "label", None) == "Stadsdeel"]
    assert [o.key for o in district.options] == ["noord", "oost"]
    assert "Nieuwe rol" not in [getattr(c, "label", None) for c in _walk(screen.body)]
    tab.edit_district = "oost"
    run_async(tab._save_edit(user)())
    assert _stored(engine, officer.id) == ("handhaver", ["oost"], True)

    # Another district, forced past the form: the server refuses it in Dutch.
    tab.edit_district = "schalkwijk"
    run_async(tab._save_edit(_account(host, "boa-noord"))())
    assert screen.banner.text.value == "Dit stadsdeel valt niet onder jou."
    assert _stored(engine, officer.id) == ("handhaver", ["oost"], True)
    # Nor may a team leader make anyone a team leader (through the plain module).
    leader_accounts = Accounts(host.leader.client)
    with pytest.raises(SyncError) as refused:
        leader_accounts.reassign(officer.id, "teamleider", ["oost"])
    assert "alleen handhavers" in refused.value.message


@pytest.fixture
def strict_server(settings, engine) -> Iterator[LiveServer]:
    """A server that blocks an address after five failures, as an account (the
    default for an address is 50)."""
    live = LiveServer(
        dataclasses.replace(settings, throttle_max_failures_per_address=5), engine
    ).start()
    yield live
    live.stop()


def _fail_logins(url: str, username: str, times: int) -> None:
    with httpx.Client(base_url=url, timeout=30) as client:
        for _ in range(times):
            client.post(
                "/api/v1/auth/login",
                json={"username": username, "password": "fout-wachtwoord-1", "device_name": "x"},
            )


def test_beheerder_unlocks_a_blocked_account_and_a_blocked_address(tmp_path, strict_server, engine):
    make_user(engine, districts=["noord"], username="boa-geblokkeerd")
    host, screen, tab = _accounts(tmp_path, strict_server.url, engine, "beheerder", "beheer1")
    _fail_logins(strict_server.url, "boa-geblokkeerd", 5)
    run_async(screen.load())
    shown = _shown(screen)
    assert "Geblokkeerde adressen" in shown and "127.0.0.1 · 5 mislukte pogingen" in shown
    assert "boa-geblokkeerd · tot" in shown

    blocked = Accounts(host.leader.client).blocked()
    [account] = blocked.accounts
    tab._do(tab.accounts.unlock, account.user_id, done="Ontgrendeld")()
    assert host.snacks[-1] == ("Ontgrendeld", False)
    assert "boa-geblokkeerd · tot" not in _shown(screen)
    # The address is still blocked: the officer's right password is refused.
    other = LeaderSession()
    with pytest.raises(SyncError):
        other.log_in(strict_server.url, "beheer1", PASSWORD)
    tab._do(tab.accounts.unlock_address, "127.0.0.1", done="Vrijgegeven")()
    assert host.snacks[-1] == ("Vrijgegeven", False)
    assert "mislukte pogingen" not in _shown(screen)
    other.log_in(strict_server.url, "beheer1", PASSWORD)  # the address works again
    assert other.logged_in


def test_team_leader_sees_blocked_officers_but_no_addresses(tmp_path, strict_server, engine):
    make_user(engine, districts=["noord"], username="boa-n")
    _host, screen, _tab = _accounts(tmp_path, strict_server.url, engine, "teamleider", "tl-n")
    _fail_logins(strict_server.url, "boa-n", 5)
    run_async(screen.load())
    shown = _shown(screen)
    assert "boa-n · tot" in shown and "Geblokkeerde adressen" not in shown


def test_leader_switches_on_the_authenticator_app(tmp_path, server, engine):
    host, screen, tab = _accounts(tmp_path, server.url, engine, "teamleider", "tl-totp")
    assert "Authenticator-app koppelen" in _shown(screen)
    run_async(tab._start_totp())
    assert tab.totp is not None
    shown = _shown(screen)
    assert f"Sleutel: {tab.totp.secret}" in shown
    [image] = [c for c in _walk(screen.body) if c.__class__.__name__ == "Image"]
    assert image.src == tab.totp.qr_image
    assert tab.totp.otpauth_uri.startswith("otpauth://totp/") and "tl-totp" in tab.totp.otpauth_uri
    secret = tab.totp.secret

    # A wrong code: a Dutch reason, still off (a login needs no code).
    tab.totp_code.value = "12345"
    run_async(tab._confirm_totp())
    assert screen.banner.text.value == "Typ de 6 cijfers uit je authenticator-app."
    wrong = f"{(int(pyotp.TOTP(secret).now()) + 1) % 1_000_000:06d}"
    tab.totp_code.value = wrong
    run_async(tab._confirm_totp())
    assert screen.banner.text.value == "Deze code klopt niet."
    LeaderSession().log_in(server.url, "tl-totp", PASSWORD)

    tab.totp_code.value = pyotp.TOTP(secret).now()
    run_async(tab._confirm_totp())
    assert host.snacks[-1][0].startswith("Tweede factor staat aan")
    assert tab.totp is None and "Authenticator-app koppelen" in _shown(screen)
    # From now on the password alone is not enough; the next code logs in.
    later = LeaderSession()
    with pytest.raises(SyncError) as refused:
        later.log_in(server.url, "tl-totp", PASSWORD)
    assert refused.value.code == "second_factor_required"
    later.log_in(server.url, "tl-totp", PASSWORD, pyotp.TOTP(secret).at(time.time() + 30))
    assert later.logged_in

    # The beheerder wipes a lost authenticator: the password alone works again.
    beheer_host, _screen, beheer_tab = _accounts(
        tmp_path, server.url, engine, "beheerder", "beheer2"
    )
    user = _account(beheer_host, "tl-totp")
    beheer_tab._do(beheer_tab.accounts.reset_second_factor, user.id, done="Gewist")()
    assert beheer_host.snacks[-1] == ("Gewist", False)
    LeaderSession().log_in(server.url, "tl-totp", PASSWORD)


def _walk(control: object) -> list[object]:
    out: list[object] = [control]
    for child in getattr(control, "controls", None) or []:
        out.extend(_walk(child))
    content = getattr(control, "content", None)
    if content is not None:
        out.extend(_walk(content))
    return out
