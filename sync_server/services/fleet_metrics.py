"""Figures about the phones and the nightly job that every server process reads
alike from the database (so several processes report the same values, unlike
their own request counters)."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session, col, func, select

from sync_server.db import utcnow
from sync_server.models import Device, SnapshotRun


def database_metrics(session: Session, stale_after: timedelta) -> str:
    """Prometheus text lines: last nightly run, stale phones, the longest sync lag."""
    now = utcnow()
    last_run = session.exec(select(func.max(col(SnapshotRun.computed_at)))).one()
    active = col(Device.revoked_at).is_(None) & (col(Device.kind) == "phone")
    oldest = session.exec(select(func.min(col(Device.last_sync_at))).where(active)).one()
    stale = session.exec(
        select(func.count())
        .select_from(Device)
        .where(active, col(Device.last_sync_at) < now - stale_after)
    ).one()
    lines = [
        "# HELP hv_nightly_last_snapshot_timestamp_seconds When the nightly job last computed",
        "# TYPE hv_nightly_last_snapshot_timestamp_seconds gauge",
        f"hv_nightly_last_snapshot_timestamp_seconds {last_run.timestamp() if last_run else 0}",
        "# HELP hv_devices_stale Phones not synced for longer than the stale period",
        "# TYPE hv_devices_stale gauge",
        f"hv_devices_stale {int(stale)}",
        "# HELP hv_device_sync_lag_max_seconds Longest time since a phone last synced",
        "# TYPE hv_device_sync_lag_max_seconds gauge",
        f"hv_device_sync_lag_max_seconds {(now - oldest).total_seconds() if oldest else 0}",
    ]
    return "\n".join(lines) + "\n"
