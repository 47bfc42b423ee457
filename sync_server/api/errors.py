"""Every error becomes `{code, message}` with a stable code; never a bare 500.

Messages never echo submitted values: a rejected yellow card must not put a
youth's name into a reply, a log line or a proxy's error page.
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from sync_protocol import PROTOCOL_HEADER, PROTOCOL_VERSION, ErrorCode
from sync_server.api.limits import BodyTooLarge
from sync_server.errors import ServiceError

log = logging.getLogger("sync_server")


def error_response(
    status: int,
    code: ErrorCode,
    message: str,
    *,
    details: list[dict[str, object]] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    body: dict[str, object] = {"code": code.value, "message": message, "protocol": PROTOCOL_VERSION}
    if details:
        body["details"] = details
    return JSONResponse(body, status_code=status, headers=headers)


async def _service_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ServiceError)
    headers = {"Retry-After": str(exc.retry_after)} if exc.retry_after else None
    return error_response(exc.status, exc.code, exc.message, details=exc.details, headers=headers)


async def _validation_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = exc.errors()
    if any(e.get("type") == "json_invalid" for e in errors):
        return error_response(400, ErrorCode.MALFORMED_JSON, "De body is geen geldige JSON.")
    details: list[dict[str, object]] = [
        {"loc": [str(p) for p in e.get("loc", ())], "msg": str(e.get("msg", ""))}
        for e in errors[:20]
    ]
    where = ", ".join(".".join(d["loc"][1:] or d["loc"]) for d in details[:3])  # type: ignore[index, arg-type]
    return error_response(
        422, ErrorCode.INVALID_REQUEST, f"Ongeldige invoer: {where}.", details=details
    )


async def _http_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    if isinstance(exc.__cause__, BodyTooLarge):
        # FastAPI wraps any failure while reading the body into a 400.
        return error_response(413, ErrorCode.BODY_TOO_LARGE, "Het verzoek is te groot.")
    if isinstance(exc.__cause__, ValueError):
        # A body that is not text (not UTF-8) fails before JSON parsing does.
        return error_response(400, ErrorCode.MALFORMED_JSON, "De body is geen geldige JSON.")
    if exc.status_code == 404:
        return error_response(404, ErrorCode.NOT_FOUND, "Deze pagina of dit adres bestaat niet.")
    if exc.status_code == 405:
        return error_response(405, ErrorCode.METHOD_NOT_ALLOWED, "Deze methode kan hier niet.")
    return error_response(exc.status_code, ErrorCode.INVALID_REQUEST, str(exc.detail))


async def _unexpected(_request: Request, exc: Exception) -> JSONResponse:
    # Log the type and place only; the exception text may contain submitted data.
    log.error("unexpected %s", type(exc).__name__, exc_info=False)
    # Starlette answers this one outside every middleware, so the protocol
    # header that BodyLimitMiddleware adds to all other replies is set here.
    return error_response(
        500,
        ErrorCode.INTERNAL_ERROR,
        "Er ging iets mis op de server. Probeer het later opnieuw.",
        headers={PROTOCOL_HEADER: str(PROTOCOL_VERSION)},
    )


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(ServiceError, _service_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)
