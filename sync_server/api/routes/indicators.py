"""The programme's indicator tables, for team leaders and the beheerder.

Read from the nightly snapshots, the programme's 2019–2022 figures and imported
figures only; never from the logs themselves.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from sync_protocol import ErrorBody, ErrorCode
from sync_server.api.deps import Beheerder, ReadSessionDep, SessionDep, SettingsDep, TeamLeader
from sync_server.errors import ServiceError
from sync_server.services import indicator_definitions, indicators
from sync_server.services.indicator_import import import_csv
from sync_server.services.scope import manager_scope

router = APIRouter(prefix="/api/v1/indicators", tags=["indicators"])

_ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorBody} for status in (401, 403, 404, 413, 422)
}
DistrictParam = Annotated[
    str | None,
    Query(
        pattern=r"^[a-z0-9][a-z0-9-]{0,39}$",
        description="Eén stadsdeel; zonder: al jouw stadsdelen samen (beheerder: heel Haarlem)",
    ),
]
ThemeParam = Annotated[
    str | None,
    Query(
        pattern=r"^[a-z0-9][a-z0-9-]{0,79}$",
        description="Alleen registraties met dit thema (alleen indicatoren die dat kunnen tellen)",
    ),
]
Year = Annotated[int | None, Query(ge=2000, le=2100)]
LiveParam = Annotated[
    bool,
    Query(
        description="true: vandaag geteld (live) in plaats van de nachtelijke stand; "
        "`basis` in het antwoord zegt welke het is",
    ),
]


def _current_definitions(
    session: ReadSessionDep, settings: SettingsDep
) -> indicator_definitions.DefinitionSet | None:
    """The definitions file, only to name each row's source before the first
    nightly run; a broken file names none (the nightly run reports it)."""
    try:
        return indicator_definitions.load_definitions(session, settings.indicator_definitions)
    except indicator_definitions.DefinitionsError:
        return None


def _live_definitions(
    session: ReadSessionDep, settings: SettingsDep, live: bool
) -> indicator_definitions.DefinitionSet | None:
    """The current definitions file, for counting live; None for the nightly stand."""
    if not live:
        return None
    try:
        return indicator_definitions.load_definitions(session, settings.indicator_definitions)
    except indicator_definitions.DefinitionsError as exc:
        raise ServiceError(
            ErrorCode.INTERNAL_ERROR,
            "De indicatordefinities op de server kloppen niet; meld dit aan de beheerder.",
        ) from exc


@router.get("", response_model=indicators.IndicatorTable, responses=_ERRORS)
def indicator_table(
    caller: TeamLeader,
    session: ReadSessionDep,
    district: DistrictParam = None,
    theme: ThemeParam = None,
    year_from: Year = None,
    year_to: Year = None,
    live: LiveParam = False,
    *,
    settings: SettingsDep,
) -> indicators.IndicatorTable:
    """The indicator table in the programme's shape: a row per indicator, a column
    per year. Each row names what it counts (`data_source`: `handhavers` = the
    officers' logs, `meldingen` = residents' reports imported from the
    municipality, `import` = figures of other sources). 2019–2022 are the
    programme's printed figures for all of Haarlem (`null` where it prints none):
    they are in `values` only for all of Haarlem; for one or more districts
    `values` holds their own history and `haarlem` the Haarlem-wide row with the
    baseline. Later years come from the nightly count (or, with `live=true`,
    today's count). Counts of 1–4 of sensitive indicators are `"<5"` except for
    the beheerder."""
    scope = manager_scope(session, caller.user, caller.districts, district)
    return indicators.indicator_table(
        session,
        scope,
        theme=theme,
        year_from=year_from,
        year_to=year_to,
        live_definitions=_live_definitions(session, settings, live),
        current_definitions=_current_definitions(session, settings),
    )


@router.get("/{code}/months", response_model=indicators.IndicatorMonths, responses=_ERRORS)
def indicator_months(
    caller: TeamLeader,
    session: ReadSessionDep,
    code: Annotated[str, Path(pattern=r"^[a-z0-9][a-z0-9-]{0,119}$")],
    year: Annotated[int, Query(ge=2000, le=2100)],
    district: DistrictParam = None,
    theme: ThemeParam = None,
    live: LiveParam = False,
    *,
    settings: SettingsDep,
) -> indicators.IndicatorMonths:
    """One counted indicator (logs or residents' reports), per month of a year. If
    a month is hidden as "<5", the total is hidden too (it would give the month away)."""
    scope = manager_scope(session, caller.user, caller.districts, district)
    return indicators.indicator_months(
        session,
        scope,
        code,
        year=year,
        theme=theme,
        live_definitions=_live_definitions(session, settings, live),
    )


class ImportOut(BaseModel):
    imported: int
    replaced: int
    import_id: int


@router.post(
    "/import",
    response_model=ImportOut,
    responses=_ERRORS,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "text/csv": {
                    "schema": {"type": "string"},
                    "example": "indicator,year,value,district\nwinkeldiefstal,2023,512,\n",
                }
            },
        }
    },
)
async def import_figures(
    request: Request, caller: Beheerder, session: SessionDep, settings: SettingsDep
) -> ImportOut:
    """Import figures from other sources (politie, omnibus, LAA, ZVH) as CSV with
    the columns `indicator,year,value[,district]` (comma or semicolon). Every bad
    row is reported in `details` with its line number and a reason; if any row is
    bad, nothing is imported. A figure imported again replaces the earlier one."""
    body = await request.body()

    def store() -> ImportOut:
        try:
            definitions = indicator_definitions.load_definitions(
                session, settings.indicator_definitions
            )
        except indicator_definitions.DefinitionsError as exc:
            raise ServiceError(
                ErrorCode.INTERNAL_ERROR,
                "De indicatordefinities op de server kloppen niet; meld dit aan de beheerder.",
            ) from exc
        result = import_csv(session, body=body, user=caller.user, definitions=definitions)
        return ImportOut(
            imported=result.imported, replaced=result.replaced, import_id=result.import_id
        )

    return await run_in_threadpool(store)
