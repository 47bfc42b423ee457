"""The review list as CSV, without personal data: it leaves the system."""

from __future__ import annotations

from sqlmodel import Session, col, select

from sync_server.models import District, Hotspot, Record, Theme
from sync_server.services.excel_csv import excel_csv, safe_cell
from sync_server.services.localtime import WEEKDAYS
from sync_server.services.record_access import photo_counts
from sync_server.services.review_filter import ReviewFilter, check_filter, filter_conditions
from sync_server.services.scope import Scope

MAX_EXPORT_ROWS = 50_000
EXPORT_COLUMNS = (
    "id",
    "soort",
    "stadsdeel",
    "stadsdeel_naam",
    "thema",
    "thema_naam",
    "focuslocatie",
    "focuslocatie_naam",
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
    districts, themes, hotspots = _names(session)
    lines = [
        [
            r.id,
            r.kind,
            r.district_code,
            districts.get(r.district_code, ""),
            r.theme_code or "",
            themes.get(r.theme_code or "", ""),
            r.assigned_hotspot_code or "",
            hotspots.get(r.assigned_hotspot_code or "", ""),
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
        for r in rows
    ]
    return excel_csv(EXPORT_COLUMNS, lines), len(rows)


def _names(session: Session) -> tuple[dict[str, str], dict[str, str], dict[str, str]]:
    """Names beside the codes: a person reads the name, a formula matches the code.
    Reference data is small (tens of districts and themes, hundreds of hotspots)."""
    districts = {d.code: safe_cell(d.name) for d in session.exec(select(District)).all()}
    themes = {t.code: safe_cell(t.name) for t in session.exec(select(Theme)).all()}
    hotspots = {h.code: safe_cell(h.name) for h in session.exec(select(Hotspot)).all()}
    return districts, themes, hotspots
