"""Residents' reports (meldingen) imported from the municipality's reports
system, in the export shapes of Signalen (the Dutch municipalities' open-source
system): CSV (`id, created_at, updated_at, geometry, status, main_slug,
sub_slug` as in its "teamdata openbare ruimte" export; also `lat`/`lon`,
`main_category`/`sub_category`, `state`) and GeoJSON (Point features with those
properties, or `category: {main_slug, sub_slug}`).

All or nothing: every row is read and checked first; any bad row and nothing is
stored, with an error per row. Idempotent by the report's own id: importing the
same file again updates the same rows. Only what the map and the indicators need
is kept: never text, reporter, address or anything else of the file.
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel
from sqlmodel import Session, col, select

from sync_protocol import ErrorCode
from sync_server.db import utcnow
from sync_server.errors import ServiceError
from sync_server.models import District, Melding
from sync_server.services.geo import distance_m, nearest
from sync_server.services.localtime import local_fields
from sync_server.services.push_write import hotspot_spots
from sync_server.services.scope import Scope

MAX_ROWS = 50_000
MAX_ERRORS = 50
_POINT = re.compile(
    r"^(?:SRID=4326;)?\s*POINT\s*\(\s*(-?\d+(?:\.\d+)?)\s+(-?\d+(?:\.\d+)?)\s*\)$", re.I
)
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$")
_SLUG = re.compile(r"^[\w .,'()/&+-]{1,120}$")


class MeldingImportResult(BaseModel):
    created: int
    updated: int
    unassigned_hotspot: int  # no hotspot of its district within the distance


@dataclass
class _Row:
    id: str
    created_at: datetime
    category: str
    sub_category: str
    state: str
    lat: float
    lon: float


def _first(values: dict[str, Any], *names: str) -> Any:
    for name in names:
        value = values.get(name)
        if value not in (None, ""):
            return value
    return None


def _category(values: dict[str, Any]) -> tuple[Any, Any]:
    category = values.get("category")
    if isinstance(category, dict):
        parent = category.get("parent") if isinstance(category.get("parent"), dict) else {}
        main = _first(category, "main_slug", "main") or _first(parent or {}, "slug", "name")
        sub = _first(category, "sub_slug", "sub", "slug", "name")
        return main, sub
    main = _first(values, "main_slug", "main_category", "category", "hoofdcategorie")
    sub = _first(values, "sub_slug", "sub_category", "subcategorie")
    return main, sub


def _point(values: dict[str, Any]) -> tuple[float, float]:
    lat, lon = _first(values, "lat", "latitude"), _first(values, "lon", "lng", "longitude")
    if lat is None or lon is None:
        geometry = _first(values, "geometry", "location", "geometrie")
        match = _POINT.match(str(geometry).strip()) if isinstance(geometry, str) else None
        if match is None:
            raise ValueError("locatie ontbreekt (lat/lon of geometry POINT(lon lat))")
        lon, lat = match[1], match[2]
    lat, lon = float(lat), float(lon)
    if not (50.7 <= lat <= 53.7 and 3.2 <= lon <= 7.3):
        raise ValueError("locatie ligt buiten Nederland")
    return lat, lon


def _read(values: dict[str, Any]) -> _Row:
    ident = _first(values, "id", "signal_id")
    if ident is None or not _ID.match(str(ident)):
        raise ValueError("id ontbreekt of is ongeldig")
    created = _first(values, "created_at", "datum")
    if created is None:
        raise ValueError("created_at ontbreekt")
    when = datetime.fromisoformat(str(created).replace("Z", "+00:00"))
    if when.tzinfo is None:
        raise ValueError("created_at zonder tijdzone")
    main, sub = _category(values)
    if main is None or not _SLUG.match(str(main)):
        raise ValueError("categorie ontbreekt of is ongeldig")
    if sub is not None and not _SLUG.match(str(sub)):
        raise ValueError("subcategorie is ongeldig")
    state = _first(values, "status", "state") or ""
    if isinstance(state, dict):
        state = state.get("state") or ""
    lat, lon = _point(values)
    return _Row(
        str(ident), when.astimezone(UTC), str(main), str(sub or ""), str(state)[:40], lat, lon
    )


def _rows_csv(content: bytes) -> list[dict[str, Any]]:
    text = content.decode("utf-8-sig")
    first = text.split("\n", 1)[0]
    dialect = ";" if first.count(";") > first.count(",") else ","
    return [
        {k.strip().lower(): (v or "").strip() for k, v in row.items() if k}
        for row in csv.DictReader(io.StringIO(text), delimiter=dialect)
    ]


def _rows_geojson(content: bytes) -> list[dict[str, Any]]:
    data = json.loads(content.decode("utf-8-sig"))
    features = data.get("features") if isinstance(data, dict) else None
    if not isinstance(features, list):
        raise ServiceError(ErrorCode.INVALID_REQUEST, "GeoJSON zonder features.")
    rows = []
    for feature in features:
        props = dict(feature.get("properties") or {}) if isinstance(feature, dict) else {}
        geometry = feature.get("geometry") if isinstance(feature, dict) else None
        if isinstance(geometry, dict) and geometry.get("type") == "Point":
            coords = geometry.get("coordinates") or []
            if len(coords) >= 2:
                props.setdefault("lon", coords[0])
                props.setdefault("lat", coords[1])
        if isinstance(feature, dict) and "id" in feature:
            props.setdefault("id", feature["id"])
        rows.append(props)
    return rows


def _district_of(
    session: Session, spots: Any, lat: float, lon: float, max_m: float
) -> tuple[str, str | None]:
    """The nearest hotspot within the distance decides the district; otherwise the
    nearest district centre."""
    best = None
    for spot in spots:
        d = distance_m(lat, lon, spot.lat, spot.lon)
        if d <= max_m and (best is None or (d, spot.code) < best[:2]):
            best = (d, spot.code, spot.district_code)
    if best is not None:
        return best[2], best[1]
    centres = [
        (distance_m(lat, lon, d.center_lat, d.center_lon), d.code)
        for d in session.exec(select(District).where(col(District.retired).is_(False))).all()
        if d.center_lat is not None and d.center_lon is not None
    ]
    if not centres:
        raise ValueError("geen stadsdeel bij deze locatie")
    district = min(centres)[1]
    return district, nearest(spots, district=district, lat=lat, lon=lon, max_m=max_m)


def import_meldingen(
    session: Session, scope: Scope, content: bytes, *, form: str, max_m: float
) -> MeldingImportResult:
    try:
        raw = _rows_csv(content) if form == "csv" else _rows_geojson(content)
    except (UnicodeDecodeError, json.JSONDecodeError, csv.Error) as exc:
        raise ServiceError(ErrorCode.INVALID_REQUEST, "Het bestand is niet te lezen.") from exc
    if not raw:
        raise ServiceError(ErrorCode.INVALID_REQUEST, "Het bestand bevat geen meldingen.")
    if len(raw) > MAX_ROWS:
        raise ServiceError(ErrorCode.INVALID_REQUEST, f"Hoogstens {MAX_ROWS} meldingen per keer.")
    spots = hotspot_spots(session)
    errors: list[dict[str, object]] = []
    rows: dict[str, tuple[_Row, str, str | None]] = {}
    for number, values in enumerate(raw, start=1):
        try:
            row = _read(values)
            district, hotspot = _district_of(session, spots, row.lat, row.lon, max_m)
            if not scope.allows(district):
                raise ValueError(f"ligt in stadsdeel {district}, niet een van de jouwe")
            if row.id in rows:
                raise ValueError("id staat twee keer in het bestand")
        except (ValueError, TypeError) as exc:
            errors.append({"row": number, "message": str(exc)})
            continue
        rows[row.id] = (row, district, hotspot)
    if errors:
        raise ServiceError(
            ErrorCode.IMPORT_INVALID,
            f"{len(errors)} regel(s) kloppen niet; er is niets ingelezen.",
            details=errors[:MAX_ERRORS],
        )
    existing = {
        m.id: m for m in session.exec(select(Melding).where(col(Melding.id).in_(list(rows)))).all()
    }
    now = utcnow()
    created = updated = unassigned = 0
    for ident, (row, district, hotspot) in rows.items():
        fields = local_fields(row.created_at)
        melding = existing.get(ident) or Melding(
            id=ident,
            created_at=row.created_at,
            local_date=fields.local_date,
            category=row.category,
            lat=row.lat,
            lon=row.lon,
            district_code=district,
            imported_at=now,
        )
        melding.created_at, melding.local_date = row.created_at, fields.local_date
        melding.weekday, melding.hour = fields.weekday, fields.hour
        melding.category, melding.sub_category, melding.state = (
            row.category,
            row.sub_category,
            row.state,
        )
        melding.lat, melding.lon = row.lat, row.lon
        melding.district_code, melding.hotspot_code = district, hotspot
        melding.imported_at = now
        session.add(melding)
        if ident in existing:
            updated += 1
        else:
            created += 1
        unassigned += hotspot is None
    session.flush()
    return MeldingImportResult(created=created, updated=updated, unassigned_hotspot=unassigned)
