"""Concurrent writers and readers: pull never skips, nothing is doubled.

The case the contract worries about (sync-protocol.md, property 4): on PostgreSQL
a number taken by one writer can be committed after a higher number taken by
another; a reader that saw the higher one moves its cursor past the lower one and
never receives it. These tests run on SQLite too, where writers are serialised by
the database itself.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from factories import (
    TEST_KEY,
    Phone,
    adrescontrole,
    change_seqs,
    enrol,
    gele_kaart,
    hotspot_in,
    incident,
    make_user,
    new_client,
    waarneming,
    with_client,
)
from sqlmodel import Session, col, func, select

from sync_server.db import session_scope
from sync_server.models import Change, Record, RecordVersion
from sync_server.services import accounts
from sync_server.services.changes import AUDIENCE_ALL, PendingChange, record_changes
from sync_server.services.pull import pull_changes
from sync_server.services.push import push_records

DISTRICTS = ["noord", "schalkwijk", "oost", "centrum"]
PHONES_PER_OFFICER = 2
BATCHES = 10


def _batch(spot: str, round_no: int) -> list[dict[str, Any]]:
    return [
        waarneming(spot, note=f"ronde {round_no}"),
        incident(spot),
        gele_kaart(spot, naam=f"Jongere {round_no}"),
        adrescontrole(),
        waarneming(spot, persons=round_no),
    ]


def _write(phone: Phone, spot: str) -> list[str]:
    """One phone syncing batch after batch; returns the ids it got accepted."""
    accepted: list[str] = []
    for round_no in range(BATCHES):
        batch = _batch(spot, round_no)
        results = phone.push_ok(batch)
        assert [r["status"] for r in results] == ["accepted"] * len(batch), results
        accepted += [r["id"] for r in results]
    return accepted


def _read(phone: Phone, writers_done: threading.Event) -> list[dict[str, Any]]:
    """Pull in small pages while the writers write, until caught up after they stop."""
    received: list[dict[str, Any]] = []
    while True:
        finished_before = writers_done.is_set()
        response = phone.pull(limit=3)
        assert response.status_code == 200, response.text
        page = response.json()
        received += page["changes"]
        phone.cursor = page["next_since"]
        if not page["more"]:
            if finished_before:
                return received
            writers_done.wait(0.01)


def _follow_log(engine, writers_done: threading.Event) -> list[int]:
    """Follow the whole change log with a cursor, as pull does but for every
    audience at once: it sees the numbers of all writers interleave."""
    received: list[int] = []
    cursor = 0
    while True:
        finished_before = writers_done.is_set()
        with Session(engine) as session:
            seqs = session.exec(
                select(Change.seq)
                .where(col(Change.seq) > cursor)
                .order_by(col(Change.seq))
                .limit(5)
            ).all()
        received += seqs
        cursor = seqs[-1] if seqs else cursor
        if not seqs:
            if finished_before:
                return received
            writers_done.wait(0.002)


def test_pull_never_skips_while_many_phones_push(http, server, engine, settings):
    """Eight phones push at once (two per officer, so that each officer's records
    come from concurrent writers); each officer's third phone pulls in pages of 3
    meanwhile, and a follower reads the whole log. Nobody may miss or repeat a
    change."""
    officers, writers, spots = [], [], []
    for district in DISTRICTS:
        user = make_user(engine, districts=[district], password=None)
        officers.append(enrol(http, engine, settings, user, name="lezer"))
        for n in range(PHONES_PER_OFFICER):
            writers.append((len(officers) - 1, enrol(http, engine, settings, user, name=f"t{n}")))
            spots.append(hotspot_in(engine, district))
    clients = [new_client(server.url) for _ in range(len(writers) + len(officers))]
    writers_left = [PHONES_PER_OFFICER] * len(officers)
    officer_done = [threading.Event() for _ in officers]
    all_done = threading.Event()
    lock = threading.Lock()

    def write(n: int) -> list[str]:
        officer, phone = writers[n]
        try:
            return _write(with_client(phone, clients[n]), spots[n])
        finally:
            with lock:
                writers_left[officer] -= 1
                if writers_left[officer] == 0:
                    officer_done[officer].set()
                if not any(writers_left):
                    all_done.set()

    try:
        with ThreadPoolExecutor(max_workers=len(clients) + 1) as pool:
            follower = pool.submit(_follow_log, engine, all_done)
            readers = [
                pool.submit(_read, with_client(phone, clients[len(writers) + i]), officer_done[i])
                for i, phone in enumerate(officers)
            ]
            pushes = [pool.submit(write, n) for n in range(len(writers))]
            written = [p.result(timeout=120) for p in pushes]
            received = [r.result(timeout=120) for r in readers]
            followed = follower.result(timeout=120)
    finally:
        for client in clients:
            client.close()

    log = change_seqs(engine)
    assert log == list(range(1, len(log) + 1))  # gap-free
    assert followed == log  # the follower saw every number, once, in order
    for i in range(len(officers)):
        seqs = [c["seq"] for c in received[i]]
        assert seqs == sorted(set(seqs)), f"officer {i}: not strictly increasing"
        own = sorted(
            r for n, (officer, _) in enumerate(writers) if officer == i for r in written[n]
        )
        records = sorted(c["id"] for c in received[i] if c["entity"] == "record")
        assert records == own, f"officer {i}: missed or doubled a record"
    with Session(engine) as session:
        assert session.exec(select(func.count()).select_from(Record)).one() == (
            len(writers) * BATCHES * 5
        )


def test_a_held_change_number_is_never_skipped_by_a_reader(engine):
    """Deterministic form of the race: writer A has taken its number but not yet
    committed; writer B comes later. A reader pulling meanwhile must not be able
    to move its cursor past A's number before A commits."""
    reader_user = make_user(engine, districts=["noord"], password=None)
    start = change_seqs(engine)[-1]
    b_done, stop_reading = threading.Event(), threading.Event()
    received: list[int] = []

    def writer_b() -> int:
        with session_scope(engine) as session:
            [seq] = record_changes(
                session, [PendingChange("theme", "jeugd", "upsert", AUDIENCE_ALL)]
            )
        b_done.set()
        return seq

    def reader() -> None:
        cursor = start
        while True:
            stopping = stop_reading.is_set()
            with Session(engine) as session:
                changes, cursor, more = pull_changes(
                    session, user=reader_user, districts=["noord"], since=cursor, limit=1
                )
            received.extend(c.seq for c in changes)
            if stopping and not more:
                return
            stop_reading.wait(0.005)

    with ThreadPoolExecutor(max_workers=2) as pool:
        reading = pool.submit(reader)
        with session_scope(engine) as writer_a:
            [held] = record_changes(
                writer_a, [PendingChange("theme", "afval", "upsert", AUDIENCE_ALL)]
            )
            later = pool.submit(writer_b)
            # B cannot commit while A is open; a wrong implementation lets it
            # through at once, and the reader then passes A's number by.
            b_finished_while_a_open = b_done.wait(0.5)
        b_seq = later.result(timeout=30)
        stop_reading.set()
        reading.result(timeout=30)

    assert not b_finished_while_a_open
    assert (held, b_seq) == (start + 1, start + 2)
    assert received == [held, b_seq]
    assert change_seqs(engine) == list(range(1, b_seq + 1))


def test_the_same_batch_from_several_syncs_at_once_lands_once(http, server, engine, settings):
    """The manual sync, the nightly sync and a retry after a lost reply of one phone
    send the same outbox at the same moment. Every sync must be told the same, and
    a yellow card keeps its one number (found on PostgreSQL: a re-send could be
    answered without the card number when the other sync committed mid-read)."""
    user = make_user(engine, districts=["noord"], password=None)
    phone = enrol(http, engine, settings, user)
    spot = hotspot_in(engine, "noord")
    rounds, at_once = 12, 3
    clients = [new_client(server.url) for _ in range(at_once)]
    syncs = [with_client(phone, client) for client in clients]
    barrier = threading.Barrier(at_once)

    jitter = random.Random(7)
    delays = [[jitter.uniform(0, 0.02) for _ in range(at_once)] for _ in range(rounds)]

    def sync(which: int, round_no: int, batch: list[dict[str, Any]]) -> list[dict[str, Any]]:
        barrier.wait(timeout=30)
        # Start a few milliseconds apart, so that some syncs arrive while another
        # is committing rather than all before any commits.
        time.sleep(delays[round_no][which])
        return syncs[which].push_ok(batch)

    batches = []
    try:
        with ThreadPoolExecutor(max_workers=at_once) as pool:
            for round_no in range(rounds):
                batch = [
                    incident(spot),
                    gele_kaart(spot, naam="Tim Tweemaal"),
                    waarneming(spot, note=str(round_no)),
                ]
                batches.append(batch)
                futures = [pool.submit(sync, i, round_no, batch) for i in range(at_once)]
                first, *others = [f.result(timeout=60) for f in futures]
                assert [r["status"] for r in first] == ["accepted"] * 3
                assert first[1]["outcome"]["card_number"] == round_no + 1
                for other in others:
                    assert other == first  # the same verdicts, the same card number
    finally:
        for client in clients:
            client.close()

    ids = [r["id"] for batch in batches for r in batch]
    with Session(engine) as session:
        for model, key in (
            (Record, Record.id),
            (RecordVersion, RecordVersion.record_id),
            (Change, Change.entity_id),
        ):
            rows = session.exec(select(key).where(col(key).in_(ids))).all()
            assert sorted(rows) == sorted(ids), model.__name__
    log = change_seqs(engine)
    assert log == list(range(1, len(log) + 1))


def test_cards_for_one_youth_from_several_officers_at_once_are_numbered_once_each(
    http, server, engine, settings
):
    """Officers in different districts meet the same youth the same evening: the
    count decides whether the parents get a letter, so no number may be given twice."""
    officers = 6
    phones, spots = [], []
    for n in range(officers):
        district = DISTRICTS[n % len(DISTRICTS)]
        phones.append(
            enrol(http, engine, settings, make_user(engine, districts=[district], password=None))
        )
        spots.append(hotspot_in(engine, district))
    clients = [new_client(server.url) for _ in range(officers)]
    barrier = threading.Barrier(officers)

    def push(n: int) -> list[int]:
        phone = with_client(phones[n], clients[n])
        numbers = []
        for _ in range(3):
            barrier.wait(timeout=30)
            [result] = phone.push_ok(
                [gele_kaart(spots[n], naam="Rik van Vaak", geboortedatum="2009-02-03")]
            )
            assert result["status"] == "accepted", result
            numbers.append(result["outcome"]["card_number"])
        return numbers

    try:
        with ThreadPoolExecutor(max_workers=officers) as pool:
            numbers = [n for got in pool.map(push, range(officers)) for n in got]
    finally:
        for client in clients:
            client.close()

    assert sorted(numbers) == list(range(1, 3 * officers + 1))
    with Session(engine) as session:
        stored = session.exec(select(Record.card_number).where(Record.kind == "gele_kaart")).all()
    assert sorted(stored) == sorted(numbers)


def test_overlapping_batches_in_any_order_neither_deadlock_nor_double(
    http, server, engine, settings, caplog
):
    """The same records in flight at once from several devices of one officer (a
    batch whose reply was lost and is sent again, the manual and the nightly sync,
    a proxy that retries), each batch in its own order and each with a new yellow
    card (whose push takes the change-log lock first), while another device of the
    officer pulls in small pages. On PostgreSQL, writers that insert the same keys
    in different orders, or take the change-log lock and row locks in different
    orders, can deadlock; the server would then retry after the database's
    deadlock timeout. Neither may happen: no retry after a database error other
    than the expected unique-key race, every record and change once, and the
    reader misses nothing."""
    caplog.set_level(logging.INFO, logger="sync_server.services.push")
    user = make_user(engine, districts=["noord"], password=None)
    writers = [enrol(http, engine, settings, user, name=f"w{n}") for n in range(4)]
    reader_phone = enrol(http, engine, settings, user, name="lezer")
    spot = hotspot_in(engine, "noord")
    clients = [new_client(server.url) for _ in range(len(writers) + 1)]
    rng = random.Random(20261127)
    rounds = 6
    barrier = threading.Barrier(len(writers))
    all_done = threading.Event()
    plans = []
    for round_no in range(rounds):
        common = [waarneming(spot, note=f"{round_no}-{i}") for i in range(6)]
        common += [incident(spot), adrescontrole()]
        batches = []
        for n in range(len(writers)):
            batch = list(common)
            rng.shuffle(batch)
            if n % 2:
                batch.insert(rng.randrange(len(batch) + 1), gele_kaart(spot, naam=f"Jo Vaak{n}"))
            batches.append(batch)
        plans.append(batches)

    def write(n: int) -> list[str]:
        phone = with_client(writers[n], clients[n])
        accepted = []
        for round_no in range(rounds):
            barrier.wait(timeout=60)
            results = phone.push_ok(plans[round_no][n])
            assert {r["status"] for r in results} == {"accepted"}, results
            accepted += [r["id"] for r in results]
        return accepted

    try:
        with ThreadPoolExecutor(max_workers=len(writers) + 1) as pool:
            reading = pool.submit(_read, with_client(reader_phone, clients[-1]), all_done)
            pushes = [pool.submit(write, n) for n in range(len(writers))]
            try:
                written = {i for p in pushes for i in p.result(timeout=180)}
            finally:
                all_done.set()  # also when a writer failed: the reader must stop
            received = reading.result(timeout=180)
    finally:
        for client in clients:
            client.close()

    retries = [r.getMessage() for r in caplog.records if "push retry" in r.getMessage()]
    assert not [r for r in retries if "IntegrityError" not in r], retries
    with Session(engine) as session:
        for key in (Record.id, RecordVersion.record_id):
            rows = session.exec(select(key).where(col(key).in_(written))).all()
            assert sorted(rows) == sorted(written), key
        changes = session.exec(select(Change.entity_id).where(Change.entity == "record")).all()
    assert sorted(changes) == sorted(written)  # one change per record: re-sends add none
    log = change_seqs(engine)
    assert log == list(range(1, len(log) + 1))
    seqs = [c["seq"] for c in received]
    assert seqs == sorted(set(seqs))
    assert {c["id"] for c in received if c["entity"] == "record"} == written


def test_the_highest_version_is_current_whatever_commits_first(engine):
    """Property 8 (issue 11.6): versions 2 and 3 of the same records pushed from two
    devices at once, round after round, as corrections of records the server has
    or as records new to it. Whichever push commits first, version 3 is
    current every time and every version is kept. Before the push decided on rows
    updated conditionally, a version 3 committed between the other push's read and
    its write was overwritten by version 2 (a lost update under READ COMMITTED)."""
    user = make_user(engine, districts=["noord"], password=None)
    with session_scope(engine) as session:
        devices = [
            accounts.issue_device(session, user, name=f"t{n}", kind="phone").device
            for n in range(2)
        ]
    spot = hotspot_in(engine, "noord")
    rounds, per_round = 150, 6
    rng = random.Random(20261201)

    def push(device_no: int, batch: list[dict[str, Any]]) -> list[str]:
        results = push_records(
            engine,
            user=user,
            device=devices[device_no],
            districts=["noord"],
            items=batch,
            key=TEST_KEY,
            max_batch=500,
        )
        return [r.status.value for r in results]

    def version(record: dict[str, Any], number: int) -> dict[str, Any]:
        note = f"versie {number}"
        return record | {"version": number, "payload": record["payload"] | {"note": note}}

    known: list[str] = []
    fresh: list[str] = []
    barrier = threading.Barrier(2)

    def at_once(device_no: int, batch: list[dict[str, Any]]) -> list[str]:
        barrier.wait(timeout=30)
        return push(device_no, batch)

    with ThreadPoolExecutor(max_workers=2) as pool:
        for round_no in range(rounds):
            # Mostly corrections of records the server has (one push reads them
            # while the other commits: the lost update); every third round new
            # records, where one push's insert races the other's.
            correcting = round_no % 3 != 2
            existing = [waarneming(spot, note="versie 1") for _ in range(per_round * correcting)]
            if existing:
                assert push(0, existing) == ["accepted"] * len(existing)
            new = [waarneming(spot, note="versie 1") for _ in range(per_round - len(existing))]
            records = existing + new
            second = [version(r, 2) for r in records]
            third = [version(r, 3) for r in records]
            rng.shuffle(second)
            rng.shuffle(third)
            order = [(0, second), (1, third)] if rng.random() < 0.5 else [(1, third), (0, second)]
            outcomes = [pool.submit(at_once, n, b) for n, b in order]
            for outcome in outcomes:
                assert outcome.result(timeout=60) == ["accepted"] * len(records)
            known += [r["id"] for r in existing]
            fresh += [r["id"] for r in new]

    with Session(engine) as session:
        current = {
            r.id: (r.version, r.payload["note"])
            for r in session.exec(select(Record).where(col(Record.id).in_(known + fresh)))
        }
        kept: dict[str, list[int]] = {}
        for v in session.exec(
            select(RecordVersion).where(col(RecordVersion.record_id).in_(known + fresh))
        ):
            kept.setdefault(v.record_id, []).append(v.version)
    assert current == {i: (3, "versie 3") for i in known + fresh}
    assert {i: sorted(kept[i]) for i in known} == {i: [1, 2, 3] for i in known}
    assert {i: sorted(kept[i]) for i in fresh} == {i: [2, 3] for i in fresh}
    log = change_seqs(engine)
    assert log == list(range(1, len(log) + 1))
