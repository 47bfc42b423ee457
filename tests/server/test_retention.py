"""Retention per record kind, from assets/reference/retention.json, applied by the
nightly job: for every rule a record just older than its period loses what the
rule names (in the record and in every kept version), one just younger keeps
it, the record itself stays, each removal is logged without the removed data,
and a second run removes nothing more."""

from __future__ import annotations

import hashlib
import io
import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from factories import (
    TEST_KEY,
    adrescontrole,
    bearer,
    browser_token,
    dump_database,
    enrol,
    gele_kaart,
    hotspot_in,
    incident,
    integrale_controle,
    make_user,
    signaal,
    waarneming,
)
from PIL import Image
from sqlmodel import Session, col, select

from sync_server.config import DEFAULT_RETENTION
from sync_server.models import Blob, Record, RecordPhoto, RecordVersion, RetentionEntry
from sync_server.services import nightly
from sync_server.services.blobs import blob_path
from sync_server.services.retention import (
    RetentionConfigError,
    load_policy,
    parse_policy,
)

ROOT = Path(__file__).resolve().parents[2]
POLICY = load_policy(DEFAULT_RETENTION)
DAY = timedelta(days=1)


def _jpeg(seed: int) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (seed % 256, 90, 200)).save(buffer, "JPEG")
    return buffer.getvalue()


def _record(engine, record_id: str) -> Record:
    with Session(engine) as session:
        record = session.get(Record, record_id)
    assert record is not None
    return record


def _entries(engine) -> list[RetentionEntry]:
    with Session(engine) as session:
        return list(session.exec(select(RetentionEntry).order_by(col(RetentionEntry.id))).all())


# ---------------------------------------------------------------- the file


def test_the_reviewed_file_has_a_rule_for_every_kind_and_the_agreed_periods():
    assert POLICY.version >= 1
    kinds = {rule.kind for rule in POLICY.rules}
    assert kinds == {
        "waarneming",
        "gele_kaart",
        "incident",
        "adrescontrole",
        "signaal_ondermijning",
        "integrale_controle",
    }
    by_name = {rule.rule: rule for rule in POLICY.rules}
    assert by_name["gele_kaart_pseudoniem"].after == timedelta(days=365)
    assert by_name["gele_kaart_pseudoniem"].remove == ("youth_pseudonym",)
    assert by_name["incident_persoonsgegevens"].after == timedelta(days=1826)  # 5 years


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"version": 0}, "'version'"),
        ({"rules": []}, "'rules'"),
        ({"rules": [{"rule": "x_y", "kind": "fiets", "after_days": 1, "remove": ["x"]}]}, "soort"),
        (
            {"rules": [{"rule": "x_y", "kind": "incident", "after_days": 0, "remove": ["x"]}]},
            "after_days",
        ),
        (
            {
                "rules": [
                    {
                        "rule": "x_y",
                        "kind": "incident",
                        "after_days": 9,
                        "remove": ["payload.types"],
                    }
                ]
            },
            "payload.types",
        ),
        (
            {
                "rules": [
                    {
                        "rule": "x_y",
                        "kind": "waarneming",
                        "after_days": 9,
                        "remove": ["youth_pseudonym"],
                    }
                ]
            },
            "youth_pseudonym",
        ),
        (
            {
                "rules": [
                    {
                        "rule": "x_y",
                        "kind": "incident",
                        "after_days": 9,
                        "remove": ["review_remark"],
                    },
                    {"rule": "x_y", "kind": "waarneming", "after_days": 9, "remove": ["photos"]},
                ]
            },
            "twee keer",
        ),
    ],
)
def test_a_wrong_file_is_refused_with_a_dutch_reason(change: dict[str, Any], message: str):
    data = json.loads(DEFAULT_RETENTION.read_text()) | change
    with pytest.raises(RetentionConfigError, match=message):
        parse_policy(data)


# ---------------------------------------------------------------- applied


PERSONAL = {
    "gele_kaart": ("note", "Kaartnotitie Fokkelientje"),
    "incident": ("description", "Incidenttekst Barendsz-Quist"),
    "waarneming": ("note", "Waarneming over Wubbolt"),
    "adrescontrole": ("address", "Zijlweg 1234 Haarlem"),
    "signaal_ondermijning": ("description", "Signaal over Knol-Idema"),
    "integrale_controle": ("note", "Controle bij Jongbloed"),
}


def _make(kind: str, spot: str, observed_at: str, value: str, **extra: Any) -> dict[str, Any]:
    field = PERSONAL[kind][0]
    common = {"observed_at": observed_at, field: value} | extra
    makers = {
        "gele_kaart": lambda: gele_kaart(spot, naam=value, **common),
        "incident": lambda: incident(spot, place="bij de ingang", **common),
        "waarneming": lambda: waarneming(spot, **common),
        "adrescontrole": lambda: adrescontrole(**common),
        "signaal_ondermijning": lambda: signaal(spot, **common),
        "integrale_controle": lambda: integrale_controle(spot, **common),
    }
    return makers[kind]()


def test_every_rule_removes_from_older_records_only_and_logs_without_the_data(
    http, engine, settings
):
    officer = enrol(http, engine, settings, make_user(engine, districts=["noord"], password=None))
    leader = make_user(engine, role="teamleider", districts=["noord"])
    spot = hotspot_in(engine, "noord")
    now = datetime.now(UTC)
    old: dict[str, dict[str, Any]] = {}  # rule -> record just past the period
    young: dict[str, dict[str, Any]] = {}  # rule -> record just within it
    for rule in POLICY.rules:
        field, value = PERSONAL[rule.kind]
        for bucket, age, tag in ((old, rule.after + DAY, "oud"), (young, rule.after - DAY, "jong")):
            extra: dict[str, Any] = {}
            if "photos" in rule.remove:
                photo = _jpeg(len(old) * 7 + len(young) + (1 if tag == "oud" else 2))
                sha = hashlib.sha256(photo).hexdigest()
                put = http.put(f"/api/v1/blobs/{sha}", headers=officer.headers, content=photo)
                assert put.status_code in (200, 201), put.text
                extra["photos"] = [sha]
            bucket[rule.rule] = _make(
                rule.kind, spot, (now - age).isoformat(), f"{value} {tag} {rule.rule}", **extra
            )
    results = officer.push_ok([*old.values(), *young.values()])
    assert {r["status"] for r in results} == {"accepted"}
    # A team leader's remark is personal data too (it may name the person).
    token = browser_token(engine, leader)
    for record in [*old.values(), *young.values()]:
        reviewed = http.post(
            f"/api/v1/review/records/{record['id']}",
            headers=bearer(token),
            json={"state": "terug_naar_handhaver", "remark": f"Opmerking over {record['id'][-8:]}"},
        )
        assert reviewed.status_code == 200, reviewed.text
    # A correction: a second version of each old record with the same text.
    for record in old.values():
        if record["kind"] != "gele_kaart":
            officer.push_ok([record | {"version": 2}])
    pseudonyms = {
        rid["id"]: _record(engine, rid["id"]).youth_pseudonym
        for rid in [*old.values(), *young.values()]
        if rid["kind"] == "gele_kaart"
    }
    assert all(pseudonyms.values())

    report = nightly.run_nightly(engine, settings, now=now)

    assert report.retention_version == POLICY.version
    by_rule = {r.rule: r for r in report.retention}
    rules = {rule.rule: rule for rule in POLICY.rules}
    dump = dump_database(engine)
    ages = {
        record["id"]: (rule.kind, rule.after + (DAY if record is old[rule.rule] else -DAY))
        for rule in POLICY.rules
        for record in (old[rule.rule], young[rule.rule])
    }

    def past(rule: Any) -> set[str]:
        """Records of the rule's kind older than its period (a yellow card made for
        the 5-year rule is also past the pseudonym's year)."""
        return {rid for rid, (kind, age) in ages.items() if kind == rule.kind and age > rule.after}

    for name, rule in rules.items():
        gone, kept = old[name], young[name]
        assert by_rule[name].records == len(past(rule)), name
        removed = _record(engine, gone["id"])
        stays = _record(engine, kept["id"])
        assert removed.kind == rule.kind and removed.district_code == "noord"  # still counted
        for target in rule.remove:
            if target.startswith("payload."):
                key = target.removeprefix("payload.")
                assert key not in removed.payload, (name, key)
                if key in kept["payload"]:
                    assert stays.payload[key] == kept["payload"][key], (name, key)
            elif target == "review_remark":
                assert removed.review_remark is None and stays.review_remark
            elif target == "youth_pseudonym":
                assert removed.youth_pseudonym is None and stays.youth_pseudonym
                assert removed.card_number is not None  # the card stays
            elif target == "photos":
                [sha] = gone["payload"]["photos"]
                with Session(engine) as session:
                    assert (
                        session.exec(
                            select(RecordPhoto).where(RecordPhoto.record_id == gone["id"])
                        ).all()
                        == []
                    )
                    assert session.get(Blob, sha) is None
                    [kept_sha] = kept["payload"]["photos"]
                    assert session.get(Blob, kept_sha) is not None
                assert not blob_path(settings.blob_dir, sha).exists()
                assert blob_path(settings.blob_dir, kept_sha).exists()
        # Every kept version lost the text too.
        with Session(engine) as session:
            versions = session.exec(
                select(RecordVersion).where(RecordVersion.record_id == gone["id"])
            ).all()
        for version in versions:
            for target in rule.remove:
                assert target.removeprefix("payload.") not in version.payload or not (
                    target.startswith("payload.")
                )
        # The removed values are nowhere in the database, the retention log included.
        field = PERSONAL[rule.kind][0]
        if f"payload.{field}" in rule.remove:
            assert gone["payload"][field] not in dump, name
            assert kept["payload"][field] in dump, name
    for record_id, pseudonym in pseudonyms.items():
        if record_id == old["gele_kaart_pseudoniem"]["id"]:
            assert pseudonym not in dump

    # The log: kind, record, rule (and its version), field, when; never a value.
    entries = _entries(engine)
    assert {(e.rule, e.record_id) for e in entries if e.field_name} == {
        (name, rid) for name, rule in rules.items() for rid in past(rule)
    }
    for entry in entries:
        assert entry.kind == rules[entry.rule].kind
        assert entry.policy_version == POLICY.version and entry.at is not None
        assert entry.field_name in ("", *rules[entry.rule].remove)
        assert entry.record_id in past(rules[entry.rule])

    # Twice is harmless: nothing more removed, nothing more logged.
    again = nightly.run_nightly(engine, settings, now=now)
    assert all(r.records == 0 and r.removals == 0 for r in again.retention)
    assert again.pseudonyms_removed == 0
    assert len(_entries(engine)) == len(entries)


def test_nightly_command_applies_the_configured_file(http, engine, settings, tmp_path):
    """`python -m sync_server nightly` with HV_RETENTION naming another reviewed file."""
    officer = enrol(http, engine, settings, make_user(engine, districts=["noord"], password=None))
    spot = hotspot_in(engine, "noord")
    now = datetime.now(UTC)
    ten_days = incident(spot, observed_at=(now - 10 * DAY).isoformat(), description="Weg ermee")
    two_days = incident(spot, observed_at=(now - 2 * DAY).isoformat(), description="Blijft nog")
    officer.push_ok([ten_days, two_days])
    custom = tmp_path / "retention.json"
    custom.write_text(
        json.dumps(
            {
                "version": 7,
                "rules": [
                    {
                        "rule": "incident_kort",
                        "kind": "incident",
                        "after_days": 5,
                        "remove": ["payload.description"],
                    }
                ],
            }
        )
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HV_", "DATABASE_URL"))}
    env |= {
        "DATABASE_URL": settings.database_url,
        "HV_PSEUDONYM_KEY": TEST_KEY.hex(),
        "HV_VAR_DIR": str(tmp_path / "var"),
        "HV_BLOB_DIR": str(settings.blob_dir),
        "HV_RETENTION": str(custom),
        "PYTHONPATH": str(ROOT),
    }

    def nightly_command() -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "sync_server", "nightly"],
            capture_output=True,
            text=True,
            env=env,
            cwd=tmp_path,
            timeout=180,
        )

    first = nightly_command()
    assert first.returncode == 0, first.stderr
    assert "Bewaartermijnen versie 7" in first.stdout
    assert "incident_kort (incident): 1 registraties, 1 velden verwijderd" in first.stdout
    assert "description" not in _record(engine, ten_days["id"]).payload
    assert _record(engine, two_days["id"]).payload["description"] == "Blijft nog"
    second = nightly_command()
    assert second.returncode == 0, second.stderr
    assert "incident_kort (incident): 0 registraties, 0 velden verwijderd" in second.stdout
    [entry] = _entries(engine)
    assert (entry.rule, entry.kind, entry.record_id, entry.field_name, entry.policy_version) == (
        "incident_kort",
        "incident",
        ten_days["id"],
        "payload.description",
        7,
    )
    assert "Weg ermee" not in first.stdout + first.stderr + dump_database(engine)

    custom.write_text('{"version": 8, "rules": [{"rule": "x"}]}')
    broken = nightly_command()
    assert broken.returncode == 2
    assert "Fout in bewaartermijnen" in broken.stderr and "Traceback" not in broken.stderr
