"""A randomised sync scenario: real phones, a real server, a seeded bad network.

One seed drives `random.Random(seed)`, which decides everything: how many
officers and phones, which entries they make (through AppState, the same calls
the screens make), which photos they attach, which faults the network has during
each sync, where the app gets killed, when a token is revoked, when the phone's
clock is years off, when the app is upgraded. After the steps the network heals,
held-back requests arrive late and out of order, every phone syncs until nothing
waits, and `check` proves the contract (sync-protocol.md):

- every entry made on any phone is on the server exactly once, in the phone's
  latest version and content, and nothing the officer deleted before sending is;
- every photo a record names is stored, and its bytes match its hash;
- every phone's reference data (districts, themes, hotspots) equals what the
  server would send it now, and each entry's verdict (card number, review) is
  the server's;
- the change log is gap-free.

Each phone is its own folder with its own SQLite file; the server is shared by
all seeds of a test module, and every seed makes its own officers, phones and
hotspots, so seeds cannot see each other's data.
"""

from __future__ import annotations

import hashlib
import io
import random
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from chaos_transport import FAULTS_ANY, FAULTS_PUSH, FAULTS_UPLOAD, ChaosTransport
from PIL import Image
from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

import fieldapp.migrations
import fieldapp.pull_apply
import fieldapp.store
import fieldapp.sync
from fieldapp import models as m
from fieldapp.photos import ProcessedPhoto, process_photo
from fieldapp.state import AppState, EntryInvalid, EntryLocked
from fieldapp.sync import default_client
from sync_protocol import RecordKind, validate_payload
from sync_server.config import Settings
from sync_server.db import session_scope
from sync_server.models import Blob, Change, Hotspot, Record, RecordPhoto, User
from sync_server.services import accounts
from sync_server.services.blobs import blob_path
from sync_server.services.changes import AUDIENCE_DISTRICT, PendingChange, latest_seq
from sync_server.services.changes import record_changes as stamp_changes
from sync_server.services.pull import pull_changes
from sync_server.services.review import set_review
from sync_server.services.scope import manager_scope

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


class Scenario:
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

    # ------------------------------------------------------------ the steps

    def run(self) -> None:
        self.setup()
        actions: list[tuple[Callable[[], None], int]] = [
            (self.step_entries, 6),
            (self.step_edit, 3),
            (self.step_delete, 1),
            (self.step_sync_with_faults, 5),
            (self.step_kill, 3),
            (self.step_change_during_sync, 2),
            (self.step_two_syncs_at_once, 1),
            (self.step_server_changes_reference, 2),
            (self.step_review, 1),
            (self.step_revoke_mid_sync, 1),
            (self.step_clock, 1),
            (self.step_upgrade, 1),
            (self.step_late_delivery, 1),
        ]
        steps, weights = zip(*actions, strict=True)
        for number in range(self.steps):
            step = self.rng.choices(steps, weights)[0]
            self.say(f"step {number}: {step.__name__.removeprefix('step_')}")
            step()
        self.heal()

    def pick_rig(self) -> Rig:
        return self.rng.choice(self.rigs)

    def step_entries(self) -> None:
        rig = self.pick_rig()
        for _ in range(self.rng.randint(1, 3)):
            self.make_entry(rig)

    def ensure_work(self, rig: Rig) -> None:
        """Most syncs a step disturbs should have something to send (and a photo)."""
        if self.rng.random() < 0.75 and not rig.app.store.photos_to_upload():
            self.make_entry(rig, RecordKind.WAARNEMING, with_photo=True)
        elif self.rng.random() < 0.75 and not rig.app.pending_count():
            self.make_entry(rig)

    def make_entry(
        self, rig: Rig, kind: RecordKind | None = None, *, with_photo: bool = False
    ) -> None:
        rng = self.rng
        spots = [h.code for h in rig.app.hotspots()]
        spot = rng.choice(spots) if spots else None
        kind = kind or rng.choice(list(RecordKind))
        note = self.unique("n")
        observed = CLOCK.utcnow() - timedelta(minutes=rng.randint(0, 600))
        fields: dict[str, Any] = {"observed_at": observed}
        photos: list[ProcessedPhoto] = []
        if kind in (RecordKind.WAARNEMING, RecordKind.SIGNAAL_ONDERMIJNING) and (
            with_photo or rng.random() < 0.6
        ):
            # Often the same picture as another entry of this seed (the same photo attached twice).
            photos = rng.sample(self.photos, rng.randint(1, min(2, len(self.photos))))
        if kind is RecordKind.WAARNEMING:
            fields |= {
                "theme": rng.choice(["afval", "jeugd", "parkeren", "honden"]),
                "hotspot": spot,
                "action": rng.choice(["aanspreken", "waarschuwing", "sticker", "geen_actie"]),
                "persons": rng.randint(0, 5),
                "note": note,
            }
        elif kind is RecordKind.GELE_KAART:
            fields |= {
                "naam": rng.choice(NAMES),
                "geboortedatum": f"2010-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}",
                "hotspot": spot,
                "aanleiding": rng.choice(["hinderlijk_gedrag", "vernieling", "overig"]),
                "note": note,
            }
        elif kind is RecordKind.INCIDENT:
            fields |= {
                "types": rng.sample(["verbaal", "fysiek", "bedreiging", "intimidatie"], 2),
                "hotspot": spot,
                "place": "" if spot else "Grote Markt",
                "injured": rng.random() < 0.2,
                "bodycam_on": True,
                "footage_secured": rng.random() < 0.5,
                "politie": rng.choice(["geen", "melding_gedaan"]),
                "bot_gewenst": rng.random() < 0.5,
                "description": note,
            }
        elif kind is RecordKind.ADRESCONTROLE:
            fields |= {"uitkomst": rng.choice(["hit", "geen_hit"]), "address": "Kruisweg 1"}
            fields["note"] = note
        elif kind is RecordKind.SIGNAAL_ONDERMIJNING:
            fields |= {
                "categorie": rng.choice(["drugs", "overig", "woon_adresfraude"]),
                "description": note,
                "hotspot": spot,
            }
        else:
            fields |= {
                "branche": "horeca",
                "uitkomst": rng.choice(["geen_bevindingen", "waarschuwing"]),
                "partners": rng.sample(["politie", "brandweer", "belastingdienst"], 1),
                "hotspot": spot,
                "note": note,
            }
        if not spot and kind not in (RecordKind.ADRESCONTROLE, RecordKind.INCIDENT):
            self.say(f"  {rig.name}: no hotspot known yet, no {kind.value}")
            return
        saver = self.saver(rig.app, kind)
        with self.phone_clock(rig):
            entry = saver(**fields, **({"photos": photos} if photos else {}))
        rig.made[entry.id] = Made(kind, fields)
        self.note_photos(photos)
        self.say(
            f"  {rig.name} saved {kind.value} {entry.id[-8:]} ({note})"
            + (f" with {len(photos)} photo(s)" if photos else "")
        )

    @staticmethod
    def saver(app: AppState, kind: RecordKind) -> Callable[..., m.Entry]:
        return {
            RecordKind.WAARNEMING: app.save_waarneming,
            RecordKind.GELE_KAART: app.save_gele_kaart,
            RecordKind.INCIDENT: app.save_incident,
            RecordKind.ADRESCONTROLE: app.save_adrescontrole,
            RecordKind.SIGNAAL_ONDERMIJNING: app.save_signaal,
            RecordKind.INTEGRALE_CONTROLE: app.save_integrale_controle,
        }[kind]

    @contextmanager
    def phone_clock(self, rig: Rig) -> Iterator[None]:
        CLOCK.offset = rig.clock_offset
        try:
            yield
        finally:
            CLOCK.offset = timedelta(0)

    def edit(self, rig: Rig, entry_id: str | None = None) -> None:
        live = [e for e in rig.made if e not in rig.deleted]
        if not live:
            return
        entry_id = entry_id or self.rng.choice(live)
        made = rig.made[entry_id]
        fields = dict(made.fields)
        text_field = "description" if "description" in fields else "note"
        fields[text_field] = self.unique("edit")
        if made.kind is RecordKind.GELE_KAART:
            fields["naam"] = fields["geboortedatum"] = ""  # keep the youth as recorded
        photos = []
        if made.kind in (RecordKind.WAARNEMING, RecordKind.SIGNAAL_ONDERMIJNING):
            if self.rng.random() < 0.5:
                photos = [self.rng.choice(self.photos)]  # maybe one it already has
        try:
            with self.phone_clock(rig):
                entry = rig.app.update_entry(
                    entry_id, **fields, **({"photos": photos} if photos else {})
                )
        except EntryInvalid as exc:
            # e.g. its focus location was retired meanwhile: the officer picks another.
            self.say(f"  {rig.name} cannot edit {entry_id[-8:]}: {exc.problems}")
            return
        made.fields = fields
        self.note_photos(photos)
        self.say(f"  {rig.name} edited {entry_id[-8:]} -> v{entry.version} ({fields[text_field]})")

    def note_photos(self, photos: list[ProcessedPhoto]) -> None:
        for photo in photos:
            if photo.sha256 in self.attached:
                self.covered.add("same photo attached twice")
            self.attached.add(photo.sha256)

    def step_edit(self) -> None:
        self.edit(self.pick_rig())

    def delete(self, rig: Rig, entry_id: str) -> None:
        try:
            rig.app.delete_entry(entry_id)
        except EntryLocked:
            self.say(f"  {rig.name} may not delete {entry_id[-8:]} (maybe on the server)")
            return
        rig.deleted.add(entry_id)
        self.say(f"  {rig.name} deleted {entry_id[-8:]}")

    def step_delete(self) -> None:
        rig = self.pick_rig()
        candidates = [e for e in rig.made if e not in rig.deleted and rig.app.store.can_delete(e)]
        if candidates:
            self.delete(rig, self.rng.choice(candidates))

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

    def step_sync_with_faults(self) -> None:
        rig = self.pick_rig()
        self.ensure_work(rig)
        self.arm_random_faults(rig)
        self.sync(rig, "sync on a bad network")
        rig.transport.disarm()

    def step_kill(self) -> None:
        """The app dies at a point between two local transactions of a sync."""
        rig = self.pick_rig()
        self.ensure_work(rig)
        store = rig.app.store
        point = self.rng.choice(
            ["after_ack", "after_attempt", "mid_pull_page", "after_pull_page", "after_photo_put"]
        )
        if point == "after_ack":

            def killed_ack(_results: Any) -> dict[str, int]:
                raise AppKilled("killed between the server's ack and the outbox update")

            store.apply_push_results = killed_ack  # type: ignore[method-assign]
        elif point == "after_attempt":
            read = store.outgoing

            def killed_attempt(limit: int, **kwargs: Any) -> list[Any]:
                batch = read(limit, **kwargs)
                if batch:
                    raise AppKilled("killed after taking a batch from the outbox, before sending")
                return batch

            store.outgoing = killed_attempt  # type: ignore[method-assign]
        elif point == "mid_pull_page":
            applied = store.apply_pull_page

            def killed_page(changes: list[dict[str, Any]], next_since: int) -> None:
                if changes:
                    KILL_SWITCH.countdown = self.rng.randint(1, len(changes))
                applied(changes, next_since)

            store.apply_pull_page = killed_page  # type: ignore[method-assign]
        elif point == "after_pull_page":
            applied = store.apply_pull_page

            def killed_after_page(changes: list[dict[str, Any]], next_since: int) -> None:
                applied(changes, next_since)
                raise AppKilled("killed after a pull page was saved")

            store.apply_pull_page = killed_after_page  # type: ignore[method-assign]
        else:

            def killed_photo(_sha: str) -> None:
                raise AppKilled("killed after a photo upload, before noting it")

            store.mark_photo_uploaded = killed_photo  # type: ignore[method-assign]
        if self.rng.random() < 0.5:
            self.arm_random_faults(rig)
        self.say(f"  {rig.name} will be killed at {point}")
        try:
            self.sync(rig, "sync")
        except AppKilled as exc:
            self.say(f"  {rig.name}: {exc}")
            self.covered.add(f"app killed {point}")
        finally:
            KILL_SWITCH.countdown = None
            rig.transport.disarm()
        self.restart(rig, "after the kill")
        self.note_wipe(rig)

    def step_change_during_sync(self) -> None:
        """The officer edits or deletes an entry while the background sync runs:
        between reading the outbox and marking the batch, or with the batch in
        flight, or with its reply in hand."""
        rig = self.pick_rig()
        if not rig.app.pending_count():
            self.make_entry(rig)
        store = rig.app.store
        point = self.rng.choice(["after_read", "in_flight", "before_results"])
        action = self.rng.choice(["edit", "edit", "delete"])
        done = []

        def act(ids: list[str]) -> None:
            if done or not ids:
                return
            done.append(True)
            self.covered.add(f"{action} {point} of a sync")
            target = self.rng.choice(ids)
            if action == "edit":
                self.edit(rig, target)
            else:
                self.delete(rig, target)

        read = store.outgoing
        batch_ids: list[str] = []

        def outgoing(limit: int, **kwargs: Any) -> list[Any]:
            batch = read(limit, **kwargs)
            batch_ids[:] = [r.entry_id for r in batch]
            if point == "after_read":
                act([i for i in batch_ids if i in rig.made and i not in rig.deleted])
            return batch

        store.outgoing = outgoing  # type: ignore[method-assign]
        if point == "in_flight":
            inner = rig.transport.inner
            forward = inner.handle_request

            def in_flight(request: Any) -> Any:
                if request.url.path.endswith("/sync/push"):
                    act([i for i in batch_ids if i in rig.made and i not in rig.deleted])
                return forward(request)

            inner.handle_request = in_flight  # type: ignore[method-assign]
        elif point == "before_results":
            results = store.apply_push_results

            def before(body: list[dict[str, Any]]) -> dict[str, int]:
                act([r["id"] for r in body if r.get("id") in rig.made])
                return results(body)

            store.apply_push_results = before  # type: ignore[method-assign]
        self.say(f"  {rig.name}: {action} {point.replace('_', ' ')}")
        try:
            self.sync(rig, "sync")
        finally:
            if point == "in_flight":
                del rig.transport.inner.handle_request  # back to the class's method
        self.restart(rig, "sync hooks removed")

    def step_two_syncs_at_once(self) -> None:
        """The manual sync and the nightly job (same files, its own process state)."""
        rig = self.pick_rig()
        self.ensure_work(rig)
        if rig.app.store.enrolment() is None:
            self.enrol(rig)
        if self.rng.random() < 0.5:
            self.arm_random_faults(rig)
        nightly = AppState(rig.folder, client_factory=self.factory(rig.transport))
        reports: list[Any] = []
        threads = [
            threading.Thread(target=lambda: reports.append(rig.app.sync_now())),
            threading.Thread(target=lambda: reports.append(nightly.sync_client.sync())),
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        nightly.store.engine.dispose()
        rig.transport.disarm()
        self.note_wipe(rig)
        codes = sorted(r.error.code if r.error else "ok" for r in reports)
        self.say(f"  {rig.name} manual and nightly sync at once: {codes}")
        self.covered.add("manual and nightly sync at once")

    def step_server_changes_reference(self) -> None:
        """The beheerder loads new reference data: a hotspot is added, renamed or
        retired in one of this seed's districts, with its change stamped."""
        rng = self.rng
        choice = rng.choice(["add", "rename", "retire"]) if self.hotspots else "add"
        with self.transaction() as session:
            if choice == "add":
                district = rng.choice(self.officers).district
                code = self.unique("rel-")
                base = session.exec(
                    select(Hotspot).where(Hotspot.district_code == district)
                ).first()
                session.add(
                    Hotspot(
                        code=code,
                        name=f"Proefplek {code}",
                        district_code=district,
                        themes=["afval", "parkeren"],
                        lat=base.lat if base else None,
                        lon=base.lon if base else None,
                        content_hash=code,
                        version=1,
                        updated_at=datetime.now(UTC),
                    )
                )
                self.hotspots.append((code, district))
                op = "upsert"
            else:
                code, district = rng.choice(self.hotspots)
                row = session.get(Hotspot, code)
                assert row is not None
                row.version += 1
                row.updated_at = datetime.now(UTC)
                if choice == "rename":
                    row.name = f"Proefplek {self.unique('naam')}"
                    row.retired = False
                    op = "upsert"
                else:
                    row.retired = True
                    op = "delete"
                session.add(row)
            session.flush()
            stamp_changes(
                session, [PendingChange("hotspot", code, op, AUDIENCE_DISTRICT, district)]
            )
        self.say(f"  server: hotspot {code} {choice} in {district}")
        self.covered.add(f"server: hotspot {choice}")

    def step_review(self) -> None:
        """A team leader reviews an entry the server has; the phone hears on pull."""
        ids = [e for rig in self.rigs for e in list(rig.made)]
        with Session(self.env.engine) as session:
            on_server = session.exec(select(Record).where(col(Record.id).in_(ids))).all()
        if not on_server:
            return
        record = self.rng.choice(on_server)
        state = self.rng.choice(["beoordeeld", "terug_naar_handhaver"])
        remark = self.unique("opmerking") if state == "terug_naar_handhaver" else None
        with self.transaction() as session:
            reviewer = accounts.create_user(
                session,
                username=self.unique("tl"),
                display_name="Teamleider",
                role="beheerder",
                districts=[],
                password=None,
            )
            scope = manager_scope(session, reviewer, [], None)
            set_review(session, scope, reviewer, record.id, state=state, remark=remark)
        self.say(f"  review of {record.id[-8:]}: {state}")
        self.covered.add("review pulled by the phone")

    def step_revoke_mid_sync(self) -> None:
        rig = self.pick_rig()
        path = self.rng.choice(["/api/v1/sync/push", "/api/v1/sync/pull", "/api/v1/"])
        rig.transport.arm("revoke", path)
        self.sync(rig, "sync while the token is revoked")
        rig.transport.disarm()
        if rig.app.store.enrolment() is None:
            self.say(f"  {rig.name} lost its link; the officer enrols it again")
            self.enrol(rig)

    def step_clock(self) -> None:
        rig = self.pick_rig()
        years = self.rng.choice([-5, -3, -1, 1, 2, 4])
        rig.clock_offset = timedelta(days=365 * years + self.rng.randint(0, 300))
        self.say(f"  {rig.name}'s clock is now off by {rig.clock_offset.days} days")
        self.covered.add("clock years off")
        self.make_entry(rig)

    def step_upgrade(self) -> None:
        """An app update with a schema step that rebuilds the outbox table, while
        entries wait in it."""
        rig = self.pick_rig()
        if not rig.app.pending_count():
            self.make_entry(rig)
        waiting = rig.app.pending_count()
        rig.app.store.engine.dispose()
        steps = list(fieldapp.migrations.STEPS) + [_rebuild_outbox]
        self.monkeypatch.setattr(fieldapp.migrations, "STEPS", steps)
        try:
            self.restart(rig, f"app update to schema {len(steps)}")
        finally:
            self.monkeypatch.setattr(fieldapp.migrations, "STEPS", steps[:-1])
        assert rig.app.pending_count() == waiting, "the upgrade lost waiting entries"
        self.covered.add("schema upgrade with entries waiting")

    def step_late_delivery(self) -> None:
        rig = self.pick_rig()
        if rig.transport.held:
            rig.transport.deliver_held(self.rng, count=self.rng.randint(1, len(rig.transport.held)))

    # ------------------------------------------------------------ heal and check

    def heal(self) -> None:
        self.say("heal: the network is good again; held requests arrive late")
        for rig in self.rigs:
            rig.transport.disarm()
            rig.transport.deliver_held(self.rng)
        for round_no in range(4):
            for rig in self.rigs:
                self.sync(rig, f"final sync {round_no}")
                self.note_wipe(rig)
            if all(
                not rig.app.pending_count() and not rig.app.store.photos_to_upload()
                for rig in self.rigs
            ):
                break
        # Once more for all: the pushes above made changes (verdicts) to pull.
        for rig in self.rigs:
            report = rig.app.sync_now()
            assert report.ok, f"{rig.name}: last sync failed: {report.error}"

    def check(self) -> None:
        engine = self.env.engine
        made = {e: (rig, info) for rig in self.rigs for e, info in rig.made.items()}
        deleted = {e for rig in self.rigs for e in rig.deleted}
        wiped = {e for rig in self.rigs for e in rig.wiped}
        users = [o.user.id for o in self.officers]
        with Session(engine) as session:
            records = {
                r.id: r
                for r in session.exec(select(Record).where(col(Record.owner_user_id).in_(users)))
            }
            photo_rows = session.exec(
                select(RecordPhoto).where(col(RecordPhoto.record_id).in_(list(records)))
            ).all()
            shas = {sha for r in records.values() for sha in r.payload.get("photos") or []}
            blobs = set(session.exec(select(Blob.sha256).where(col(Blob.sha256).in_(shas))))
            # Gap-free from 1: as many changes as the highest number, the lowest 1.
            count, lowest, highest = session.exec(
                select(func.count(), func.min(Change.seq), func.max(Change.seq))
            ).one()
            last = latest_seq(session)

        problems: list[str] = []
        expected = set(made) - deleted
        missing, extra = expected - set(records), set(records) - expected - wiped
        if missing:
            problems.append(f"entries never reached the server: {sorted(missing)}")
        if extra & deleted:
            problems.append(f"deleted before sending, yet on the server: {sorted(extra & deleted)}")
        if extra - deleted:
            problems.append(f"on the server, made by no phone: {sorted(extra - deleted)}")
        notes = [_text_of(r.payload) for r in records.values()]
        if len(notes) != len(set(notes)):
            problems.append("the same entry is on the server twice under different ids")

        for entry_id in sorted(expected & set(records)):
            rig, _info = made[entry_id]
            entry = rig.app.store.entry(entry_id)
            record = records[entry_id]
            if entry is None:
                problems.append(f"{entry_id}: gone from {rig.name}")
                continue
            if record.version != entry.version:
                problems.append(
                    f"{entry_id}: server has v{record.version}, {rig.name} v{entry.version}"
                )
            want = _stored_payload(entry)
            if record.payload != want:
                problems.append(
                    f"{entry_id}: server content differs from {rig.name}'s latest:\n"
                    f"    server {record.payload}\n    phone  {want}"
                )
            if entry.status != m.GEACCEPTEERD or entry.synced_version != entry.version:
                problems.append(
                    f"{entry_id}: {rig.name} shows {entry.status}, synced v{entry.synced_version}"
                )
            if entry.card_number != record.card_number:
                problems.append(
                    f"{entry_id}: card {entry.card_number} on the phone, "
                    f"{record.card_number} on the server"
                )
            if (entry.review_state, entry.review_remark) != (
                record.review_state,
                record.review_remark,
            ):
                problems.append(
                    f"{entry_id}: review {entry.review_state}/{entry.review_remark} on the "
                    f"phone, {record.review_state}/{record.review_remark} on the server"
                )

        named: dict[str, set[str]] = {}
        for record in records.values():
            if record.id not in wiped:  # its photos were wiped with the phone
                named[record.id] = set(record.payload.get("photos") or [])
        linked: dict[str, set[str]] = {}
        for row in photo_rows:
            linked.setdefault(row.record_id, set()).add(row.sha256)
        for record_id, shas in named.items():
            if linked.get(record_id, set()) != shas:
                problems.append(f"{record_id}: photo links {linked.get(record_id)} != {shas}")
            for sha in shas:
                path = blob_path(self.env.settings.blob_dir, sha)
                if sha not in blobs or not path.exists():
                    problems.append(f"{record_id}: photo {sha[:12]} missing on the server")
                elif hashlib.sha256(path.read_bytes()).hexdigest() != sha:
                    problems.append(f"{record_id}: photo {sha[:12]} does not match its hash")

        for rig in self.rigs:
            store = rig.app.store
            if store.pending_count():
                problems.append(f"{rig.name}: {store.pending_count()} entries still waiting")
            if store.photos_to_upload():
                problems.append(f"{rig.name}: photos not uploaded")
            with Session(store.engine) as local:
                if local.exec(select(func.count()).select_from(m.PendingIdentity)).one():
                    problems.append(f"{rig.name}: a youth's identity is still on the phone")
            if store.cursor() > last:
                problems.append(f"{rig.name}: cursor {store.cursor()} beyond the server's {last}")
            want_ref = self.expected_reference(rig)
            have_ref = phone_reference(store.engine)
            for entity in want_ref:
                if want_ref[entity] != have_ref[entity]:
                    diff = {
                        k: (have_ref[entity].get(k), want_ref[entity].get(k))
                        for k in set(want_ref[entity]) | set(have_ref[entity])
                        if want_ref[entity].get(k) != have_ref[entity].get(k)
                    }
                    problems.append(f"{rig.name}: {entity} differ (phone, server): {diff}")
        if (lowest, highest) != (1, count) or highest != last:
            problems.append("the change log has a gap")
        if problems:
            raise AssertionError("\n".join(problems))

    def expected_reference(self, rig: Rig) -> dict[str, dict[str, Any]]:
        """What a phone of this officer gets when it pulls everything from 0."""
        state: dict[str, dict[str, Any]] = {"district": {}, "theme": {}, "hotspot": {}}
        user = rig.officer.user
        since = 0
        with Session(self.env.engine) as session:
            while True:
                changes, since, more = pull_changes(
                    session, user=user, districts=[rig.officer.district], since=since, limit=500
                )
                for change in changes:
                    if change.entity not in state:
                        continue
                    if change.op == "delete" or change.data is None:
                        state[change.entity].pop(change.id, None)
                    else:
                        state[change.entity][change.id] = _reference_fields(
                            change.entity, change.data.model_dump()
                        )
                if not more:
                    return state

    def coverage(self) -> set[str]:
        fired = {f"fault {f}" for rig in self.rigs for f in rig.transport.fired}
        return self.covered | fired

    def close(self) -> None:
        for rig in self.rigs:
            rig.app.store.engine.dispose()
            rig.transport.close()
        CLOCK.offset = timedelta(0)


# ---------------------------------------------------------------- comparisons

_FIELDS = {
    "district": ("name", "center_lat", "center_lon"),
    "theme": ("name", "kind", "description"),
    "hotspot": ("name", "district", "themes", "lat", "lon", "note"),
}


def _reference_fields(entity: str, data: dict[str, Any]) -> tuple[Any, ...]:
    values = []
    for name in _FIELDS[entity]:
        value = data.get(name)
        if name in ("description", "note"):
            value = value or ""
        if name == "themes":
            value = list(value or [])
        values.append(value)
    return tuple(values)


def phone_reference(engine: Engine) -> dict[str, dict[str, Any]]:
    models: dict[str, Any] = {"district": m.District, "theme": m.Theme, "hotspot": m.Hotspot}
    state: dict[str, dict[str, Any]] = {}
    with Session(engine) as session:
        for entity, model in models.items():
            state[entity] = {
                row.code: _reference_fields(entity, row.model_dump())
                for row in session.exec(select(model))
            }
    return state


def _stored_payload(entry: m.Entry) -> dict[str, Any]:
    """The phone's latest content as the server stores it (validated, no youth)."""
    model = validate_payload(RecordKind(entry.kind), entry.payload)
    return {k: v for k, v in model.model_dump(mode="json").items() if k != "jongere"}


def _text_of(payload: dict[str, Any]) -> str:
    return str(payload.get("description") or payload.get("note") or payload)


def _rebuild_outbox(db: sqlite3.Connection) -> None:
    """A new schema step such as an update might bring: the outbox table is
    rebuilt (a new column) and its rows copied, while entries wait in it."""
    columns = [row[1] for row in db.execute("PRAGMA table_info(outbox)")]
    sql = db.execute("SELECT sql FROM sqlite_master WHERE name = 'outbox'").fetchone()[0]
    create = sql.replace("CREATE TABLE outbox", "CREATE TABLE outbox_new", 1)
    create = create[: create.rstrip().rfind(")")]
    db.execute(create + ", upgraded_from INTEGER)")
    names = ", ".join(columns)
    db.execute(f"INSERT INTO outbox_new ({names}) SELECT {names} FROM outbox")
    db.execute("DROP TABLE outbox")
    db.execute("ALTER TABLE outbox_new RENAME TO outbox")
