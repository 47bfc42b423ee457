"""Residents' reports as a layer: the list and GeoJSON for the map, and counts
at hotspots for a period (a district action's before/during/after).

Nothing personal is in a melding (meldingen_import.py keeps none), and the
layer shows only category, time, state and place.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy import func
from sqlmodel import Session, col, select

from sync_protocol import ErrorCode
from sync_server.errors import ServiceError
from sync_server.models import Melding
from sync_server.services.scope import Scope

MAX_LAYER = 20_000


class MeldingOut(BaseModel):
    id: str
    created_at: datetime
    category: str
    sub_category: str
    state: str
    lat: float
    lon: float
    district: str
    hotspot: str | None


def _query(
    scope: Scope,
    date_from: date | None,
    date_to: date | None,
    category: str | None,
) -> Any:
    if date_from and date_to and date_from > date_to:
        raise ServiceError(ErrorCode.INVALID_REQUEST, "date_from ligt na date_to.")
    query = select(Melding).order_by(col(Melding.created_at), col(Melding.id))
    if (where := scope.where(Melding.district_code)) is not None:
        query = query.where(where)
    if date_from:
        query = query.where(col(Melding.local_date) >= date_from)
    if date_to:
        query = query.where(col(Melding.local_date) <= date_to)
    if category:
        query = query.where(col(Melding.category) == category)
    return query.limit(MAX_LAYER)


def list_meldingen(
    session: Session,
    scope: Scope,
    *,
    date_from: date | None = None,
    date_to: date | None = None,
    category: str | None = None,
) -> list[MeldingOut]:
    return [
        MeldingOut(
            id=m.id,
            created_at=m.created_at,
            category=m.category,
            sub_category=m.sub_category,
            state=m.state,
            lat=m.lat,
            lon=m.lon,
            district=m.district_code,
            hotspot=m.hotspot_code,
        )
        for m in session.exec(_query(scope, date_from, date_to, category)).all()
    ]


def as_geojson(items: list[MeldingOut]) -> dict[str, Any]:
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "id": item.id,
                "geometry": {"type": "Point", "coordinates": [item.lon, item.lat]},
                "properties": item.model_dump(mode="json", exclude={"lat", "lon"}),
            }
            for item in items
        ],
    }


def count_at(session: Session, hotspots: list[str], start: date, end: date) -> int:
    """Reports at these hotspots with their date in [start, end]."""
    if not hotspots:
        return 0
    return int(
        session.exec(
            select(func.count()).where(
                col(Melding.hotspot_code).in_(hotspots),
                col(Melding.local_date) >= start,
                col(Melding.local_date) <= end,
            )
        ).one()
    )
