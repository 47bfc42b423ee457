"""Information-led work per district (issue 13, docs/api-wijk.md): hotspot
management, residents' reports (meldingen), district actions (wijkacties), the
GeoJSON export of the logs, and the caching map-tile proxy."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Header, Path, Query, Request, Response
from pydantic import BaseModel
from sqlmodel import Session

from sync_protocol import ErrorBody, WijkactieData
from sync_server.api.deps import (
    Caller,
    CurrentCaller,
    EngineDep,
    ReadSessionDep,
    SessionDep,
    SettingsDep,
    TeamLeader,
    get_caller,
)
from sync_server.api.limits import DayQuery
from sync_server.api.routes.review import FilterDep, ReasonQuery
from sync_server.services import (
    audit,
    hotspot_admin,
    meldingen,
    meldingen_import,
    review_geojson,
    tiles,
    wijkactie_result,
    wijkacties,
)
from sync_server.services import review_filter as filters
from sync_server.services.localtime import local_today
from sync_server.services.scope import Scope, manager_scope

router = APIRouter(prefix="/api/v1", tags=["wijk"])

_ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorBody} for status in (400, 401, 403, 404, 409, 413, 422, 503)
}
DISTRICT = r"^[a-z0-9][a-z0-9-]{0,39}$"
DistrictParam = Annotated[str | None, Query(pattern=DISTRICT)]
HotspotCode = Annotated[str, Path(pattern=r"^[a-z0-9][a-z0-9-]{0,119}$")]
ActionId = Annotated[
    str, Path(pattern=r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
]
GEOJSON = "application/geo+json"


def _scope(caller: Caller, session: Session, district: str | None = None) -> Scope:
    """The districts this caller manages (one, if asked for and theirs)."""
    return manager_scope(session, caller.user, caller.districts, district)


@dataclass(frozen=True)
class MeldingQuery:
    """The residents' reports filter the map layer, its activity and its GeoJSON share."""

    district: str | None
    date_from: date | None
    date_to: date | None
    category: str | None


def melding_query(
    district: DistrictParam = None,
    date_from: DayQuery = None,
    date_to: DayQuery = None,
    category: Annotated[str | None, Query(max_length=120)] = None,
) -> MeldingQuery:
    return MeldingQuery(district, date_from, date_to, category)


MeldingQueryDep = Annotated[MeldingQuery, Depends(melding_query)]


def _geojson(data: dict[str, Any], name: str) -> Response:
    return Response(
        content=json.dumps(data, ensure_ascii=False),
        media_type=GEOJSON,
        headers={"Content-Disposition": f'attachment; filename="{name}.geojson"'},
    )


def _file(media: str) -> dict[int | str, dict[str, Any]]:
    kind = "object" if media == GEOJSON else "string"
    return {200: {"content": {media: {"schema": {"type": kind}}}}, **_ERRORS}


# ---------------------------------------------------------------- hotspots


@router.get("/hotspots", response_model=list[hotspot_admin.HotspotOut], responses=_ERRORS)
def list_hotspots(
    caller: TeamLeader,
    session: ReadSessionDep,
    district: DistrictParam = None,
    include_retired: bool = False,
) -> list[hotspot_admin.HotspotOut]:
    """The hotspots of the caller's districts (all for a beheerder), by district and name."""
    scope = _scope(caller, session, district)
    return hotspot_admin.list_hotspots(session, scope, include_retired=include_retired)


@router.post(
    "/hotspots", status_code=201, response_model=hotspot_admin.HotspotOut, responses=_ERRORS
)
def create_hotspot(
    caller: TeamLeader, session: SessionDep, body: hotspot_admin.HotspotCreate
) -> hotspot_admin.HotspotOut:
    """A new hotspot in one of the caller's districts; its phones get it on the next pull."""
    return hotspot_admin.create(session, _scope(caller, session), body)


@router.patch("/hotspots/{code}", response_model=hotspot_admin.HotspotOut, responses=_ERRORS)
def update_hotspot(
    caller: TeamLeader, session: SessionDep, code: HotspotCode, body: hotspot_admin.HotspotUpdate
) -> hotspot_admin.HotspotOut:
    """Move (lat, lon), rename, new themes or period: a new version for the phones."""
    return hotspot_admin.update(session, _scope(caller, session), code, body)


@router.post("/hotspots/{code}/retire", response_model=hotspot_admin.HotspotOut, responses=_ERRORS)
def retire_hotspot(
    caller: TeamLeader, session: SessionDep, code: HotspotCode
) -> hotspot_admin.HotspotOut:
    """Retire a hotspot: kept for history (records name it), hidden from pickers."""
    return hotspot_admin.retire(session, _scope(caller, session), code)


# ---------------------------------------------------------------- meldingen


@router.post(
    "/meldingen/import", response_model=meldingen_import.MeldingImportResult, responses=_ERRORS
)
async def import_meldingen(
    request: Request,
    caller: TeamLeader,
    session: SessionDep,
    settings: SettingsDep,
    format: Annotated[Literal["csv", "geojson"], Query()] = "csv",
) -> meldingen_import.MeldingImportResult:
    """Residents' reports from the municipality's system (Signalen export, CSV or
    GeoJSON): all or nothing, idempotent by the report's id; every row must lie
    in one of the caller's districts."""
    content = await request.body()
    return meldingen_import.import_meldingen(
        session, _scope(caller, session), content, form=format, max_m=settings.nearest_hotspot_max_m
    )


@router.get("/meldingen", response_model=list[meldingen.MeldingOut], responses=_ERRORS)
def list_meldingen(
    caller: TeamLeader, session: ReadSessionDep, query: MeldingQueryDep
) -> list[meldingen.MeldingOut]:
    """Residents' reports as a map layer: category, time, state, place; nothing personal."""
    return meldingen.list_meldingen(
        session,
        _scope(caller, session, query.district),
        date_from=query.date_from,
        date_to=query.date_to,
        category=query.category,
    )


@router.get("/meldingen/activity", response_model=meldingen.MeldingActivity, responses=_ERRORS)
def meldingen_activity(
    caller: TeamLeader, session: ReadSessionDep, query: MeldingQueryDep
) -> meldingen.MeldingActivity:
    """Residents' reports as hot spots and hot times (their own layer): per
    hotspot and per weekday × hour; without dates the last 8 weeks."""
    end = query.date_to or local_today()
    start = query.date_from or end - timedelta(days=55)
    scope = _scope(caller, session, query.district)
    return meldingen.activity(session, scope, date_from=start, date_to=end, category=query.category)


@router.get("/meldingen.geojson", response_class=Response, responses=_file(GEOJSON))
def meldingen_geojson(
    caller: TeamLeader, session: ReadSessionDep, query: MeldingQueryDep
) -> Response:
    """The same layer as GeoJSON (Point features, WGS84)."""
    items = list_meldingen(caller, session, query)
    return _geojson(meldingen.as_geojson(items), "meldingen")


# ---------------------------------------------------------------- wijkacties


@router.get("/wijkacties", response_model=list[WijkactieData], responses=_ERRORS)
def list_wijkacties(
    caller: TeamLeader,
    session: ReadSessionDep,
    district: DistrictParam = None,
    active_on: DayQuery = None,
) -> list[WijkactieData]:
    """The district actions of the caller's districts, by start."""
    scope = _scope(caller, session, district)
    return wijkacties.list_actions(session, scope, active_on=active_on)


@router.post("/wijkacties", status_code=201, response_model=WijkactieData, responses=_ERRORS)
def create_wijkactie(
    caller: TeamLeader, session: SessionDep, body: wijkacties.WijkactieIn
) -> WijkactieData:
    """Plan an action for one of the caller's districts; its phones get it on the next pull."""
    return wijkacties.create(session, _scope(caller, session), caller.user, body)


@router.get("/wijkacties/{action_id}", response_model=WijkactieData, responses=_ERRORS)
def get_wijkactie(
    caller: TeamLeader, session: ReadSessionDep, action_id: ActionId
) -> WijkactieData:
    """One action of the caller's districts (another district's: 404)."""
    return wijkacties.out(wijkacties.get(session, _scope(caller, session), action_id))


@router.patch("/wijkacties/{action_id}", response_model=WijkactieData, responses=_ERRORS)
def update_wijkactie(
    caller: TeamLeader, session: SessionDep, action_id: ActionId, body: wijkacties.WijkactieIn
) -> WijkactieData:
    """Replace the action's plan (the whole body): a new version for the phones."""
    return wijkacties.update(session, _scope(caller, session), action_id, body)


@router.delete("/wijkacties/{action_id}", status_code=204, responses=_ERRORS)
def delete_wijkactie(caller: TeamLeader, session: SessionDep, action_id: ActionId) -> Response:
    """Remove a planned action; entries that named it keep the id."""
    wijkacties.delete(session, _scope(caller, session), action_id)
    return Response(status_code=204)


@router.get(
    "/wijkacties/{action_id}/result",
    response_model=wijkactie_result.WijkactieResult,
    responses=_ERRORS,
)
def wijkactie_outcome(
    caller: TeamLeader, session: ReadSessionDep, action_id: ActionId
) -> wijkactie_result.WijkactieResult:
    """What the action produced: entries against it by kind and action taken, and
    residents' reports at its hotspots before, during and after it."""
    return wijkactie_result.result(
        session, wijkacties.get(session, _scope(caller, session), action_id)
    )


# ---------------------------------------------------------------- logs as GeoJSON


@router.get("/review/export.geojson", response_class=Response, responses=_file(GEOJSON))
def export_records_geojson(
    caller: TeamLeader, session: SessionDep, flt: FilterDep, reden: ReasonQuery = None
) -> Response:
    """The review filter's logs as GeoJSON, without personal data (as the CSV
    export). Written to the audit log with its reason."""
    reason = audit.reason_for(caller.user, reden)
    scope = _scope(caller, session, flt.district)
    data, rows = review_geojson.export_geojson(session, scope, flt)
    audit.log_read(
        session,
        caller.user,
        action=audit.EXPORT,
        reason=reason,
        detail=f"{rows} punten (GeoJSON); {filters.describe_filter(flt)}",
    )
    return _geojson(data, "registraties")


# ---------------------------------------------------------------- map tiles


class MapSettings(BaseModel):
    """What a map needs from the server: its base map's URL template, relative to
    the server's address ({z}/{x}/{y} and the tile key), or None for no tiles."""

    tile_url: str | None


@router.get("/map/settings", response_model=MapSettings, responses=_ERRORS)
def map_settings(caller: CurrentCaller, settings: SettingsDep) -> MapSettings:
    """The base map through this server's caching proxy (upstream `HV_TILE_URL`,
    default PDOK BRT-Achtergrondkaart); phones keep it for offline use."""
    return MapSettings(tile_url=tiles.phone_template(settings.pseudonym_key))


@router.get("/tiles/{z}/{x}/{y}.png", response_class=Response, responses=_file("image/png"))
def map_tile(
    engine: EngineDep,
    settings: SettingsDep,
    z: Annotated[int, Path(ge=0, le=tiles.MAX_ZOOM)],
    x: Annotated[int, Path(ge=0)],
    y: Annotated[int, Path(ge=0)],
    key: Annotated[str | None, Query(max_length=64)] = None,
    authorization: Annotated[str | None, Header()] = None,
) -> Response:
    """A base-map tile through the server's cache, for a signed-in caller or the
    tile key of `/map/settings` (a map cannot send a token); 503
    `tiles_unavailable` when the tile server is out of reach and it is not cached."""
    if not tiles.key_ok(settings.pseudonym_key, key):
        get_caller(engine, settings, authorization)  # 401 without a valid token
    folder = settings.tile_dir or settings.blob_dir.parent / "tiles"
    content = tiles.tile(folder, settings.tile_url_template, z, x, y)
    return Response(
        content=content,
        media_type="image/png",
        headers={"Cache-Control": "private, max-age=604800"},
    )
