"""Many real phones syncing at once, while the server's data changes under them.

The randomised fault test runs one phone at a time; here eight phones (real
AppState, SyncClient and SQLite file each, real HTTP) push and pull at the same
moment, round after round, while a beheerder edits hotspots and a team leader
reviews records, each committing their own change numbers in between. On
PostgreSQL these are truly concurrent transactions. Afterwards no entry may be
missing or doubled, every phone must hold what the server would send it, and no
change a phone may see may have been skipped by its cursor: for every change in
its scope after its first sync, it received that change or a later one of the
same entity (a page sends an entity once, in its latest state).
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from scenario import DISTRICTS, Env, Officer, Rig, Scenario
from sqlmodel import Session, col, select

import fieldapp.sync
from sync_server.db import session_scope
from sync_server.models import Change, Record
from sync_server.services import accounts
from sync_server.services.pull import pull_changes

PHONES = 8
ROUNDS = 4


class _ThreadSafeScenario(Scenario):
    """The scenario's helpers, callable from several threads at once."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lock = threading.RLock()

    def unique(self, prefix: str) -> str:
        with self.lock:
            return super().unique(prefix)

    def say(self, line: str) -> None:
        with self.lock:
            super().say(line)


def _record_pulls(rig: Rig) -> list[tuple[int, str, str]]:
    """Wrap the phone's page apply to note every change it receives."""
    received: list[tuple[int, str, str]] = []
    store = rig.app.store
    apply = store.apply_pull_page

    def recording(changes: list[dict[str, Any]], next_since: int) -> None:
        apply(changes, next_since)
        received.extend((c["seq"], c["entity"], c["id"]) for c in changes)

    store.apply_pull_page = recording  # type: ignore[method-assign]
    return received


def test_many_phones_sync_at_once_while_the_server_changes(
    env: Env, monkeypatch: pytest.MonkeyPatch
) -> None:
    scenario = _ThreadSafeScenario(9_000_000, env, monkeypatch, steps=0)
    monkeypatch.setattr(fieldapp.sync, "BATCH_SIZE", 3)
    monkeypatch.setattr(fieldapp.sync, "PULL_LIMIT", 4)
    try:
        for n in range(PHONES // 2):
            with session_scope(env.engine) as session:
                user = accounts.create_user(
                    session,
                    username=scenario.unique("samen"),
                    display_name="Handhaver",
                    role="handhaver",
                    districts=[DISTRICTS[n % 3]],
                    password=None,
                )
            officer = Officer(user, DISTRICTS[n % 3])
            scenario.officers.append(officer)
            scenario.add_phone(officer)
            scenario.add_phone(officer)
        scenario.photos = [scenario.make_photo() for _ in range(3)]
        starts = {}
        for rig in scenario.rigs:
            scenario.sync(rig, "first sync")
            starts[rig.name] = rig.app.store.cursor()
        received = {rig.name: _record_pulls(rig) for rig in scenario.rigs}
        barrier = threading.Barrier(PHONES + 1)

        def phone(rig: Rig) -> None:
            for _ in range(ROUNDS):
                barrier.wait(timeout=120)
                scenario.make_entry(rig)
                scenario.make_entry(rig)
                report = rig.app.sync_now()
                assert report.ok, f"{rig.name}: {report.error}"

        def server_side() -> None:
            for round_no in range(ROUNDS):
                barrier.wait(timeout=120)
                scenario.step_server_changes_reference()
                if round_no:
                    scenario.step_review()
                scenario.step_server_changes_reference()

        with ThreadPoolExecutor(max_workers=PHONES + 1) as pool:
            futures = [pool.submit(phone, rig) for rig in scenario.rigs]
            futures.append(pool.submit(server_side))
            for future in futures:
                future.result(timeout=300)

        for rig in scenario.rigs:  # one more round, now that everybody is done
            scenario.sync(rig, "last sync")
        scenario.check()

        users = {o.user.id: o for o in scenario.officers}
        with Session(env.engine) as session:
            owned = session.exec(
                select(Record.id).where(col(Record.owner_user_id).in_(list(users)))
            ).all()
            assert len(owned) == PHONES * ROUNDS * 2
            for rig in scenario.rigs:
                officer = rig.officer
                since, scope = starts[rig.name], []
                while True:
                    changes, since, more = pull_changes(
                        session,
                        user=officer.user,
                        districts=[officer.district],
                        since=since,
                        limit=1000,
                    )
                    scope += changes
                    if not more:
                        break
                got = received[rig.name]
                seqs = [seq for seq, _, _ in got]
                assert seqs == sorted(set(seqs)), f"{rig.name} received a change twice"
                latest: dict[tuple[str, str], int] = {}
                for seq, entity, entity_id in got:
                    latest[(entity, entity_id)] = seq
                skipped = [c for c in scope if latest.get((c.entity, c.id), -1) < c.seq]
                assert not skipped, f"{rig.name} skipped {skipped[:5]}"
            log = session.exec(select(Change.seq).order_by(col(Change.seq))).all()
        assert log == list(range(1, len(log) + 1))
    except BaseException:
        print("\n".join(scenario.log))
        raise
    finally:
        scenario.close()
