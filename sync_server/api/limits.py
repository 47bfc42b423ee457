"""Refuse oversized bodies before they are read into memory, and stamp the
protocol version on every reply. Also the bounds on query values that the
database cannot hold (a day in the year 1 or 9999 overflows a UTC timestamp)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time
from typing import Annotated

from fastapi import Query
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sync_protocol import PROTOCOL_HEADER, PROTOCOL_VERSION, ErrorCode

BLOB_PREFIX = "/api/v1/blobs/"

# Days a filter may name: well before the first log and after the last one; a
# day outside is a 422 `invalid_request`, not an overflow deep in the database.
FIRST_DAY = date(2000, 1, 1)
LAST_DAY = date(2100, 12, 31)
DAY_RANGE = f"({FIRST_DAY} t/m {LAST_DAY})"
FIRST_MOMENT = datetime.combine(FIRST_DAY, time.min, tzinfo=UTC)
LAST_MOMENT = datetime.combine(LAST_DAY, time.max, tzinfo=UTC)
DayQuery = Annotated[
    date | None, Query(ge=FIRST_DAY, le=LAST_DAY, description=f"Een dag {DAY_RANGE}")
]


class BodyTooLarge(Exception):
    """Raised while reading a body past its limit (chunked uploads have no length)."""


class BodyLimitMiddleware:
    def __init__(self, app: ASGIApp, *, default_limit: int, blob_limit: int) -> None:
        self.app = app
        self.default_limit = default_limit
        self.blob_limit = blob_limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")
        is_blob = path.startswith(BLOB_PREFIX)
        limit = self.blob_limit if is_blob else self.default_limit
        code = ErrorCode.BLOB_TOO_LARGE if is_blob else ErrorCode.BODY_TOO_LARGE
        headers = dict(scope.get("headers") or [])
        declared = headers.get(b"content-length")
        started = False

        async def send_with_version(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                message.setdefault("headers", [])
                message["headers"] = list(message["headers"]) + [
                    (PROTOCOL_HEADER.lower().encode(), str(PROTOCOL_VERSION).encode())
                ]
            await send(message)

        if declared is not None and declared.isdigit() and int(declared) > limit:
            await self._reject(send_with_version, limit, code)
            return
        received = 0

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge
            return message

        try:
            await self.app(scope, counting_receive, send_with_version)
        except BodyTooLarge:
            if not started:
                await self._reject(send_with_version, limit, code)

    @staticmethod
    async def _reject(send: Send, limit: int, code: ErrorCode) -> None:
        body = json.dumps(
            {
                "code": code.value,
                "message": f"Het verzoek is te groot; maximaal {limit} bytes.",
                "protocol": PROTOCOL_VERSION,
            }
        ).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})
