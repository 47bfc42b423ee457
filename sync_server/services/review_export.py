"""The review list as CSV, without personal data: it leaves the system."""

from __future__ import annotations

import csv
import io

from sqlmodel import Session, col, select

from sync_server.models import Record
from sync_server.services.localtime import WEEKDAYS
from sync_server.services.record_access import photo_counts
from sync_server.services.review_filter import ReviewFilter, check_filter, filter_conditions
from sync_server.services.scope import Scope

MAX_EXPORT_ROWS = 50_000
EXPORT_COLUMNS = (
    "id",
    "soort",
    "stadsdeel",
    "thema",
    "focuslocatie",
    "datum",
    "weekdag",
    "uur",
    "actie",
    "feit",
    "beoordeling",
    "versie",
    "foto_s",
    "demo",
)


def export_csv(session: Session, scope: Scope, flt: ReviewFilter) -> tuple[str, int]:
    """What the filter shows, without personal data: no names, no pseudonyms, no
    free-text notes, and no officer (the export leaves the system)."""
    check_filter(session, scope, flt)
    rows = session.exec(
        select(Record)
        .where(*filter_conditions(scope, flt))
        .order_by(col(Record.observed_at), col(Record.id))
        .limit(MAX_EXPORT_ROWS)
    ).all()
    photos = photo_counts(session, [r.id for r in rows])
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(EXPORT_COLUMNS)
    for r in rows:
        writer.writerow(
            [
                r.id,
                r.kind,
                r.district_code,
                r.theme_code or "",
                r.assigned_hotspot_code or "",
                r.local_date.isoformat(),
                WEEKDAYS[r.weekday],
                r.hour,
                r.action or "",
                r.feit or "",
                r.review_state,
                r.version,
                photos.get(r.id, 0),
                "ja" if r.is_demo else "nee",
            ]
        )
    return buffer.getvalue(), len(rows)
