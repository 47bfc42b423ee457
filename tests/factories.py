"""Factories for users, enrolled phones and records, shared by the tests."""

from __future__ import annotations

import csv
import io
import itertools
import os
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from sync_protocol import PROTOCOL_HEADER, PROTOCOL_VERSION
from sync_server.config import Settings
from sync_server.db import session_scope
from sync_server.models import Hotspot, User
from sync_server.services import accounts

_counter = itertools.count(1)
PASSWORD = "correct-horse-battery"
# The pseudonym key of the test servers (conftest.py); a module of its own name, so
# tests in any folder import it without another folder's conftest shadowing it.
TEST_KEY = bytes.fromhex("5e" * 32)


def uuid7(moment: datetime | None = None) -> str:
    """A UUIDv7 as the phone makes it (time-ordered, random tail)."""
    millis = int((moment or datetime.now(UTC)).timestamp() * 1000)
    rand = int.from_bytes(os.urandom(10), "big")
    value = (
        (millis << 80) | (0x7 << 76) | ((rand >> 66) << 64) | (0b10 << 62) | (rand & (2**62 - 1))
    )
    return str(uuid.UUID(int=value))


def make_user(
    engine: Engine,
    *,
    role: str = "handhaver",
    districts: list[str] | None = None,
    username: str | None = None,
    password: str | None = PASSWORD,
) -> User:
    if districts is None:
        districts = [] if role == "beheerder" else ["noord"]
    with session_scope(engine) as session:
        return accounts.create_user(
            session,
            username=username or f"{role}{next(_counter)}",
            display_name=f"Test {role}",
            role=role,
            districts=districts,
            password=password,
        )


def hotspot_in(engine: Engine, district: str, theme: str | None = None) -> str:
    with Session(engine) as session:
        rows = session.exec(
            select(Hotspot).where(Hotspot.district_code == district).order_by(Hotspot.code)
        ).all()
    for row in rows:
        if theme is None or theme in row.themes:
            return row.code
    raise LookupError(f"no hotspot in {district} for {theme}")


@dataclass
class Phone:
    """An enrolled device talking to the live server over real HTTP."""

    client: httpx.Client
    token: str
    device_id: str
    user: User
    cursor: int = 0
    seen: dict[tuple[str, str], dict[str, Any] | None] = field(default_factory=dict)

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def push(self, records: list[dict[str, Any]]) -> httpx.Response:
        return self.client.post(
            "/api/v1/sync/push",
            headers=self.headers,
            json={"protocol": PROTOCOL_VERSION, "device_id": self.device_id, "records": records},
        )

    def push_ok(self, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
        response = self.push(records)
        assert response.status_code == 200, response.text
        return list(response.json()["results"])

    def pull(self, since: int | None = None, limit: int | None = None) -> httpx.Response:
        params: dict[str, int] = {"since": self.cursor if since is None else since}
        if limit is not None:
            params["limit"] = limit
        return self.client.get("/api/v1/sync/pull", headers=self.headers, params=params)

    def pull_all(self, limit: int = 100) -> list[dict[str, Any]]:
        """Pull until nothing more; returns every change received, in order."""
        received: list[dict[str, Any]] = []
        while True:
            response = self.pull(limit=limit)
            assert response.status_code == 200, response.text
            page = response.json()
            for change in page["changes"]:
                received.append(change)
                self.seen[(change["entity"], change["id"])] = change["data"]
            self.cursor = page["next_since"]
            if not page["more"]:
                return received


def enrol(
    client: httpx.Client, engine: Engine, settings: Settings, user: User, name: str = "testtelefoon"
) -> Phone:
    with session_scope(engine) as session:
        code = accounts.create_enrolment_code(session, user=user, ttl=settings.enrolment_code_ttl)
    response = client.post("/api/v1/auth/enroll", json={"code": code.code, "device_name": name})
    assert response.status_code == 200, response.text
    body = response.json()
    return Phone(client=client, token=body["token"], device_id=body["device_id"], user=user)


def _when(minutes_ago: int = 5) -> str:
    return (datetime.now(UTC) - timedelta(minutes=minutes_ago)).isoformat()


def waarneming(
    hotspot: str, *, record_id: str | None = None, version: int = 1, **payload: Any
) -> dict[str, Any]:
    body = {
        "observed_at": _when(),
        "theme": "afval",
        "hotspot": hotspot,
        "persons": 1,
        "action": "aanspreken",
        "note": "",
    } | payload
    return {"id": record_id or uuid7(), "kind": "waarneming", "version": version, "payload": body}


def gele_kaart(
    hotspot: str,
    *,
    naam: str = "Kees Testjongere",
    geboortedatum: str = "2010-04-01",
    record_id: str | None = None,
    **payload: Any,
) -> dict[str, Any]:
    body = {
        "observed_at": _when(),
        "hotspot": hotspot,
        "aanleiding": "hinderlijk_gedrag",
        "jongere": {"naam": naam, "geboortedatum": geboortedatum},
    } | payload
    return {"id": record_id or uuid7(), "kind": "gele_kaart", "version": 1, "payload": body}


def incident(hotspot: str, *, record_id: str | None = None, **payload: Any) -> dict[str, Any]:
    body = {
        "observed_at": _when(),
        "hotspot": hotspot,
        "types": ["verbaal"],
        "injured": False,
        "bodycam_on": True,
        "footage_secured": True,
        "footage_reference": "BC-1",
        "politie": "melding_gedaan",
        "bot_gewenst": True,
        "description": "test",
    } | payload
    return {"id": record_id or uuid7(), "kind": "incident", "version": 1, "payload": body}


def adrescontrole(*, record_id: str | None = None, **payload: Any) -> dict[str, Any]:
    body = {"observed_at": _when(), "uitkomst": "hit", "address": "Teststraat 1"} | payload
    return {"id": record_id or uuid7(), "kind": "adrescontrole", "version": 1, "payload": body}


def signaal(hotspot: str, *, record_id: str | None = None, **payload: Any) -> dict[str, Any]:
    body = {
        "observed_at": _when(),
        "hotspot": hotspot,
        "categorie": "drugs",
        "description": "signaal",
    } | payload
    return {
        "id": record_id or uuid7(),
        "kind": "signaal_ondermijning",
        "version": 1,
        "payload": body,
    }


def integrale_controle(
    hotspot: str, *, record_id: str | None = None, **payload: Any
) -> dict[str, Any]:
    body = {
        "observed_at": _when(),
        "hotspot": hotspot,
        "branche": "horeca",
        "partners": ["politie"],
        "uitkomst": "geen_bevindingen",
    } | payload
    return {"id": record_id or uuid7(), "kind": "integrale_controle", "version": 1, "payload": body}


def wait_until(predicate: Any, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        time.sleep(0.05)


def protocol_headers() -> dict[str, str]:
    return {PROTOCOL_HEADER: str(PROTOCOL_VERSION)}


# ---------------------------------------------------------------- auth, admin and error tests


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def assert_error(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    """The reply is the agreed error body `{code, message, protocol}` with this code."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body: dict[str, Any] = response.json()
    assert body["code"] == code, body
    assert isinstance(body["message"], str) and body["message"]
    assert body["protocol"] == PROTOCOL_VERSION
    return body


def enrolment_code(engine: Engine, user: User, ttl: timedelta = timedelta(minutes=15)) -> str:
    """A fresh one-time code for `user`, as a teamleider would hand it out."""
    with session_scope(engine) as session:
        return accounts.create_enrolment_code(session, user=user, ttl=ttl).code


def login_token(client: httpx.Client, username: str, password: str = PASSWORD) -> str:
    """Log in with a password (teamleider, beheerder) and return the browser's token."""
    response = client.post("/api/v1/auth/login", json={"username": username, "password": password})
    assert response.status_code == 200, response.text
    return str(response.json()["token"])


def browser_token(engine: Engine, user: User) -> str:
    """A logged-in browser's token without the password round trip (argon2 is slow)."""
    with session_scope(engine) as session:
        return accounts.issue_device(session, user, name="browser", kind="browser").token


def client_from(base_url: str, source_ip: str) -> httpx.Client:
    """A client whose requests come from another loopback address (127.0.0.0/8),
    so that tests can tell throttling per client from throttling per user."""
    return httpx.Client(
        base_url=base_url,
        headers=protocol_headers(),
        timeout=30,
        transport=httpx.HTTPTransport(local_address=source_ip),
    )


# ---------------------------------------------------------------- helpers for
# the push/pull/blob/reference/concurrency tests (appended; the above is shared)


def with_client(phone: Phone, client: httpx.Client) -> Phone:
    """The same enrolled phone talking over another HTTP client (one per thread)."""
    return Phone(client=client, token=phone.token, device_id=phone.device_id, user=phone.user)


def new_client(base_url: str) -> httpx.Client:
    return httpx.Client(base_url=base_url, headers=protocol_headers(), timeout=60)


def change_seqs(engine: Engine) -> list[int]:
    """Every change number in the log, in order."""
    from sync_server.models import Change

    with Session(engine) as session:
        return list(session.exec(select(Change.seq).order_by(Change.seq)).all())


def dump_database(engine: Engine) -> str:
    """Every row of every table as text: to prove a value is stored nowhere."""
    from sqlalchemy import MetaData
    from sqlalchemy import select as sa_select

    metadata = MetaData()
    metadata.reflect(bind=engine)
    lines: list[str] = []
    with engine.connect() as connection:
        for table in metadata.sorted_tables:
            for row in connection.execute(sa_select(table)):
                lines.append(f"{table.name}: {tuple(row)!r}")
    return "\n".join(lines)


def excel_rows(content: bytes) -> list[dict[str, str]]:
    """A CSV download read the way Dutch Excel reads it: it must start with a UTF-8
    byte-order mark and be `;`-separated (a comma-separated file lands in one column)."""
    assert content.startswith(b"\xef\xbb\xbf"), content[:20]
    text = content.decode("utf-8-sig")
    header = text.splitlines()[0]
    assert ";" in header and "," not in header, header
    return list(csv.DictReader(io.StringIO(text, newline=""), delimiter=";"))


def age_browser_tokens(engine, username: str, by: timedelta) -> None:
    """What 30 minutes without a call does to the server's record of the token."""
    from sqlmodel import Session, select

    from sync_server.db import utcnow
    from sync_server.models import Device, User

    with Session(engine) as session:
        user = session.exec(select(User).where(User.username == username)).one()
        for device in session.exec(select(Device).where(Device.user_id == user.id)):
            device.last_seen_at = utcnow() - by
            device.created_at = min(device.created_at, utcnow() - by)
            session.add(device)
        session.commit()
