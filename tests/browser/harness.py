"""Driving the real field app in Chromium: shared by the browser tests
(tests/browser/conftest.py) and scripts/screenshots.py.

The app runs as `python -m fieldapp web` in its own process (as a user would
start it), the sync server in-process on loopback (so a test can stop and
start it, and look in its database). Flutter draws on a canvas: the app's
accessibility tree is switched on and the tests find controls by role and
label, exactly what a screen reader would announce.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from playwright.sync_api import Browser, Locator, Page, Playwright, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from sqlalchemy.engine import Engine

from sync_server.api import create_app
from sync_server.config import Settings
from sync_server.db import session_scope
from sync_server.models import User
from sync_server.services import accounts

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
VIEWPORT = {"width": 390, "height": 844}
TIMEOUT_MS = 40_000  # what the app shows, waited for generously: CI machines are busy

# Counts every press on the page, whoever makes it (capture phase, before Flutter).
COUNT_TAPS = """
window.__taps = 0;
document.addEventListener('pointerdown', () => { window.__taps += 1; }, true);
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until(predicate: Callable[[], Any], timeout: float = 15.0, what: str = "") -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"not reached in {timeout:.0f} s: {what}")
        time.sleep(0.1)


class RestartableServer:
    """The real sync server under uvicorn in a thread, on a fixed loopback port, that
    can be stopped (the phone goes offline) and started again on the same address."""

    def __init__(self, settings: Settings, engine: Engine, port: int | None = None) -> None:
        self.app = create_app(settings, engine)
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.server: uvicorn.Server | None = None
        self.thread: threading.Thread | None = None

    @property
    def running(self) -> bool:
        return self.server is not None

    def start(self) -> RestartableServer:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", self.port))
        config = uvicorn.Config(
            self.app,
            log_level="warning",
            access_log=False,
            lifespan="off",
            timeout_graceful_shutdown=1,
        )
        server = uvicorn.Server(config)
        thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
        thread.start()
        wait_until(lambda: server.started or not thread.is_alive(), 10, "server start")
        if not server.started:
            raise RuntimeError("sync server did not start")
        self.server, self.thread, self._sock = server, thread, sock
        return self

    def stop(self) -> None:
        if self.server is None or self.thread is None:
            return
        self.server.should_exit = True
        self.thread.join(timeout=10)
        self._sock.close()
        self.server = self.thread = None


def enrolment_code(engine: Engine, settings: Settings, user: User) -> str:
    with session_scope(engine) as session:
        return accounts.create_enrolment_code(
            session, user=user, ttl=settings.enrolment_code_ttl
        ).code


@dataclass
class AppProcess:
    """`python -m fieldapp web` on a free port, with its own data folder and HOME."""

    data: Path
    home: Path
    server_url: str
    port: int = field(default_factory=free_port)
    proc: subprocess.Popen[bytes] | None = None
    log_path: Path | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def start(self, extra_env: dict[str, str] | None = None) -> AppProcess:
        self.data.mkdir(parents=True, exist_ok=True)
        self.home.mkdir(parents=True, exist_ok=True)
        env = {k: v for k, v in os.environ.items() if not k.startswith("FLET_")}
        env.update(
            HOME=str(self.home),
            FLET_WEB_NO_CDN="1",
            HV_SERVER_URL=self.server_url,
            PYTHONUNBUFFERED="1",
        )
        env.update(extra_env or {})
        self.log_path = self.home / "app.log"
        with self.log_path.open("wb") as log:
            self.proc = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "fieldapp",
                    "web",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(self.port),
                    "--data",
                    str(self.data),
                ],
                cwd=REPO,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: stop() ends its children too
            )
        wait_until(self._answers, 30, f"app on port {self.port} ({self.log()})")
        return self

    def _answers(self) -> bool:
        if self.proc is not None and self.proc.poll() is not None:
            raise RuntimeError(f"app exited: {self.log()}")
        try:
            return httpx.get(self.url, timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-3000:] if self.log_path else ""

    def stop(self) -> None:
        if self.proc is None:
            return
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(timeout=10)
        except ProcessLookupError:
            pass
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)
        self.proc = None

    def files(self) -> dict[Path, bytes]:
        """Every file in the app's data folder, as bytes."""
        return {p: p.read_bytes() for p in self.data.rglob("*") if p.is_file()}


def launch_browser(playwright: Playwright) -> Browser:
    args = os.environ.get("CHROMIUM_ARGS", "--no-sandbox --disable-gpu --disable-quic").split()
    return playwright.chromium.launch(executable_path=CHROMIUM, args=args)


def _settled(target: Locator) -> Any:
    """The control's box once it stood still for a moment (Flutter animates)."""
    first = target.bounding_box()
    time.sleep(0.15)
    return first if first is not None and first == target.bounding_box() else None


def _stays(box: Locator, value: str) -> bool:
    """The field shows `value` and still does a moment later (Flutter did not
    put its own text back)."""
    try:
        expect(box).to_have_value(value, timeout=2000)
        time.sleep(0.3)
        return box.input_value() == value
    except AssertionError:
        return False


class Phone:
    """The app in a phone-sized browser tab; `tap` counts the taps a test makes."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.taps = 0

    def open(self, url: str) -> Phone:
        self.page.goto(url)
        self.page.wait_for_selector("flutter-view", timeout=30_000)
        placeholder = self.page.locator("flt-semantics-placeholder")
        placeholder.wait_for(state="attached", timeout=30_000)
        placeholder.dispatch_event("click")  # switch on Flutter's accessibility tree
        nodes = self.page.locator("flt-semantics").first
        try:
            nodes.wait_for(state="attached", timeout=5_000)
        except PlaywrightTimeout:
            # On a phone (Android or iOS user agent) Flutter wants a real tap at
            # a point on its placeholder, which covers the page.
            placeholder.tap(force=True)
            nodes.wait_for(state="attached", timeout=30_000)
        return self

    # -------------------------------------------------------------- finding

    def button(self, name: str, exact: bool = False) -> Locator:
        return self.page.get_by_role("button", name=name, exact=exact)

    def textbox(self, name: str) -> Locator:
        return self.page.get_by_role("textbox", name=name)

    def chip(self, name: str) -> Locator:
        return self.page.get_by_role("checkbox", name=name, exact=True)

    def switch(self, name: str) -> Locator:
        return self.page.get_by_role("switch", name=name)

    def text(self, text: str, exact: bool = False) -> Locator:
        return self.page.get_by_text(text, exact=exact)

    def shown(self, text: str) -> Locator:
        """`text` on screen: as text, or in the name of a button or a group (Flutter
        reads a tappable card out as one button with all its text)."""
        page = self.page
        return (
            self.text(text)
            .or_(page.get_by_role("button", name=text))
            .or_(page.get_by_role("group", name=text))
        )

    def see(self, text: str, timeout: int = TIMEOUT_MS) -> Locator:
        locator = self.shown(text).first
        expect(locator).to_be_visible(timeout=timeout)
        return locator

    def wait_gone(self, text: str, timeout: int = TIMEOUT_MS) -> None:
        expect(self.shown(text)).to_have_count(0, timeout=timeout)

    # -------------------------------------------------------------- acting

    def tap(self, locator: Locator) -> None:
        """One tap on a control, after swiping it into view the way a person would
        (a swipe is no tap): Flutter scrolls its own canvas, so the page's own
        scrolling (Playwright's scroll_into_view) does not move what is drawn."""
        target = locator.first
        target.wait_for(state="attached", timeout=TIMEOUT_MS)
        self.swipe_into_view(target)
        target.click(timeout=TIMEOUT_MS)
        self.taps += 1

    def swipe_into_view(self, target: Locator, top: int = 130, bottom: int = 120) -> None:
        height = VIEWPORT["height"]
        for _ in range(12):
            box = wait_until(lambda: _settled(target), 5, "control to stop moving")
            if box["y"] >= top and box["y"] + box["height"] <= height - bottom:
                return
            if box["y"] < top:
                delta = box["y"] - top - 20
            else:
                delta = box["y"] + box["height"] - (height - bottom) + 20
            self.page.mouse.move(VIEWPORT["width"] / 2, height / 2)
            self.page.mouse.wheel(0, delta)
        # a control in a short dialog may sit low without room to scroll: fine

    def leader_tab(self, name: str) -> None:
        """Open one of the team leader's tabs: a tab of the phone's navigation bar,
        a destination of the wide screen's rail (Flutter names it "<name> Tabblad
        n van m"), or, on a phone, a row under "Meer"."""
        page = self.page
        in_rail = re.compile(rf"^{re.escape(name)}\s+Tabblad")
        nav = page.get_by_role("tab", name="Meer", exact=True).or_(
            page.get_by_role("button", name=re.compile(r"^Beoordelen\s+Tabblad"))
        )
        expect(nav.first).to_be_visible(timeout=TIMEOUT_MS)
        target = page.get_by_role("tab", name=name, exact=True).or_(
            page.get_by_role("button", name=in_rail)
        )
        if not target.count():
            self.tap(page.get_by_role("tab", name="Meer", exact=True))
            target = page.get_by_role("button", name=name, exact=True)
        self.tap(target)

    def fill(self, name: str, value: str) -> None:
        """Type into a text field like a person: tap it, then key presses.

        Key presses (not a programmatic fill) reach Flutter's own text state; a
        fill can be overwritten by Flutter when it attaches its editor a moment
        after the focus. If a redraw still eats keys, the text is typed again
        (only the first tap is counted)."""
        box = self.textbox(name).first
        self.tap(box)
        for attempt in range(4):
            if attempt:
                box.click(timeout=TIMEOUT_MS)
            expect(box).to_be_focused()
            self.page.wait_for_function(
                "el => el === document.activeElement", arg=box.element_handle()
            )
            self.page.keyboard.press("Control+A")
            self.page.keyboard.press("Delete")
            self.page.keyboard.type(value, delay=15)
            if _stays(box, value):
                return
        expect(box).to_have_value(value)

    def page_taps(self) -> int:
        return int(self.page.evaluate("window.__taps || 0"))

    def screenshot(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.page.wait_for_timeout(400)  # let the last frame paint (not an assertion)
        self.page.screenshot(path=str(path))


@contextmanager
def phone_in(browser: Browser, url: str, **context_args: Any) -> Iterator[Phone]:
    # A profile (viewport, touch, user agent) may replace the phone's defaults.
    context = browser.new_context(**{"viewport": VIEWPORT, "locale": "nl-NL", **context_args})
    context.add_init_script(COUNT_TAPS)
    try:
        yield Phone(context.new_page()).open(url)
    finally:
        context.close()


def enrol_and_set_pin(phone: Phone, code: str, pin: str = "48213") -> None:
    """From the enrol screen to home: type the code, choose a PIN."""
    phone.see("Telefoon koppelen")
    phone.fill("Koppelcode", code)
    phone.tap(phone.button("Koppelen", exact=True))
    phone.see("Pincode kiezen")
    phone.fill("Nieuwe pincode", pin)
    phone.fill("Herhaal pincode", pin)
    phone.tap(phone.button("Pincode opslaan"))
    expect(phone.button("Waarneming", exact=True)).to_be_visible(timeout=TIMEOUT_MS)


def server_database(folder: Path) -> tuple[Engine, Settings]:
    """A fresh SQLite server database with the programme's reference data, as the
    test fixtures make it (for scripts/screenshots.py, which runs outside pytest)."""
    from sync_server.config import DEFAULT_ASSETS
    from sync_server.db import make_engine
    from sync_server.migrate import upgrade
    from sync_server.services.changes import ensure_counter
    from sync_server.services.reference_data import load_reference_data

    folder.mkdir(parents=True, exist_ok=True)
    url = f"sqlite:///{folder / 'server.db'}"
    migrating = make_engine(url)
    upgrade(migrating)
    migrating.dispose()  # as the test fixtures do: migrations keep their own connection
    engine = make_engine(url)
    with session_scope(engine) as session:
        ensure_counter(session)
    with session_scope(engine) as session:
        load_reference_data(session, DEFAULT_ASSETS)
    settings = Settings(
        database_url=engine.url.render_as_string(hide_password=False),
        blob_dir=folder / "blobs",
        pseudonym_key=os.urandom(32),
        assets_dir=DEFAULT_ASSETS,
    )
    return engine, settings
