"""The server's nightly job (`python -m sync_server nightly`).

1. recompute the indicator snapshots with the current definitions file (one
   transaction; the previous snapshot of the same definition version is
   replaced, so running it twice gives the same figures);
2. re-assign logs with only coordinates to their nearest hotspot;
3. apply retention per record kind (assets/reference/retention.json, see
   services/retention.py): the youth pseudonym of a yellow card after a year,
   personal fields of other kinds after their period; the records stay and still
   count; each removal is logged without the removed value;
4. list phones that have not synced for more than a day.

Safe to run at any time and more than once.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from pydantic import BaseModel
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, and_, col, or_, select

from sync_server import metrics
from sync_server.config import Settings
from sync_server.db import LockBusy, database_lock, session_scope, utcnow
from sync_server.models import Device, User, UserDistrict
from sync_server.photostore import PhotoStore, PhotoStoreUnavailable, open_photo_store
from sync_server.services.hotspots import reassign_nearest
from sync_server.services.indicator_definitions import load_definitions
from sync_server.services.indicator_snapshots import SnapshotReport, compute_snapshot
from sync_server.services.retention import (
    RuleResult,
    apply_policy,
    load_policy,
    with_pseudonym_period,
)

RULE_YOUTH_PSEUDONYM = "gele_kaart_pseudoniem"
log = logging.getLogger(__name__)


class StaleDevice(BaseModel):
    device_id: str
    device_name: str
    user_id: int
    username: str
    display_name: str
    districts: list[str]
    last_sync_at: datetime | None
    created_at: datetime


@dataclass
class NightlyReport:
    snapshot: SnapshotReport
    reassigned: int
    pseudonyms_removed: int
    stale: list[StaleDevice] = field(default_factory=list)
    retention: list[RuleResult] = field(default_factory=list)
    retention_version: int = 0

    def summary(self) -> str:
        s = self.snapshot
        lines = [
            f"Indicatoren berekend met definities versie {s.version} ({s.hash[:8]}): "
            f"{s.records_counted} registraties geteld"
            + (f", waarvan {s.demo_records_counted} demo" if s.demo_records_counted else "")
            + f"; {s.rows} cijfers"
            + (" (vorige berekening van deze versie vervangen)." if s.replaced else "."),
            f"Focuslocatie opnieuw toegewezen: {self.reassigned} registraties.",
            f"Bewaartermijn: {self.pseudonyms_removed} pseudoniemen van jongeren verwijderd "
            "(de gele kaarten blijven).",
        ]
        if self.retention_version:
            lines.append(f"Bewaartermijnen versie {self.retention_version}:")
            lines.extend(
                f"  - {r.rule} ({r.kind}): {r.records} registraties, {r.removals} velden verwijderd"
                for r in self.retention
            )
        if self.stale:
            lines.append(f"{len(self.stale)} telefoon(s) langer dan een dag niet gesynchroniseerd:")
            for d in self.stale:
                when = f"{d.last_sync_at:%Y-%m-%d %H:%M} UTC" if d.last_sync_at else "nog nooit"
                lines.append(
                    f"  - {d.display_name} ({d.username}, {', '.join(d.districts) or '-'}), "
                    f"{d.device_name}: laatste sync {when}"
                )
        else:
            lines.append("Alle telefoons hebben de afgelopen dag gesynchroniseerd.")
        return "\n".join(lines)


def stale_devices(
    session: Session, *, older_than: timedelta, now: datetime, districts: list[str] | None
) -> list[StaleDevice]:
    """Enrolled phones (not revoked, of active users) without a sync for longer
    than `older_than`; only those of users in `districts` unless None."""
    cutoff = now - older_than
    query = (
        select(Device, User)
        .join(User, col(User.id) == col(Device.user_id))
        .where(
            Device.kind == "phone",
            col(Device.revoked_at).is_(None),
            col(User.active).is_(True),
            or_(
                col(Device.last_sync_at) < cutoff,
                and_(col(Device.last_sync_at).is_(None), col(Device.created_at) < cutoff),
            ),
        )
        .order_by(col(User.username), col(Device.created_at))
    )
    if districts is not None:
        members = select(UserDistrict.user_id).where(col(UserDistrict.district_code).in_(districts))
        query = query.where(col(User.id).in_(members))
    rows = session.exec(query).all()
    membership: dict[int, list[str]] = {}
    for user_id, code in session.exec(
        select(UserDistrict.user_id, UserDistrict.district_code).order_by(
            col(UserDistrict.district_code)
        )
    ).all():
        membership.setdefault(user_id, []).append(code)
    out = []
    for device, user in rows:
        assert user.id is not None
        out.append(
            StaleDevice(
                device_id=device.id,
                device_name=device.name,
                user_id=user.id,
                username=user.username,
                display_name=user.display_name,
                districts=membership.get(user.id, []),
                last_sync_at=device.last_sync_at,
                created_at=device.created_at,
            )
        )
    return out


def recompute_indicators(engine: Engine, settings: Settings, *, now: datetime) -> SnapshotReport:
    """The snapshot in one transaction; a concurrent first run of the same
    definition version makes this one start again (and then replace it)."""
    for attempt in range(3):
        try:
            with session_scope(engine) as session:
                definitions = load_definitions(session, settings.indicator_definitions)
                return compute_snapshot(session, definitions, now=now)
        except IntegrityError:
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def _delete_photos(photos: PhotoStore, results: list[RuleResult]) -> None:
    """The photo rows are gone (committed); now their bytes, from whichever store
    is configured. A store that is down leaves orphaned bytes that no one can
    read (nothing names them); the log says how many, without the hashes."""
    dropped = [sha for result in results for sha in result.photos_dropped]
    failed = 0
    for sha in dropped:
        try:
            photos.delete(sha)
        except PhotoStoreUnavailable:
            failed += 1
    if failed:
        log.error("retention: %d of %d photos not deleted from the store", failed, len(dropped))


NIGHTLY_LOCK = "nightly"


def run_nightly_locked(
    engine: Engine, settings: Settings, *, now: datetime | None = None
) -> NightlyReport:
    """The nightly job as the timer runs it: never two at once (a database lock,
    so also not from two machines), its duration and result in the metrics and
    the log. Raises LockBusy when another run holds the lock."""
    started = time.monotonic()
    try:
        with database_lock(engine, NIGHTLY_LOCK, wait=False):
            report = run_nightly(engine, settings, now=now)
    except LockBusy:
        metrics.record_nightly("skipped", time.monotonic() - started)
        log.warning("nightly: another run holds the lock; skipped")
        raise
    except Exception:
        # The caller says what failed: the command line prints the message on
        # stderr (the journal, under systemd) and exits non-zero.
        metrics.record_nightly("failed", time.monotonic() - started)
        raise
    elapsed = time.monotonic() - started
    metrics.record_nightly("ok", elapsed)
    log.info(
        "nightly: done",
        extra={
            "duration_s": round(elapsed, 3),
            "records_counted": report.snapshot.records_counted,
            "pseudonyms_removed": report.pseudonyms_removed,
            "stale_devices": len(report.stale),
        },
    )
    return report


def run_nightly(
    engine: Engine, settings: Settings, *, now: datetime | None = None
) -> NightlyReport:
    now = now or utcnow()
    with session_scope(engine) as session:
        reassigned = reassign_nearest(session, max_m=settings.nearest_hotspot_max_m)
    snapshot = recompute_indicators(engine, settings, now=now)
    policy = with_pseudonym_period(
        load_policy(settings.retention_rules), settings.youth_pseudonym_retention
    )
    with session_scope(engine) as session:
        results = apply_policy(session, policy, now=now)
    _delete_photos(open_photo_store(settings), results)
    pairs = zip(results, policy.rules, strict=True)
    removed = sum(result.removals for result, rule in pairs if rule.pseudonym_only)
    with Session(engine) as session:
        stale = stale_devices(
            session, older_than=settings.stale_device_after, now=now, districts=None
        )
    return NightlyReport(snapshot, reassigned, removed, stale, results, policy.version)
