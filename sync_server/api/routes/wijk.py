"""Information-led work per district (issue 13, docs/api-wijk.md): hotspot
management, residents' reports (meldingen), district actions (wijkacties), the
GeoJSON export of the logs, and the caching map-tile proxy."""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Request, Response

from sync_protocol import ErrorBody, WijkactieData
from sync_server.api.deps import (
    CurrentCaller,
    ReadSessionDep,
    SessionDep,
    SettingsDep,
    TeamLeader,
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
from sync_server.services.scope import manager_scope

router = APIRouter(prefix="/api/v1", tags=["wijk"])

_ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorBody} for status in (401, 403, 404, 409, 422, 503)
}
DISTRICT = r"^[a-z0-9][a-z0-9-]{0,39}$"
DistrictParam = Annotated[str | None, Query(pattern=DISTRICT)]
HotspotCode = Annotated[str, Path(pattern=r"^[a-z0-9][a-z0-9-]{0,119}$")]
ActionId = Annotated[
    str, Path(pattern=r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
]
GEOJSON = "application/geo+json"


def _geojson(data: dict[str, Any], name: str) -> Response:
    return Response(
        content=json.dumps(data, ensure_ascii=False),
        media_type=GEOJSON,
        headers={"Content-Disposition": f'attachment; filename="{name}.geojson"'},
    )


def _file(media: str) -> dict[int | str, dict[str, Any]]:
    return {200: {"content": {media: {"schema": {"type": "string"}}}}, **_ERRORS}


# ---------------------------------------------------------------- hotspots


@router.get("/hotspots", response_model=list[hotspot_admin.HotspotOut], responses=_ERRORS)
def list_hotspots(
    caller: TeamLeader,
    session: ReadSessionDep,
    district: DistrictParam = None,
    include_retired: bool = False,
) -> list[hotspot_admin.HotspotOut]:
    """The hotspots of the caller's districts (all for a beheerder), by district and name."""
    scope = manager_scope(session, caller.user, caller.districts, district)
    return hotspot_admin.list_hotspots(session, scope, include_retired=include_retired)


@router.post(
    "/hotspots", status_code=201, response_model=hotspot_admin.HotspotOut, responses=_ERRORS
)
def create_hotspot(
    caller: TeamLeader, session: SessionDep, body: hotspot_admin.HotspotCreate
) -> hotspot_admin.HotspotOut:
    """A new hotspot in one of the caller's districts; its phones get it on the next pull."""
    scope = manager_scope(session, caller.user, caller.districts, None)
    return hotspot_admin.create(session, scope, body)


@router.patch("/hotspots/{code}", response_model=hotspot_admin.HotspotOut, responses=_ERRORS)
def update_hotspot(
    caller: TeamLeader, session: SessionDep, code: HotspotCode, body: hotspot_admin.HotspotUpdate
) -> hotspot_admin.HotspotOut:
    """Move (lat, lon), rename, new themes or period: a new version for the phones."""
    scope = manager_scope(session, caller.user, caller.districts, None)
    return hotspot_admin.update(session, scope, code, body)


@router.post("/hotspots/{code}/retire", response_model=hotspot_admin.HotspotOut, responses=_ERRORS)
def retire_hotspot(
    caller: TeamLeader, session: SessionDep, code: HotspotCode
) -> hotspot_admin.HotspotOut:
    """Retire a hotspot: kept for history (records name it), hidden from pickers."""
    scope = manager_scope(session, caller.user, caller.districts, None)
    return hotspot_admin.retire(session, scope, code)


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
    scope = manager_scope(session, caller.user, caller.districts, None)
    return meldingen_import.import_meldingen(
        session, scope, content, form=format, max_m=settings.nearest_hotspot_max_m
    )


@router.get("/meldingen", response_model=list[meldingen.MeldingOut], responses=_ERRORS)
def list_meldingen(
    caller: TeamLeader,
    session: ReadSessionDep,
    district: DistrictParam = None,
    date_from: DayQuery = None,
    date_to: DayQuery = None,
    category: Annotated[str | None, Query(max_length=120)] = None,
) -> list[meldingen.MeldingOut]:
    """Residents' reports as a map layer: category, time, state, place; nothing personal."""
    scope = manager_scope(session, caller.user, caller.districts, district)
    return meldingen.list_meldingen(
        session, scope, date_from=date_from, date_to=date_to, category=category
    )


@router.get("/meldingen.geojson", response_class=Response, responses=_file(GEOJSON))
def meldingen_geojson(
    caller: TeamLeader,
    session: ReadSessionDep,
    district: DistrictParam = None,
    date_from: DayQuery = None,
    date_to: DayQuery = None,
    category: Annotated[str | None, Query(max_length=120)] = None,
) -> Response:
    """The same layer as GeoJSON (Point features, WGS84)."""
    scope = manager_scope(session, caller.user, caller.districts, district)
    items = meldingen.list_meldingen(
        session, scope, date_from=date_from, date_to=date_to, category=category
    )
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
    scope = manager_scope(session, caller.user, caller.districts, district)
    return wijkacties.list_actions(session, scope, active_on=active_on)


@router.post("/wijkacties", status_code=201, response_model=WijkactieData, responses=_ERRORS)
def create_wijkactie(
    caller: TeamLeader, session: SessionDep, body: wijkacties.WijkactieIn
) -> WijkactieData:
    """Plan an action for one of the caller's districts; its phones get it on the next pull."""
    scope = manager_scope(session, caller.user, caller.districts, None)
    return wijkacties.create(session, scope, caller.user, body)


@router.get("/wijkacties/{action_id}", response_model=WijkactieData, responses=_ERRORS)
def get_wijkactie(
    caller: TeamLeader, session: ReadSessionDep, action_id: ActionId
) -> WijkactieData:
    scope = manager_scope(session, caller.user, caller.districts, None)
    return wijkacties.out(wijkacties.get(session, scope, action_id))


@router.patch("/wijkacties/{action_id}", response_model=WijkactieData, responses=_ERRORS)
def update_wijkactie(
    caller: TeamLeader, session: SessionDep, action_id: ActionId, body: wijkacties.WijkactieIn
) -> WijkactieData:
    """Replace the action's plan (the whole body): a new version for the phones."""
    scope = manager_scope(session, caller.user, caller.districts, None)
    return wijkacties.update(session, scope, action_id, body)


@router.delete("/wijkacties/{action_id}", status_code=204, responses=_ERRORS)
def delete_wijkactie(caller: TeamLeader, session: SessionDep, action_id: ActionId) -> Response:
    """Remove a planned action; entries that named it keep the id."""
    scope = manager_scope(session, caller.user, caller.districts, None)
    wijkacties.delete(session, scope, action_id)
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
    scope = manager_scope(session, caller.user, caller.districts, None)
    return wijkactie_result.result(session, wijkacties.get(session, scope, action_id))


# ---------------------------------------------------------------- logs as GeoJSON


@router.get("/review/export.geojson", response_class=Response, responses=_file(GEOJSON))
def export_records_geojson(
    caller: TeamLeader, session: SessionDep, flt: FilterDep, reden: ReasonQuery = None
) -> Response:
    """The review filter's logs as GeoJSON, without personal data (as the CSV
    export). Written to the audit log with its reason."""
    reason = audit.reason_for(caller.user, reden)
    scope = manager_scope(session, caller.user, caller.districts, flt.district)
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


@router.get("/tiles/{z}/{x}/{y}.png", response_class=Response, responses=_file("image/png"))
def map_tile(
    caller: CurrentCaller,
    settings: SettingsDep,
    z: Annotated[int, Path(ge=0, le=tiles.MAX_ZOOM)],
    x: Annotated[int, Path(ge=0)],
    y: Annotated[int, Path(ge=0)],
) -> Response:
    """A base-map tile through the server's cache (any signed-in caller); 503
    `tiles_unavailable` when the tile server is out of reach and it is not cached."""
    folder = settings.tile_dir or settings.blob_dir.parent / "tiles"
    content = tiles.tile(folder, settings.tile_url_template, z, x, y)
    return Response(
        content=content,
        media_type="image/png",
        headers={"Cache-Control": "private, max-age=604800"},
    )
