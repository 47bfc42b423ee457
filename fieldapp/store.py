"""The phone's store: entries, their outbox, photos and the district's reference copy.

Every save commits at once, entry and outbox row in one transaction: a killed app
or a dead battery right after "Opslaan" loses nothing. Every entry is checked
with the same wire-format rules the server uses before it is saved, so the
officer hears about a mistake on the spot and not days later.

`Store` is the one object the app and the sync hold; the concepts behind it live
beside it: entry_errors.py (what the officer hears), local_reference.py (reading
the reference copy), outbox.py (the batch out and the verdicts back) and
pull_apply.py (a pull page, read with the wire models and applied in bulk).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Collection, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from sqlalchemy import delete, func
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from fieldapp import local_reference, local_wijkacties, wiping
from fieldapp import models as m
from fieldapp import outbox as out
from fieldapp.db import utcnow
from fieldapp.encryption import IDENTITY_FIELDS, FieldCipher, is_sealed, needs_sealing
from fieldapp.entry_errors import EntryInvalid, EntryLocked, problems_of
from fieldapp.ids import new_record_id
from fieldapp.keystore import default_keystore
from fieldapp.local_reference import HotspotChoice
from fieldapp.outbox import OutgoingRecord
from fieldapp.photos import ProcessedPhoto
from fieldapp.pull_apply import PageInvalid
from fieldapp.store_drafts import DraftStore
from fieldapp.store_sync import SyncBookkeeping
from sync_protocol import RecordKind, validate_payload
from sync_protocol.records import PUSH_PRIORITY

__all__ = [
    "EntryInvalid",
    "EntryLocked",
    "HotspotChoice",
    "OutgoingRecord",
    "PageInvalid",
    "Store",
]


class Store(SyncBookkeeping):
    def __init__(self, engine: Engine, photo_dir: Path, cipher: FieldCipher | None = None) -> None:
        self.engine = engine
        self.photo_dir = photo_dir
        # Personal fields are sealed at rest (fieldapp/encryption.py); without an
        # injected cipher the key is kept in a file of the data folder.
        self.cipher = cipher or FieldCipher(default_keystore(photo_dir.parent))
        self.drafts = DraftStore(engine, self.cipher)
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
            wiping.clear_tables(session)
        self.drafts.clear()
        self.cipher.forget_key()
        wiping.compact(self.engine)
        wiping.remove_app_files(self.engine, self.photo_dir.parent)

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
        wiping.compact(self.engine)  # the plain text must not linger in free pages or the WAL
        return len(entries) + len(identities)

    # ------------------------------------------------------------ reference data

    def districts(self) -> list[m.District]:
        return local_reference.districts(self.engine)

    def themes(self, kind: str | None = "handhaving") -> list[m.Theme]:
        return local_reference.themes(self.engine, kind)

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
        return local_reference.hotspots(
            self.engine, districts=districts, search=search, theme=theme, near=near
        )

    def hotspot_name(self, code: str | None) -> str:
        return local_reference.hotspot_name(self.engine, code)

    def hotspots_for_map(self, districts: Iterable[str] | None = None) -> list[m.Hotspot]:
        return local_wijkacties.hotspots_for_map(self.engine, districts)

    def wijkacties(
        self, districts: Iterable[str] | None = None, *, include_past: bool = False
    ) -> list[m.Wijkactie]:
        return local_wijkacties.wijkacties(self.engine, districts, include_past=include_past)

    def wijkactie(self, action_id: str) -> m.Wijkactie | None:
        return local_wijkacties.wijkactie(self.engine, action_id)

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
            raise EntryInvalid(problems_of(exc)) from exc
        if kind is RecordKind.GELE_KAART and identity is None:
            raise EntryInvalid({"jongere": "naam en geboortedatum zijn verplicht"})
        if kind is RecordKind.ADRESCONTROLE and not (
            str(payload.get("address") or "").strip()
            or payload.get("location")
            or payload.get("hotspot")
        ):
            # A check nobody can place is worth nothing to the team leader.
            raise EntryInvalid({"address": "vul een adres in, of kies een focuslocatie"})
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
        action = payload.get("wijkactie")
        if action and session.get(m.Wijkactie, action) is None:
            raise EntryInvalid({"wijkactie": "onbekende wijkactie"})

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
        entry_id: str | None = None,
    ) -> m.Entry:
        """Save a new entry and queue it for sending, in one transaction.

        A form passes the `entry_id` it got when it opened: saving it again (a
        second tap, a retry, a race between two taps) returns the entry already
        saved instead of a second one, so one form can only ever make one entry."""
        kind = RecordKind(kind)
        if entry_id is not None:
            existing = self.entry(entry_id)
            if existing is not None:
                return existing
        photos = photos or []
        if photos:
            payload = payload | {"photos": [p.sha256 for p in photos]}
        self._check(kind, payload, identity)
        now = utcnow()
        entry_id = entry_id or new_record_id()
        entry = m.Entry(
            id=entry_id,
            kind=kind.value,
            version=1,
            payload=self.cipher.seal_payload(entry_id, payload),
            status=m.WACHT,
            created_at=now,
            updated_at=now,
        )
        try:
            with self.transaction() as session:
                session.add(entry)
                session.flush()
                self._store_photos(session, entry.id, photos)
                if identity is not None:
                    session.add(m.PendingIdentity(**self._sealed_identity(entry.id, identity)))
                session.add(
                    m.Outbox(
                        entry_id=entry.id, version=1, priority=PUSH_PRIORITY[kind], queued_at=now
                    )
                )
        except IntegrityError:
            # Two saves of the same form raced past the check above: the first won.
            saved = self.entry(entry_id)
            if saved is None:
                raise
            return saved
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
            raise EntryInvalid(problems_of(exc)) from exc

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

    def outgoing(
        self, limit: int, *, claim: bool = False, exclude: Collection[str] = ()
    ) -> list[OutgoingRecord]:
        """The next records to send: incidents first, then oldest first, without
        `exclude` (the batch the sync has on its way while it reads the next).

        With `claim` (the sync does this) they are marked as attempted in the same
        transaction they are read in: an edit or delete made at the same moment
        then comes either before the read (and is sent) or after the mark (and
        becomes a new version, or is refused), never in between, where it would
        be lost or a deleted entry would still be sent."""
        with self.transaction() if claim else Session(self.engine) as session:
            return out.read_outgoing(
                session,
                limit,
                claim=claim,
                open_payload=self.cipher.open_payload_strict,
                open_identity=self._identity,
                exclude=exclude,
            )

    def apply_push_results(self, results: list[dict[str, Any]]) -> dict[str, int]:
        """Record the server's verdicts, in one transaction."""
        with self.transaction() as session:
            return out.apply_results(session, results, utcnow())

    # ------------------------------------------------------------ pull

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


def _write_atomic(path: Path, data: bytes) -> None:
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
