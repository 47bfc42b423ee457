"""The phone's store: entries, their outbox, photos and the district's reference copy.

Every save commits at once, entry and outbox row in one transaction: a killed app
or a dead battery right after "Opslaan" loses nothing. Every entry is checked
with the same wire-format rules the server uses before it is saved, so the
officer hears about a mistake on the spot and not days later.
"""

from __future__ import annotations

import math
import shutil
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from sqlalchemy import delete, func, update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from fieldapp import models as m
from fieldapp.db import utcnow
from fieldapp.encryption import IDENTITY_FIELDS, FieldCipher, is_sealed, needs_sealing
from fieldapp.ids import new_record_id
from fieldapp.keystore import default_keystore
from fieldapp.labels import FIELD_LABELS
from fieldapp.photos import ProcessedPhoto
from sync_protocol import RecordKind, validate_payload
from sync_protocol.records import PUSH_PRIORITY


class EntryInvalid(ValueError):
    """An entry the officer must correct; `problems` maps a field to a Dutch message."""

    def __init__(self, problems: dict[str, str]) -> None:
        self.problems = problems
        super().__init__("; ".join(f"{FIELD_LABELS.get(k, k)}: {v}" for k, v in problems.items()))


class EntryLocked(ValueError):
    """The entry was already sent: a change is a correction (new version), not an edit."""


_PYDANTIC_NL = {
    "missing": "is verplicht",
    "int_type": "moet een heel getal zijn",
    "bool_type": "moet ja of nee zijn",
    "string_too_long": "is te lang",
    "string_too_short": "is te kort",
    "greater_than_equal": "is te klein",
    "less_than_equal": "is te groot",
    "enum": "is geen geldige keuze",
    "too_short": "kies er minstens één",
    "too_long": "te veel gekozen",
    "datetime_parsing": "is geen geldig tijdstip",
    "date_from_datetime_parsing": "is geen geldige datum",
    "timezone_aware": "mist een tijdzone",
    "extra_forbidden": "is onbekend",
}


def _problems(error: ValidationError) -> dict[str, str]:
    problems: dict[str, str] = {}
    for item in error.errors():
        loc = [str(p) for p in item["loc"] if not isinstance(p, int)]
        field = loc[-1] if loc else "formulier"
        message = _PYDANTIC_NL.get(item["type"])
        if message is None:
            text = str(item.get("msg", ""))
            message = text.removeprefix("Value error, ") if "Value error" in text else "klopt niet"
        problems.setdefault(field, message)
    return problems


@dataclass(frozen=True)
class HotspotChoice:
    code: str
    name: str
    district: str
    themes: list[str]
    distance_m: float | None


@dataclass(frozen=True)
class OutgoingRecord:
    entry_id: str
    version: int
    wire: dict[str, Any]  # exactly what goes into the push batch


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    radius = 6_371_000.0
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * radius * math.asin(math.sqrt(a))


class Store:
    def __init__(self, engine: Engine, photo_dir: Path, cipher: FieldCipher | None = None) -> None:
        self.engine = engine
        self.photo_dir = photo_dir
        # Personal fields are sealed at rest (fieldapp/encryption.py); without an
        # injected cipher the key is kept in a file of the data folder.
        self.cipher = cipher or FieldCipher(default_keystore(photo_dir.parent))
        self.seal_plain_rows()

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        with Session(self.engine, expire_on_commit=False) as session:
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise

    # ------------------------------------------------------------ enrolment

    def enrolment(self) -> m.Enrolment | None:
        with Session(self.engine) as session:
            return session.get(m.Enrolment, 1)

    def save_enrolment(self, enrolment: m.Enrolment) -> None:
        with self.transaction() as session:
            session.merge(enrolment)

    def forget_enrolment(self) -> None:
        """Drop the token (and PIN); entries stay and go out after a new enrolment."""
        with self.transaction() as session:
            session.execute(delete(m.Enrolment))

    def update_enrolment(self, **fields: Any) -> None:
        with self.transaction() as session:
            row = session.get(m.Enrolment, 1)
            if row is None:
                return
            for key, value in fields.items():
                setattr(row, key, value)
            session.add(row)

    def wipe(self) -> None:
        """Remote wipe of a revoked (presumed lost or stolen) phone: every entry,
        sent or not, the outbox, photos, reference data, cursor and enrolment,
        the key of the personal fields, and every other file in the app's data
        folder. Deleted rows are overwritten (secure_delete), the file is
        rebuilt and the write-ahead log emptied."""
        with self.transaction() as session:
            for table in (
                m.EntryPhoto,
                m.PendingIdentity,
                m.Outbox,
                m.Photo,
                m.Entry,
                m.Hotspot,
                m.Theme,
                m.District,
                m.Enrolment,
                m.SyncState,
            ):
                session.execute(delete(table))
            session.add(m.SyncState(id=1))
        self.cipher.forget_key()
        self._compact()
        # Every other file of the app's own data folder goes too (photos, the
        # key file, cached suggestions, whatever a later feature adds there).
        database = Path(self.engine.url.database or "")
        keep = {database.name + suffix for suffix in ("", "-wal", "-shm", "-journal")}
        keep.add("sync.lock")
        folder = self.photo_dir.parent
        for path in folder.iterdir() if folder.is_dir() else []:
            if path.name in keep:
                continue
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)

    def _compact(self) -> None:
        """Rebuild the file and empty the write-ahead log (no old pages left behind)."""
        for attempt in range(20):
            raw = self.engine.raw_connection()
            try:
                db = raw.driver_connection
                assert db is not None
                if attempt == 0:
                    db.execute("VACUUM")
                busy = db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0]
            finally:
                raw.close()
            if not busy:
                return
            time.sleep(0.05)

    # ------------------------------------------------------------ encryption at rest

    def _sealed_identity(self, entry_id: str, identity: dict[str, str]) -> dict[str, str]:
        return {"entry_id": entry_id, **self.cipher.seal_identity(entry_id, identity)}

    def _identity(self, pending: m.PendingIdentity) -> dict[str, str]:
        return self.cipher.open_identity(
            pending.entry_id, {"naam": pending.naam, "geboortedatum": pending.geboortedatum}
        )

    def _opened(self, row: m.Entry | None) -> m.Entry | None:
        """A detached copy of the entry with its personal fields decrypted."""
        if row is None:
            return None
        session = Session.object_session(row)
        if session is not None:
            session.expunge(row)
        row.payload = self.cipher.open_payload(row.id, row.payload)
        return row

    def seal_plain_rows(self) -> int:
        """The data step of the upgrade to encryption at rest: rows written by an
        older app (personal fields in plain text) are sealed, once; returns how many."""
        with Session(self.engine) as session:
            entries = [
                e.id for e in session.exec(select(m.Entry)).all() if needs_sealing(e.payload)
            ]
            identities = [
                p.entry_id
                for p in session.exec(select(m.PendingIdentity)).all()
                if not all(is_sealed(getattr(p, name)) for name in IDENTITY_FIELDS)
            ]
        if not entries and not identities:
            return 0
        with self.transaction() as session:
            for entry_id in entries:
                entry = session.get(m.Entry, entry_id)
                if entry is not None:
                    entry.payload = self.cipher.seal_payload(entry_id, entry.payload)
                    session.add(entry)
            for entry_id in identities:
                pending = session.get(m.PendingIdentity, entry_id)
                if pending is not None:
                    sealed = self.cipher.seal_identity(entry_id, self._identity(pending))
                    pending.naam, pending.geboortedatum = sealed["naam"], sealed["geboortedatum"]
                    session.add(pending)
        self._compact()  # the plain text must not linger in free pages or the WAL
        return len(entries) + len(identities)

    # ------------------------------------------------------------ reference data

    def districts(self) -> list[m.District]:
        with Session(self.engine) as session:
            return list(session.exec(select(m.District).order_by(col(m.District.name))).all())

    def themes(self, kind: str | None = "handhaving") -> list[m.Theme]:
        with Session(self.engine) as session:
            query = select(m.Theme).order_by(col(m.Theme.name))
            if kind:
                query = query.where(m.Theme.kind == kind)
            return list(session.exec(query).all())

    def hotspots(
        self,
        *,
        districts: Iterable[str] | None = None,
        search: str = "",
        theme: str | None = None,
        near: tuple[float, float] | None = None,
    ) -> list[HotspotChoice]:
        """The district's hotspots: nearest first when a position is known,
        otherwise alphabetical; `search` matches any part of the name."""
        with Session(self.engine) as session:
            query = select(m.Hotspot)
            if districts is not None:
                query = query.where(col(m.Hotspot.district).in_(list(districts)))
            rows = session.exec(query).all()
        needle = search.strip().lower()
        choices = []
        for row in rows:
            if needle and needle not in row.name.lower():
                continue
            if theme and row.themes and theme not in row.themes:
                continue
            dist = None
            if near and row.lat is not None and row.lon is not None:
                dist = distance_m(near[0], near[1], row.lat, row.lon)
            choices.append(HotspotChoice(row.code, row.name, row.district, row.themes, dist))
        if near:
            choices.sort(key=lambda c: (c.distance_m is None, c.distance_m or 0, c.name))
        else:
            choices.sort(key=lambda c: c.name.lower())
        return choices

    def hotspot_name(self, code: str | None) -> str:
        if not code:
            return ""
        with Session(self.engine) as session:
            row = session.get(m.Hotspot, code)
        return row.name if row else code

    # ------------------------------------------------------------ entries

    def _check(
        self,
        kind: RecordKind,
        payload: dict[str, Any],
        identity: dict[str, str] | None,
        session: Session | None = None,
    ) -> None:
        full = dict(payload)
        if identity is not None:
            full["jongere"] = identity
        try:
            validate_payload(kind, full)
        except ValidationError as exc:
            raise EntryInvalid(_problems(exc)) from exc
        if kind is RecordKind.GELE_KAART and identity is None:
            raise EntryInvalid({"jongere": "naam en geboortedatum zijn verplicht"})
        if session is None:
            with Session(self.engine) as own:
                self._check_references(own, payload)
        else:
            self._check_references(session, payload)

    @staticmethod
    def _check_references(session: Session, payload: dict[str, Any]) -> None:
        hotspot = payload.get("hotspot")
        if hotspot and session.get(m.Hotspot, hotspot) is None:
            raise EntryInvalid({"hotspot": "onbekende focuslocatie"})
        theme = payload.get("theme")
        if theme and session.get(m.Theme, theme) is None:
            raise EntryInvalid({"theme": "onbekend thema"})

    def _store_photos(self, session: Session, entry_id: str, photos: list[ProcessedPhoto]) -> None:
        self.photo_dir.mkdir(parents=True, exist_ok=True)
        for position, photo in enumerate(photos):
            path = self.photo_dir / f"{photo.sha256}.jpg"
            thumb = self.photo_dir / f"{photo.sha256}.thumb.jpg"
            if not path.exists():
                _write_atomic(path, photo.data)
                _write_atomic(thumb, photo.thumbnail)
            if session.get(m.Photo, photo.sha256) is None:
                session.add(
                    m.Photo(
                        sha256=photo.sha256,
                        path=str(path),
                        thumbnail_path=str(thumb),
                        size=len(photo.data),
                        created_at=utcnow(),
                    )
                )
            session.merge(m.EntryPhoto(entry_id=entry_id, sha256=photo.sha256, position=position))

    def save_entry(
        self,
        kind: RecordKind | str,
        payload: dict[str, Any],
        *,
        identity: dict[str, str] | None = None,
        photos: list[ProcessedPhoto] | None = None,
    ) -> m.Entry:
        """Save a new entry and queue it for sending, in one transaction."""
        kind = RecordKind(kind)
        photos = photos or []
        if photos:
            payload = payload | {"photos": [p.sha256 for p in photos]}
        self._check(kind, payload, identity)
        now = utcnow()
        entry_id = new_record_id()
        entry = m.Entry(
            id=entry_id,
            kind=kind.value,
            version=1,
            payload=self.cipher.seal_payload(entry_id, payload),
            status=m.WACHT,
            created_at=now,
            updated_at=now,
        )
        with self.transaction() as session:
            session.add(entry)
            session.flush()
            self._store_photos(session, entry.id, photos)
            if identity is not None:
                session.add(m.PendingIdentity(**self._sealed_identity(entry.id, identity)))
            session.add(
                m.Outbox(entry_id=entry.id, version=1, priority=PUSH_PRIORITY[kind], queued_at=now)
            )
        return entry

    def update_entry(
        self,
        entry_id: str,
        payload: dict[str, Any],
        *,
        identity: dict[str, str] | None = None,
        photos: list[ProcessedPhoto] | None = None,
    ) -> m.Entry:
        """Change an entry. While the server cannot have it yet, the waiting version
        is edited in place; once it may have it (accepted, in conflict, or a send
        was attempted whose reply got lost) the change becomes a new version."""
        with self.transaction() as session:
            entry = session.get(m.Entry, entry_id)
            if entry is None:
                raise KeyError(entry_id)
            kind = RecordKind(entry.kind)
            if photos:
                payload = payload | {"photos": [p.sha256 for p in photos]}
            pending = session.get(m.PendingIdentity, entry_id)
            if kind is RecordKind.GELE_KAART and entry.synced_version is not None:
                # A correction of an accepted card: the server keeps the pseudonym.
                self._check_correction(kind, payload)
            else:
                known = self._identity(pending) if pending else None
                self._check(kind, payload, identity or known, session)
            box = session.get(m.Outbox, entry_id)
            if _maybe_on_server(entry, box):
                entry.version += 1
            entry.payload = self.cipher.seal_payload(entry_id, payload)
            entry.status = m.WACHT
            entry.reject_code = entry.reject_message = None
            entry.updated_at = utcnow()
            session.add(entry)
            if identity is not None and entry.synced_version is None:
                session.merge(m.PendingIdentity(**self._sealed_identity(entry_id, identity)))
            if photos:
                self._store_photos(session, entry_id, photos)
            if box is None:
                box = m.Outbox(
                    entry_id=entry_id,
                    version=entry.version,
                    priority=PUSH_PRIORITY[kind],
                    queued_at=utcnow(),
                )
            box.version, box.attempts, box.last_error = entry.version, 0, None
            session.add(box)
            return entry

    def _check_correction(self, kind: RecordKind, payload: dict[str, Any]) -> None:
        try:
            validate_payload(kind, payload)
        except ValidationError as exc:
            raise EntryInvalid(_problems(exc)) from exc

    def can_delete(self, entry_id: str) -> bool:
        with Session(self.engine) as session:
            entry = session.get(m.Entry, entry_id)
            if entry is None:
                return False
            return entry.version == 1 and not _maybe_on_server(
                entry, session.get(m.Outbox, entry_id)
            )

    def delete_entry(self, entry_id: str) -> None:
        """Only an entry the server never accepted can be deleted."""
        with self.transaction() as session:
            entry = session.get(m.Entry, entry_id)
            if entry is None:
                return
            # Version > 1 means an earlier version may already be on the server.
            if entry.version > 1 or _maybe_on_server(entry, session.get(m.Outbox, entry_id)):
                raise EntryLocked(
                    "Deze invoer is al (mogelijk) verzonden en kan niet meer weg. "
                    "Pas hem aan: dat wordt een correctie."
                )
            session.execute(delete(m.Outbox).where(col(m.Outbox.entry_id) == entry_id))
            session.execute(
                delete(m.PendingIdentity).where(col(m.PendingIdentity.entry_id) == entry_id)
            )
            session.execute(delete(m.EntryPhoto).where(col(m.EntryPhoto.entry_id) == entry_id))
            session.delete(entry)

    def entry(self, entry_id: str) -> m.Entry | None:
        """The entry as its officer sees it: personal fields decrypted (in memory only)."""
        with Session(self.engine) as session:
            return self._opened(session.get(m.Entry, entry_id))

    def entries(self, limit: int = 200) -> list[m.Entry]:
        with Session(self.engine) as session:
            rows = session.exec(
                select(m.Entry).order_by(col(m.Entry.created_at).desc()).limit(limit)
            ).all()
            return [opened for row in rows if (opened := self._opened(row)) is not None]

    def pending_count(self) -> int:
        with Session(self.engine) as session:
            return int(session.exec(select(func.count()).select_from(m.Outbox)).one())

    def entry_photos(self, entry_id: str) -> list[m.Photo]:
        with Session(self.engine) as session:
            rows = session.exec(
                select(m.Photo)
                .join(m.EntryPhoto, col(m.EntryPhoto.sha256) == m.Photo.sha256)
                .where(m.EntryPhoto.entry_id == entry_id)
                .order_by(col(m.EntryPhoto.position))
            ).all()
            return list(rows)

    # ------------------------------------------------------------ outbox (used by sync)

    def outgoing(self, limit: int, *, claim: bool = False) -> list[OutgoingRecord]:
        """The next records to send: incidents first, then oldest first.

        With `claim` (the sync does this) they are marked as attempted in the same
        transaction they are read in: an edit or delete made at the same moment
        then comes either before the read (and is sent) or after the mark (and
        becomes a new version, or is refused), never in between, where it would
        be lost or a deleted entry would still be sent."""
        with self.transaction() if claim else Session(self.engine) as session:
            rows = session.exec(
                select(m.Outbox, m.Entry)
                .where(m.Outbox.entry_id == m.Entry.id)
                .order_by(col(m.Outbox.priority), col(m.Outbox.queued_at))
                .limit(limit)
            ).all()
            ids = [entry.id for _box, entry in rows]
            if claim and ids:
                session.execute(
                    update(m.Outbox)
                    .where(col(m.Outbox.entry_id).in_(ids))
                    .values(attempts=col(m.Outbox.attempts) + 1)
                )
            # One query for the batch's youth identities (yellow cards only).
            identities = {
                row.entry_id: row
                for row in session.exec(
                    select(m.PendingIdentity).where(col(m.PendingIdentity.entry_id).in_(ids))
                ).all()
            }
            out = []
            for box, entry in rows:
                # Decrypted only here, for the request body (never written back).
                payload = self.cipher.open_payload_strict(entry.id, entry.payload)
                identity = identities.get(entry.id)
                if identity is not None:
                    payload["jongere"] = self._identity(identity)
                out.append(
                    OutgoingRecord(
                        entry.id,
                        box.version,
                        {
                            "id": entry.id,
                            "kind": entry.kind,
                            "version": box.version,
                            "payload": payload,
                        },
                    )
                )
            return out

    def apply_push_results(self, results: list[dict[str, Any]]) -> dict[str, int]:
        """Record the server's verdicts, in one transaction."""
        counts = {"accepted": 0, "rejected": 0, "conflict": 0}
        ids = [r["id"] for r in results if isinstance(r.get("id"), str)]
        with self.transaction() as session, session.no_autoflush:
            # The batch's rows in two queries, not two lookups per record.
            entries = {
                e.id: e for e in session.exec(select(m.Entry).where(col(m.Entry.id).in_(ids)))
            }
            boxes = {
                b.entry_id: b
                for b in session.exec(select(m.Outbox).where(col(m.Outbox.entry_id).in_(ids)))
            }
            done: list[str] = []
            accepted: list[str] = []
            now = utcnow()
            for result in results:
                entry_id, version = result.get("id"), result.get("version")
                entry = entries.get(entry_id) if isinstance(entry_id, str) else None
                box = boxes.get(entry_id) if isinstance(entry_id, str) else None
                if entry is None or box is None or box.version != version:
                    continue  # edited meanwhile: the newer version is still queued
                status = result["status"]
                counts[status] = counts.get(status, 0) + 1
                done.append(entry.id)
                if status == "accepted":
                    entry.status = m.GEACCEPTEERD
                    entry.synced_version = max(entry.synced_version or 0, version)
                    outcome = result.get("outcome") or {}
                    if "card_number" in outcome:
                        entry.card_number = outcome["card_number"]
                        entry.next_step = outcome.get("next_step")
                    accepted.append(entry.id)
                else:
                    entry.status = m.AFGEWEZEN if status == "rejected" else m.CONFLICT
                    entry.reject_code = result.get("code")
                    entry.reject_message = result.get("message")
                entry.updated_at = now
                session.add(entry)
            session.flush()
            if done:
                session.execute(delete(m.Outbox).where(col(m.Outbox.entry_id).in_(done)))
            if accepted:
                # The server has pseudonymised these youths: wipe the identities here.
                session.execute(
                    delete(m.PendingIdentity).where(col(m.PendingIdentity.entry_id).in_(accepted))
                )
        return counts

    def mark_attempt(self, entry_ids: list[str]) -> None:
        """Before a batch goes out: from now on the server may hold these versions."""
        with self.transaction() as session:
            for entry_id in entry_ids:
                box = session.get(m.Outbox, entry_id)
                if box is not None:
                    box.attempts += 1
                    session.add(box)

    def note_push_failure(self, entry_ids: list[str], reason: str) -> None:
        with self.transaction() as session:
            for entry_id in entry_ids:
                box = session.get(m.Outbox, entry_id)
                if box is not None:
                    box.last_error = reason[:500]
                    session.add(box)

    def photos_to_upload(self) -> list[m.Photo]:
        with Session(self.engine) as session:
            return list(
                session.exec(
                    select(m.Photo)
                    .where(m.Photo.uploaded == False)  # noqa: E712
                    .order_by(col(m.Photo.created_at))
                ).all()
            )

    def mark_photo_uploaded(self, sha256: str) -> None:
        with self.transaction() as session:
            photo = session.get(m.Photo, sha256)
            if photo is not None:
                photo.uploaded = True
                session.add(photo)

    # ------------------------------------------------------------ pull

    def cursor(self) -> int:
        with Session(self.engine) as session:
            state = session.get(m.SyncState, 1)
            return state.cursor if state else 0

    def reset_cursor(self) -> None:
        with self.transaction() as session:
            state = session.get(m.SyncState, 1) or m.SyncState(id=1)
            state.cursor = 0
            session.add(state)

    def apply_pull_page(self, changes: list[dict[str, Any]], next_since: int) -> None:
        """Apply a page of changes and move the cursor, in one transaction: if the
        app dies half-way, the same page is simply pulled and applied again."""
        with self.transaction() as session:
            for change in changes:
                _apply_change(session, change)
            state = session.get(m.SyncState, 1) or m.SyncState(id=1)
            state.cursor = max(state.cursor, next_since)
            session.add(state)

    def sync_state(self) -> m.SyncState:
        with Session(self.engine) as session:
            return session.get(m.SyncState, 1) or m.SyncState(id=1)

    def record_sync(self, *, ok: bool, code: str | None = None, message: str | None = None) -> None:
        with self.transaction() as session:
            state = session.get(m.SyncState, 1) or m.SyncState(id=1)
            now = utcnow()
            state.last_attempt_at = now
            if ok:
                state.last_success_at = now
                state.last_error_code = state.last_error_message = None
            else:
                state.last_error_code, state.last_error_message = code, message
            session.add(state)


def _maybe_on_server(entry: m.Entry, box: m.Outbox | None) -> bool:
    return (
        entry.synced_version is not None
        or entry.status == m.CONFLICT
        or (box is not None and box.attempts > 0)
    )


def _apply_change(session: Session, change: dict[str, Any]) -> None:
    entity, op, key, data = change["entity"], change["op"], change["id"], change.get("data")
    model: Any = {"district": m.District, "theme": m.Theme, "hotspot": m.Hotspot}.get(entity)
    if model is not None:
        row = session.get(model, key)
        if op == "delete" or data is None:
            if row is not None:
                session.delete(row)
            return
        fields = {name: data.get(name) for name in model.model_fields if name in data}
        if entity == "hotspot":
            fields["themes"] = list(data.get("themes") or [])
            fields["note"] = data.get("note") or ""
        if entity == "theme":
            fields["description"] = data.get("description") or ""
        session.merge(model(**fields))
    elif entity == "record" and data is not None:
        entry = session.get(m.Entry, key)
        if entry is None:
            return  # made on another phone of this officer
        entry.review_state = data.get("review_state")
        entry.review_remark = data.get("review_remark")
        if data.get("card_number") is not None:
            entry.card_number = data["card_number"]
            entry.next_step = data.get("next_step")
        session.add(entry)


def _write_atomic(path: Path, data: bytes) -> None:
    import os
    import tempfile

    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def parse_time(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None
