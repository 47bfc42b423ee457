"""Single sign-on from the app's side, against the real OpenID provider (the
fixture of test_oidc): the server sends the browser back to /teamleider with a
one-time code, and the app's login screen trades it for this browser session's
own login (never stored), then shows the leader's districts."""

from __future__ import annotations

import sys
from pathlib import Path

from fake_host import FakeHost

# The provider fixture lives with the server's SSO tests (tests/server/test_oidc.py).
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "server"))
import test_oidc  # noqa: E402

from fieldapp.state import AppState  # noqa: E402
from fieldapp.views.routes import leader_phase  # noqa: E402
from fieldapp.views.teamleider.login import LeaderLoginScreen  # noqa: E402

# The fixtures this module uses: the provider (installed once) and the server.
provider_entry = test_oidc.provider_entry
sso = test_oidc.sso
Sso = test_oidc.Sso


def test_app_finishes_the_sign_on_with_the_one_time_code(sso: Sso, tmp_path):
    [code] = test_oidc._sign_in(sso, "anna")["sso_code"]
    route = "/teamleider?sso_code=" + code
    host = FakeHost(AppState(tmp_path / "app"), route=route)
    host.leader.server_url = sso.server.url
    screen = LeaderLoginScreen(host)
    host.run_tasks()
    assert host.leader.logged_in, screen.banner.text.value
    assert host.leader.name == "Anna de Vries"
    assert host.leader.districts == ["noord", "oost"]
    assert host.routes == ["/teamleider"] and leader_phase(route, True) == "teamleider"
    assert host.state.enrolment is None  # the token is this session's only
    # The code works once: a second browser session with the same address fails.
    again = FakeHost(AppState(tmp_path / "app2"), route=route)
    again.leader.server_url = sso.server.url
    other = LeaderLoginScreen(again)
    again.run_tasks()
    assert not again.leader.logged_in and other.banner.control.visible


def test_the_button_shows_on_a_server_with_sso(sso: Sso, tmp_path):
    host = FakeHost(AppState(tmp_path / "app"), route="/teamleider")
    host.leader.server_url = sso.server.url
    screen = LeaderLoginScreen(host)
    host.run_tasks()
    assert screen.sso_button.visible
