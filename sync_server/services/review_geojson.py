"""The review list as GeoJSON, for a map elsewhere (GIS): the same filter and
the same privacy as the CSV export (review_export.py): no names, pseudonyms,
notes or officer. A log without coordinates is placed at its hotspot; one with
neither is left out (it has no place on a map)."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, col, select

from sync_server.models import Hotspot, Record
from sync_server.services.review_export import MAX_EXPORT_ROWS
from sync_server.services.review_filter import ReviewFilter, check_filter, filter_conditions
from sync_server.services.scope import Scope


def export_geojson(session: Session, scope: Scope, flt: ReviewFilter) -> tuple[dict[str, Any], int]:
    check_filter(session, scope, flt)
    rows = session.exec(
        select(Record)
        .where(*filter_conditions(scope, flt))
        .order_by(col(Record.observed_at), col(Record.id))
        .limit(MAX_EXPORT_ROWS)
    ).all()
    codes = {r.assigned_hotspot_code for r in rows if r.lat is None and r.assigned_hotspot_code}
    places = {
        code: (lat, lon)
        for code, lat, lon in session.exec(
            select(Hotspot.code, Hotspot.lat, Hotspot.lon).where(col(Hotspot.code).in_(codes))
        ).all()
        if lat is not None and lon is not None
    }
    features = []
    for r in rows:
        if r.lat is not None and r.lon is not None:
            lat, lon, placed = r.lat, r.lon, "locatie"
        elif r.assigned_hotspot_code in places:
            (lat, lon), placed = places[r.assigned_hotspot_code], "focuslocatie"
        else:
            continue
        features.append(
            {
                "type": "Feature",
                "id": r.id,
                "geometry": {"type": "Point", "coordinates": [lon, lat]},
                "properties": {
                    "id": r.id,
                    "kind": r.kind,
                    "district": r.district_code,
                    "theme": r.theme_code,
                    "hotspot": r.assigned_hotspot_code,
                    "date": r.local_date.isoformat(),
                    "weekday": r.weekday,
                    "hour": r.hour,
                    "actie": r.action,
                    "feit": r.feit,
                    "review_state": r.review_state,
                    "wijkactie": r.wijkactie_id,
                    "placed_at": placed,
                },
            }
        )
    return {"type": "FeatureCollection", "features": features}, len(features)
