"""Sync orchestration: one sync at a time, the background turn, wiping deleted data."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime

from fieldapp.dates import aware
from fieldapp.state.core import StateCore
from fieldapp.sync import SyncError, SyncReport


class Syncing(StateCore):
    """One sync at a time, from the button, a reconnect or the background loop."""

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
        return (moment - aware(last)).total_seconds() > max_age_s

    def auto_sync(self, max_age_s: float = 300) -> SyncReport | None:
        """One turn of the background loop (no PIN needed): check the connection
        and sync when online and there is a reason to. None when nothing was sent."""
        if self.enrolment is None or self.syncing:
            return None
        online = self.check_online()
        if not online:
            self.backoff.failed()
        if self.is_teamleader():  # nothing to send: a team leader works online
            self.changed()
            return None
        self.changed()
        if online and self.needs_sync(max_age_s):
            report = self.sync_now()
            if report.error is not None and report.error.code in ("offline", "server_error"):
                self.backoff.failed()
            elif report.error is None:
                self.backoff.succeeded()
            return report
        if online:
            self.backoff.succeeded()
        return None

    def next_auto_sync_in(self) -> float:
        """Seconds until the background loop's next turn (see state/backoff.py)."""
        return self.backoff.delay()

    def connection_returned(self) -> None:
        """The platform says the network is back: the next turn goes at once, with
        the normal interval after it."""
        self.backoff.reset()
