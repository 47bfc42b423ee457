"""Review of the logs by team leaders: list, detail, decisions, saved filters,
the incidents board, the CSV export, and photos of the logs they may see.

Reading personal data (a record's detail, a photo, an export) is written to the
audit log in the same transaction, before the data goes out.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Response
from pydantic import BaseModel, ConfigDict, StringConstraints

from sync_protocol import ErrorBody, ErrorCode, ReviewState
from sync_server.api.deps import ReadSessionDep, SessionDep, SettingsDep, TeamLeader
from sync_server.api.errors import error_responses
from sync_server.api.limits import DAY_RANGE, FIRST_DAY, LAST_DAY, DayQuery
from sync_server.api.routes.blobs import Sha256Path
from sync_server.errors import ServiceError
from sync_server.photostore import open_photo_store
from sync_server.services import audit, review, review_export, saved_filters
from sync_server.services import incident_board as incidents
from sync_server.services import review_filter as filters
from sync_server.services.blobs import check_hash
from sync_server.services.scope import manager_scope

router = APIRouter(prefix="/api/v1/review", tags=["review"])
photos_router = APIRouter(prefix="/api/v1/blobs", tags=["review"])

_ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorBody} for status in (401, 403, 404, 409, 422)
}
RECORD_ID = r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
RecordId = Annotated[str, Path(pattern=RECORD_ID)]
CODE = r"^[a-z0-9][a-z0-9-]{0,119}$"
# Why personal data is read: required for a beheerder, beoordeling by default
# for a teamleider (see services/audit.py); written to the audit log.
ReasonQuery = Annotated[
    str | None,
    Query(
        alias="reden",
        pattern=audit.REASON_PATTERN,
        description="Waarom: " + "; ".join(f"{k} = {v}" for k, v in audit.REASONS.items()),
    ),
]


def review_filter(
    district: Annotated[str | None, Query(pattern=CODE)] = None,
    kind: Annotated[filters.KindCode | None, Query()] = None,
    theme: Annotated[str | None, Query(pattern=CODE)] = None,
    hotspot: Annotated[
        str | None, Query(pattern=CODE, description="Toegewezen focuslocatie")
    ] = None,
    officer: Annotated[
        int | None, Query(ge=1, le=2**31 - 1, description="Id van de handhaver")
    ] = None,
    state: Annotated[ReviewState | None, Query()] = None,
    date_from: Annotated[
        date | None,
        Query(ge=FIRST_DAY, le=LAST_DAY, description=f"Vanaf deze dag, lokale tijd {DAY_RANGE}"),
    ] = None,
    date_to: Annotated[
        date | None,
        Query(ge=FIRST_DAY, le=LAST_DAY, description=f"Tot en met deze dag {DAY_RANGE}"),
    ] = None,
    last_days: Annotated[
        int | None, Query(ge=1, le=3660, description="Alleen de laatste N dagen (t/m vandaag)")
    ] = None,
) -> filters.ReviewFilter:
    return filters.ReviewFilter(
        district=district,
        kind=kind,
        theme=theme,
        hotspot=hotspot,
        officer=officer,
        state=state,
        date_from=date_from,
        date_to=date_to,
        last_days=last_days,
    )


FilterDep = Annotated[filters.ReviewFilter, Depends(review_filter)]


@router.get("/records", response_model=review.ReviewPage, responses=_ERRORS)
def list_records(
    caller: TeamLeader,
    session: ReadSessionDep,
    flt: FilterDep,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> review.ReviewPage:
    """Logs of the caller's districts (all for a beheerder), newest first. Without
    personal data: no youth pseudonym and no free text; the detail has those."""
    scope = manager_scope(session, caller.user, caller.districts, flt.district)
    return review.list_records(session, scope, flt, limit=limit, offset=offset)


@router.get("/records/{record_id}", response_model=review.ReviewDetail, responses=_ERRORS)
def record_detail(
    record_id: RecordId, caller: TeamLeader, session: SessionDep, reden: ReasonQuery = None
) -> review.ReviewDetail:
    """Everything about one log: payload, photos' hashes, versions, reviews. The
    read is written to the audit log with its reason (`reden`)."""
    reason = audit.reason_for(caller.user, reden)
    scope = manager_scope(session, caller.user, caller.districts, None)
    detail = review.record_detail(session, scope, record_id)
    audit.log_read(
        session,
        caller.user,
        action=audit.RECORD_DETAIL,
        reason=reason,
        record_id=record_id,
    )
    return detail


class ReviewIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    state: ReviewState
    remark: Annotated[str, StringConstraints(max_length=2000)] | None = None


@router.post("/records/{record_id}", response_model=review.ReviewItem, responses=_ERRORS)
def set_review(
    record_id: RecordId, body: ReviewIn, caller: TeamLeader, session: SessionDep
) -> review.ReviewItem:
    """Record a review decision. `terug_naar_handhaver` needs a remark. The state
    and remark reach the officer's phone on its next pull."""
    scope = manager_scope(session, caller.user, caller.districts, None)
    return review.set_review(
        session, scope, caller.user, record_id, state=body.state, remark=body.remark
    )


@router.get(
    "/export.csv",
    response_class=Response,
    responses={
        200: {"content": {"text/csv": {"schema": {"type": "string"}}}},
        **_ERRORS,
    },
)
def export_records(
    caller: TeamLeader, session: SessionDep, flt: FilterDep, reden: ReasonQuery = None
) -> Response:
    """What the filter shows, as CSV, without personal data (no names, no
    pseudonyms, no free text). Written to the audit log with its reason."""
    reason = audit.reason_for(caller.user, reden)
    scope = manager_scope(session, caller.user, caller.districts, flt.district)
    text, rows = review_export.export_csv(session, scope, flt)
    audit.log_read(
        session,
        caller.user,
        action=audit.EXPORT,
        reason=reason,
        detail=f"{rows} regels; {filters.describe_filter(flt)}",
    )
    return Response(
        content=text,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="registraties.csv"'},
    )


@router.get("/officers", response_model=list[review.OfficerOut], responses=_ERRORS)
def list_officers(
    caller: TeamLeader,
    session: ReadSessionDep,
    district: Annotated[str | None, Query(pattern=CODE)] = None,
) -> list[review.OfficerOut]:
    """The handhavers of the caller's districts (id and name), for the officer filter."""
    scope = manager_scope(session, caller.user, caller.districts, district)
    return review.list_officers(session, scope)


# ---------------------------------------------------------------- saved filters


@router.get("/filters", response_model=list[saved_filters.SavedFilterOut], responses=_ERRORS)
def list_filters(caller: TeamLeader, session: ReadSessionDep) -> list[saved_filters.SavedFilterOut]:
    """The caller's own saved filters."""
    return saved_filters.list_filters(session, caller.user)


@router.post(
    "/filters", response_model=saved_filters.SavedFilterOut, status_code=201, responses=_ERRORS
)
def save_filter(
    body: saved_filters.SavedFilterIn, caller: TeamLeader, session: SessionDep
) -> saved_filters.SavedFilterOut:
    """Save a filter under a name (unique per user)."""
    scope = manager_scope(session, caller.user, caller.districts, body.filter.district)
    return saved_filters.save_filter(session, scope, caller.user, body)


@router.delete("/filters/{filter_id}", status_code=204, responses=_ERRORS)
def delete_filter(
    filter_id: Annotated[int, Path(ge=1, le=2**31 - 1)], caller: TeamLeader, session: SessionDep
) -> Response:
    """Delete one of the caller's saved filters."""
    saved_filters.delete_filter(session, caller.user, filter_id)
    return Response(status_code=204)


# ---------------------------------------------------------------- incidents


@router.get("/incidents", response_model=incidents.IncidentBoard, responses=_ERRORS)
def incident_board(
    caller: TeamLeader,
    session: ReadSessionDep,
    settings: SettingsDep,
    district: Annotated[str | None, Query(pattern=CODE)] = None,
    date_from: DayQuery = None,
    date_to: DayQuery = None,
    open_only: bool = False,
) -> incidents.IncidentBoard:
    """Incidents against enforcers in the caller's districts, with BOT aftercare
    and police follow-up. Overdue (first in the list): BOT wanted and no contact,
    or a police report or notification wanted and not made, within the configured
    working days (default 2) after the incident."""
    scope = manager_scope(session, caller.user, caller.districts, district)
    return incidents.incident_board(
        session,
        scope,
        working_days=settings.incident_followup_working_days,
        date_from=date_from,
        date_to=date_to,
        open_only=open_only,
    )


@router.post(
    "/incidents/{record_id}/followup",
    response_model=incidents.IncidentItem,
    status_code=201,
    responses=_ERRORS,
)
def add_followup(
    record_id: RecordId,
    body: incidents.FollowupIn,
    caller: TeamLeader,
    session: SessionDep,
    settings: SettingsDep,
) -> incidents.IncidentItem:
    """Record follow-up of an incident: `bot_contact` (BOT-contact gehad),
    `melding_gedaan` or `aangifte_gedaan`, with the day it happened."""
    scope = manager_scope(session, caller.user, caller.districts, None)
    return incidents.add_followup(
        session,
        scope,
        caller.user,
        record_id,
        body,
        working_days=settings.incident_followup_working_days,
    )


# ---------------------------------------------------------------- photos


@photos_router.get(
    "/{sha256}",
    response_class=Response,
    responses={
        200: {"content": {"image/jpeg": {}, "image/png": {}}},
        **_ERRORS,
        **error_responses(400),  # blob_hash_invalid
        503: {"model": ErrorBody, "description": "Fotoopslag onbereikbaar"},
    },
)
def get_photo(
    sha256: Sha256Path,
    caller: TeamLeader,
    session: SessionDep,
    settings: SettingsDep,
    reden: ReasonQuery = None,
) -> Response:
    """A photo of a log the caller may see (team leader: own districts; beheerder:
    all), uploaded by that log's owner. Written to the audit log with its reason."""
    check_hash(sha256)
    reason = audit.reason_for(caller.user, reden)
    scope = manager_scope(session, caller.user, caller.districts, None)
    blob, record_id = review.photo_for_review(session, scope, sha256)
    data = open_photo_store(settings).get(sha256)
    if data is None:
        raise ServiceError(ErrorCode.NOT_FOUND, "Deze foto ontbreekt in de opslag.")
    audit.log_read(
        session,
        caller.user,
        action=audit.PHOTO,
        reason=reason,
        record_id=record_id,
        blob_sha256=sha256,
    )
    return Response(
        data, media_type=blob.content_type, headers={"Cache-Control": "private, no-store"}
    )
