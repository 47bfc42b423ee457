"""The phone reads a pull page with the wire models and applies it in bulk.

A page that does not match the wire format (from a broken proxy, a bug, a
truncated rewrite) must leave the phone exactly as it was: `bad_reply`, nothing
applied, cursor unchanged, and the next good sync recovers. Applying a page in
bulk must give what applying its changes one by one in change order gives.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from enrolled import enrolled_phone
from phone_reference import REFERENCE

from fieldapp.db import open_database
from fieldapp.store import PageInvalid, Store
from fieldapp.sync import SyncClient

Rewrite = Callable[[dict[str, Any]], None]


class PageRewriter(httpx.BaseTransport):
    """Passes every request to the real server and, once armed, rewrites the
    JSON of the next pull reply: the seam a broken proxy or server bug would hit."""

    def __init__(self) -> None:
        self.inner = httpx.HTTPTransport()
        self.rewrite: Rewrite | None = None

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        if self.rewrite is None or not request.url.path.endswith("/sync/pull"):
            return response
        page = json.loads(response.read())
        self.rewrite(page)
        self.rewrite = None
        return httpx.Response(response.status_code, json=page)


@pytest.fixture
def rewriter() -> PageRewriter:
    return PageRewriter()


@pytest.fixture
def phone(tmp_path, server, engine, settings, rewriter) -> SyncClient:
    """An enrolled phone that has not pulled anything yet."""
    return enrolled_phone(
        tmp_path / "phone", server, engine, settings, rewriter, username="pagina1"
    )


def _tables(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    db = sqlite3.connect(path)
    try:
        return {
            table: db.execute(f"select * from {table} order by 1").fetchall()  # noqa: S608
            for table in ("district", "theme", "hotspot", "entry")
        }
    finally:
        db.close()


def _last(kind: str) -> Rewrite:
    """Break the last change of the page in one way (the ones before it are good)."""

    def rewrite(page: dict[str, Any]) -> None:
        change = page["changes"][-1]
        if kind == "themes_not_a_list":
            page["changes"].append(
                {
                    "seq": change["seq"],
                    "entity": "hotspot",
                    "op": "upsert",
                    "id": "x",
                    "data": {"code": "x", "name": "X", "district": "noord", "themes": "afval"},
                }
            )
        elif kind == "upsert_without_data":
            change["op"], change["data"] = "upsert", None
        elif kind == "delete_with_data":
            change["op"], change["data"] = "delete", {"code": change["id"]}
        elif kind == "seq_not_a_number":
            change["seq"] = "zeven"
        elif kind == "district_without_name":
            page["changes"].append(
                {
                    "seq": change["seq"],
                    "entity": "district",
                    "op": "upsert",
                    "id": "x",
                    "data": {"code": "x"},
                }
            )
        elif kind == "change_not_an_object":
            page["changes"].append(["district", "x"])

    return rewrite


@pytest.mark.parametrize(
    "fault",
    [
        "themes_not_a_list",
        "upsert_without_data",
        "delete_with_data",
        "seq_not_a_number",
        "district_without_name",
        "change_not_an_object",
    ],
)
def test_a_malformed_page_is_a_bad_reply_and_applies_nothing(phone, rewriter, tmp_path, fault):
    database = tmp_path / "phone" / "app.db"
    before = _tables(database)
    rewriter.rewrite = _last(fault)

    report = phone.sync()

    assert report.error is not None and report.error.code == "bad_reply"
    assert phone.store.cursor() == 0
    assert _tables(database) == before  # not even the good changes before the bad one
    assert phone.store.districts() == []

    healed = phone.sync()
    assert healed.ok, healed.error
    assert phone.store.cursor() > 0
    assert {d.code for d in phone.store.districts()} >= {"noord", "schalkwijk"}


def test_a_change_of_an_entity_kind_this_app_does_not_know_is_skipped(phone, rewriter):
    """A newer server may send kinds an installed app does not know yet, with
    fields it does not know: the page still applies."""

    def add_unknown(page: dict[str, Any]) -> None:
        last = page["changes"][-1]
        page["changes"].append(
            {"seq": last["seq"], "entity": "parkeerzone", "op": "upsert", "id": "p1", "data": {}}
        )
        for change in page["changes"]:
            if change["entity"] == "district" and change["data"]:
                change["data"]["population"] = 1000

    rewriter.rewrite = add_unknown
    report = phone.sync()
    assert report.ok, report.error
    assert {d.code for d in phone.store.districts()} >= {"noord", "schalkwijk"}


@pytest.fixture
def store(tmp_path) -> Store:
    s = Store(open_database(tmp_path / "phone.db"), tmp_path / "photos")
    s.apply_pull_page(REFERENCE, next_since=len(REFERENCE))
    return s


def _entry(store: Store) -> str:
    payload = {
        "observed_at": datetime.now(UTC).isoformat(),
        "theme": "afval",
        "hotspot": "noord-a",
        "persons": 1,
        "action": "aanspreken",
    }
    return store.save_entry("waarneming", payload).id


def _record(seq: int, entry_id: str, state: str, card: int | None = None) -> dict[str, Any]:
    return {
        "seq": seq,
        "entity": "record",
        "op": "upsert",
        "id": entry_id,
        "data": {
            "kind": "waarneming",
            "version": 1,
            "review_state": state,
            "review_remark": f"opmerking {seq}",
            "card_number": card,
            "next_step": f"stap {card}" if card else None,
            "received_at": None,
        },
    }


def _hotspot(seq: int, code: str, name: str) -> dict[str, Any]:
    data = {"code": code, "name": name, "district": "noord", "themes": ["afval"], "note": None}
    return {"seq": seq, "entity": "hotspot", "op": "upsert", "id": code, "data": data}


def _delete(seq: int, entity: str, code: str) -> dict[str, Any]:
    return {"seq": seq, "entity": entity, "op": "delete", "id": code, "data": None}


def test_a_page_in_bulk_gives_what_its_changes_one_by_one_give(store):
    """Several changes of one entity in a page: the last one decides for
    reference data; review states follow change order and a later change without
    a card number keeps the number; a record of another phone is no error."""
    mine = _entry(store)
    page = [
        _hotspot(5, "noord-a", "Marsmanplein (oud)"),
        _delete(6, "hotspot", "noord-b"),
        _hotspot(7, "noord-c", "Nieuw"),
        _hotspot(8, "noord-a", "Marsmanplein"),
        _delete(9, "hotspot", "noord-c"),
        _hotspot(10, "noord-b", "Zaanenpark terug"),
        _record(11, mine, "beoordeeld", card=2),
        _record(12, mine, "terug_naar_handhaver"),
        _record(13, "0190a000-0000-7000-8000-000000000000", "beoordeeld", card=1),
        _delete(14, "record", mine),
        _delete(15, "district", "noord"),
    ]

    store.apply_pull_page(page, next_since=15)

    assert {(h.code, h.name) for h in store.hotspots()} == {
        ("noord-a", "Marsmanplein"),
        ("noord-b", "Zaanenpark terug"),
    }
    assert [h.themes for h in store.hotspots()] == [["afval"], ["afval"]]
    entry = store.entry(mine)
    assert entry is not None
    assert (entry.review_state, entry.review_remark) == ("terug_naar_handhaver", "opmerking 12")
    assert (entry.card_number, entry.next_step) == (2, "stap 2")
    assert store.districts() == []
    assert store.cursor() == 15


def test_a_page_read_twice_changes_nothing_more(store):
    """The app may die after applying a page and before it knows: the same page
    comes again and must leave the same state."""
    page = [_hotspot(5, "noord-c", "Nieuw"), _delete(6, "hotspot", "noord-b")]
    store.apply_pull_page(page, next_since=6)
    first = [(h.code, h.name, h.themes) for h in store.hotspots()]
    store.apply_pull_page(page, next_since=6)
    assert [(h.code, h.name, h.themes) for h in store.hotspots()] == first
    assert store.cursor() == 6


def test_the_reason_of_a_malformed_page_names_no_value(store):
    secret = "Jan de Vries"
    with pytest.raises(PageInvalid) as excinfo:
        store.apply_pull_page(
            [{"seq": 5, "entity": "hotspot", "op": "upsert", "id": "x", "data": {"name": secret}}],
            next_since=5,
        )
    assert secret not in str(excinfo.value)
    assert store.cursor() == 4


def test_a_page_larger_than_one_lookup_reaches_every_own_entry(store):
    """Review states are matched to this phone's entries in chunks of ids; an
    entry in any chunk gets its state."""
    first, last = _entry(store), _entry(store)
    strangers = [f"0190a000-0000-7000-8000-{n:012d}" for n in range(6000)]
    page = [_record(5, first, "beoordeeld")]
    page += [_record(6 + n, code, "nieuw") for n, code in enumerate(strangers)]
    page += [_record(7000, last, "afgesloten", card=1)]

    store.apply_pull_page(page, next_since=7000)

    states = {e.id: (e.review_state, e.card_number) for e in store.entries()}
    assert states == {first: ("beoordeeld", None), last: ("afgesloten", 1)}
