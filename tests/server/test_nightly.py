"""The server's nightly job: retention, phones that have not synced, the command
line, and demo data that comes with figures."""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from factories import (
    assert_error,
    bearer,
    browser_token,
    dump_database,
    enrol,
    gele_kaart,
    hotspot_in,
    make_user,
    waarneming,
)
from sqlmodel import Session, col, select

from sync_server.config import DEFAULT_DEFINITIONS
from sync_server.db import make_engine, session_scope
from sync_server.models import Device, Record, RetentionEntry, SnapshotRun
from sync_server.services import accounts, nightly

ROOT = Path(__file__).resolve().parents[2]
UNSYNCED = "/api/v1/devices/unsynced"


def _record(engine, record_id: str) -> Record:
    with Session(engine) as session:
        record = session.get(Record, record_id)
    assert record is not None
    return record


# ---------------------------------------------------------------- retention


def test_retention_removes_old_youth_pseudonyms_and_keeps_the_cards(http, engine, settings):
    officer = enrol(http, engine, settings, make_user(engine, districts=["noord"], password=None))
    spot = hotspot_in(engine, "noord")
    now = datetime.now(UTC)
    old = gele_kaart(spot, naam="Oud Geval", observed_at=(now - timedelta(days=400)).isoformat())
    young = gele_kaart(
        spot, naam="Nieuw Geval", observed_at=(now - timedelta(days=300)).isoformat()
    )
    officer.push_ok([old, young])
    old_pseudonym = _record(engine, old["id"]).youth_pseudonym
    assert old_pseudonym

    report = nightly.run_nightly(engine, settings)

    assert report.pseudonyms_removed == 1
    kept = _record(engine, old["id"])
    assert kept.youth_pseudonym is None and kept.card_number == 1 and kept.kind == "gele_kaart"
    assert _record(engine, young["id"]).youth_pseudonym is not None
    with Session(engine) as session:
        [entry] = session.exec(select(RetentionEntry)).all()
    assert (entry.record_id, entry.field_name, entry.rule) == (
        old["id"],
        "youth_pseudonym",
        nightly.RULE_YOUTH_PSEUDONYM,
    )
    assert old_pseudonym not in dump_database(engine)  # not in the retention log either
    # the card still counts for the indicator
    with Session(engine) as session:
        assert session.exec(select(SnapshotRun)).first() is not None
    # a second run removes nothing more
    assert nightly.run_nightly(engine, settings).pseudonyms_removed == 0
    # a youth whose old card lost its pseudonym starts again at card 1
    again = gele_kaart(spot, naam="Oud Geval")
    [result] = officer.push_ok([again])
    assert result["outcome"]["card_number"] == 1


# ---------------------------------------------------------------- phones that have not synced


def _set_sync(
    engine, device_id: str, when: datetime | None, created: datetime | None = None
) -> None:
    with session_scope(engine) as session:
        device = session.get(Device, device_id)
        assert device is not None
        device.last_sync_at = when
        if created is not None:
            device.created_at = created
        session.add(device)


def test_phones_not_synced_for_a_day_are_reported(http, engine, settings):
    now = datetime.now(UTC)
    quiet = enrol(http, engine, settings, make_user(engine, districts=["noord"], password=None))
    never = enrol(http, engine, settings, make_user(engine, districts=["oost"], password=None))
    busy = enrol(http, engine, settings, make_user(engine, districts=["noord"], password=None))
    lost = enrol(http, engine, settings, make_user(engine, districts=["noord"], password=None))
    _set_sync(engine, quiet.device_id, now - timedelta(hours=30))
    _set_sync(engine, never.device_id, None, created=now - timedelta(days=3))
    _set_sync(engine, busy.device_id, now - timedelta(hours=2))
    _set_sync(engine, lost.device_id, now - timedelta(days=5))
    with session_scope(engine) as session:
        accounts.revoke_device(session, lost.device_id)

    report = nightly.run_nightly(engine, settings)
    assert {d.device_id for d in report.stale} == {quiet.device_id, never.device_id}
    summary = report.summary()
    assert "2 telefoon(s) langer dan een dag niet gesynchroniseerd" in summary
    assert "nog nooit" in summary and quiet.user.username in summary

    admin = browser_token(engine, make_user(engine, role="beheerder", password=None))
    listed = http.get(UNSYNCED, headers=bearer(admin)).json()
    assert {d["device_id"] for d in listed} == {quiet.device_id, never.device_id}
    leader = browser_token(
        engine, make_user(engine, role="teamleider", districts=["noord"], password=None)
    )
    assert [d["device_id"] for d in http.get(UNSYNCED, headers=bearer(leader)).json()] == [
        quiet.device_id
    ]
    wider = http.get(UNSYNCED, headers=bearer(leader), params={"hours": 1}).json()
    assert {d["device_id"] for d in wider} == {quiet.device_id, busy.device_id}
    assert_error(http.get(UNSYNCED, headers=busy.headers), 403, "forbidden")


# ---------------------------------------------------------------- the command line


def _cli_env(tmp_path: Path, db_url: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HV_", "DATABASE_URL"))}
    return env | {
        "DATABASE_URL": db_url,
        "HV_VAR_DIR": str(tmp_path / "var"),
        "HV_PSEUDONYM_KEY_FILE": str(tmp_path / "var" / "pseudonym.key"),
        "PYTHONPATH": str(ROOT),
        **extra,
    }


def _cli(tmp_path: Path, db_url: str, *args: str, **extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "sync_server", *args],
        capture_output=True,
        text=True,
        env=_cli_env(tmp_path, db_url, **extra),
        cwd=tmp_path,
        timeout=120,
    )


def test_nightly_command_prints_a_dutch_summary_and_is_safe_twice(tmp_path):
    db_url = f"sqlite:///{tmp_path / 'cli.db'}"
    assert _cli(tmp_path, db_url, "load-reference").returncode == 0
    first = _cli(tmp_path, db_url, "nightly")
    assert first.returncode == 0, first.stderr
    assert first.stdout.startswith("Indicatoren berekend met definities versie 2 (")
    assert "Bewaartermijn: 0 pseudoniemen" in first.stdout
    assert "Alle telefoons hebben de afgelopen dag gesynchroniseerd." in first.stdout
    second = _cli(tmp_path, db_url, "nightly")
    assert second.returncode == 0 and "vorige berekening van deze versie vervangen" in second.stdout
    engine = make_engine(db_url)
    with Session(engine) as session:
        assert len(session.exec(select(SnapshotRun)).all()) == 1
    engine.dispose()


def test_nightly_command_refuses_a_wrong_definitions_file(tmp_path):
    db_url = f"sqlite:///{tmp_path / 'cli.db'}"
    assert _cli(tmp_path, db_url, "load-reference").returncode == 0
    data = json.loads(DEFAULT_DEFINITIONS.read_text())
    data["definitions"][4]["match"][0]["themes"] = ["jeugd", "vuurwerk"]
    broken = tmp_path / "definities.json"
    broken.write_text(json.dumps(data))
    result = _cli(tmp_path, db_url, "nightly", HV_INDICATOR_DEFINITIONS=str(broken))
    assert result.returncode == 2
    assert result.stderr.startswith("Fout in indicatordefinities: definities.json: definitie 5 (")
    assert "vuurwerk" in result.stderr and "Traceback" not in result.stderr


def test_demo_data_comes_with_indicator_figures(tmp_path):
    db_url = f"sqlite:///{tmp_path / 'cli.db'}"
    result = _cli(tmp_path, db_url, "demo-data", "--days", "2")
    assert result.returncode == 0, result.stderr
    engine = make_engine(db_url)
    with Session(engine) as session:
        run = session.exec(select(SnapshotRun)).one()
        demo_records = session.exec(select(Record).where(col(Record.is_demo).is_(True))).all()
    engine.dispose()
    assert run.records_counted == len(demo_records) == run.demo_records_counted > 0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_serve_demo_still_works_and_shows_figures(tmp_path):
    db_url = f"sqlite:///{tmp_path / 'serve.db'}"
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "sync_server", "serve", "--demo", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=_cli_env(tmp_path, db_url),
        cwd=tmp_path,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 90
        while True:
            with contextlib.suppress(httpx.TransportError):  # not listening yet
                if httpx.get(f"{base}/api/v1/health", timeout=2).status_code == 200:
                    break
            if process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(process.communicate(timeout=10))
            time.sleep(0.2)
        login = httpx.post(
            f"{base}/api/v1/auth/login",
            json={"username": "tl.noord", "password": "demo-wachtwoord"},
            timeout=30,
        )
        assert login.status_code == 200, login.text
        token = login.json()["token"]
        table = httpx.get(f"{base}/api/v1/indicators", headers=bearer(token), timeout=30).json()
        assert table["definition"] is not None and table["includes_demo"] is True
        this_year = str(table["years"][-1])
        jeugd = next(r for r in table["rows"] if r["code"] == "registraties-handhavers-jeugd")
        assert isinstance(jeugd["values"][this_year]["value"], int)
        suggestion = httpx.get(
            f"{base}/api/v1/patrol-suggestion", headers=bearer(token), timeout=30
        )
        assert suggestion.status_code == 200
    finally:
        process.terminate()
        out, err = process.communicate(timeout=30)
    assert "Indicatoren berekend (definities versie 2" in out
    assert "Traceback" not in err


@pytest.mark.parametrize("days", [365, 30])
def test_retention_period_comes_from_the_settings(http, engine, settings, days):
    from dataclasses import replace

    officer = enrol(http, engine, settings, make_user(engine, districts=["noord"], password=None))
    card = gele_kaart(
        hotspot_in(engine, "noord"),
        observed_at=(datetime.now(UTC) - timedelta(days=60)).isoformat(),
    )
    officer.push_ok([card, waarneming(hotspot_in(engine, "noord"))])
    report = nightly.run_nightly(
        engine, replace(settings, youth_pseudonym_retention=timedelta(days=days))
    )
    assert report.pseudonyms_removed == (1 if days == 30 else 0)
