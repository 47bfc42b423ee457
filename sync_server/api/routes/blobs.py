"""Photos by content hash: check, upload (verified), stored once."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request, Response
from starlette.concurrency import run_in_threadpool

from sync_protocol import ErrorBody
from sync_server.api.deps import (
    CurrentCaller,
    ReadSessionsDep,
    SettingsDep,
    TransactionsDep,
    check_protocol,
)
from sync_server.photostore import open_photo_store
from sync_server.services import blobs

# The protocol version is checked before the token: an outdated app must hear
# "update the app", not "log in again".
router = APIRouter(prefix="/api/v1/blobs", tags=["photos"], dependencies=[Depends(check_protocol)])

# Checked by the service (400 `blob_hash_invalid`, not a generic 422); the
# pattern is in the description so that clients and schema tools know it.
Sha256Path = Annotated[
    str,
    Path(
        description="SHA-256 van de foto, 64 kleine hex-tekens",
        json_schema_extra={"pattern": "^[0-9a-f]{64}$"},
    ),
]


@router.head(
    "/{sha256}",
    responses={
        200: {"description": "Foto staat op de server"},
        400: {"description": "Geen geldige SHA-256 (`blob_hash_invalid`), of protocolfout"},
        404: {"description": "Foto ontbreekt nog"},
    },
)
def has_blob(sha256: Sha256Path, caller: CurrentCaller, read_sessions: ReadSessionsDep) -> Response:
    """Has the caller already uploaded this photo? (200 yes, 404 no; no body).
    Another user's photo answers 404: HEAD reveals nothing about others' photos."""
    assert caller.user.id is not None
    with read_sessions() as session:  # closed here, not by FastAPI (see deps.py)
        found = blobs.exists(session, sha256, caller.user.id)
    return Response(status_code=200 if found else 404)


@router.put(
    "/{sha256}",
    status_code=201,
    responses={
        200: {"description": "Foto stond er al"},
        201: {"description": "Foto opgeslagen"},
        400: {"model": ErrorBody},
        401: {"model": ErrorBody},
        413: {"model": ErrorBody},
        415: {"model": ErrorBody},
        422: {"model": ErrorBody},
        503: {"model": ErrorBody, "description": "Fotoopslag onbereikbaar"},
    },
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"image/jpeg": {"schema": {"type": "string", "format": "binary"}}},
        }
    },
)
async def put_blob(
    sha256: Sha256Path,
    request: Request,
    caller: CurrentCaller,
    transactions: TransactionsDep,
    settings: SettingsDep,
) -> Response:
    """Upload a photo. The server checks the bytes against the hash, that it is a
    JPEG or PNG within the size limits, and that it carries no metadata."""
    data = await request.body()
    uploader_id = caller.user.id
    assert uploader_id is not None

    def store() -> bool:
        # Committed and closed in this thread, not by FastAPI (see deps.py).
        with transactions() as session:
            return blobs.store(
                session,
                sha256=sha256,
                data=data,
                photos=open_photo_store(settings),
                limits=settings.limits,
                uploader_id=uploader_id,
            )

    created = await run_in_threadpool(store)
    return Response(status_code=201 if created else 200)
