"""What the screens show and do, without any UI code.

Views call these methods and re-render when `changed` fires; all behaviour is
here or below (store, sync), so it is tested in plain pytest and the views stay
thin. Nothing here imports flet.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fieldapp import models as m
from fieldapp.db import DB_NAME, data_dir, open_database
from fieldapp.labels import KIND_LABELS, REVIEW_LABELS, STATUS_LABELS
from fieldapp.location import LocationProvider, NoLocation, Position
from fieldapp.photos import ProcessedPhoto
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
from sync_protocol import RecordKind

__all__ = [
    "AppState",
    "EntryInvalid",
    "EntryLocked",
    "LogItem",
    "PinProblem",
    "SyncError",
]

ENROL, SET_PIN, LOCKED, READY = "koppelen", "pincode_instellen", "vergrendeld", "gereed"


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


class AppState:
    def __init__(
        self,
        folder: Path | None = None,
        *,
        client_factory: ClientFactory = default_client,
        location: LocationProvider | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.folder = data_dir(folder)
        self.store = Store(open_database(self.folder / DB_NAME), self.folder / "photos")
        self.sync_client = SyncClient(self.store, self.folder / "sync.lock", client_factory)
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
        self.online = True
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
        return self.location.current()

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
    ) -> m.Entry:
        self.touch()
        entry = self.store.save_entry(kind, payload, identity=identity, photos=photos)
        self.changed()
        return entry

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
    ) -> m.Entry:
        payload = {
            "observed_at": self._when(observed_at),
            "theme": theme,
            "action": action,
            "persons": persons,
            "note": note,
            **self._place(hotspot),
        }
        return self.save(RecordKind.WAARNEMING, _drop_none(payload), photos=photos)

    def save_gele_kaart(
        self,
        *,
        naam: str,
        geboortedatum: str,
        hotspot: str | None,
        aanleiding: str | None,
        note: str = "",
        observed_at: datetime | None = None,
    ) -> m.Entry:
        payload = {
            "observed_at": self._when(observed_at),
            "aanleiding": aanleiding,
            "note": note,
            **self._place(hotspot),
        }
        identity = {"naam": naam.strip(), "geboortedatum": geboortedatum.strip()}
        return self.save(RecordKind.GELE_KAART, _drop_none(payload), identity=identity)

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
        return self.save(RecordKind.INCIDENT, payload)

    def save_adrescontrole(
        self,
        *,
        uitkomst: str | None,
        address: str = "",
        hotspot: str | None = None,
        note: str = "",
        observed_at: datetime | None = None,
    ) -> m.Entry:
        payload = {
            "observed_at": self._when(observed_at),
            "uitkomst": uitkomst,
            "address": address,
            "note": note,
            **self._place(hotspot),
        }
        return self.save(RecordKind.ADRESCONTROLE, _drop_none(payload))

    def save_signaal(
        self,
        *,
        categorie: str | None,
        description: str,
        hotspot: str | None,
        observed_at: datetime | None = None,
        photos: list[ProcessedPhoto] | None = None,
    ) -> m.Entry:
        payload = {
            "observed_at": self._when(observed_at),
            "categorie": categorie,
            "description": description,
            **self._place(hotspot),
        }
        return self.save(RecordKind.SIGNAAL_ONDERMIJNING, _drop_none(payload), photos=photos)

    def save_integrale_controle(
        self,
        *,
        branche: str,
        uitkomst: str | None,
        partners: list[str],
        hotspot: str | None,
        note: str = "",
        observed_at: datetime | None = None,
    ) -> m.Entry:
        payload = {
            "observed_at": self._when(observed_at),
            "branche": branche,
            "uitkomst": uitkomst,
            "partners": partners,
            "note": note,
            **self._place(hotspot),
        }
        return self.save(RecordKind.INTEGRALE_CONTROLE, _drop_none(payload))

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
            if entry.review_state:
                details.append(
                    f"Beoordeling: {REVIEW_LABELS.get(entry.review_state, entry.review_state)}"
                )
            if entry.review_remark:
                details.append(f"Opmerking teamleider: {entry.review_remark}")
            if entry.card_number:
                details.append(f"{entry.card_number}e kaart: {entry.next_step}")
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
                    can_delete=entry.synced_version is None and entry.status == m.WACHT,
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

            report = self.sync_client.sync(report_progress)
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


def _drop_none(payload: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in payload.items() if v is not None and v != ""}
