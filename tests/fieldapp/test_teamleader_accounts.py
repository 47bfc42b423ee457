"""The Accounts tab on a fake Host against the real server on loopback: a
beheerder creates an officer, shows an enrolment code as a QR image and as text,
a phone enrols with it, its last sync shows, the beheerder revokes it and
switches the account off; a team leader may only create officers."""

from __future__ import annotations

import base64

from factories import PASSWORD, make_user
from fake_host import FakeHost, run_async, texts

from fieldapp.state import AppState
from fieldapp.teamleader.accounts import Accounts
from fieldapp.views.teamleider import TeamLeaderScreen
from fieldapp.views.teamleider.accounts import AccountsTab


def _accounts(tmp_path, server, engine, role: str, username: str):
    districts = [] if role == "beheerder" else ["noord"]
    make_user(engine, role=role, districts=districts, username=username)
    host = FakeHost(AppState(tmp_path / username))
    host.leader.log_in(server.url, username, PASSWORD)
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


def test_beheerder_creates_enrols_revokes_and_switches_off(tmp_path, server, engine):
    host, screen, tab = _accounts(tmp_path, server, engine, "beheerder", "beheer1")
    assert "Accounts" in _shown(screen) and "Nieuw account" in _shown(screen)
    tab.username.value, tab.display_name.value = "boa-nieuw", "Nieuwe Boa"
    tab.districts.value = "noord"
    run_async(tab._create())
    assert host.snacks[-1] == ("Account gemaakt: boa-nieuw", False)
    assert "Nieuwe Boa (boa-nieuw)" in _shown(screen)
    user = next(u for u in Accounts(host.leader.client).users() if u.username == "boa-nieuw")

    run_async(tab._new_code(user)())
    assert tab.code is not None and tab.code.qr_png_base64
    shown = _shown(screen)
    assert "Koppelcode voor Nieuwe Boa" in shown and tab.code.code in shown
    images = [c for c in _walk(screen.body) if c.__class__.__name__ == "Image"]
    assert images and images[0].src == tab.code.qr_image
    # The server's PNG itself (the browser draws it: tests/browser/test_accounts_browser.py).
    assert images[0].src == base64.b64decode(tab.code.qr_png_base64)
    assert images[0].src.startswith(b"\x89PNG")

    phone = AppState(tmp_path / "phone")
    phone.enroll(server.url, tab.code.code)
    phone.set_pin("48213", "48213")
    assert phone.sync_now().ok
    run_async(tab._toggle_phones(user.id)())
    assert "laatste sync:" in _shown(screen) and "nooit" not in _shown(screen).split("Nieuwe")[1]
    [device] = Accounts(host.leader.client).phones(user.id)
    tab._do(tab.accounts.revoke, device.id, done="Ingetrokken")()
    assert host.snacks[-1] == ("Ingetrokken", False) and "ingetrokken" in _shown(screen)
    assert not phone.sync_now().ok  # the phone's link is gone

    tab._do(tab.accounts.change, user.id, active=False, done="Uit")()
    assert "uitgeschakeld" in _shown(screen)


def test_team_leader_creates_officers_only(tmp_path, server, engine):
    _host, screen, tab = _accounts(tmp_path, server, engine, "teamleider", "tl-acc")
    assert list(tab._roles()) == ["handhaver"]
    tab.username.value, tab.display_name.value, tab.districts.value = "x-oost", "X", "oost"
    run_async(tab._create())
    # The server keeps a team leader to their own districts; the tab says why.
    assert screen.banner.control.visible


def _walk(control: object) -> list[object]:
    out: list[object] = [control]
    for child in getattr(control, "controls", None) or []:
        out.extend(_walk(child))
    content = getattr(control, "content", None)
    if content is not None:
        out.extend(_walk(content))
    return out
