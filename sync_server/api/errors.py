"""Every error becomes `{code, message}` with a stable code; never a bare 500.

Messages never echo submitted values: a rejected yellow card must not put a
youth's name into a reply, a log line or a proxy's error page.
"""

from __future__ import annotations

import json
import logging
import re
import traceback
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from sync_protocol import PROTOCOL_HEADER, PROTOCOL_VERSION, ErrorBody, ErrorCode
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


# A place in a request named by a field name or an index; a dictionary key that a
# caller made up (an unknown field, a payload key) may be personal data.
_FIELD_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]{0,40}$")


def _safe_loc(part: object) -> str:
    text = str(part)
    return text if isinstance(part, int) or _FIELD_NAME.match(text) else "…"


async def _validation_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = exc.errors()
    if any(e.get("type") == "json_invalid" for e in errors):
        return error_response(400, ErrorCode.MALFORMED_JSON, "De body is geen geldige JSON.")
    details: list[dict[str, object]] = [
        {"loc": [_safe_loc(p) for p in e.get("loc", ())], "msg": str(e.get("msg", ""))}
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


def _frames(exc: BaseException) -> str:
    """Where it went wrong: file, line and function of every frame, the causes'
    too; never the exception's text, locals or source lines, which may hold
    submitted values."""
    parts: list[str] = []
    seen: BaseException | None = exc
    while seen is not None and len(parts) < 5:
        frames = "".join(
            f"  {frame.filename}:{frame.lineno} in {frame.name}\n"
            for frame in traceback.extract_tb(seen.__traceback__)
        )
        parts.append(f"{type(seen).__module__}.{type(seen).__qualname__}\n{frames}")
        seen = seen.__cause__ or seen.__context__
    return "\n".join(parts)


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    request_id = getattr(request.state, "request_id", "-")
    log.error(
        "unexpected %s",
        type(exc).__name__,
        extra={"request_id": request_id, "traceback": _frames(exc)},
    )
    # Starlette answers this one outside every middleware, so the protocol
    # header that BodyLimitMiddleware adds to all other replies, and the request
    # id, are set here.
    return error_response(
        500,
        ErrorCode.INTERNAL_ERROR,
        "Er ging iets mis op de server. Probeer het later opnieuw.",
        headers={PROTOCOL_HEADER: str(PROTOCOL_VERSION), "X-Request-ID": request_id},
    )


# What each status means in this API, for the OpenAPI description.
ERROR_DESCRIPTIONS: dict[int, str] = {
    400: "Onleesbaar verzoek: `malformed_json`, `protocol_missing`, `protocol_unsupported`, "
    "`blob_hash_invalid`, `blob_hash_mismatch`",
    401: "Geen geldig token: `token_missing`, `token_invalid`, `token_revoked`, `token_expired`, "
    "`login_failed`, `second_factor_required`, `second_factor_failed`, `enrolment_code_*`",
    403: "Geen toegang: `forbidden`, `device_mismatch`",
    404: "Bestaat niet of niet voor jou: `not_found`",
    409: "Botsing: `conflict`, `user_exists`, `cursor_ahead`",
    413: "Te groot: `body_too_large`, `batch_too_large`, `blob_too_large`, `blob_image_too_large`",
    415: "Geen JPEG of PNG: `blob_not_an_image`",
    422: "Ongeldige invoer: `invalid_request` (met `details`), `invalid_text` (een teken dat "
    "niet kan worden opgeslagen, zoals U+0000), `unknown_district`, `blob_has_metadata`",
    429: "Te veel pogingen: `too_many_attempts` (met Retry-After)",
}


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """`responses=` for a route: these statuses answer with an ErrorBody."""
    return {
        status: {"model": ErrorBody, "description": ERROR_DESCRIPTIONS[status]}
        for status in statuses
    }


def _error_reply(status: int, *, head: bool) -> dict[str, Any]:
    reply: dict[str, Any] = {"description": ERROR_DESCRIPTIONS[status]}
    if not head:
        ref = {"$ref": "#/components/schemas/ErrorBody"}
        reply["content"] = {"application/json": {"schema": ref}}
    return reply


def _ensure_error_schema(schema: dict[str, Any]) -> None:
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    if "ErrorBody" in components:
        return
    body = ErrorBody.model_json_schema(ref_template="#/components/schemas/{model}")
    components.update(body.pop("$defs", {}))
    components["ErrorBody"] = body


_FASTAPI_422 = "#/components/schemas/HTTPValidationError"


def complete_error_responses(schema: dict[str, Any]) -> dict[str, Any]:
    """Declare the errors that every route of a kind can give, whatever the route
    itself lists: the middleware and the dependencies answer them before the
    handler runs. A route's own declarations are kept as they are.

    - a body: 400 `malformed_json`, 413 `body_too_large`, 422 `invalid_request`;
    - any parameter: 422 `invalid_request`;
    - a token (the `authorization` header): 401;
    - the protocol header: 400 `protocol_missing` / `protocol_unsupported`.
    """
    _ensure_error_schema(schema)
    for operations in schema.get("paths", {}).values():
        for method, operation in operations.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            headers = {
                str(p.get("name", "")).lower()
                for p in operation.get("parameters", [])
                if p.get("in") == "header"
            }
            statuses: set[int] = set()
            if "requestBody" in operation:
                statuses |= {400, 413, 422}
            if operation.get("parameters"):
                statuses.add(422)
            if "authorization" in headers:
                statuses.add(401)
            if PROTOCOL_HEADER.lower() in headers:
                statuses.add(400)
            responses = operation["responses"]
            for status in sorted(statuses):
                if str(status) not in responses:
                    responses[str(status)] = _error_reply(status, head=method == "head")
            if _FASTAPI_422 in json.dumps(responses.get("422", {})):
                # FastAPI's own `{detail: [...]}`, which this API never sends.
                responses["422"] = _error_reply(422, head=method == "head")
    components = schema["components"]["schemas"]
    if _FASTAPI_422 not in json.dumps(schema["paths"]):
        components.pop("HTTPValidationError", None)
        components.pop("ValidationError", None)
    return schema


def _document_errors(app: FastAPI) -> None:
    build: Callable[[], dict[str, Any]] = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = complete_error_responses(build())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(ServiceError, _service_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)
    _document_errors(app)
