"""Personal fields waiting on the phone are encrypted at rest (AES-GCM), with the
key outside the database: no file of the app's data folder (database, WAL,
shared memory, photos) ever holds them in plain text, yet the push request and
the officer's own screens see them as typed."""

from __future__ import annotations

import asyncio
import json
import shutil
import sqlite3
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from factories import make_user
from phone_reference import REFERENCE as NOORD
from sqlmodel import Session, select

from fieldapp import models as m
from fieldapp.db import DB_NAME, open_database
from fieldapp.encryption import UNREADABLE, FieldCipher, Unreadable, is_sealed
from fieldapp.keystore import KEY_FILE, FileKeyStore, KeyStore, default_keystore
from fieldapp.state import AppState
from fieldapp.store import Store
from sync_server.db import session_scope
from sync_server.models import Record
from sync_server.services import accounts

NAAM = "Zwaantje Quirijnsdochter"
GEBOORTEDATUM = "2010-11-29"
NOTE = "Jongen in rode jas heet Barendrecht-Ypma"
DESCRIPTION = "Dader Kwartelmeier sloeg naar collega"
ADDRESS = "Ulgersmaweg 77 zwart"
SECRETS = [NAAM, GEBOORTEDATUM, NOTE, DESCRIPTION, ADDRESS]

REFERENCE = NOORD[:3]  # a district, a theme and one hotspot


def _now() -> str:
    return datetime.now(UTC).isoformat()


def _scan(folder: Path, needles: list[str]) -> list[tuple[Path, str]]:
    """Every (file, value) where a value appears in a file, in UTF-8 or UTF-16."""
    found = []
    for path in folder.rglob("*"):
        if not path.is_file():
            continue
        data = path.read_bytes()
        for needle in needles:
            if needle.encode() in data or needle.encode("utf-16-le") in data:
                found.append((path, needle))
    return found


def _fill(store: Store) -> dict[str, str]:
    """One of every entry kind with personal text; returns kind -> entry id."""
    ids = {}
    ids["gele_kaart"] = store.save_entry(
        "gele_kaart",
        {"observed_at": _now(), "hotspot": "noord-a", "aanleiding": "vernieling", "note": NOTE},
        identity={"naam": NAAM, "geboortedatum": GEBOORTEDATUM},
    ).id
    ids["incident"] = store.save_entry(
        "incident",
        {
            "observed_at": _now(),
            "hotspot": "noord-a",
            "types": ["fysiek"],
            "injured": False,
            "bodycam_on": False,
            "politie": "geen",
            "bot_gewenst": False,
            "description": DESCRIPTION,
        },
    ).id
    ids["adrescontrole"] = store.save_entry(
        "adrescontrole", {"observed_at": _now(), "uitkomst": "hit", "address": ADDRESS}
    ).id
    ids["signaal_ondermijning"] = store.save_entry(
        "signaal_ondermijning",
        {
            "observed_at": _now(),
            "hotspot": "noord-a",
            "categorie": "drugs",
            "description": DESCRIPTION,
        },
    ).id
    ids["waarneming"] = store.save_entry(
        "waarneming",
        {
            "observed_at": _now(),
            "hotspot": "noord-a",
            "theme": "afval",
            "action": "aanspreken",
            "note": NOTE,
        },
    ).id
    return ids


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return tmp_path / "phone"


@pytest.fixture
def store(folder: Path) -> Store:
    s = Store(open_database(folder / DB_NAME), folder / "photos")
    s.apply_pull_page(REFERENCE, 3)
    return s


def test_waiting_personal_fields_are_in_no_file_of_the_data_folder(store, folder):
    ids = _fill(store)
    # While the app runs (connections open, WAL not folded in) and after it stopped.
    assert _scan(folder, SECRETS) == []
    store.engine.dispose()
    assert _scan(folder, SECRETS) == []

    # ... yet the push request and the officer's own view have them as typed.
    wire = {out.entry_id: out.wire["payload"] for out in store.outgoing(10)}
    assert wire[ids["gele_kaart"]]["jongere"] == {"naam": NAAM, "geboortedatum": GEBOORTEDATUM}
    assert wire[ids["gele_kaart"]]["note"] == NOTE
    assert wire[ids["incident"]]["description"] == DESCRIPTION
    assert wire[ids["adrescontrole"]]["address"] == ADDRESS
    assert wire[ids["signaal_ondermijning"]]["description"] == DESCRIPTION
    assert store.entry(ids["waarneming"]).payload["note"] == NOTE
    assert {e.id: e.payload.get("address") for e in store.entries()}[
        ids["adrescontrole"]
    ] == ADDRESS
    # Reading them did not write them back in plain text.
    store.engine.dispose()
    assert _scan(folder, SECRETS) == []


def test_stored_values_are_sealed_and_bound_to_their_row(store, folder):
    ids = _fill(store)
    db = sqlite3.connect(folder / DB_NAME)
    payload = json.loads(
        db.execute("select payload from entry where id = ?", (ids["adrescontrole"],)).fetchone()[0]
    )
    assert is_sealed(payload["address"]) and payload["uitkomst"] == "hit"  # codes stay readable
    naam, datum = db.execute("select naam, geboortedatum from pendingidentity").fetchone()
    assert is_sealed(naam) and is_sealed(datum)
    # A sealed value copied into another row (or field) does not open.
    with pytest.raises(Unreadable):
        store.cipher.open(payload["address"], context=f"{ids['incident']}/address")
    with pytest.raises(Unreadable):
        store.cipher.open(payload["address"], context=f"{ids['adrescontrole']}/note")


def test_the_key_is_outside_the_database_and_a_copy_without_it_is_unreadable(
    store, folder, tmp_path
):
    ids = _fill(store)
    key = store.cipher.keystore.get_or_create_key()
    assert (folder / KEY_FILE).stat().st_mode & 0o077 == 0  # only the app's user
    store.engine.dispose()
    for path in folder.rglob("*"):
        if path.is_file() and path.name != KEY_FILE:
            data = path.read_bytes()
            assert key not in data and key.hex().encode() not in data, path

    # A stolen copy of the database, without the key: nothing personal to read.
    thief = tmp_path / "thief"
    thief.mkdir()
    shutil.copy(folder / DB_NAME, thief / DB_NAME)
    copy = Store(open_database(thief / DB_NAME), thief / "photos")
    assert copy.entry(ids["adrescontrole"]).payload["address"] == UNREADABLE
    with pytest.raises(Unreadable):
        copy.outgoing(10)  # never sends garbage in place of what the officer typed


def test_older_phones_rows_are_sealed_by_the_upgrade(folder):
    """A phone whose database was written before encryption at rest (plain text
    in entry.payload and pendingidentity) is sealed once on the first start."""
    engine = open_database(folder / DB_NAME)
    engine.dispose()
    db = sqlite3.connect(folder / DB_NAME, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    now = datetime.now(UTC).isoformat(sep=" ")
    db.execute(
        "insert into entry (id, kind, version, payload, status, created_at, updated_at) "
        "values ('0190a0a0-0000-7000-8000-000000000001', 'gele_kaart', 1, ?, 'wacht', ?, ?)",
        (
            json.dumps(
                {
                    "observed_at": _now(),
                    "location": {"lat": 52.39, "lon": 4.64},
                    "aanleiding": "overig",
                    "note": NOTE,
                }
            ),
            now,
            now,
        ),
    )
    db.execute(
        "insert into pendingidentity values ('0190a0a0-0000-7000-8000-000000000001', ?, ?)",
        (NAAM, GEBOORTEDATUM),
    )
    db.execute(
        "insert into outbox (entry_id, version, priority, queued_at) "
        "values ('0190a0a0-0000-7000-8000-000000000001', 1, 1, ?)",
        (now,),
    )
    db.close()
    assert _scan(folder, [NAAM, NOTE])  # the old app's file has them

    store = Store(open_database(folder / DB_NAME), folder / "photos")
    assert _scan(folder, SECRETS) == []
    [out] = store.outgoing(10)
    assert out.wire["payload"]["jongere"] == {"naam": NAAM, "geboortedatum": GEBOORTEDATUM}
    assert out.wire["payload"]["note"] == NOTE
    assert store.seal_plain_rows() == 0  # once only
    store.engine.dispose()
    assert _scan(folder, SECRETS) == []


class MemoryKeyStore:
    """Stands in for the platform's secure storage (as fieldapp.main injects it)."""

    def __init__(self) -> None:
        self.key: bytes | None = None
        self.deleted = 0

    def get_or_create_key(self) -> bytes:
        if self.key is None:
            self.key = bytes(range(32))
        return self.key

    def delete_key(self) -> None:
        self.key = None
        self.deleted += 1


def test_injected_key_store_is_used_and_sync_sends_what_was_typed(
    tmp_path, server, engine, settings, folder
):
    keystore = MemoryKeyStore()
    assert isinstance(keystore, KeyStore)
    officer = make_user(engine, districts=["noord"], username="sleutel1")
    with session_scope(engine) as session:
        code = accounts.create_enrolment_code(
            session, user=officer, ttl=settings.enrolment_code_ttl
        )
    app = AppState(folder, keystore=keystore)
    app.enroll(server.url, code.code)
    app.set_pin("48213", "48213")
    assert app.sync_now().ok
    spot = app.hotspots()[0].code
    incident = app.save_incident(
        types=["verbaal"],
        hotspot=spot,
        injured=False,
        bodycam_on=False,
        politie="geen",
        bot_gewenst=False,
        description=DESCRIPTION,
    )
    card = app.save_gele_kaart(
        naam=NAAM, geboortedatum=GEBOORTEDATUM, hotspot=spot, aanleiding="vernieling"
    )
    assert keystore.key is not None
    assert not (folder / KEY_FILE).exists()  # no key file when the platform keeps it
    assert _scan(folder, SECRETS) == []
    assert app.entry(incident.id).payload["description"] == DESCRIPTION

    report = app.sync_now()
    assert report.ok and report.accepted == 2
    with Session(engine) as session:
        record = session.get(Record, incident.id)
        assert record is not None and record.payload["description"] == DESCRIPTION
        stored = session.get(Record, card.id)
        assert stored is not None and stored.youth_pseudonym and stored.card_number == 1
    # After the sync: the identity is gone, the incident text still sealed.
    assert _scan(folder, SECRETS) == []
    with Session(app.store.engine) as session:
        assert session.exec(select(m.PendingIdentity)).all() == []


def test_file_key_store_keeps_one_key_and_forgets_it(tmp_path):
    keys = default_keystore(tmp_path)
    first = keys.get_or_create_key()
    assert len(first) == 32 and keys.get_or_create_key() == first
    assert FileKeyStore(tmp_path / KEY_FILE).get_or_create_key() == first  # another session
    keys.delete_key()
    assert not (tmp_path / KEY_FILE).exists()
    assert keys.get_or_create_key() != first
    cipher = FieldCipher(keys)
    sealed = cipher.seal("geheim", context="x")
    assert cipher.open(sealed, context="x") == "geheim"


# ---------------------------------------------------------------- secure storage (phone)


class FakeSecureStorage:
    """flet-secure-storage's async get/set/remove, kept in a dict."""

    def __init__(self, **_options: object) -> None:
        self.values: dict[str, str] = {}

    async def get(self, key: str) -> str | None:
        return self.values.get(key)

    async def set(self, key: str, value: str) -> None:
        self.values[key] = value

    async def remove(self, key: str) -> None:
        self.values.pop(key, None)


def run(coroutine: Any) -> Any:
    """Run a coroutine to the end on a loop of its own thread: the browser tests'
    Playwright may keep a loop running in this thread, where asyncio.run refuses."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


class FakePage:
    def __init__(self, *, web: bool, platform: object) -> None:
        self.web, self.platform = web, platform

    def run_task(self, handler, *args):  # as Page.run_task: the coroutine runs on the loop
        run(handler(*args))


def test_on_a_phone_the_key_lives_in_secure_storage_and_a_wipe_removes_it(tmp_path, monkeypatch):
    import flet as ft
    import flet_secure_storage as fss

    from fieldapp.components import secure_storage as component

    storages: list[FakeSecureStorage] = []
    platform_store: dict[str, str] = {}  # what the Keystore keeps between starts

    def make(**options: object) -> FakeSecureStorage:
        storages.append(FakeSecureStorage(**options))
        storages[-1].values = platform_store
        return storages[-1]

    monkeypatch.setattr(fss, "SecureStorage", make)
    page = FakePage(web=False, platform=ft.PagePlatform.ANDROID)
    keystore = run(component.open_keystore(page, tmp_path))  # type: ignore[arg-type]
    assert isinstance(keystore, component.SecureStorageKeyStore)
    [storage] = storages
    key = keystore.get_or_create_key()
    assert storage.values == {component.STORAGE_KEY: key.hex()}
    assert not (tmp_path / KEY_FILE).exists()

    # The next start reads the same key back.
    again = run(component.open_keystore(page, tmp_path))  # type: ignore[arg-type]
    assert len(storages) == 2 and again.get_or_create_key() == key

    # Remote wipe: gone from the platform's storage; a new enrolment makes a new key.
    keystore.delete_key()
    assert storage.values == {}
    fresh = keystore.get_or_create_key()
    assert fresh != key and storage.values == {component.STORAGE_KEY: fresh.hex()}


def test_in_a_browser_the_key_file_is_the_fallback(tmp_path):
    import flet as ft

    from fieldapp.components import secure_storage as component

    for page in (
        FakePage(web=True, platform=ft.PagePlatform.ANDROID),  # the browser's storage is not ours
        FakePage(web=False, platform=ft.PagePlatform.LINUX),
    ):
        keystore = run(component.open_keystore(page, tmp_path))  # type: ignore[arg-type]
        assert isinstance(keystore, FileKeyStore) and keystore.path == tmp_path / KEY_FILE
