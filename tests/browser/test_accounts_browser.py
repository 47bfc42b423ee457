"""The Accounts tab and the single sign-on in a real browser (Chromium) against the
real sync server (issue 11): the enrolment code's QR image is really drawn (its
pixels read back as the server's QR matrix), a beheerder changes an officer's
role and districts, and a team leader signs on through a real OpenID provider
(npm's oidc-provider): its login form filled in Chromium, back in the app logged
in with the role and districts of the provider's claims."""

from __future__ import annotations

import io
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pyotp
import pytest
import segno
from factories import make_user
from harness import AppProcess, Phone, RestartableServer, free_port, phone_in
from PIL import Image
from playwright.sync_api import Browser, expect
from sqlmodel import Session

from sync_server.models import User
from sync_server.services import qr
from sync_server.services.accounts import find_user, user_districts

# The provider fixture lives with the server's SSO tests (tests/server/test_oidc.py).
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "server"))
import test_oidc  # noqa: E402

pytestmark = pytest.mark.browser
provider_entry = test_oidc.provider_entry


@contextmanager
def desk_in(browser: Browser, url: str) -> Iterator[Phone]:
    """A desktop-sized tab (the back office is used at a desk)."""
    context = browser.new_context(
        viewport={"width": 1280, "height": 1000},
        locale="nl-NL",  # type: ignore[arg-type]
    )
    try:
        yield Phone(context.new_page()).open(url)
    finally:
        context.close()


def _leader_login(tab: Phone, username: str) -> None:
    from factories import PASSWORD

    tab.see("Inloggen als teamleider")
    tab.fill("Gebruikersnaam", username)
    tab.fill("Wachtwoord", PASSWORD)
    tab.tap(tab.button("Inloggen", exact=True))
    tab.see("Ingelogd als")


def qr_on_screen(tab: Phone, name: str, uri: str) -> float:
    """How many of the QR's modules, read from the screen's pixels where the image
    with this label is drawn, match the QR of `uri` (1.0: all of them)."""
    image = tab.page.get_by_role("img", name=name)
    expect(image).to_be_visible()
    box = image.bounding_box()
    assert box is not None
    shot = Image.open(io.BytesIO(tab.page.screenshot(clip=box))).convert("L")
    matrix = segno.make(uri, error="m").matrix
    border = 4  # the server's quiet zone, in modules (services/qr.py)
    size = len(matrix) + 2 * border
    module_w, module_h = shot.width / size, shot.height / size
    same = 0
    for row, line in enumerate(matrix):
        for column, dark in enumerate(line):
            x = int((column + border + 0.5) * module_w)
            y = int((row + border + 0.5) * module_h)
            same += (shot.getpixel((x, y)) < 128) == bool(dark)  # type: ignore[operator]
    return same / (len(matrix) * len(matrix[0]))


def test_the_enrolment_qr_is_drawn_and_reads_as_the_code(browser, fieldapp_web, live, engine):
    make_user(engine, role="beheerder", districts=[], username="beheer-qr")
    make_user(engine, districts=["noord"], username="boa-qr")
    address = fieldapp_web.url.rstrip("/") + "/teamleider"
    with desk_in(browser, address) as desk:
        _leader_login(desk, "beheer-qr")
        desk.see("beheerder, heel Haarlem")  # the header names no empty districts
        desk.leader_tab("Accounts")
        card = desk.page.get_by_role("group", name=re.compile(r"\(boa-qr\)"))
        desk.tap(card.get_by_role("button", name="Koppelcode"))
        label = "QR-code om de telefoon te koppelen"
        expect(desk.page.get_by_role("img", name=label)).to_be_visible()
        shown = desk.page.locator("body").aria_snapshot()
        found = re.search(r"\b([A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4})\b", shown)
        assert found, shown
        uri = qr.enrolment_uri(live.url + "/", found.group(1))
        # Clear of the tabs above it (Flutter scrolls its own canvas), then read the
        # pixels until drawn (up to 10 s): decoding is asynchronous, no fixed wait.
        desk.swipe_into_view(desk.page.get_by_role("img", name=label), top=220)
        reads = [qr_on_screen(desk, label, uri)]
        while reads[-1] < 0.99 and len(reads) < 50:
            desk.page.wait_for_timeout(200)
            reads.append(qr_on_screen(desk, label, uri))
        assert reads[-1] >= 0.99, reads


def test_beheerder_changes_an_officers_role_and_districts(browser, fieldapp_web, engine):
    make_user(engine, role="beheerder", districts=[], username="beheer-rol")
    officer = make_user(engine, districts=["noord"], username="boa-rol")
    address = fieldapp_web.url.rstrip("/") + "/teamleider"
    with desk_in(browser, address) as desk:
        _leader_login(desk, "beheer-rol")
        desk.leader_tab("Accounts")
        card = desk.page.get_by_role("group", name=re.compile(r"\(boa-rol\)"))
        desk.tap(card.get_by_role("button", name="Wijzigen"))
        desk.fill("Stadsdelen van de gebruiker", "noord, oost")
        desk.tap(desk.button("Opslaan"))
        # Two districts for a handhaver: the server's reason, in Dutch.
        desk.see("Een handhaver hoort bij precies één stadsdeel.")
        desk.fill("Stadsdelen van de gebruiker", "oost")
        desk.tap(desk.button("Opslaan"))
        desk.see("Gewijzigd: boa-rol")
        desk.see("Handhaver · Oost")
    with Session(engine) as session:
        user = session.get(User, officer.id)
        assert user is not None and user_districts(session, user) == ["oost"]


def test_leader_switches_on_the_authenticator_app(browser, fieldapp_web, engine):
    make_user(engine, role="teamleider", districts=["noord"], username="tl-2fa")
    address = fieldapp_web.url.rstrip("/") + "/teamleider"
    with desk_in(browser, address) as desk:
        _leader_login(desk, "tl-2fa")
        desk.leader_tab("Accounts")
        desk.tap(desk.button("Authenticator-app koppelen"))
        desk.see("Sleutel:")
        shown = desk.page.locator("body").aria_snapshot()
        found = re.search(r"Sleutel: ([A-Z2-7]{16,})", shown)
        assert found, shown
        secret = found.group(1)
        expect(
            desk.page.get_by_role("img", name="QR-code voor je authenticator-app")
        ).to_be_visible()
        desk.fill("Code uit je authenticator-app", pyotp.TOTP(secret).now())
        desk.tap(desk.button("Bevestigen"))
        desk.see("Tweede factor staat aan")
    with Session(engine) as session:
        user = find_user(session, "tl-2fa")
        assert user is not None and user.totp_enabled_at is not None


# ------------------------------------------------------------------ single sign-on


@pytest.fixture
def sso_app(provider_entry, settings, engine, tmp_path) -> Iterator[AppProcess]:
    """The provider, the sync server configured for it (the sign-on lands on the
    app's /teamleider), and `python -m fieldapp web` on that address."""
    app = AppProcess(data=tmp_path / "app", home=tmp_path / "home", server_url="")
    provider_port = free_port()
    configured = test_oidc.oidc_settings(
        settings, f"http://127.0.0.1:{provider_port}", app.url.rstrip("/") + "/teamleider"
    )
    server = RestartableServer(configured, engine)
    callback = server.url + "/api/v1/auth/oidc/callback"
    with test_oidc.provider_running(provider_entry, provider_port, callback):
        server.start()
        app.server_url = server.url
        app.start()
        try:
            yield app
        finally:
            app.stop()
            server.stop()


def test_sso_in_the_browser_lands_logged_in_with_the_claims(
    browser: Browser, sso_app: AppProcess, engine
):
    with phone_in(browser, sso_app.url.rstrip("/") + "/teamleider") as tab:
        tab.see("Inloggen als teamleider")
        tab.tap(tab.button("Inloggen met gemeente-account"))
        # The provider's own (development) login form, in the same tab.
        tab.page.wait_for_url(re.compile(r"^http://127\.0\.0\.1:\d+/interaction/"))
        tab.page.locator("input[name=login]").fill("anna")
        tab.page.locator("input[name=password]").fill("wat-dan-ook")
        tab.page.locator("button[type=submit]").click()
        # Back in the app, on its own address, logged in as the claims say.
        tab.page.wait_for_url(re.compile(re.escape(sso_app.url.rstrip("/")) + r"/teamleider"))
        tab.page.wait_for_selector("flutter-view", timeout=30_000)
        placeholder = tab.page.locator("flt-semantics-placeholder")
        placeholder.wait_for(state="attached", timeout=30_000)
        placeholder.dispatch_event("click")  # the new page's accessibility tree
        tab.see("Ingelogd als Anna de Vries · Noord, Oost")
    with Session(engine) as session:
        user = find_user(session, "anna.devries")
        assert user is not None and user.role == "teamleider"
        assert sorted(user_districts(session, user)) == ["noord", "oost"]
