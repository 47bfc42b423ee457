"""For the operator: readiness for the proxy or orchestrator, metrics for
Prometheus. Health (in app.py) says the process is up; ready says it can do
its work: the database and the photo store answer."""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import APIRouter, Header, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import text
from starlette.concurrency import run_in_threadpool

from sync_protocol import ErrorCode
from sync_server import metrics
from sync_server.api.deps import EngineDep, ReadSessionDep, SettingsDep, get_caller
from sync_server.errors import ServiceError
from sync_server.photostore import PhotoStoreUnavailable, open_photo_store
from sync_server.services.fleet_metrics import database_metrics

router = APIRouter(tags=["operations"])


class Readiness(BaseModel):
    status: str
    database: str
    photo_store: str


@router.get(
    "/api/v1/ready",
    response_model=Readiness,
    responses={503: {"model": Readiness, "description": "Database of fotoopslag onbereikbaar"}},
)
async def ready(engine: EngineDep, settings: SettingsDep) -> JSONResponse:
    """Can this process serve? 200 when the database and the photo store answer,
    503 (naming which does not) otherwise. No token needed."""

    def check() -> Readiness:
        database = photo_store = "ok"
        try:
            with engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except Exception:
            database = "unavailable"
        try:
            open_photo_store(settings).check()
        except PhotoStoreUnavailable:
            photo_store = "unavailable"
        status = "ok" if database == photo_store == "ok" else "unavailable"
        return Readiness(status=status, database=database, photo_store=photo_store)

    result = await run_in_threadpool(check)
    return JSONResponse(result.model_dump(), status_code=200 if result.status == "ok" else 503)


@router.get(
    "/metrics",
    response_class=Response,
    responses={200: {"content": {"text/plain": {}}}},
    include_in_schema=True,
)
def metrics_endpoint(
    engine: EngineDep,
    session: ReadSessionDep,
    settings: SettingsDep,
    authorization: Annotated[
        str | None, Header(description="`Bearer <HV_METRICS_TOKEN>` of een beheerderstoken")
    ] = None,
) -> Response:
    """Prometheus metrics. For the metrics token (HV_METRICS_TOKEN) or a beheerder."""
    token = (authorization or "")[7:].strip() if authorization else ""
    allowed = bool(settings.metrics_token) and hmac.compare_digest(
        token.encode(), (settings.metrics_token or "").encode()
    )
    if not allowed:
        caller = get_caller(engine, settings, authorization)
        if caller.role != "beheerder":
            raise ServiceError(ErrorCode.FORBIDDEN, "Alleen de beheerder ziet de metrics.")
    body = metrics.exposition(database_metrics(session, settings.stale_device_after))
    return Response(body, media_type=metrics.CONTENT_TYPE)
