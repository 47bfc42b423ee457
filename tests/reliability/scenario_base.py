"""A scenario's people and phones: officers, enrolment, revocation, restarts, and
one sync of one phone (with its report checked for refusals)."""

from __future__ import annotations

import io
import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

from chaos_transport import FAULTS_ANY, FAULTS_PUSH, FAULTS_UPLOAD, ChaosTransport
from PIL import Image
from scenario_phones import CLOCK, DISTRICTS, Env, Officer, Rig

import fieldapp.migrations
import fieldapp.store
import fieldapp.sync
from fieldapp.photos import ProcessedPhoto, process_photo
from fieldapp.state import AppState
from fieldapp.sync import default_client
from sync_server.db import session_scope
from sync_server.services import accounts


class ScenarioBase:
    """State of one seed and the helpers every part of the scenario uses."""

    def __init__(self, seed: int, env: Env, monkeypatch: Any, *, steps: int | None = None) -> None:
        self.seed = seed
        self.env = env
        self.rng = random.Random(seed)
        self.monkeypatch = monkeypatch
        self.log: list[str] = []
        self.started = time.monotonic()
        self.covered: set[str] = set()  # what this seed exercised (see coverage())
        self.rigs: list[Rig] = []
        self.officers: list[Officer] = []
        self.photos: list[ProcessedPhoto] = []
        self.attached: set[str] = set()
        self.hotspots: list[tuple[str, str]] = []  # (code, district) made by this seed
        self.counter = 0
        self.steps = steps if steps is not None else self.rng.randint(6, 12)
        self.folder = env.folder / f"seed-{seed}-{time.monotonic_ns()}"

    # ------------------------------------------------------------ helpers

    def say(self, line: str) -> None:
        self.log.append(f"{time.monotonic() - self.started:7.2f}s {line}")

    def unique(self, prefix: str) -> str:
        self.counter += 1
        return f"{prefix}{self.seed}x{self.counter}"

    def transaction(self) -> Any:
        return session_scope(self.env.engine)

    def factory(self, transport: ChaosTransport) -> Callable[[str], Any]:
        return lambda url: default_client(url, transport=transport)

    # ------------------------------------------------------------ set-up

    def setup(self) -> None:
        rng = self.rng
        monkeypatch = self.monkeypatch
        batch, page = rng.choice([1, 2, 3, 100]), rng.choice([7, 25, 500])
        monkeypatch.setattr(fieldapp.sync, "BATCH_SIZE", batch)
        monkeypatch.setattr(fieldapp.sync, "PULL_LIMIT", page)
        CLOCK.offset = timedelta(0)
        self.say(f"seed {self.seed}: {self.steps} steps, push batches of {batch}, pages of {page}")
        for _ in range(rng.choice([1, 1, 2])):
            district = rng.choice(DISTRICTS)
            with self.transaction() as session:
                user = accounts.create_user(
                    session,
                    username=self.unique("officer"),
                    display_name="Handhaver",
                    role="handhaver",
                    districts=[district],
                    password=None,
                )
            self.officers.append(Officer(user, district))
        for officer in self.officers:
            for _ in range(rng.choice([1, 1, 2])):
                self.add_phone(officer)
        for _ in range(rng.randint(2, 4)):
            self.photos.append(self.make_photo())
        for rig in self.rigs:
            self.sync(rig, "first sync")

    def make_photo(self) -> ProcessedPhoto:
        image = Image.new("RGB", (40, 30), tuple(self.rng.randrange(256) for _ in range(3)))
        for _ in range(12):
            xy = (self.rng.randrange(40), self.rng.randrange(30))
            image.putpixel(xy, tuple(self.rng.randrange(256) for _ in range(3)))
        buffer = io.BytesIO()
        image.save(buffer, "JPEG", quality=90)
        return process_photo(buffer.getvalue())

    def enrol_code(self, officer: Officer) -> str:
        with self.transaction() as session:
            code = accounts.create_enrolment_code(
                session, user=officer.user, ttl=self.env.settings.enrolment_code_ttl
            )
        return code.code

    def add_phone(self, officer: Officer) -> Rig:
        name = f"phone{len(self.rigs)}"
        folder = self.folder / name
        transport = ChaosTransport(self.rng, self.say)
        app = AppState(folder, client_factory=self.factory(transport))
        rig = Rig(name, officer, folder, transport, app)
        transport.revoke = lambda: self.revoke(rig)
        self.enrol(rig)
        self.rigs.append(rig)
        return rig

    def enrol(self, rig: Rig) -> None:
        rig.app.enroll(self.env.url, self.enrol_code(rig.officer), device_name=rig.name)
        # No PIN: unlocking is not what is tested here, and its key stretching is slow.
        self.say(f"{rig.name} enrolled ({rig.officer.user.username}, {rig.officer.district})")

    def revoke(self, rig: Rig) -> None:
        enrolment = rig.app.store.enrolment()
        if enrolment is None:
            return
        with self.transaction() as session:
            accounts.revoke_device(session, enrolment.device_id)
        self.say(f"  {rig.name}'s token revoked mid-sync")

    def note_wipe(self, rig: Rig) -> None:
        """A revoked token makes the app wipe itself (presumed lost): whatever it
        had not sent is gone on purpose, and the officer enrols it again."""
        if rig.app.store.enrolment() is not None:
            return
        gone = set(rig.made) - rig.deleted
        rig.wiped |= gone
        self.covered.add("token revoked: phone wiped and enrolled again")
        rig.made = {}
        self.say(f"  {rig.name} was wiped ({len(gone)} entries) and must be enrolled again")

    def restart(self, rig: Rig, why: str) -> None:
        """The app starts again from its files (after a kill or an update)."""
        rig.app.store.engine.dispose()
        rig.app = AppState(rig.folder, client_factory=self.factory(rig.transport))
        self.say(f"  {rig.name} restarted ({why})")

    @contextmanager
    def phone_clock(self, rig: Rig) -> Iterator[None]:
        CLOCK.offset = rig.clock_offset
        try:
            yield
        finally:
            CLOCK.offset = timedelta(0)

    def arm_random_faults(self, rig: Rig) -> None:
        rng = self.rng
        for _ in range(rng.randint(1, 3)):
            where = rng.choice(["push", "push", "pull", "blob", "blob", "any"])
            if where == "push":
                fault = rng.choice(FAULTS_ANY + FAULTS_PUSH)
                rig.transport.arm(fault, "/api/v1/sync/push")
            elif where == "pull":
                rig.transport.arm(rng.choice(FAULTS_ANY + ("duplicate",)), "/api/v1/sync/pull")
            elif where == "blob":
                if rng.random() < 0.6:
                    rig.transport.arm(rng.choice(FAULTS_UPLOAD), "/api/v1/blobs/", "PUT")
                else:
                    rig.transport.arm(rng.choice(FAULTS_ANY), "/api/v1/blobs/")
            else:
                rig.transport.arm(rng.choice(FAULTS_ANY), "/api/v1/")

    def sync(self, rig: Rig, why: str = "sync") -> None:
        if rig.app.store.enrolment() is None:
            self.enrol(rig)
        with self.phone_clock(rig):
            report = rig.app.sync_now()
        self.note_wipe(rig)
        outcome = "ok" if report.ok else f"error {report.error.code if report.error else ''}"
        self.say(
            f"  {rig.name} {why}: {outcome}, {report.accepted} accepted, "
            f"{report.photos_uploaded} photo(s), {report.changes_pulled} changes"
        )
        if report.rejected or report.conflicts:
            raise AssertionError(
                f"{rig.name}: {report.rejected} rejected, {report.conflicts} conflicts: "
                + "; ".join(f"{i.title}: {i.detail}" for i in rig.app.problem_items())
            )
