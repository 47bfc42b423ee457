"""The audit log of reads of personal data, for the beheerder."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Response

from sync_protocol import ErrorBody
from sync_server.api.deps import Beheerder, ReadSessionDep, SessionDep
from sync_server.api.limits import DayQuery
from sync_server.services import audit

router = APIRouter(prefix="/api/v1/audit", tags=["audit"])

_ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorBody} for status in (401, 403, 422)
}
UserParam = Annotated[str | None, Query(max_length=80, description="Gebruikersnaam")]
ActionParam = Annotated[str | None, Query(pattern=r"^(record_detail|foto|export|audit_export)$")]
RecordParam = Annotated[str | None, Query(max_length=36)]
ReasonParam = Annotated[
    str | None,
    Query(pattern=audit.REASON_PATTERN, description="Waarom (de reden van de inzage)"),
]


def audit_filter(
    user: UserParam = None,
    action: ActionParam = None,
    record_id: RecordParam = None,
    date_from: DayQuery = None,
    date_to: DayQuery = None,
    reason: ReasonParam = None,
) -> dict[str, Any]:
    """What the list and the export select (the same query parameters for both)."""
    return {
        "user": user,
        "action": action,
        "record_id": record_id,
        "date_from": date_from,
        "date_to": date_to,
        "reason": reason,
    }


FilterDep = Annotated[dict[str, Any], Depends(audit_filter)]


@router.get("", response_model=audit.AuditPage, responses=_ERRORS)
def list_audit(
    caller: Beheerder,
    session: ReadSessionDep,
    flt: FilterDep,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> audit.AuditPage:
    """Who read which personal data when, and why; newest first."""
    return audit.list_entries(session, **flt, limit=limit, offset=offset)


@router.get(
    "/export.csv",
    response_class=Response,
    responses={200: {"content": {"text/csv": {"schema": {"type": "string"}}}}, **_ERRORS},
)
def export_audit(caller: Beheerder, session: SessionDep, flt: FilterDep) -> Response:
    """The audit log as CSV (this export is itself logged, why: controle)."""
    text, rows = audit.export_csv(session, **flt)
    audit.log_read(
        session,
        caller.user,
        action=audit.AUDIT_EXPORT,
        reason="controle",
        detail=f"{rows} regels",
    )
    return Response(
        content=text,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="audit.csv"'},
    )
