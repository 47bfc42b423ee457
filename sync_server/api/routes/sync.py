"""Push and pull: the two calls every phone makes on every sync."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request

from sync_protocol import (
    PROTOCOL_VERSION,
    SUPPORTED_PROTOCOLS,
    ErrorBody,
    ErrorCode,
    PullPage,
    PushRequest,
    PushResponse,
)
from sync_protocol.text import TEXT_CHECKED
from sync_server import metrics
from sync_server.api.deps import (
    CurrentCaller,
    EngineDep,
    ReadSessionsDep,
    SettingsDep,
    check_protocol,
)
from sync_server.api.errors import error_responses
from sync_server.errors import ServiceError
from sync_server.services import pull as pull_service
from sync_server.services import push as push_service

# The protocol version is checked before the token: an outdated app must hear
# "update the app", not "log in again".
router = APIRouter(prefix="/api/v1/sync", tags=["sync"], dependencies=[Depends(check_protocol)])

_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorBody},
    401: {"model": ErrorBody},
    403: {"model": ErrorBody},
    413: {"model": ErrorBody},
    422: {"model": ErrorBody},
}


@router.post("/push", response_model=PushResponse, responses=_ERRORS)
def push(
    body: PushRequest,
    request: Request,
    caller: CurrentCaller,
    engine: EngineDep,
    settings: SettingsDep,
) -> PushResponse:
    """Send records. Each one is answered on its own: accepted (new or an identical
    re-send), conflict (same id and version, other content; the server copy comes
    back) or rejected (with a code and a reason). One bad record does not stop the
    others."""
    if body.protocol not in SUPPORTED_PROTOCOLS:
        raise ServiceError(
            ErrorCode.PROTOCOL_UNSUPPORTED,
            "Deze versie van de app wordt niet meer ondersteund. Werk de app bij.",
        )
    if body.device_id != caller.device.id:
        raise ServiceError(
            ErrorCode.DEVICE_MISMATCH,
            "device_id hoort niet bij dit token. Koppel het apparaat opnieuw.",
        )
    results = push_service.push_records(
        engine,
        user=caller.user,
        device=caller.device,
        districts=caller.districts,
        items=body.records,
        key=settings.pseudonym_key,
        max_batch=settings.limits.max_batch_records,
        nearest_hotspot_m=settings.nearest_hotspot_max_m,
        # The text guard scanned the body's bytes (api/text_guard.py).
        text_checked=getattr(request.state, TEXT_CHECKED, False),
    )
    metrics.record_push(str(result.status) for result in results)
    return PushResponse(results=results, server_time=datetime.now(UTC))


@router.get("/pull", response_model=PullPage, responses=_ERRORS | error_responses(409))
def pull(
    caller: CurrentCaller,
    read_sessions: ReadSessionsDep,
    settings: SettingsDep,
    since: Annotated[
        int, Query(ge=0, le=2**62, description="Laatst ontvangen wijzigingsnummer")
    ] = 0,
    limit: Annotated[int | None, Query(ge=1, le=1000, description="Hoeveel wijzigingen")] = None,
) -> PullPage:
    """Changes after `since` that this device may see, oldest first, at most
    `limit`. Apply the page and store `next_since` in one local transaction;
    ask again while `more` is true."""
    page_size = min(limit or settings.limits.default_pull_limit, settings.limits.max_pull_limit)
    with read_sessions() as session:
        changes, next_since, more = pull_service.pull_changes(
            session, user=caller.user, districts=caller.districts, since=since, limit=page_size
        )
    metrics.record_pull_page()
    # The changes are typed already (services/pull.py validated them with the
    # wire models): the page around them is not validated a second time.
    return PullPage.model_construct(
        protocol=PROTOCOL_VERSION,
        changes=changes,
        next_since=next_since,
        more=more,
        server_time=datetime.now(UTC),
    )
