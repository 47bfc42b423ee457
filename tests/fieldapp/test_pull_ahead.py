"""The phone asks for the next pull page while it applies the current one.

What must hold: the request for page n+1 goes out before page n is applied
(that is the point: the server builds one page while the phone writes the
other), every page is still applied in order with its own cursor, and a page
that turns out malformed stops the pull with the pages before it applied and
nothing of it or after it: the page fetched ahead is dropped.
"""

from __future__ import annotations

import json
import threading
from typing import Any

import httpx
import pytest
from enrolled import enrolled_phone

from fieldapp import sync as sync_module
from fieldapp.sync import SyncClient

PAGE = 10  # small pages: the district's reference data alone is several


class PullWatcher(httpx.BaseTransport):
    """Passes requests to the real server; notes the cursor of every pull as it
    goes out, and can break the reply to the pull after a given cursor."""

    def __init__(self) -> None:
        self.inner = httpx.HTTPTransport()
        self.sent: list[int] = []
        self.second_sent = threading.Event()
        self.break_after: int | None = None

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if not request.url.path.endswith("/sync/pull"):
            return self.inner.handle_request(request)
        since = int(request.url.params["since"])
        self.sent.append(since)
        if len(self.sent) >= 2:
            self.second_sent.set()
        response = self.inner.handle_request(request)
        if self.break_after is None or since <= self.break_after:
            return response
        page = json.loads(response.read())
        page["changes"].append({"seq": "zeven", "entity": "district", "op": "upsert"})
        return httpx.Response(response.status_code, json=page)


@pytest.fixture
def watcher() -> PullWatcher:
    return PullWatcher()


@pytest.fixture
def phone(tmp_path, server, engine, settings, watcher, monkeypatch) -> SyncClient:
    monkeypatch.setattr(sync_module, "PULL_LIMIT", PAGE)
    return enrolled_phone(
        tmp_path / "phone", server, engine, settings, watcher, username="vooruit1"
    )


def test_the_next_page_is_asked_for_before_the_current_one_is_applied(phone, watcher):
    store = phone.store
    apply = store.apply_pull_page
    seen_ahead: list[bool] = []
    cursors: list[int] = []

    def watched_apply(changes: list[Any], next_since: int) -> None:
        if not seen_ahead:
            # The first page waits here until the second request has gone out
            # (a generous wait: it is sent at once when read-ahead works).
            seen_ahead.append(watcher.second_sent.wait(timeout=30))
        cursors.append(store.cursor())
        apply(changes, next_since)

    store.apply_pull_page = watched_apply
    report = phone.sync()

    assert report.ok, report.error
    assert seen_ahead == [True]
    assert len(watcher.sent) >= 3, watcher.sent  # several pages, so several read-aheads
    assert watcher.sent == sorted(set(watcher.sent))  # each cursor once, ascending
    # Applied in order: each page found the cursor the previous one left.
    assert cursors == watcher.sent[: len(cursors)]
    assert report.changes_pulled > 2 * PAGE
    assert {d.code for d in store.districts()} >= {"noord", "schalkwijk"}


def test_a_malformed_later_page_keeps_the_pages_before_it_and_drops_the_one_ahead(phone, watcher):
    first = phone.sync()
    assert first.ok, first.error
    full = phone.store.cursor()

    # Start again from nothing, and break every page after the first.
    phone.store.reset_cursor()
    watcher.sent.clear()
    watcher.break_after = 0
    report = phone.sync()

    assert report.error is not None and report.error.code == "bad_reply"
    after_first_page = watcher.sent[1]  # the cursor the first page left
    assert 0 < after_first_page < full
    assert phone.store.cursor() == after_first_page

    watcher.break_after = None
    healed = phone.sync()
    assert healed.ok, healed.error
    assert phone.store.cursor() == full
