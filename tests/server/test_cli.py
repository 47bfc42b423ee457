"""The admin command line, run as the operator runs it: `python -m sync_server`
in its own process, on its own SQLite file."""

from __future__ import annotations

import argparse
import os
import re
import shutil
import stat
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from factories import PASSWORD, make_user
from PIL import Image
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, func, select

from sync_server.cli import build_parser
from sync_server.db import make_engine, session_scope
from sync_server.models import Device, District, Melding, Record, User, UserDistrict
from sync_server.services import accounts, demo

ROOT = Path(__file__).resolve().parents[2]
CODE = re.compile(r"\b([2-9A-Z]{4}-[2-9A-Z]{4}-[2-9A-Z]{4})\b")
Cli = Callable[..., subprocess.CompletedProcess[str]]


def _command_line(folder: Path, db_url: str) -> Cli:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HV_", "DATABASE_URL"))}
    env |= {
        "DATABASE_URL": db_url,
        "HV_VAR_DIR": str(folder / "var"),
        "HV_PSEUDONYM_KEY_FILE": str(folder / "var" / "pseudonym.key"),
        "PYTHONPATH": str(ROOT),
    }

    def run(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "sync_server", *args],
            input=stdin,
            capture_output=True,
            text=True,
            env=env,
            cwd=folder,
            timeout=120,
        )

    return run


def _url(path: Path) -> str:
    return f"sqlite:///{path}"


@pytest.fixture(scope="module")
def _reference_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One database with the reference data loaded by the CLI, copied per test."""
    folder = tmp_path_factory.mktemp("cli-template")
    path = folder / "template.db"
    assert _command_line(folder, _url(path))("load-reference").returncode == 0
    make_engine(_url(path)).dispose()  # fold a left-over WAL into the file
    return path


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    return _url(tmp_path / "cli.db")


@pytest.fixture
def cli(tmp_path: Path, db_url: str) -> Cli:
    """`python -m sync_server` on an empty database of its own."""
    return _command_line(tmp_path, db_url)


@pytest.fixture
def loaded(cli: Cli, _reference_db: Path, tmp_path: Path) -> Cli:
    """The CLI on a database that has the reference data (districts) loaded."""
    shutil.copy(_reference_db, tmp_path / "cli.db")
    return cli


@pytest.fixture
def db(db_url: str) -> Iterator[Engine]:
    """The CLI's database, opened by the test to check what the commands did."""
    engine = make_engine(db_url)
    yield engine
    engine.dispose()


def _ok(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    return result.stdout


def _user(engine: Engine, username: str) -> User:
    with Session(engine) as session:
        user = accounts.find_user(session, username)
    assert user is not None, username
    return user


def test_help_lists_every_command_with_its_help(cli):
    """A command added without help text fails here: argparse leaves it out of
    the help's command list, and the operator would never find it."""
    [commands] = [a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction)]
    helps = {action.dest: action.help for action in commands._choices_actions}
    assert set(helps) == set(commands.choices)
    assert all(helps.values())

    text = " ".join(_ok(cli("--help")).split())
    for name, help_text in helps.items():
        assert f"{name} {' '.join(str(help_text).split())}" in text


def test_load_reference_twice_changes_nothing_the_second_time(cli, db):
    first = _ok(cli("load-reference"))
    assert first.startswith("Referentiedata geladen.") and "district 5" in first
    with Session(db) as session:
        assert session.exec(select(func.count()).select_from(District)).one() == 5
    assert _ok(cli("load-reference")).strip() == "Referentiedata ongewijzigd."


def test_create_user_reads_password_from_stdin(loaded, db):
    out = _ok(
        loaded(
            "create-user",
            "Tl.Test",
            "--role",
            "teamleider",
            "--district",
            "noord",
            "--district",
            "oost",
            "--name",
            "Test Leider",
            "--password-stdin",
            stdin=PASSWORD + "\n",
        )
    )
    assert "tl.test (teamleider) aangemaakt" in out
    user = _user(db, "tl.test")
    assert (user.display_name, user.role) == ("Test Leider", "teamleider")
    assert user.password_hash and PasswordHasher().verify(user.password_hash, PASSWORD)
    with Session(db) as session:
        districts = session.exec(
            select(UserDistrict.district_code).where(UserDistrict.user_id == user.id)
        ).all()
    assert sorted(districts) == ["noord", "oost"]


def test_duplicate_user_is_a_clear_error(loaded, db):
    make_user(db, username="sanne", districts=["centrum"], password=None)
    again = loaded("create-user", "Sanne", "--role", "handhaver", "--district", "centrum")
    assert again.returncode == 2
    assert "Deze gebruikersnaam bestaat al." in again.stderr
    assert "Traceback" not in again.stderr


def test_unknown_district_is_a_clear_error(loaded):
    result = loaded("create-user", "piet", "--role", "handhaver", "--district", "bloemendaal")
    assert result.returncode == 2
    assert "Onbekend stadsdeel." in result.stderr
    assert "Traceback" not in result.stderr


def test_enrol_device_prints_a_working_code_and_writes_qr(loaded, db, tmp_path):
    make_user(db, username="jeroen", districts=["noord"], password=None)
    qr_path = tmp_path / "qr" / "jeroen.png"
    out = _ok(
        loaded("enrol-device", "jeroen", "--server", "http://192.0.2.7:8000", "--qr", str(qr_path))
    )
    [code] = CODE.findall(out)
    with Image.open(qr_path) as image:
        assert image.format == "PNG"
        assert image.size[0] == image.size[1] > 200
    with session_scope(db) as session:
        issued, user = accounts.enrol_device(session, code=code, device_name="test")
    assert user.username == "jeroen" and issued.token


def test_enrol_device_for_unknown_user(loaded):
    result = loaded("enrol-device", "niemand")
    assert result.returncode == 2
    assert "Gebruiker 'niemand' bestaat niet." in result.stderr


def test_revoke_device_by_user_revokes_only_that_users_devices(loaded, db):
    owner = make_user(db, username="kwijt", districts=["oost"], password=None)
    colleague = make_user(db, username="collega", districts=["oost"], password=None)
    with session_scope(db) as session:
        lost = [
            accounts.issue_device(session, owner, name=f"telefoon {n}", kind="phone").device.id
            for n in (1, 2)
        ]
        kept = accounts.issue_device(session, colleague, name="telefoon", kind="phone").device.id

    out = _ok(loaded("revoke-device", "--user", "kwijt"))
    assert all(f"Apparaat {device_id}" in out for device_id in lost)
    with Session(db) as session:
        revoked = session.exec(select(Device.id).where(col(Device.revoked_at).is_not(None))).all()
    assert sorted(revoked) == sorted(lost) and kept not in revoked
    assert "Geen actieve apparaten" in _ok(loaded("revoke-device", "--user", "kwijt"))


def test_demo_data_is_made_once(cli, db, tmp_path):
    out = _ok(cli("demo-data", "--days", "3"))
    made = int(re.fullmatch(r"Demodata: (\d+) records aangemaakt.\n", out).group(1))  # type: ignore[union-attr]
    assert made > 0
    team_size = 1 + sum(1 + len(team) for team in demo.TEAMS.values())
    with Session(db) as session:
        users = session.exec(select(User)).all()
        records = session.exec(select(Record)).all()
    assert len(users) == team_size and all(u.is_demo for u in users)
    assert len(records) == made and all(r.is_demo for r in records)

    with Session(db) as session:
        reports = session.exec(select(Melding)).all()
    # Residents' reports near the focus locations, so the demo shows that layer too.
    assert reports and all(m.id.startswith("DEMO-") for m in reports)
    assert any(m.hotspot_code for m in reports)

    assert _ok(cli("demo-data", "--days", "3")).strip() == "Demodata bestond al."
    with Session(db) as session:
        assert session.exec(select(func.count()).select_from(Record)).one() == made
        assert session.exec(select(func.count()).select_from(Melding)).one() == len(reports)
    key_file = tmp_path / "var" / "pseudonym.key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
