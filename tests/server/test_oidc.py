"""Single sign-on end to end against a real OpenID provider (issue 11.2).

npm's oidc-provider (9.x) runs as its own Node process on loopback, installed
once into a cache folder (never into the checkout). The test drives a browser's
part with httpx: the app's start address, the provider's login form, the
callback, and the app's exchange of the one-time code for its token.
"""

from __future__ import annotations

import contextlib
import dataclasses
import fcntl
import json
import os
import re
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urljoin, urlsplit

import httpx
import jwt
import pytest
from factories import assert_error, bearer, make_user
from live_server import LiveServer
from sqlmodel import Session, select

from sync_server.config import Settings
from sync_server.models import Device, User

PROVIDER_VERSION = "9.13.3"
SCRIPT = Path(__file__).resolve().parent.parent / "oidc" / "provider.mjs"
CLIENT_ID = "handhaving-test"
CLIENT_SECRET = "een-lang-geheim-voor-de-testclient-0123456789"
APP = "http://app.invalid/teamleider"
ACCOUNTS = {
    "anna": {
        "preferred_username": "anna.devries",
        "name": "Anna de Vries",
        "hv_role": "teamleider",
        "hv_districts": ["noord", "oost"],
    },
    "bram": {"preferred_username": "bram", "name": "Bram", "hv_role": ["beheer"]},
    "carla": {"preferred_username": "carla", "name": "Carla", "hv_role": "handhaver"},
}


def _install() -> Path:
    """oidc-provider in a cache folder, installed once (under a lock)."""
    base = Path(os.environ.get("HV_NPM_CACHE", Path.home() / ".cache" / "handhaving-tests"))
    folder = base / f"oidc-provider-{PROVIDER_VERSION}"
    entry = folder / "node_modules" / "oidc-provider" / "lib" / "index.js"
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not entry.exists():
            (folder / "package.json").write_text('{"private": true}\n')
            subprocess.run(
                [
                    "npm",
                    "install",
                    "--no-audit",
                    "--no-fund",
                    "--loglevel=error",
                    f"oidc-provider@{PROVIDER_VERSION}",
                ],
                cwd=folder,
                check=True,
                capture_output=True,
                timeout=300,
            )
    return entry


@pytest.fixture(scope="session")
def provider_entry() -> Path:
    return _install()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclasses.dataclass
class Sso:
    server: LiveServer
    issuer: str


@pytest.fixture
def sso(provider_entry, settings, engine) -> Iterator[Sso]:
    """The sync server configured for the provider, and the provider with this
    server's callback as its client's only redirect address."""
    port = _free_port()
    issuer = f"http://127.0.0.1:{port}"
    configured = oidc_settings(settings, issuer, APP)
    server = LiveServer(configured, engine)
    with provider_running(provider_entry, port, server.url + "/api/v1/auth/oidc/callback"):
        server.start()
        yield Sso(server=server, issuer=issuer)
        server.stop()


def oidc_settings(settings: Settings, issuer: str, app_teamleider_url: str) -> Settings:
    """The server's settings for the test provider (also for the browser test)."""
    return dataclasses.replace(
        settings,
        oidc_issuer=issuer,
        oidc_client_id=CLIENT_ID,
        oidc_client_secret=CLIENT_SECRET,
        oidc_scopes="openid profile haarlem",
        oidc_role_map=(("teamleider", "teamleider"), ("beheer", "beheerder")),
        app_teamleider_url=app_teamleider_url,
    )


@contextlib.contextmanager
def provider_running(provider_entry: Path, port: int, callback: str) -> Iterator[str]:
    """The provider on loopback with `callback` as its client's only redirect
    address, until the block ends; yields its issuer."""
    issuer = f"http://127.0.0.1:{port}"
    env = os.environ | {
        "OIDC_PROVIDER_ENTRY": str(provider_entry),
        "OIDC_PORT": str(port),
        "OIDC_CLIENT": json.dumps(
            {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "redirect_uris": [callback]}
        ),
        "OIDC_ACCOUNTS": json.dumps(ACCOUNTS),
    }
    node = subprocess.Popen(
        ["node", str(SCRIPT)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            with contextlib.suppress(httpx.TransportError):  # not listening yet
                if httpx.get(issuer + "/.well-known/openid-configuration").status_code == 200:
                    break
            if node.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("oidc-provider did not start")
            time.sleep(0.05)
        yield issuer
    finally:
        node.terminate()
        node.wait(timeout=10)


_INPUT = re.compile(r"<input[^>]*>", re.I)
_ATTR = re.compile(r'(\w+)="([^"]*)"')


def _submit_form(browser: httpx.Client, page: httpx.Response, login: str) -> httpx.Response:
    """Fill the provider's (development) login form as a person would."""
    action = re.search(r'<form[^>]*action="([^"]+)"', page.text)
    assert action, page.text[:500]
    fields: dict[str, str] = {}
    for tag in _INPUT.findall(page.text):
        attrs = dict(_ATTR.findall(tag))
        if "name" in attrs:
            fields[attrs["name"]] = attrs.get("value", "")
    fields.update({"login": login, "password": "wat-dan-ook"})
    return browser.post(urljoin(str(page.url), action.group(1)), data=fields)


def _sign_in(sso: Sso, login: str) -> dict[str, list[str]]:
    """A browser's way through SSO; returns the query the app's address receives."""
    with httpx.Client(timeout=30) as browser:
        response = browser.get(sso.server.url + "/api/v1/auth/oidc/start")
        for _ in range(20):
            if response.status_code in (301, 302, 303, 307, 308):
                target = urljoin(str(response.url), response.headers["location"])
                if target.startswith(APP):
                    return parse_qs(urlsplit(target).query)
                response = browser.get(target)
            elif response.status_code == 200 and "<form" in response.text:
                response = _submit_form(browser, response, login)
            else:
                raise AssertionError(f"{response.status_code}: {response.text[:500]}")
    raise AssertionError("no way back to the app")


def test_start_sends_the_browser_to_the_provider_with_pkce(sso):
    response = httpx.get(sso.server.url + "/api/v1/auth/oidc/start")
    assert response.status_code == 303
    target = urlsplit(response.headers["location"])
    assert f"{target.scheme}://{target.netloc}" == sso.issuer
    query = parse_qs(target.query)
    assert query["code_challenge_method"] == ["S256"]
    assert query["client_id"] == [CLIENT_ID] and query["response_type"] == ["code"]
    assert len(query["state"][0]) >= 32 and len(query["nonce"][0]) >= 32
    assert query["redirect_uri"] == [sso.server.url + "/api/v1/auth/oidc/callback"]


def test_team_leader_signs_in_with_sso_end_to_end(sso, engine):
    query = _sign_in(sso, "anna")
    assert "sso_fout" not in query, query
    [code] = query["sso_code"]
    with httpx.Client(base_url=sso.server.url, timeout=30) as app:
        response = app.post("/api/v1/auth/oidc/exchange", json={"code": code})
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["user"]["username"] == "anna.devries"
        assert (body["user"]["role"], body["user"]["districts"]) == (
            "teamleider",
            ["noord", "oost"],
        )
        me = app.get("/api/v1/auth/me", headers=bearer(body["token"]))
        assert me.status_code == 200 and me.json()["user"]["display_name"] == "Anna de Vries"
        # The one-time code works once.
        again = app.post("/api/v1/auth/oidc/exchange", json={"code": code})
        assert_error(again, 401, "sso_failed")
    with Session(engine) as session:
        user = session.exec(select(User).where(User.username == "anna.devries")).one()
        assert user.oidc_subject == "anna" and user.password_hash is None
        [device] = session.exec(select(Device).where(Device.user_id == user.id)).all()
        assert device.kind == "browser"


def test_a_second_sign_in_follows_the_providers_claims(sso, engine):
    """The identity provider is the source of truth: an account made earlier with
    the same name is linked, and its role and districts follow the claims."""
    make_user(engine, role="teamleider", username="anna.devries", districts=["centrum"])
    [code] = _sign_in(sso, "anna")["sso_code"]
    with httpx.Client(base_url=sso.server.url) as app:
        user = app.post("/api/v1/auth/oidc/exchange", json={"code": code}).json()["user"]
    assert user["districts"] == ["noord", "oost"]
    [code] = _sign_in(sso, "anna")["sso_code"]
    with Session(engine) as session:
        assert len(session.exec(select(User).where(User.oidc_subject == "anna")).all()) == 1


def test_group_claim_maps_to_beheerder(sso):
    [code] = _sign_in(sso, "bram")["sso_code"]
    with httpx.Client(base_url=sso.server.url) as app:
        user = app.post("/api/v1/auth/oidc/exchange", json={"code": code}).json()["user"]
    assert (user["role"], user["districts"]) == ("beheerder", [])


def test_an_officer_cannot_sign_in_with_sso(sso, engine):
    query = _sign_in(sso, "carla")
    assert query == {"sso_fout": ["forbidden"]}
    with Session(engine) as session:
        assert session.exec(select(User).where(User.username == "carla")).first() is None


def test_a_switched_off_account_cannot_sign_in(sso, engine):
    [code] = _sign_in(sso, "anna")["sso_code"]
    with Session(engine) as session:
        user = session.exec(select(User).where(User.oidc_subject == "anna")).one()
        user.active = False
        session.add(user)
        session.commit()
    with httpx.Client(base_url=sso.server.url) as app:
        assert_error(app.post("/api/v1/auth/oidc/exchange", json={"code": code}), 401, "sso_failed")
    assert _sign_in(sso, "anna") == {"sso_fout": ["forbidden"]}


def test_a_forged_or_replayed_callback_is_refused(sso):
    """A callback with an unknown state (forged, or used before) gets no session."""
    with httpx.Client(base_url=sso.server.url) as browser:
        response = browser.get(
            "/api/v1/auth/oidc/callback", params={"state": "x" * 43, "code": "gestolen"}
        )
    assert response.status_code == 303
    assert parse_qs(urlsplit(response.headers["location"]).query) == {"sso_fout": ["sso_failed"]}


def test_sso_not_configured(http):
    assert_error(http.get("/api/v1/auth/oidc/start"), 404, "sso_not_configured")


def test_id_token_checks_refuse_forgeries(sso, settings):
    """A token signed with another key under the provider's key id, one for
    another client, and one with another nonce are all refused."""
    from cryptography.hazmat.primitives.asymmetric import rsa

    from sync_server.errors import ServiceError
    from sync_server.services import oidc

    configured = dataclasses.replace(settings, oidc_issuer=sso.issuer, oidc_client_id=CLIENT_ID)
    provider = oidc.discover(configured)
    kid = httpx.get(provider.jwks_uri).json()["keys"][0]["kid"]
    own_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    now = int(time.time())
    claims = {
        "iss": provider.issuer,
        "aud": CLIENT_ID,
        "sub": "anna",
        "iat": now,
        "exp": now + 300,
        "nonce": "n" * 43,
    }
    forged = jwt.encode(claims, own_key, algorithm="RS256", headers={"kid": kid})
    unsigned = jwt.encode(claims, None, algorithm="none")
    for token in (forged, unsigned):
        with pytest.raises(ServiceError) as refused:
            oidc.verify_id_token(configured, provider, token, nonce="n" * 43)
        assert refused.value.code == "sso_failed"
