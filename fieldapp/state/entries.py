"""Entries of every kind through one path: save, change, delete, and "Mijn log"."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fieldapp import models as m
from fieldapp.dates import HAARLEM
from fieldapp.ids import new_record_id
from fieldapp.kinds import EntryKind, kind_of
from fieldapp.labels import FIELD_LABELS, KIND_LABELS, REVIEW_LABELS, STATUS_LABELS
from fieldapp.photos import ProcessedPhoto
from fieldapp.state.core import StateCore
from fieldapp.store import EntryInvalid
from fieldapp.store_drafts import Draft
from sync_protocol import RecordKind

SENT_BACK = "terug_naar_handhaver"  # the review state of an entry sent back with a remark


@dataclass(frozen=True)
class LogItem:
    """One line of "Mijn log": never the youth's identity, never free text of others."""

    id: str
    kind: str
    kind_label: str
    title: str
    when: datetime
    status: str
    status_label: str
    detail: str  # reason for a rejection, the team leader's remark, next step
    can_delete: bool
    needs_attention: bool = False  # the team leader sent it back with a remark


class Entries(StateCore):
    """Saving, changing and deleting entries of any kind, and "Mijn log"."""

    def _place(self, hotspot: str | None) -> dict[str, Any]:
        place: dict[str, Any] = {}
        if hotspot:
            place["hotspot"] = hotspot
        pos = self.position()
        if pos is not None:
            place["location"] = {"lat": pos.lat, "lon": pos.lon, "accuracy_m": pos.accuracy_m}
        return place

    @staticmethod
    def _when(observed_at: datetime | None) -> str:
        moment = observed_at or datetime.now(UTC)
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=HAARLEM) if HAARLEM else moment.astimezone()
        return moment.isoformat()

    @staticmethod
    def new_entry_id() -> str:
        """The id a new form holds from the moment it opens (see `save`'s `new_id`)."""
        return new_record_id()

    def save(
        self,
        kind: RecordKind | str,
        fields: Mapping[str, Any],
        *,
        entry_id: str | None = None,
        new_id: str | None = None,
    ) -> m.Entry:
        """Save an entry of any kind from a form's fields; with `entry_id`, change one.

        `fields` are the wire model's field names (sync_protocol.records), plus
        `hotspot` (the focus location's code; the officer's position is added
        here), `observed_at` (a datetime, default now), `photos` (ProcessedPhoto
        objects) and the kind's identity fields (a yellow card's naam and
        geboortedatum, kept apart from the payload). Problems are raised as
        EntryInvalid with a Dutch message per field.

        A change while the entry waits is made in place; once the server may have
        it, the store makes it a new version (a correction). The place where it
        happened does not move with the officer: the stored position is kept, and
        so are the photos already attached (new ones are added). A yellow card's
        identity is only replaced when all its identity fields are given.

        A new entry saved with `new_id` (the form's id, from `new_entry_id`) is
        saved exactly once: saving the same id again returns the first entry."""
        spec = kind_of(kind)
        values = dict(fields)
        for name, default in spec.defaults.items():
            values.setdefault(name, default)
        photos: list[ProcessedPhoto] | None = values.pop("photos", None)
        identity: dict[str, str] | None = None
        if spec.identity_fields:
            identity = {name: str(values.pop(name, "")).strip() for name in spec.identity_fields}
            if entry_id is not None and not all(identity.values()):
                identity = None  # a change that leaves the identity as it was
        hotspot = values.pop("hotspot", None)
        payload = {
            "observed_at": self._when(values.pop("observed_at", None)),
            **values,
            **self._place(hotspot),
        }
        if not spec.keep_empty:
            payload = _drop_none(payload)
        self.touch()
        try:
            if entry_id is None:
                entry = self.store.save_entry(
                    spec.kind, payload, identity=identity, photos=photos, entry_id=new_id
                )
            else:
                entry = self._update(entry_id, payload, identity=identity, photos=photos)
        except EntryInvalid as exc:
            problems = _field_problems(exc.problems)
            if _needs_place(spec, payload):
                # The model checks the place only once every field is valid: say it now.
                problems.setdefault("hotspot", "kies een focuslocatie")
            raise EntryInvalid(problems) from exc
        if new_id is not None:
            self.store.drafts.drop(new_id)  # saved: the draft has done its work
        self.changed()
        return entry

    # ------------------------------------------------------------ drafts

    def keep_draft(self, draft_id: str, kind: RecordKind | str, values: dict[str, Any]) -> None:
        """Keep a form's values as typed (sealed), under the form's entry id."""
        self.touch()
        self.store.drafts.keep(draft_id, RecordKind(kind).value, values)

    def draft(self, draft_id: str) -> Draft | None:
        return self.store.drafts.get(draft_id)

    def drafts(self, kind: RecordKind | str | None = None) -> list[Draft]:
        """Unsaved forms, newest first (listed on home, reopened from there)."""
        return self.store.drafts.all(None if kind is None else RecordKind(kind).value)

    def drop_draft(self, draft_id: str) -> None:
        self.store.drafts.drop(draft_id)
        self.changed()

    def update_entry(self, entry_id: str, **fields: Any) -> m.Entry:
        """Change an entry from "Mijn log" with the fields its form gives (see `save`)."""
        entry = self.store.entry(entry_id)
        if entry is None:
            raise KeyError(entry_id)
        return self.save(entry.kind, fields, entry_id=entry_id)

    def _update(
        self,
        entry_id: str,
        payload: dict[str, Any],
        *,
        identity: dict[str, str] | None,
        photos: list[ProcessedPhoto] | None,
    ) -> m.Entry:
        existing = self.store.entry(entry_id)
        if existing is None:
            raise KeyError(entry_id)
        payload = {k: v for k, v in payload.items() if k != "location"}
        if "location" in existing.payload:
            payload["location"] = existing.payload["location"]
        kept = [self._stored_photo(photo) for photo in self.store.entry_photos(entry_id)]
        known = {photo.sha256 for photo in kept}
        combined = kept + [p for p in photos or [] if p.sha256 not in known]
        payload.pop("photos", None)
        return self.store.update_entry(
            entry_id, payload, identity=identity, photos=combined or None
        )

    @staticmethod
    def _stored_photo(photo: m.Photo) -> ProcessedPhoto:
        try:
            data = Path(photo.path).read_bytes()
            thumbnail = Path(photo.thumbnail_path).read_bytes()
        except OSError as exc:
            raise EntryInvalid({"photos": "een foto ontbreekt op de telefoon"}) from exc
        return ProcessedPhoto(
            data=data,
            sha256=photo.sha256,
            width=0,
            height=0,
            thumbnail=thumbnail,
            thumbnail_sha256="",
            gps=None,
            taken_at=None,
        )

    def delete_entry(self, entry_id: str) -> None:
        self.store.delete_entry(entry_id)
        self.changed()

    def log(self) -> list[LogItem]:
        items = []
        for entry in self.store.entries():
            payload = entry.payload
            title = (
                self.store.hotspot_name(payload.get("hotspot"))
                or payload.get("place")
                or (payload.get("address") or "")
            )
            details = []
            if entry.status in (m.AFGEWEZEN, m.CONFLICT) and entry.reject_message:
                details.append(entry.reject_message)
            if entry.review_state and entry.review_state != "nieuw":
                details.append(
                    f"Beoordeling: {REVIEW_LABELS.get(entry.review_state, entry.review_state)}"
                )
            if entry.review_remark:
                details.append(f"Opmerking teamleider: {entry.review_remark}")
            if entry.card_number:
                step = f": {entry.next_step}" if entry.next_step else ""
                details.append(f"{entry.card_number}e kaart{step}")
            if entry.version > 1:
                details.append(f"versie {entry.version}")
            items.append(
                LogItem(
                    id=entry.id,
                    kind=entry.kind,
                    kind_label=KIND_LABELS.get(entry.kind, entry.kind),
                    title=title,
                    when=datetime.fromisoformat(payload["observed_at"]),
                    status=entry.status,
                    status_label=STATUS_LABELS.get(entry.status, entry.status),
                    detail=" · ".join(details),
                    can_delete=entry.status == m.WACHT and self.store.can_delete(entry.id),
                    needs_attention=entry.review_state == SENT_BACK,
                )
            )
        # Sent back by the team leader: first, so a remark is not missed (stable sort).
        items.sort(key=lambda item: not item.needs_attention)
        return items

    def problem_items(self) -> list[LogItem]:
        """Entries the server refused or holds another version of: never hidden."""
        return [item for item in self.log() if item.status in (m.AFGEWEZEN, m.CONFLICT)]

    def entry(self, entry_id: str) -> m.Entry | None:
        return self.store.entry(entry_id)

    def entry_photo_count(self, entry_id: str) -> int:
        return len(self.store.entry_photos(entry_id))

    def has_pending_identity(self, entry_id: str) -> bool:
        """Whether a yellow card still holds the youth's identity (not yet accepted)."""
        entry = self.store.entry(entry_id)
        return (
            entry is not None
            and entry.kind == RecordKind.GELE_KAART
            and (entry.synced_version is None)
        )

    def process_photo(self, raw: bytes) -> ProcessedPhoto:
        """A picked picture made safe (no metadata); raises PhotoError in Dutch."""
        from fieldapp.photos import process_photo

        self.touch()
        return process_photo(raw)


def _needs_place(spec: EntryKind, payload: dict[str, Any]) -> bool:
    if not spec.needs_place or payload.get("hotspot") or payload.get("location"):
        return False
    text = spec.place_text_field
    return not (text is not None and str(payload.get(text) or "").strip())


def _field_problems(problems: dict[str, str]) -> dict[str, str]:
    """Checks that concern the whole entry, moved to the field the officer can fix."""
    result = dict(problems)
    general = result.pop("formulier", None)
    if general is None:
        return result
    lowered = general.lower()
    if "hotspot" in lowered:
        result.setdefault("hotspot", "kies een focuslocatie")
    elif "footage_secured" in lowered or "beelden" in lowered:
        result.setdefault("footage_secured", "kan alleen als de bodycam aan stond")
    else:
        for name, label in FIELD_LABELS.items():
            general = general.replace(name, label.lower())
        result["formulier"] = general
    return result


def _drop_none(payload: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in payload.items() if v is not None and v != ""}
