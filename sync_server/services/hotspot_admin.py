"""Hotspot management in the app (issue 13): team leaders of a district and the
beheerder create, move, rename and retire hotspots, and give them themes and a
period (a new year's programme brings new focus locations).

Every change is a new version with a change-log entry for the hotspot's
district, so phones receive it on their next pull. A retired hotspot is kept
(records keep naming it) and still sent, with its flag: the phone hides it from
pickers and shows it in history. Once changed here a hotspot is the app's: the
reference loader no longer touches it (reference_data.MANAGED_IN_APP).
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator
from sqlmodel import Session, col, select

from sync_protocol import ErrorCode
from sync_server.db import utcnow
from sync_server.errors import ServiceError
from sync_server.models import District, Hotspot, Theme
from sync_server.services.changes import AUDIENCE_DISTRICT, PendingChange, record_changes
from sync_server.services.reference_data import MANAGED_IN_APP
from sync_server.services.scope import Scope

Code = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{0,119}$")]
ThemeCode = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{0,79}$")]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
# The Netherlands, as for a record's location (sync_protocol.records.Location).
Lat = Annotated[float, Field(ge=50.7, le=53.7)]
Lon = Annotated[float, Field(ge=3.2, le=7.3)]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="after")
    def _period(self) -> _Body:
        start, end = getattr(self, "valid_from", None), getattr(self, "valid_to", None)
        if start is not None and end is not None and start > end:
            raise ValueError("de begindatum (valid_from) ligt na de einddatum (valid_to)")
        return self


class HotspotCreate(_Body):
    code: Code | None = None
    name: Name
    district: str = Field(max_length=40)
    lat: Lat
    lon: Lon
    themes: list[ThemeCode] = Field(default_factory=list, max_length=20)
    note: str = Field(default="", max_length=1000)
    valid_from: date | None = None
    valid_to: date | None = None


class HotspotUpdate(_Body):
    """Only the fields given change; a move is {lat, lon} together."""

    name: Name | None = None
    lat: Lat | None = None
    lon: Lon | None = None
    themes: list[ThemeCode] | None = Field(default=None, max_length=20)
    note: str | None = Field(default=None, max_length=1000)
    valid_from: date | None = None
    valid_to: date | None = None

    @model_validator(mode="after")
    def _both_coordinates(self) -> HotspotUpdate:
        if (self.lat is None) != (self.lon is None):
            raise ValueError("een nieuwe plek geeft lat en lon samen")
        return self


class HotspotOut(BaseModel):
    code: str
    name: str
    district: str
    themes: list[str]
    lat: float | None
    lon: float | None
    approximate: bool
    note: str
    valid_from: date | None
    valid_to: date | None
    retired: bool
    version: int


def out(row: Hotspot) -> HotspotOut:
    return HotspotOut(
        code=row.code,
        name=row.name,
        district=row.district_code,
        themes=list(row.themes),
        lat=row.lat,
        lon=row.lon,
        approximate=row.approximate,
        note=row.note,
        valid_from=row.valid_from,
        valid_to=row.valid_to,
        retired=row.retired,
        version=row.version,
    )


def _slug(name: str) -> str:
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "-", plain).strip("-")[:100] or "focuslocatie"


def _check_themes(session: Session, themes: list[str]) -> None:
    known = set(session.exec(select(Theme.code).where(col(Theme.code).in_(themes))).all())
    if unknown := sorted(set(themes) - known):
        raise ServiceError(ErrorCode.INVALID_REQUEST, f"Onbekend thema: {', '.join(unknown)}.")


def _allowed(scope: Scope, district: str) -> None:
    if not scope.allows(district):
        raise ServiceError(ErrorCode.FORBIDDEN, "Dit stadsdeel valt niet onder jou als teamleider.")


def list_hotspots(session: Session, scope: Scope, *, include_retired: bool) -> list[HotspotOut]:
    query = select(Hotspot).order_by(col(Hotspot.district_code), col(Hotspot.name))
    if (where := scope.where(Hotspot.district_code)) is not None:
        query = query.where(where)
    if not include_retired:
        query = query.where(col(Hotspot.retired).is_(False))
    return [out(row) for row in session.exec(query).all()]


def _publish(session: Session, row: Hotspot) -> HotspotOut:
    """Store the new version and log it for the district's phones (last, just
    before the route's commit, as the change log requires)."""
    row.content_hash = MANAGED_IN_APP
    row.updated_at = utcnow()
    session.add(row)
    session.flush()
    change = PendingChange("hotspot", row.code, "upsert", AUDIENCE_DISTRICT, row.district_code)
    record_changes(session, [change])
    return out(row)


def create(session: Session, scope: Scope, body: HotspotCreate) -> HotspotOut:
    if session.get(District, body.district) is None:
        raise ServiceError(ErrorCode.UNKNOWN_DISTRICT, "Onbekend stadsdeel.")
    _allowed(scope, body.district)
    _check_themes(session, body.themes)
    code = body.code or f"{body.district}-{_slug(body.name)}"
    if session.get(Hotspot, code) is not None:
        raise ServiceError(ErrorCode.HOTSPOT_EXISTS, "Er is al een focuslocatie met deze code.")
    row = Hotspot(
        code=code,
        name=body.name,
        district_code=body.district,
        themes=body.themes,
        sections=[],
        lat=body.lat,
        lon=body.lon,
        approximate=False,
        note=body.note,
        valid_from=body.valid_from,
        valid_to=body.valid_to,
        content_hash=MANAGED_IN_APP,
        version=1,
        updated_at=utcnow(),
    )
    return _publish(session, row)


def _get(session: Session, scope: Scope, code: str) -> Hotspot:
    row = session.get(Hotspot, code)
    if row is None:
        raise ServiceError(ErrorCode.NOT_FOUND, "Onbekende focuslocatie.")
    _allowed(scope, row.district_code)
    return row


def update(session: Session, scope: Scope, code: str, body: HotspotUpdate) -> HotspotOut:
    row = _get(session, scope, code)
    given = body.model_fields_set
    if body.themes is not None:
        _check_themes(session, body.themes)
        row.themes = list(body.themes)
    if body.name is not None:
        row.name = body.name
    if body.lat is not None and body.lon is not None:
        row.lat, row.lon, row.approximate = body.lat, body.lon, False
    if body.note is not None:
        row.note = body.note
    if "valid_from" in given:
        row.valid_from = body.valid_from
    if "valid_to" in given:
        row.valid_to = body.valid_to
    if row.valid_from and row.valid_to and row.valid_from > row.valid_to:
        raise ServiceError(
            ErrorCode.INVALID_REQUEST, "De begindatum van de periode ligt na de einddatum."
        )
    row.version += 1
    return _publish(session, row)


def retire(session: Session, scope: Scope, code: str) -> HotspotOut:
    """Retire a hotspot: kept with its history, hidden from pickers. Twice is once."""
    row = _get(session, scope, code)
    if row.retired:
        return out(row)
    row.retired = True
    row.version += 1
    return _publish(session, row)
