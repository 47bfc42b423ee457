"""What the screens show and do, without any UI code.

Views call these methods and re-render when `changed` fires; all behaviour is
here or below (store, sync), so it is tested in plain pytest and the views stay
thin. Nothing here imports flet.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from fieldapp import models as m
from fieldapp import patrol
from fieldapp.db import DB_NAME, data_dir, open_database
from fieldapp.encryption import FieldCipher
from fieldapp.keystore import KeyStore, default_keystore
from fieldapp.labels import FIELD_LABELS, KIND_LABELS, REVIEW_LABELS, STATUS_LABELS
from fieldapp.location import LocationProvider, NoLocation, Position
from fieldapp.photos import PhotoError, ProcessedPhoto
from fieldapp.pin import (
    LOCK_AFTER_SECONDS,
    MAX_WRONG_PINS,
    PinProblem,
    check_new_pin,
    hash_pin,
    verify_pin,
)
from fieldapp.store import EntryInvalid, EntryLocked, HotspotChoice, Store
from fieldapp.sync import ClientFactory, SyncClient, SyncError, SyncReport, default_client
from fieldapp.teamleader import TeamLeader, is_manager
from fieldapp.teamleader import login as teamleader_login
from sync_protocol import RecordKind
from sync_protocol.records import Location

__all__ = [
    "AppState",
    "EntryInvalid",
    "EntryLocked",
    "LogItem",
    "PhotoError",
    "PinProblem",
    "SyncError",
    "distance_text",
    "moment_texts",
    "parse_birth_date",
    "parse_moment",
]

ENROL, SET_PIN, LOCKED, READY = "koppelen", "pincode_instellen", "vergrendeld", "gereed"
TEAMLEADER = "teamleider"  # a team leader logged in with a password (online only)


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


class AppState:
    def __init__(
        self,
        folder: Path | None = None,
        *,
        client_factory: ClientFactory = default_client,
        location: LocationProvider | None = None,
        clock: Callable[[], float] = time.monotonic,
        keystore: KeyStore | None = None,
    ) -> None:
        self.folder = data_dir(folder)
        # The key of the personal fields: the platform's secure storage when
        # fieldapp.main hands one in, else a key file beside the database.
        self.keystore = keystore or default_keystore(self.folder)
        self.store = Store(
            open_database(self.folder / DB_NAME), self.folder / "photos", FieldCipher(self.keystore)
        )
        self.sync_client = SyncClient(self.store, self.folder / "sync.lock", client_factory)
        self.teamleader = TeamLeader(self.store, client_factory)
        self.location: LocationProvider = location or NoLocation()
        self.clock = clock
        self._listeners: list[Callable[[], None]] = []
        self._sync_lock = threading.Lock()
        self.unlocked = False
        self.last_activity = clock()
        self.online: bool | None = None
        self.syncing = False
        self.progress: tuple[str, float] = ("", 0.0)
        self.last_report: SyncReport | None = None
        # Why the enrolment screen is back (a remote wipe), shown on it in Dutch.
        self.wipe_notice: str | None = None

    # ------------------------------------------------------------ change notification

    def on_change(self, listener: Callable[[], None]) -> None:
        self._listeners.append(listener)

    def changed(self) -> None:
        for listener in list(self._listeners):
            listener()

    # ------------------------------------------------------------ enrolment and PIN

    @property
    def enrolment(self) -> m.Enrolment | None:
        return self.store.enrolment()

    def phase(self) -> str:
        enrolment = self.enrolment
        if enrolment is None:
            return ENROL
        if is_manager(enrolment):
            # A team leader logs in with a password in every session (no PIN).
            return TEAMLEADER if self.unlocked else ENROL
        if enrolment.pin_hash is None:
            return SET_PIN
        if not self.unlocked or self.idle_expired():
            self.unlocked = False
            return LOCKED
        return READY

    def enroll(self, server_url: str, code: str, device_name: str = "telefoon") -> None:
        if not server_url.strip():
            raise SyncError("invalid", "Vul het adres van de server in.")
        if len(code.strip()) < 4:
            raise SyncError("invalid", "Vul de koppelcode in die je van je teamleider kreeg.")
        self.sync_client.enroll(server_url, code, device_name)
        self.wipe_notice = None
        self.online = True
        self.changed()

    def login_teamleader(
        self, server_url: str, username: str, password: str, device_name: str = "browser"
    ) -> None:
        """Password login for a team leader (a handhaver gets the server's 403 text)."""
        enrolment = self.enrolment
        if enrolment is not None and not is_manager(enrolment):
            # Never overwrite an officer's link to the server.
            raise SyncError("invalid", "Dit apparaat is gekoppeld aan een handhaver.")
        teamleader_login(
            self.store, self.sync_client.client_factory, server_url, username, password, device_name
        )
        self.unlocked = True
        self.online = True
        self.touch()
        self.changed()

    def is_teamleader(self) -> bool:
        return is_manager(self.enrolment)

    def logout_teamleader(self) -> None:
        """Forget the team leader's token here (the server's token simply expires)."""
        if self.is_teamleader():
            self.teamleader.logout()
            self.store.forget_enrolment()
        self.unlocked = False
        self.changed()

    def set_pin(self, pin: str, repeat: str) -> None:
        check_new_pin(pin, repeat)
        digest, salt = hash_pin(pin)
        self.store.update_enrolment(pin_hash=digest, pin_salt=salt, failed_pins=0)
        self.unlocked = True
        self.touch()
        self.changed()

    def unlock(self, pin: str) -> str | None:
        """None when unlocked; otherwise a Dutch message (and after too many
        wrong PINs the token is wiped, so the phone must be enrolled again)."""
        enrolment = self.enrolment
        if enrolment is None or enrolment.pin_hash is None or enrolment.pin_salt is None:
            return "Deze telefoon is niet gekoppeld."
        if verify_pin(pin, enrolment.pin_hash, enrolment.pin_salt):
            self.store.update_enrolment(failed_pins=0)
            self.unlocked = True
            self.touch()
            self.changed()
            return None
        failed = enrolment.failed_pins + 1
        if failed >= MAX_WRONG_PINS:
            self.store.forget_enrolment()
            self.changed()
            return (
                "Te vaak een verkeerde pincode. De koppeling is gewist; vraag je teamleider "
                "om een nieuwe koppelcode. Niet-verzonden invoer blijft bewaard."
            )
        self.store.update_enrolment(failed_pins=failed)
        left = MAX_WRONG_PINS - failed
        return f"Verkeerde pincode. Nog {left} {'poging' if left == 1 else 'pogingen'}."

    def touch(self) -> None:
        self.last_activity = self.clock()

    def idle_expired(self) -> bool:
        return self.clock() - self.last_activity > LOCK_AFTER_SECONDS

    def lock(self) -> None:
        self.unlocked = False
        self.changed()

    # ------------------------------------------------------------ home

    @property
    def districts(self) -> list[str]:
        enrolment = self.enrolment
        return list(enrolment.districts) if enrolment else []

    def district_names(self) -> str:
        names = {d.code: d.name for d in self.store.districts()}
        return ", ".join(names.get(code, code) for code in self.districts)

    def pending_count(self) -> int:
        return self.store.pending_count()

    def last_sync(self) -> datetime | None:
        return self.store.sync_state().last_success_at

    def last_error(self) -> str | None:
        return self.store.sync_state().last_error_message

    def themes(self) -> list[m.Theme]:
        return self.store.themes()

    def position(self) -> Position | None:
        """The officer's position, if known and usable: a fix outside the protocol's
        bounds (abroad, or a browser's vague guess from the IP address) would make
        every save fail, so it counts as unknown."""
        pos = self.location.current()
        if pos is None:
            return None
        try:
            Location(
                lat=float(pos.lat),
                lon=float(pos.lon),
                accuracy_m=None if pos.accuracy_m is None else float(pos.accuracy_m),
            )
        except ValidationError:
            return None
        return pos

    def patrol_suggestion(self, now: datetime | None = None) -> patrol.PatrolSuggestion | None:
        """Where to go this shift, as fetched at the last sync (None before the first)."""
        return patrol.load(self.folder, now or datetime.now(UTC))

    def hotspots(self, search: str = "", theme: str | None = None) -> list[HotspotChoice]:
        pos = self.position()
        return self.store.hotspots(
            districts=self.districts or None,
            search=search,
            theme=theme,
            near=(pos.lat, pos.lon) if pos else None,
        )

    # ------------------------------------------------------------ entries

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
            moment = moment.astimezone()  # the phone's local time zone
        return moment.isoformat()

    def save(
        self,
        kind: RecordKind,
        payload: dict[str, Any],
        *,
        identity: dict[str, str] | None = None,
        photos: list[ProcessedPhoto] | None = None,
        entry_id: str | None = None,
    ) -> m.Entry:
        """Save a new entry, or (with `entry_id`) change one: see `update_entry`."""
        self.touch()
        try:
            if entry_id is None:
                entry = self.store.save_entry(kind, payload, identity=identity, photos=photos)
            else:
                entry = self._update(entry_id, payload, identity=identity, photos=photos)
        except EntryInvalid as exc:
            problems = _field_problems(exc.problems)
            if _needs_place(kind, payload):
                # The model checks the place only once every field is valid: say it now.
                problems.setdefault("hotspot", "kies een focuslocatie")
            raise EntryInvalid(problems) from exc
        self.changed()
        return entry

    def update_entry(self, entry_id: str, **fields: Any) -> m.Entry:
        """Change an entry from "Mijn log" with the same fields as its save_… method.

        While it waits it is edited in place; once the server may have it, the
        store makes the change a new version (a correction). The place where it
        happened does not move with the officer: the stored position is kept, and
        so are the photos already attached (new ones are added). A yellow card's
        identity is only replaced when both naam and geboortedatum are given."""
        entry = self.store.entry(entry_id)
        if entry is None:
            raise KeyError(entry_id)
        savers: dict[RecordKind, Callable[..., m.Entry]] = {
            RecordKind.WAARNEMING: self.save_waarneming,
            RecordKind.GELE_KAART: self.save_gele_kaart,
            RecordKind.INCIDENT: self.save_incident,
            RecordKind.ADRESCONTROLE: self.save_adrescontrole,
            RecordKind.SIGNAAL_ONDERMIJNING: self.save_signaal,
            RecordKind.INTEGRALE_CONTROLE: self.save_integrale_controle,
        }
        return savers[RecordKind(entry.kind)](entry_id=entry_id, **fields)

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

    def save_waarneming(
        self,
        *,
        theme: str | None,
        hotspot: str | None,
        action: str | None,
        persons: int = 0,
        note: str = "",
        observed_at: datetime | None = None,
        photos: list[ProcessedPhoto] | None = None,
        entry_id: str | None = None,
        feit: str | None = None,
    ) -> m.Entry:
        payload = {
            "observed_at": self._when(observed_at),
            "theme": theme,
            "action": action,
            "feit": feit,
            "persons": persons,
            "note": note,
            **self._place(hotspot),
        }
        return self.save(
            RecordKind.WAARNEMING, _drop_none(payload), photos=photos, entry_id=entry_id
        )

    def save_gele_kaart(
        self,
        *,
        naam: str,
        geboortedatum: str,
        hotspot: str | None,
        aanleiding: str | None,
        note: str = "",
        observed_at: datetime | None = None,
        entry_id: str | None = None,
    ) -> m.Entry:
        payload = {
            "observed_at": self._when(observed_at),
            "aanleiding": aanleiding,
            "note": note,
            **self._place(hotspot),
        }
        identity: dict[str, str] | None = {
            "naam": naam.strip(),
            "geboortedatum": geboortedatum.strip(),
        }
        if entry_id is not None and not (naam.strip() and geboortedatum.strip()):
            identity = None  # a change that leaves the youth's identity as it was
        return self.save(
            RecordKind.GELE_KAART, _drop_none(payload), identity=identity, entry_id=entry_id
        )

    def save_incident(
        self,
        *,
        types: list[str],
        hotspot: str | None,
        place: str = "",
        injured: bool = False,
        bodycam_on: bool = False,
        footage_secured: bool = False,
        footage_reference: str = "",
        politie: str = "geen",
        bot_gewenst: bool = False,
        description: str = "",
        observed_at: datetime | None = None,
        entry_id: str | None = None,
    ) -> m.Entry:
        payload = {
            "observed_at": self._when(observed_at),
            "types": types,
            "place": place,
            "injured": injured,
            "bodycam_on": bodycam_on,
            "footage_secured": footage_secured,
            "footage_reference": footage_reference,
            "politie": politie,
            "bot_gewenst": bot_gewenst,
            "description": description,
            **self._place(hotspot),
        }
        return self.save(RecordKind.INCIDENT, payload, entry_id=entry_id)

    def save_adrescontrole(
        self,
        *,
        uitkomst: str | None,
        address: str = "",
        hotspot: str | None = None,
        note: str = "",
        observed_at: datetime | None = None,
        entry_id: str | None = None,
    ) -> m.Entry:
        payload = {
            "observed_at": self._when(observed_at),
            "uitkomst": uitkomst,
            "address": address,
            "note": note,
            **self._place(hotspot),
        }
        return self.save(RecordKind.ADRESCONTROLE, _drop_none(payload), entry_id=entry_id)

    def save_signaal(
        self,
        *,
        categorie: str | None,
        description: str,
        hotspot: str | None,
        observed_at: datetime | None = None,
        photos: list[ProcessedPhoto] | None = None,
        entry_id: str | None = None,
    ) -> m.Entry:
        payload = {
            "observed_at": self._when(observed_at),
            "categorie": categorie,
            "description": description,
            **self._place(hotspot),
        }
        return self.save(
            RecordKind.SIGNAAL_ONDERMIJNING, _drop_none(payload), photos=photos, entry_id=entry_id
        )

    def save_integrale_controle(
        self,
        *,
        branche: str,
        uitkomst: str | None,
        partners: list[str],
        hotspot: str | None,
        note: str = "",
        observed_at: datetime | None = None,
        entry_id: str | None = None,
    ) -> m.Entry:
        payload = {
            "observed_at": self._when(observed_at),
            "branche": branche,
            "uitkomst": uitkomst,
            "partners": partners,
            "note": note,
            **self._place(hotspot),
        }
        return self.save(RecordKind.INTEGRALE_CONTROLE, _drop_none(payload), entry_id=entry_id)

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
                    needs_attention=entry.review_state == "terug_naar_handhaver",
                )
            )
        return items

    # ------------------------------------------------------------ sync

    def check_online(self) -> bool:
        self.online = self.sync_client.reachable()
        return self.online

    def sync_now(self, progress: Callable[[str, float], None] | None = None) -> SyncReport:
        """Run one sync (the button, reconnects, and the timer all come here)."""
        if not self._sync_lock.acquire(blocking=False):
            return SyncReport(error=SyncError("sync_busy"))
        try:
            self.syncing = True
            self.changed()

            def report_progress(text: str, fraction: float) -> None:
                self.progress = (text, fraction)
                if progress:
                    progress(text, fraction)
                self.changed()  # every screen can show how far it is

            report = self.sync_client.sync(report_progress)
            if report.error is not None and report.error.code == "token_revoked":
                # The store was wiped (a revoked phone is presumed lost): lock up
                # and say so on the enrolment screen.
                self.unlocked = False
                self.wipe_notice = report.error.message
            if report.accepted:
                # An accepted yellow card's identity was just deleted: make sure no
                # copy of it is left in the write-ahead log either.
                self.flush_deleted_data()
            self.last_report = report
            self.online = report.error is None or report.error.code not in (
                "offline",
                "server_error",
            )
            return report
        finally:
            self.syncing = False
            self._sync_lock.release()
            self.changed()

    def flush_deleted_data(self, attempts: int = 20) -> bool:
        """Fold the write-ahead log into the database file and empty it.

        SQLite keeps old page images in the -wal file until a checkpoint, so a
        deleted row (a youth's name, after the card was accepted) would still be
        readable there. With secure_delete on (see db.py) the database file itself
        holds no copy, and a TRUNCATE checkpoint leaves an empty -wal file. Returns
        False when another connection kept the checkpoint from completing."""
        for _ in range(attempts):
            raw = self.store.engine.raw_connection()
            try:
                busy, _log, _done = raw.driver_connection.execute(  # type: ignore[union-attr]
                    "PRAGMA wal_checkpoint(TRUNCATE)"
                ).fetchone()
            finally:
                raw.close()
            if not busy:
                return True
            time.sleep(0.05)
        return False

    def needs_sync(self, max_age_s: float = 300, now: datetime | None = None) -> bool:
        """Something waits to be sent, or the district's data is getting old."""
        if self.pending_count():
            return True
        last = self.last_sync()
        if last is None:
            return True
        moment = now or datetime.now(UTC)
        return (moment - _aware(last)).total_seconds() > max_age_s

    def auto_sync(self, max_age_s: float = 300) -> SyncReport | None:
        """One turn of the background loop (no PIN needed): check the connection
        and sync when online and there is a reason to. None when nothing was sent."""
        if self.enrolment is None or self.syncing:
            return None
        online = self.check_online()
        if self.is_teamleader():  # nothing to send: a team leader works online
            self.changed()
            return None
        self.changed()
        if online and self.needs_sync(max_age_s):
            return self.sync_now()
        return None

    def sync_summary(self, report: SyncReport) -> list[str]:
        """What a sync did, in the officer's words (the first line is the verdict)."""
        if report.error is not None:
            lines = [f"Synchronisatie mislukt. {report.error.message}"]
        elif report.rejected or report.conflicts:
            lines = ["Verzonden, maar niet alles is aangenomen."]
        else:
            lines = ["Synchronisatie gelukt."]
        counts = [
            (report.accepted, "geaccepteerd", "geaccepteerd"),
            (report.rejected, "afgewezen", "afgewezen"),
            (report.conflicts, "conflict", "conflicten"),
        ]
        parts = [f"{n} {one if n == 1 else many}" for n, one, many in counts if n]
        if report.photos_uploaded:
            parts.append(f"{report.photos_uploaded} foto('s) verstuurd")
        if parts:
            lines.append("Resultaat: " + ", ".join(parts) + ".")
        if report.rejected or report.conflicts:
            lines.append("Tik hieronder op wat niet is aangenomen om het aan te passen.")
        lines.extend(f"Foto: {problem}" for problem in report.photo_errors)
        waiting = self.pending_count()
        if waiting:
            lines.append(f"{self.pending_text()}.")
        return lines

    def problem_items(self) -> list[LogItem]:
        """Entries the server refused or holds another version of: never hidden."""
        return [item for item in self.log() if item.status in (m.AFGEWEZEN, m.CONFLICT)]

    # ------------------------------------------------------------ what the screens show

    def officer_name(self) -> str:
        enrolment = self.enrolment
        return enrolment.display_name if enrolment else ""

    def online_text(self) -> str:
        if self.online is None:
            return "Verbinding controleren…"
        return "Online" if self.online else "Offline — invoer blijft bewaard"

    def pending_text(self) -> str:
        count = self.pending_count()
        if count == 0:
            return "Alles is verzonden"
        return f"{count} {'wacht' if count == 1 else 'wachten'} op verzenden"

    def last_sync_text(self, now: datetime | None = None) -> str:
        last = self.last_sync()
        if last is None:
            return "Nog niet gesynchroniseerd"
        local = _aware(last).astimezone()
        today = (now or datetime.now(UTC)).astimezone().date()
        if local.date() == today:
            day = ""
        elif local.date() == today - timedelta(days=1):
            day = "gisteren "
        else:
            day = f"{local.day}-{local.month} "
        return f"Laatst gesynchroniseerd {day}{local:%H:%M}"

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

    def hotspot_name(self, code: str | None) -> str:
        return self.store.hotspot_name(code)

    def default_hotspot(self, theme: str | None = None) -> tuple[HotspotChoice, str] | None:
        """The focus location a form starts with, and why (shown to the officer):
        the nearest when the position is known, else the last one used, else the
        first of the district."""
        choices = self.hotspots(theme=theme)
        if not choices:
            return None
        if choices[0].distance_m is not None:
            return choices[0], f"dichtstbij ({distance_text(choices[0].distance_m)})"
        by_code = {choice.code: choice for choice in choices}
        for entry in self.store.entries(limit=50):
            code = entry.payload.get("hotspot")
            if code in by_code:
                return by_code[code], "laatst gebruikt"
        return choices[0], "eerste van je stadsdeel"

    def nearby_hotspots(self, limit: int = 5) -> list[HotspotChoice]:
        return self.hotspots()[:limit]

    def process_photo(self, raw: bytes) -> ProcessedPhoto:
        """A picked picture made safe (no metadata); raises PhotoError in Dutch."""
        from fieldapp.photos import process_photo

        self.touch()
        return process_photo(raw)


# ---------------------------------------------------------------- typed values


def distance_text(metres: float) -> str:
    if metres < 1000:
        return f"{round(metres / 10) * 10:.0f} m"
    return f"{metres / 1000:.1f} km".replace(".", ",")


def moment_texts(moment: datetime | None = None) -> tuple[str, str]:
    """A moment as the form shows it: ("dd-mm-jjjj", "uu:mm") in local time."""
    local = (moment or datetime.now(UTC)).astimezone()
    return f"{local:%d-%m-%Y}", f"{local:%H:%M}"


_DATE = re.compile(r"^\s*(\d{1,2})[-/. ](\d{1,2})[-/. ](\d{4})\s*$")
_DATE_COMPACT = re.compile(r"^\s*(\d{2})(\d{2})(\d{4})\s*$")
_ISO_DATE = re.compile(r"^\s*(\d{4})-(\d{1,2})-(\d{1,2})\s*$")
_TIME = re.compile(r"^\s*(\d{1,2})[:.]?(\d{2})\s*$")


def parse_date(text: str) -> date | None:
    """dd-mm-jjjj as typed (also with / or . or without separators, or yyyy-mm-dd)."""
    match = _DATE.match(text) or _DATE_COMPACT.match(text)
    if match:
        day, month, year = (int(g) for g in match.groups())
    elif match := _ISO_DATE.match(text):
        year, month, day = (int(g) for g in match.groups())
    else:
        return None
    try:
        return date(year, month, day)
    except ValueError:
        return None


def parse_birth_date(text: str) -> str:
    """A birth date typed as dd-mm-jjjj, as ISO yyyy-mm-dd; EntryInvalid in Dutch."""
    if not text.strip():
        raise EntryInvalid({"geboortedatum": "is verplicht"})
    parsed = parse_date(text)
    if parsed is None:
        raise EntryInvalid({"geboortedatum": "typ de datum als dd-mm-jjjj, bijv. 05-03-2010"})
    if parsed > date.today():
        raise EntryInvalid({"geboortedatum": "ligt in de toekomst"})
    return parsed.isoformat()


def parse_moment(date_text: str, time_text: str, now: datetime | None = None) -> datetime:
    """The form's date (dd-mm-jjjj) and time (uu:mm) as an aware local datetime."""
    day = parse_date(date_text)
    if day is None:
        raise EntryInvalid({"observed_at": "typ de datum als dd-mm-jjjj"})
    match = _TIME.match(time_text)
    if match is None or int(match[1]) > 23 or int(match[2]) > 59:
        raise EntryInvalid({"observed_at": "typ de tijd als uu:mm, bijv. 14:05"})
    moment = datetime(day.year, day.month, day.day, int(match[1]), int(match[2])).astimezone()
    if moment > (now or datetime.now(UTC)) + timedelta(minutes=10):
        raise EntryInvalid({"observed_at": "ligt in de toekomst"})
    return moment


def _aware(moment: datetime) -> datetime:
    """SQLite hands datetimes back without a zone; the store writes them in UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


_PLACE_REQUIRED = {
    RecordKind.WAARNEMING,
    RecordKind.GELE_KAART,
    RecordKind.INCIDENT,
    RecordKind.SIGNAAL_ONDERMIJNING,
    RecordKind.INTEGRALE_CONTROLE,
}


def _needs_place(kind: RecordKind, payload: dict[str, Any]) -> bool:
    if kind not in _PLACE_REQUIRED or payload.get("hotspot") or payload.get("location"):
        return False
    return not (kind is RecordKind.INCIDENT and str(payload.get("place") or "").strip())


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
