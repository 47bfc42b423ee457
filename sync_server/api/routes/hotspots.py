"""Hot spots and hot times, the patrol suggestion, district profiles, and phones
that have not synced."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Response
from pydantic import AwareDatetime
from sqlmodel import Session

from sync_protocol import ErrorBody, Role
from sync_server.api.deps import Caller, CurrentCaller, ReadSessionDep, SettingsDep, TeamLeader
from sync_server.api.limits import DAY_RANGE, FIRST_MOMENT, LAST_MOMENT, DayQuery
from sync_server.services import hotspots, nightly, profile, profile_export
from sync_server.services.scope import field_scope, manager_scope

router = APIRouter(prefix="/api/v1", tags=["hot spots"])

_ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorBody} for status in (401, 403, 404, 422)
}
DISTRICT_PATTERN = r"^[a-z0-9][a-z0-9-]{0,39}$"
DistrictParam = Annotated[str | None, Query(pattern=DISTRICT_PATTERN)]


@router.get("/hotspots/activity", response_model=hotspots.Activity, responses=_ERRORS)
def hotspot_activity(
    caller: TeamLeader,
    session: ReadSessionDep,
    district: DistrictParam = None,
    theme: Annotated[str | None, Query(pattern=r"^[a-z0-9][a-z0-9-]{0,79}$")] = None,
    kind: Annotated[str | None, Query(max_length=30)] = None,
    date_from: DayQuery = None,
    date_to: DayQuery = None,
) -> hotspots.Activity:
    """Logs per hotspot (the one named, or the nearest within the configured
    distance) and a weekday × hour matrix (0 = maandag, local time) for a period
    of at most 400 days; without dates the last 8 weeks."""
    scope = manager_scope(session, caller.user, caller.districts, district)
    return hotspots.activity(
        session, scope, theme=theme, kind=kind, date_from=date_from, date_to=date_to
    )


@router.get("/patrol-suggestion", response_model=hotspots.PatrolSuggestion, responses=_ERRORS)
def patrol_suggestion(
    caller: CurrentCaller,
    session: ReadSessionDep,
    district: DistrictParam = None,
    start: Annotated[
        AwareDatetime | None,
        Query(
            ge=FIRST_MOMENT,
            le=LAST_MOMENT,
            description=f"Begin van de dienst (standaard nu); de dienst duurt 4 uur {DAY_RANGE}",
        ),
    ] = None,
) -> hotspots.PatrolSuggestion:
    """Where to go in the coming shift: the five hotspots with the most logs on
    this weekday and these hours in the last 8 weeks (recent weeks weigh more),
    each with a short reason. A handhaver gets their own district; a teamleider
    one of theirs."""
    scope = field_scope(session, caller.user, caller.districts, district)
    return hotspots.patrol_suggestion(session, scope, start=start)


@router.get("/districts/{code}/profile", response_model=profile.DistrictProfile, responses=_ERRORS)
def district_profile(
    caller: TeamLeader,
    session: ReadSessionDep,
    code: Annotated[str, Path(pattern=DISTRICT_PATTERN)],
) -> profile.DistrictProfile:
    """A district at a glance: its themes (from its hotspots), its hotspots, this
    year's indicators against earlier years, and its hot times (last 8 weeks)."""
    return _profile(caller, session, code)


def _profile(caller: Caller, session: Session, code: str) -> profile.DistrictProfile:
    scope = manager_scope(session, caller.user, caller.districts, code)
    return profile.district_profile(session, scope, code)


def _profile_file(
    caller: Caller, session: Session, code: str, form: str, name: str = "wijkprofiel"
) -> Response:
    district = _profile(caller, session, code)
    if form == "html":
        content, media, how = profile_export.profile_html(district), "text/html", "inline"
    elif name == "wijkacties":
        content, media, how = profile_export.wijkacties_csv(district), "text/csv", "attachment"
    else:
        content, media, how = profile_export.profile_csv(district), "text/csv", "attachment"
    return Response(
        content=content,
        media_type=f"{media}; charset=utf-8",
        headers={"Content-Disposition": f'{how}; filename="{name}-{code}.{form}"'},
    )


def _file_responses(media: str) -> dict[int | str, dict[str, Any]]:
    return {200: {"content": {media: {"schema": {"type": "string"}}}}, **_ERRORS}


@router.get(
    "/districts/{code}/profile.html",
    response_class=Response,
    responses=_file_responses("text/html"),
)
def district_profile_page(
    caller: TeamLeader,
    session: ReadSessionDep,
    code: Annotated[str, Path(pattern=DISTRICT_PATTERN)],
) -> Response:
    """The district profile as a page to print (A4, no scripts)."""
    return _profile_file(caller, session, code, "html")


@router.get(
    "/districts/{code}/profile.csv",
    response_class=Response,
    responses=_file_responses("text/csv"),
)
def district_profile_csv(
    caller: TeamLeader,
    session: ReadSessionDep,
    code: Annotated[str, Path(pattern=DISTRICT_PATTERN)],
) -> Response:
    """The district's indicators per year as CSV (semicolons, for Dutch spreadsheets)."""
    return _profile_file(caller, session, code, "csv")


@router.get(
    "/districts/{code}/wijkacties.csv",
    response_class=Response,
    responses=_file_responses("text/csv"),
)
def district_actions_csv(
    caller: TeamLeader,
    session: ReadSessionDep,
    code: Annotated[str, Path(pattern=DISTRICT_PATTERN)],
) -> Response:
    """The district's actions with what each produced, as CSV (semicolons, UTF-8 BOM)."""
    return _profile_file(caller, session, code, "csv", "wijkacties")


@router.get("/devices/unsynced", response_model=list[nightly.StaleDevice], responses=_ERRORS)
def unsynced_devices(
    caller: TeamLeader,
    session: ReadSessionDep,
    settings: SettingsDep,
    hours: Annotated[int | None, Query(ge=1, le=24 * 365)] = None,
) -> list[nightly.StaleDevice]:
    """Enrolled phones that have not synced for more than a day (or `hours`): of
    the own districts' officers for a teamleider, all for a beheerder."""
    older_than = timedelta(hours=hours) if hours else settings.stale_device_after
    districts = None if caller.role == Role.BEHEERDER else caller.districts
    return nightly.stale_devices(
        session, older_than=older_than, now=datetime.now(UTC), districts=districts
    )
