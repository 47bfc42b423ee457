"""Heal the network and prove the contract (sync-protocol.md): every entry on the
server once in its latest version, every photo stored and matching its hash, every
phone's reference data as the server would send it, no gap in the change log."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from typing import Any

from scenario_base import ScenarioBase
from scenario_phones import CLOCK, Rig
from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from fieldapp import models as m
from sync_protocol import RecordKind, validate_payload
from sync_server.models import Blob, Change, Record, RecordPhoto
from sync_server.services.blobs import blob_path
from sync_server.services.changes import latest_seq
from sync_server.services.pull import pull_changes


class Checks(ScenarioBase):
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
