"""Fixtures for the browser tests: the sync server (stoppable), the field app in
web mode as its own process, and a phone-sized Chromium tab on it."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from factories import make_user
from harness import (
    AppProcess,
    Phone,
    RestartableServer,
    enrol_and_set_pin,
    enrolment_code,
    launch_browser,
    phone_in,
)
from playwright.sync_api import Browser, sync_playwright
from sqlalchemy.engine import Engine

from sync_server.config import Settings
from sync_server.models import User

_names = itertools.count(1)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        chromium = launch_browser(playwright)
        yield chromium
        chromium.close()


@pytest.fixture
def live(settings: Settings, engine: Engine) -> Iterator[RestartableServer]:
    """The real sync server on loopback; `live.stop()` takes the phone offline and
    `live.start()` brings the same address back."""
    server = RestartableServer(settings, engine).start()
    yield server
    server.stop()


@pytest.fixture
def fieldapp_web(tmp_path: Path, live: RestartableServer) -> Iterator[AppProcess]:
    """`python -m fieldapp web --port <free> --data <tmp>` with HOME in tmp."""
    app = AppProcess(
        data=tmp_path / "phone-data", home=tmp_path / "home", server_url=live.url
    ).start()
    yield app
    app.stop()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    if report.when == "call":
        item.stash[_failed] = report.failed
    return report


_failed = pytest.StashKey[bool]()


@pytest.fixture
def phone(
    request: pytest.FixtureRequest, browser: Browser, fieldapp_web: AppProcess, tmp_path: Path
) -> Iterator[Phone]:
    with phone_in(browser, fieldapp_web.url) as tab:
        yield tab
        if request.node.stash.get(_failed, False):
            # What the officer would have seen when the test failed.
            tab.page.screenshot(path=str(tmp_path / "failure.png"))
            print(
                f"\nscreenshot: {tmp_path / 'failure.png'}\n"
                f"{tab.page.locator('body').aria_snapshot()}\napp log:\n{fieldapp_web.log()}"
            )


@pytest.fixture
def officer(engine: Engine) -> User:
    return make_user(engine, districts=["noord"], username=f"boa{next(_names)}")


@pytest.fixture
def ready_phone(phone: Phone, engine: Engine, settings: Settings, officer: User) -> Phone:
    """Enrolled, PIN set, home shown, and the district's data fetched."""
    enrol_and_set_pin(phone, enrolment_code(engine, settings, officer))
    phone.see("Laatst gesynchroniseerd")
    return phone
