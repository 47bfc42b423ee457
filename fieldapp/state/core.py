"""The parts AppState is made of, shared by its concepts (fieldapp.state.*)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from pydantic import ValidationError

from fieldapp import models as m
from fieldapp.db import DB_NAME, data_dir, open_database
from fieldapp.encryption import FieldCipher
from fieldapp.keystore import KeyStore, default_keystore
from fieldapp.location import LocationProvider, NoLocation, Position
from fieldapp.state.backoff import AUTO_SYNC_SECONDS, Backoff
from fieldapp.store import Store
from fieldapp.sync import ClientFactory, SyncClient, SyncReport, default_client
from fieldapp.teamleader import is_manager
from sync_protocol.records import Location


class StateCore:
    """The app's parts (store, sync client, position) and
    what every concept of AppState shares: change notification, activity, the
    enrolment."""

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
        self.location: LocationProvider = location or NoLocation()
        self.clock = clock
        self._listeners: list[Callable[[], None]] = []
        self._sync_lock = threading.Lock()
        # When the background loop tries again (the shell sets its interval).
        self.backoff = Backoff(AUTO_SYNC_SECONDS)
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

    @property
    def enrolment(self) -> m.Enrolment | None:
        return self.store.enrolment()

    def is_teamleader(self) -> bool:
        return is_manager(self.enrolment)

    def touch(self) -> None:
        self.last_activity = self.clock()

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
