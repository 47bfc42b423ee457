"""The phones of a scenario: what the seeds share, the phones' clock and kill
switch (the seams installed once per module), and one phone under test (a Rig)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from chaos_transport import ChaosTransport
from sqlalchemy.engine import Engine

import fieldapp.migrations
import fieldapp.pull_apply
import fieldapp.store
import fieldapp.sync
from fieldapp.state import AppState
from sync_protocol import RecordKind
from sync_server.config import Settings
from sync_server.models import User

DISTRICTS = ["noord", "schalkwijk", "oost", "centrum", "zuid-west"]
NAMES = ["Sem de Vries", "Noor Bakker", "Daan Visser", "Lotte Smit", "Milan Jansen"]


class AppKilled(BaseException):
    """The app's process dies here. A BaseException, so that nothing in the app
    can catch it; afterwards the phone is restarted from its files."""


@dataclass
class Env:
    """What all seeds of a module share: the server and its database."""

    engine: Engine
    settings: Settings
    url: str
    folder: Path


class Clock:
    """The phones' clock (one at a time is in use): real time plus an offset."""

    def __init__(self) -> None:
        self.offset = timedelta(0)

    def time(self) -> float:
        return time.time() + self.offset.total_seconds()

    def utcnow(self) -> datetime:
        return datetime.now(UTC) + self.offset


CLOCK = Clock()


class _KillSwitch:
    """Raises AppKilled once a pull page's changes are applied, before the page's
    transaction commits its cursor (the phone applies a page in bulk, so any
    kill inside it is this one: all of the page or none)."""

    def __init__(self) -> None:
        self.countdown: int | None = None
        self.original: Callable[[Any, Any], None] = fieldapp.pull_apply.apply_changes

    def apply_changes(self, session: Any, changes: Any) -> None:
        self.original(session, changes)
        if self.countdown is not None:
            self.countdown = None
            raise AppKilled("killed after applying a pull page, before its cursor")


KILL_SWITCH = _KillSwitch()


@contextmanager
def patched_phone_runtime(monkeypatch: Any) -> Iterator[None]:
    """Install the seams once per module: the phones' clock and the kill switch."""

    class _TimeModule:
        time = staticmethod(CLOCK.time)

    monkeypatch.setattr("fieldapp.ids.time", _TimeModule)
    monkeypatch.setattr("fieldapp.store.utcnow", CLOCK.utcnow)
    monkeypatch.setattr("fieldapp.pull_apply.apply_changes", KILL_SWITCH.apply_changes)
    yield


@dataclass
class Officer:
    user: User
    district: str


@dataclass
class Made:
    """What the scenario asked an entry to be: the fields of its save_… call."""

    kind: RecordKind
    fields: dict[str, Any]


@dataclass
class Rig:
    """One phone: its folder, its network, and the app running on it."""

    name: str
    officer: Officer
    folder: Path
    transport: ChaosTransport
    app: AppState
    made: dict[str, Made] = field(default_factory=dict)
    wiped: set[str] = field(default_factory=set)  # entries a remote wipe took away
    deleted: set[str] = field(default_factory=set)
    clock_offset: timedelta = field(default_factory=lambda: timedelta(0))
