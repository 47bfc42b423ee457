"""The steps a seed picks from: entries, edits and deletes, syncs on a bad network,
the app killed between transactions, changes during a sync, two syncs at once,
server-side changes and reviews, a revoked token, a wrong clock, an upgrade, and
late deliveries."""

from __future__ import annotations

import sqlite3
import threading
from datetime import UTC, datetime, timedelta
from typing import Any

from scenario_entries import EntryMaking
from scenario_phones import KILL_SWITCH, AppKilled, Rig
from sqlmodel import Session, col, select

import fieldapp.migrations
import fieldapp.store
import fieldapp.sync
from fieldapp.state import AppState
from sync_server.models import Hotspot, Record
from sync_server.services import accounts
from sync_server.services.changes import AUDIENCE_DISTRICT, PendingChange
from sync_server.services.changes import record_changes as stamp_changes
from sync_server.services.review import set_review
from sync_server.services.scope import manager_scope


class Steps(EntryMaking):
    def pick_rig(self) -> Rig:
        return self.rng.choice(self.rigs)

    def step_entries(self) -> None:
        rig = self.pick_rig()
        for _ in range(self.rng.randint(1, 3)):
            self.make_entry(rig)

    def step_edit(self) -> None:
        self.edit(self.pick_rig())

    def step_delete(self) -> None:
        rig = self.pick_rig()
        candidates = [e for e in rig.made if e not in rig.deleted and rig.app.store.can_delete(e)]
        if candidates:
            self.delete(rig, self.rng.choice(candidates))

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
