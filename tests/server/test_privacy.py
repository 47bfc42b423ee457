"""Privacy on the server, end to end:

- reading personal data says why, and the beheerder queries and exports the
  audit log (who, what, when, why);
- a yellow card's identity and an incident's personal text, sent by the real
  phone app, appear in no server log line (every logger at DEBUG, uvicorn's
  access log on), no CSV export and no error message;
- the pseudonym key is stored in no table of the server's database and never
  reaches a phone.
"""

from __future__ import annotations

import base64
import json
import logging
import threading
from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

import httpx
import pytest
import uvicorn
from factories import PASSWORD, assert_error, bearer, browser_token, excel_rows, make_user
from live_server import LiveServer
from sqlalchemy import MetaData
from sqlalchemy import select as sa_select
from sqlmodel import Session, select

from fieldapp.state import AppState
from fieldapp.sync import default_client
from sync_protocol import PROTOCOL_HEADER, PROTOCOL_VERSION
from sync_server.models import AuditEntry, Record
from sync_server.services import nightly
from sync_server.services.pseudonyms import youth_pseudonym

NAAM = "Wubbe-Jelle Zondervan-Pijpstra"
GEBOORTEDATUM = "2011-06-17"
NOTE = "Moeder heet Aaltje Zondervan"
DESCRIPTION = "Dader Gerolf Pannekoek-Stuivenberg spuugde"
PLACE = "voor de deur van Kleverparkweg 313"
AUDIT = "/api/v1/audit"
# Typed into a URL by mistake: the error reply must not echo it. (A URL itself
# is in the access log by design, so this value is checked in replies only.)
IN_URL = "Sjoukje Boonstra-Tammeling"
# Loggers of the test's own HTTP client, not of the server.
CLIENT_LOGGERS = ("httpx", "httpcore")


class LoudServer(LiveServer):
    """The real server, logging all it can: DEBUG, uvicorn's access log on, and
    no logging config of uvicorn's own, so every record reaches pytest's caplog."""

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        config = uvicorn.Config(
            self.app,
            log_config=None,
            log_level="debug",
            access_log=True,
            lifespan="off",
            timeout_graceful_shutdown=2,
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(
            target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True
        )


@pytest.fixture
def loud(settings, engine, caplog) -> Iterator[LoudServer]:
    caplog.set_level(logging.DEBUG)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access", "sync_server", "fastapi"):
        logging.getLogger(name).setLevel(logging.DEBUG)
    live = LoudServer(settings, engine).start()
    yield live
    live.stop()


class Recorder:
    """Every request and reply the phone app exchanged with the server."""

    def __init__(self) -> None:
        self.replies: list[bytes] = []

    def factory(self, base_url: str) -> httpx.Client:
        client = default_client(base_url)

        def keep(response: httpx.Response) -> None:
            response.read()
            headers = "\n".join(f"{k}: {v}" for k, v in response.headers.items())
            self.replies.append(headers.encode() + b"\n" + response.content)

        client.event_hooks["response"] = [keep]
        return client


def _values(key: bytes) -> list[str]:
    """The personal values of this test, and the pseudonym made of them."""
    pseudonym = youth_pseudonym(key, naam=NAAM, geboortedatum=date.fromisoformat(GEBOORTEDATUM))
    return [NAAM, "Zondervan", "Pannekoek", GEBOORTEDATUM, "Kleverparkweg", pseudonym]


def _phone_with_a_card_and_an_incident(tmp_path, server_url, engine, settings, recorder):
    officer = make_user(engine, districts=["noord"], username="privacy1")
    from sync_server.db import session_scope
    from sync_server.services import accounts

    with session_scope(engine) as session:
        code = accounts.create_enrolment_code(
            session, user=officer, ttl=settings.enrolment_code_ttl
        )
    app = AppState(tmp_path / "phone", client_factory=recorder.factory)
    app.enroll(server_url, code.code)
    app.set_pin("48213", "48213")
    assert app.sync_now().ok
    spot = app.hotspots()[0].code
    card = app.save_gele_kaart(
        naam=NAAM, geboortedatum=GEBOORTEDATUM, hotspot=spot, aanleiding="vernieling", note=NOTE
    )
    incident = app.save_incident(
        types=["fysiek"],
        hotspot=spot,
        place=PLACE,
        injured=True,
        bodycam_on=False,
        politie="aangifte_gewenst",
        bot_gewenst=True,
        description=DESCRIPTION,
    )
    report = app.sync_now()
    assert report.ok and report.accepted == 2, report.error
    return app, officer, card.id, incident.id


def _log_text(caplog) -> str:
    lines = []
    for record in caplog.records:
        if record.name.startswith(CLIENT_LOGGERS):
            continue
        lines.append(f"{record.name} {record.levelname} {record.getMessage()}")
        if record.exc_info:
            lines.append(logging.Formatter().formatException(record.exc_info))
        if record.exc_text:
            lines.append(record.exc_text)
    return "\n".join(lines)


def test_personal_values_reach_no_log_no_export_and_no_error_message(
    tmp_path, loud, engine, settings, caplog
):
    recorder = Recorder()
    app, officer, card_id, incident_id = _phone_with_a_card_and_an_incident(
        tmp_path, loud.url, engine, settings, recorder
    )
    values = _values(settings.pseudonym_key)
    with Session(engine) as session:
        card = session.get(Record, card_id)
        assert card is not None and card.youth_pseudonym == values[-1]
        assert NAAM not in json.dumps(card.payload)  # only the pseudonym is kept

    leader = browser_token(engine, make_user(engine, role="teamleider", districts=["noord"]))
    admin = browser_token(engine, make_user(engine, role="beheerder"))
    phone = app.enrolment
    assert phone is not None
    errors: list[str] = []
    with httpx.Client(
        base_url=loud.url, headers={PROTOCOL_HEADER: str(PROTOCOL_VERSION)}, timeout=30
    ) as http:
        # The reads that show personal data work, and are audited.
        detail = http.get(f"/api/v1/review/records/{incident_id}", headers=bearer(leader))
        assert detail.status_code == 200 and detail.json()["payload"]["description"] == DESCRIPTION
        exports = [
            http.get("/api/v1/review/export.csv", headers=bearer(leader)),
            http.get(
                "/api/v1/review/export.csv", headers=bearer(admin), params={"reden": "controle"}
            ),
            http.get(f"{AUDIT}/export.csv", headers=bearer(admin)),
        ]
        assert all(r.status_code == 200 for r in exports)

        # Bad input carrying the values: refused, and the reply never echoes them.
        headers = {"Authorization": f"Bearer {phone.token}"}
        bad_records = [
            {
                "id": "0190a0a0-0000-7000-8000-00000000abcd",
                "kind": "gele_kaart",
                "version": 1,
                "payload": {
                    "observed_at": datetime.now(UTC).isoformat(),
                    "hotspot": "geen-bestaande-plek",
                    "aanleiding": NAAM,
                    "jongere": {"naam": NAAM * 5, "geboortedatum": NAAM},
                    "note": DESCRIPTION * 100,
                },
            },
            {
                "id": "0190a0a0-0000-7000-8000-00000000abce",
                "kind": NAAM,
                "version": 1,
                "payload": {"description": DESCRIPTION},
            },
            {
                "id": incident_id,  # same id and version, other content: a conflict
                "kind": "incident",
                "version": 1,
                "payload": {"observed_at": GEBOORTEDATUM, "place": PLACE, NAAM: DESCRIPTION},
            },
        ]
        push = http.post(
            "/api/v1/sync/push",
            headers=headers,
            json={"protocol": 1, "device_id": phone.device_id, "records": bad_records},
        )
        assert push.status_code == 200
        for result in push.json()["results"]:
            assert result["status"] in ("rejected", "conflict")
            errors.append(json.dumps({k: v for k, v in result.items() if k != "server_copy"}))
        for response in (
            http.post("/api/v1/sync/push", headers=headers, content=f'{{"x": "{NAAM}'.encode()),
            http.post("/api/v1/sync/push", headers=headers, json={"records": NAAM}),
            http.post("/api/v1/auth/enroll", json={"code": NAAM, "device_name": DESCRIPTION}),
            http.post(
                "/api/v1/auth/login",
                json={"username": NAAM, "password": DESCRIPTION, "device_name": "x"},
            ),
        ):
            assert 400 <= response.status_code < 500, response.text
            errors.append(response.text)
        for response in (
            http.get(f"/api/v1/review/records/{IN_URL}", headers=bearer(leader)),
            http.get(f"{AUDIT}", headers=bearer(admin), params={"user": IN_URL, "action": IN_URL}),
            http.get(f"/api/v1/blobs/{IN_URL}", headers=bearer(leader)),
            http.get("/api/v1/review/export.csv", headers=bearer(admin), params={"reden": IN_URL}),
        ):
            assert 400 <= response.status_code < 500, response.text
            assert "Boonstra" not in response.text
            errors.append(response.text)
    nightly.run_nightly(engine, settings)

    logs = _log_text(caplog)
    assert "uvicorn.access" in logs and "/api/v1/sync/push" in logs  # the capture works
    for value in values:
        assert value not in logs, value
        for export in exports:
            assert value not in export.text, value
        for message in errors:
            assert value not in message, value
    # The phone's own sync replies: the card's outcome, never the identity back.
    replies = b"\n".join(recorder.replies)
    for value in values:
        assert value.encode() not in replies, value


def test_the_pseudonym_key_is_in_no_table_and_never_reaches_a_phone(
    tmp_path, server, engine, settings
):
    recorder = Recorder()
    _phone_with_a_card_and_an_incident(tmp_path, server.url, engine, settings, recorder)
    nightly.run_nightly(engine, settings)
    key = settings.pseudonym_key
    forms_text = [
        key.hex(),
        key.hex().upper(),
        base64.b64encode(key).decode(),
        base64.urlsafe_b64encode(key).decode().rstrip("="),
        key.decode("latin-1"),
    ]
    forms_bytes = [key, *(form.encode("latin-1") for form in forms_text)]

    metadata = MetaData()
    metadata.reflect(bind=engine)
    scanned = 0
    with engine.connect() as connection:
        for table in metadata.sorted_tables:
            for row in connection.execute(sa_select(table)):
                for column, value in zip(table.columns, row, strict=True):
                    scanned += 1
                    if isinstance(value, bytes | bytearray | memoryview):
                        data = bytes(value)
                        assert not any(f in data for f in forms_bytes), (table.name, column.name)
                    else:
                        text = value if isinstance(value, str) else json.dumps(value, default=str)
                        assert not any(f in text for f in forms_text), (table.name, column.name)
    assert scanned > 100
    if engine.url.get_backend_name() == "sqlite":  # and not in the file's free pages either
        assert engine.url.database
        with open(engine.url.database, "rb") as handle:
            raw = handle.read()
        assert not any(f in raw for f in forms_bytes)

    replies = b"\n".join(recorder.replies)
    assert recorder.replies and not any(f in replies for f in forms_bytes)
    with httpx.Client(base_url=server.url, timeout=30) as http:
        for path in ("/openapi.json", "/docs", "/api/v1/health"):
            body = http.get(path).content
            assert not any(f in body for f in forms_bytes), path
    assert key.hex() not in repr(settings)


# ---------------------------------------------------------------- the audit log


def test_a_beheerder_must_say_why_and_the_audit_log_answers_who_what_when_why(
    tmp_path, server, engine, settings
):
    recorder = Recorder()
    _app, _officer, card_id, incident_id = _phone_with_a_card_and_an_incident(
        tmp_path, server.url, engine, settings, recorder
    )
    leader_user = make_user(engine, role="teamleider", districts=["noord"], username="tl.priv")
    admin_user = make_user(engine, role="beheerder", username="beheer.priv", password=PASSWORD)
    leader, admin = browser_token(engine, leader_user), browser_token(engine, admin_user)
    with httpx.Client(
        base_url=server.url, headers={PROTOCOL_HEADER: str(PROTOCOL_VERSION)}, timeout=30
    ) as http:
        # A teamleider's purpose is review; it is recorded without being asked.
        assert http.get(f"/api/v1/review/records/{card_id}", headers=bearer(leader)).is_success
        # A beheerder reads everything, so must always say why.
        refused = assert_error(
            http.get(f"/api/v1/review/records/{incident_id}", headers=bearer(admin)),
            422,
            "invalid_request",
        )
        assert "reden=" in refused["message"] and "auditlog" in refused["message"]
        assert_error(
            http.get("/api/v1/review/export.csv", headers=bearer(admin)), 422, "invalid_request"
        )
        assert_error(
            http.get(
                f"/api/v1/review/records/{incident_id}",
                headers=bearer(admin),
                params={"reden": "nieuwsgierig"},
            ),
            422,
            "invalid_request",
        )
        with Session(engine) as session:
            assert len(session.exec(select(AuditEntry)).all()) == 1  # refused reads: no data
        ok = http.get(
            f"/api/v1/review/records/{incident_id}",
            headers=bearer(admin),
            params={"reden": "klacht"},
        )
        assert ok.status_code == 200 and ok.json()["payload"]["description"] == DESCRIPTION
        assert http.get(
            f"/api/v1/review/records/{card_id}",
            headers=bearer(leader),
            params={"reden": "inzageverzoek"},
        ).is_success

        # Query: by reason, by user, by record; newest first.
        page = http.get(AUDIT, headers=bearer(admin)).json()
        assert [(i["username"], i["reason"]) for i in page["items"]] == [
            ("tl.priv", "inzageverzoek"),
            ("beheer.priv", "klacht"),
            ("tl.priv", "beoordeling"),
        ]
        complaints = http.get(AUDIT, headers=bearer(admin), params={"reason": "klacht"}).json()
        assert [i["record_id"] for i in complaints["items"]] == [incident_id]
        mine = http.get(AUDIT, headers=bearer(admin), params={"user": "tl.priv"}).json()
        assert mine["total"] == 2
        assert_error(
            http.get(AUDIT, headers=bearer(admin), params={"reason": "x"}), 422, "invalid_request"
        )

        # Export as CSV: who, what, when, why; the export is itself audited.
        export = http.get(
            f"{AUDIT}/export.csv", headers=bearer(admin), params={"reason": "inzageverzoek"}
        )
        assert export.status_code == 200
        assert export.headers["content-type"].startswith("text/csv")
        [row] = excel_rows(export.content)
        assert (row["username"], row["role"], row["action"], row["record_id"], row["reason"]) == (
            "tl.priv",
            "teamleider",
            "record_detail",
            card_id,
            "inzageverzoek",
        )
        assert datetime.fromisoformat(row["at"]).date() == datetime.now(UTC).date()
        last = http.get(AUDIT, headers=bearer(admin), params={"action": "audit_export"}).json()
        assert last["items"][0]["username"] == "beheer.priv"
        assert last["items"][0]["reason"] == "controle"
        # Only the beheerder reads the audit log.
        assert_error(http.get(AUDIT, headers=bearer(leader)), 403, "forbidden")
        assert_error(http.get(f"{AUDIT}/export.csv", headers=bearer(leader)), 403, "forbidden")
