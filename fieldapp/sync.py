"""Sync between the phone and the server: push the outbox, upload photos, pull.

Resumable after any interruption, because every step is idempotent and every
local update is one transaction: a batch whose reply is lost is simply sent
again (the server answers "accepted" for an identical re-send); a pull page is
applied together with its cursor; a photo is checked by hash before upload.

The HTTP client is injected (as httpx does with transports), so a test can hand
in one that drops replies, and the headless nightly command uses the same code.
Two syncs at once (the app's and the nightly one) take turns through a lock
file next to the database.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from filelock import FileLock, Timeout

from fieldapp import map_tiles, patrol
from fieldapp import models as m
from fieldapp.http_client import (
    ClientFactory,
    SyncError,
    checked,
    default_client,
    enrolment_from_reply,
    error_code,
    error_message,
    json_reply,
    normalise_server_url,
    send,
)
from fieldapp.store import PageInvalid, Store
from sync_protocol import PROTOCOL_VERSION

__all__ = [
    "ClientFactory",
    "SyncClient",
    "SyncError",
    "SyncReport",
    "default_client",
    "enrolment_from_reply",
    "error_code",
    "error_message",
    "normalise_server_url",
]

Progress = Callable[[str, float], None]
BATCH_SIZE = 500  # the server takes up to 500 per request (Limits.max_batch_records)
PULL_LIMIT = 1000  # the server's largest page: half the round trips of a first pull


@dataclass
class SyncReport:
    accepted: int = 0
    rejected: int = 0
    conflicts: int = 0
    photos_uploaded: int = 0
    photo_errors: list[str] = field(default_factory=list)
    changes_pulled: int = 0
    error: SyncError | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


class SyncClient:
    def __init__(
        self, store: Store, lock_path: Path, client_factory: ClientFactory = default_client
    ) -> None:
        self.store = store
        self.lock_path = lock_path
        self.client_factory = client_factory

    # ------------------------------------------------------------ enrolment

    def enroll(self, server_url: str, code: str, device_name: str = "telefoon") -> m.Enrolment:
        server_url = normalise_server_url(server_url)
        with self.client_factory(server_url) as client:
            body = self._call(
                client,
                "POST",
                "/api/v1/auth/enroll",
                json={"code": code.strip(), "device_name": device_name},
            )
        enrolment = enrolment_from_reply(server_url, body)
        self.store.save_enrolment(enrolment)
        return enrolment

    def reachable(self, timeout: float = 3.0) -> bool:
        enrolment = self.store.enrolment()
        if enrolment is None:
            return False
        try:
            with self.client_factory(enrolment.server_url) as client:
                return client.get("/api/v1/health", timeout=timeout).status_code == 200
        except httpx.HTTPError:
            return False

    # ------------------------------------------------------------ sync

    def sync(self, progress: Progress | None = None, *, wait: bool = True) -> SyncReport:
        """Push, upload photos, pull. Never raises for network trouble: the report
        says what happened, and whatever is left waits for the next sync."""
        report = SyncReport()
        say = progress or (lambda _text, _fraction: None)
        enrolment = self.store.enrolment()
        if enrolment is None:
            report.error = SyncError("not_enrolled")
            return report
        try:
            with self._lock(wait), self.client_factory(enrolment.server_url) as client:
                client.headers["Authorization"] = f"Bearer {enrolment.token}"
                self._push(client, enrolment, report, say)
                self._upload_photos(client, report, say)
                self._pull(client, report, say)
                self._patrol_suggestion(client)
                self._map_tiles(client, enrolment.server_url)
            say("Klaar", 1.0)
            self.store.record_sync(ok=True)
        except SyncError as exc:
            report.error = exc
            self.store.record_sync(ok=False, code=exc.code, message=exc.message)
            if exc.code == "token_revoked":
                # Revoked on purpose (a lost or stolen phone, or an officer who left):
                # wipe everything, including entries that were not sent yet.
                self.store.wipe()
            elif exc.code == "token_invalid":
                self.store.forget_enrolment()
        return report

    @contextmanager
    def _lock(self, wait: bool) -> Iterator[None]:
        """One sync at a time per phone folder (the app and `python -m fieldapp
        sync`), with a lock that works on every platform, Windows too."""
        self.lock_path.parent.mkdir(parents=True, exist_ok=True)
        lock = FileLock(self.lock_path, mode=0o600)
        try:
            lock.acquire(timeout=-1 if wait else 0)
        except Timeout as exc:
            raise SyncError("sync_busy") from exc
        try:
            yield
        finally:
            lock.release()

    def _push(
        self, client: httpx.Client, enrolment: m.Enrolment, report: SyncReport, say: Progress
    ) -> None:
        """Batches one after the other, with the phone's work overlapping the
        server's: while batch n is on its way the next one is read from the
        outbox, and batch n+1 goes out before the verdicts on batch n are written
        (one request ahead, on a thread of its own, as in `_pull`). A batch is
        read and marked as attempted in one local transaction (see outgoing); a
        failed request stops the push, and the batch read ahead waits, marked as
        attempted, for the next sync, which sends it as it is."""
        total = max(self.store.pending_count(), 1)
        sent = 0
        batch = self.store.outgoing(BATCH_SIZE, claim=True)
        if not batch:
            return
        with ThreadPoolExecutor(1, thread_name_prefix="push-ahead") as ahead:
            reply = ahead.submit(self._push_batch, client, enrolment, batch)
            while True:
                say(f"Versturen {sent}/{total}", 0.6 * sent / total)
                ids = [record.entry_id for record in batch]
                following = self.store.outgoing(BATCH_SIZE, claim=True, exclude=ids)
                try:
                    body = reply.result()
                except SyncError as exc:
                    self.store.note_push_failure(ids, exc.message)
                    raise
                if following:
                    reply = ahead.submit(self._push_batch, client, enrolment, following)
                # Leaving the block waits for a request still under way, so the
                # client is never closed under it.
                counts = self.store.apply_push_results(body.get("results", []))
                report.accepted += counts.get("accepted", 0)
                report.rejected += counts.get("rejected", 0)
                report.conflicts += counts.get("conflict", 0)
                sent += len(batch)
                if sum(counts.values()) == 0:
                    # The server answered none of them (should not happen): stop
                    # rather than loop; they stay queued for the next sync.
                    raise SyncError("bad_reply")
                if not following:
                    return
                batch = following

    def _push_batch(
        self, client: httpx.Client, enrolment: m.Enrolment, batch: list[Any]
    ) -> dict[str, Any]:
        return self._call(
            client,
            "POST",
            "/api/v1/sync/push",
            json={
                "protocol": PROTOCOL_VERSION,
                "device_id": enrolment.device_id,
                "records": [record.wire for record in batch],
            },
        )

    def _upload_photos(self, client: httpx.Client, report: SyncReport, say: Progress) -> None:
        photos = self.store.photos_to_upload()
        for number, photo in enumerate(photos, start=1):
            say(f"Foto's {number}/{len(photos)}", 0.6 + 0.2 * number / max(len(photos), 1))
            url = f"/api/v1/blobs/{photo.sha256}"
            try:
                if self._send(client, "HEAD", url).status_code == 200:
                    self.store.mark_photo_uploaded(photo.sha256)
                    continue
                data = Path(photo.path).read_bytes()
            except FileNotFoundError:
                report.photo_errors.append(f"Foto {photo.sha256[:8]} ontbreekt op de telefoon.")
                continue
            response = self._send(
                client, "PUT", url, content=data, headers={"Content-Type": "image/jpeg"}
            )
            if response.status_code in (200, 201):
                self.store.mark_photo_uploaded(photo.sha256)
                report.photos_uploaded += 1
            elif response.status_code >= 500:
                raise SyncError("server_error")
            else:
                # This photo is refused (e.g. it got damaged): say so, keep the rest going.
                report.photo_errors.append(error_message(response))

    def _pull(self, client: httpx.Client, report: SyncReport, say: Progress) -> None:
        """Pages one after the other, each applied with its cursor in one local
        transaction. While a page is applied the next one is already asked for
        (one request ahead, on a thread of its own): the server builds page n+1
        while the phone writes page n, instead of each waiting for the other. A
        page that fails to apply stops the pull; the one fetched ahead is dropped."""
        cursor, page = self._first_page(client)
        with ThreadPoolExecutor(1, thread_name_prefix="pull-ahead") as ahead:
            while True:
                changes, next_since, more = _page_parts(page)
                following: Future[dict[str, Any]] | None = None
                if more and next_since > cursor:
                    following = ahead.submit(self._pull_page, client, next_since)
                try:
                    # Read with the wire models (sync_protocol/entities.py) before
                    # anything is applied: a malformed page leaves the phone as it was.
                    self.store.apply_pull_page(changes, next_since)
                except PageInvalid as exc:
                    raise SyncError("bad_reply") from exc
                report.changes_pulled += len(changes)
                say("Gegevens ophalen", 0.9)
                if following is None:
                    return
                # Leaving the block waits for a request still under way, so the
                # client is never closed under it.
                cursor, page = next_since, following.result()

    def _first_page(self, client: httpx.Client) -> tuple[int, dict[str, Any]]:
        cursor = self.store.cursor()
        try:
            return cursor, self._pull_page(client, cursor)
        except SyncError as exc:
            if exc.code != "cursor_ahead":
                raise
        # The server was restored from a backup: take everything again.
        self.store.reset_cursor()
        return 0, self._pull_page(client, 0)

    def _pull_page(self, client: httpx.Client, since: int) -> dict[str, Any]:
        return self._call(
            client, "GET", "/api/v1/sync/pull", params={"since": since, "limit": PULL_LIMIT}
        )

    def _patrol_suggestion(self, client: httpx.Client) -> None:
        """Keep this shift's patrol suggestion for the home screen. A nice-to-have:
        if it fails, the last one stays and the sync still counts as done."""
        try:
            reply = self._call(client, "GET", "/api/v1/patrol-suggestion")
            patrol.save(self.store.photo_dir.parent, reply)
        except (SyncError, OSError, ValueError, KeyError, TypeError):
            return

    def _map_tiles(self, client: httpx.Client, server_url: str) -> None:
        """Keep the base map's template the server hands out (map_tiles.py); if
        it fails, the last one stays and the sync still counts as done."""
        try:
            reply = self._call(client, "GET", "/api/v1/map/settings")
            map_tiles.save(self.store.photo_dir.parent, server_url, reply)
        except (SyncError, OSError, ValueError, KeyError, TypeError):
            return

    # ------------------------------------------------------------ HTTP

    def _send(self, client: httpx.Client, method: str, url: str, **kwargs: Any) -> httpx.Response:
        return send(
            client, method, url, refuse=_sync_problem, offline=SyncError("offline"), **kwargs
        )

    def _call(self, client: httpx.Client, method: str, url: str, **kwargs: Any) -> dict[str, Any]:
        response = checked(
            client, method, url, refuse=_sync_problem, offline=SyncError("offline"), **kwargs
        )
        body = json_reply(response)
        if not isinstance(body, dict):
            raise SyncError("bad_reply")
        return body


def _page_parts(page: dict[str, Any]) -> tuple[list[Any], int, bool]:
    """A pull reply's changes, next cursor and whether more follow, or bad_reply."""
    try:
        changes, next_since, more = page["changes"], int(page["next_since"]), page["more"]
        if not isinstance(changes, list) or not isinstance(more, bool):
            raise TypeError("changes must be a list and more a boolean")
    except (KeyError, TypeError, ValueError) as exc:
        raise SyncError("bad_reply") from exc
    return changes, next_since, more


def _sync_problem(response: httpx.Response) -> SyncError | None:
    """What a sync cannot go on after: a lapsed or revoked token, throttling, an
    app too old for the server, a server failure. Other 4xx are per request."""
    if response.status_code in (401, 429):
        fallback = "token_invalid" if response.status_code == 401 else "too_many_attempts"
        return SyncError(error_code(response) or fallback, error_message(response))
    if response.status_code == 400 and error_code(response) in (
        "protocol_unsupported",
        "protocol_missing",
    ):
        return SyncError("protocol_unsupported")
    if response.status_code >= 500:
        return SyncError("server_error")
    return None
