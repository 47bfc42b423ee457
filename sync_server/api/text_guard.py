"""No text a database cannot store reaches a handler, from any route.

PostgreSQL refuses U+0000 in text and no driver encodes a lone surrogate; such
a value in a login name, a filter, an audit query or an admin call used to fail
deep in a write as a 500. This one check in front of every route answers 422
`invalid_text` instead, never repeating the value. It looks at the path, the
query string and JSON or text bodies; photos (binary) are not text.

The push body is the one exception: its records are judged one by one
(`sync_protocol.records` refuses such text as `invalid_record`), so one bad
record does not block a phone's whole outbox. Its bytes are still scanned here,
once: when they surely hold no such text the route is told so
(`request.state.text_checked`), and the records are not searched again.
"""

from __future__ import annotations

import json
import re
from urllib.parse import unquote_to_bytes

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sync_protocol import PROTOCOL_VERSION, ErrorCode
from sync_protocol.text import TEXT_CHECKED, all_storable, is_storable, surely_storable_json
from sync_server.api.limits import BLOB_PREFIX

PUSH_PATH = "/api/v1/sync/push"
MESSAGE = "De invoer bevat een teken dat niet kan worden opgeslagen (zoals U+0000)."
# In JSON text such characters can only arrive escaped; without a match the body
# is clean and need not be parsed a second time.
_SUSPECT_ESCAPE = re.compile(rb"\\u(0000|[dD][89a-fA-F][0-9a-fA-F]{2})")


def _query_is_storable(query: bytes) -> bool:
    if b"%00" not in query.lower() and b"\x00" not in query:
        return True
    raw = unquote_to_bytes(query.replace(b"+", b" "))
    return b"\x00" not in raw


# Bodies that are not text: their bytes are not stored as text.
_BINARY = ("image/", "application/octet-stream")


def body_is_storable(body: bytes, content_type: str) -> bool:
    if content_type.startswith(_BINARY):
        return True
    if b"\x00" in body:
        # Not valid in JSON or text; a JSON body fails parsing as malformed_json,
        # any other text is refused here.
        return "json" in content_type
    if "json" in content_type and _SUSPECT_ESCAPE.search(body):
        try:
            value = json.loads(body)
        except ValueError:
            return True  # the route answers malformed_json
        return all_storable(value)
    return True


class TextGuardMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")
        if not is_storable(path) or not _query_is_storable(scope.get("query_string", b"")):
            await _reject(send)
            return
        if path.startswith(BLOB_PREFIX):
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        content_type = headers.get(b"content-type", b"").decode("latin-1").lower()
        chunks: list[bytes] = []
        more = True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                await self.app(scope, _replay([message]), send)
                return
            chunks.append(message.get("body", b""))
            more = message.get("more_body", False)
        body = b"".join(chunks)
        if path == PUSH_PATH:
            scope.setdefault("state", {})[TEXT_CHECKED] = surely_storable_json(body)
        elif body and not body_is_storable(body, content_type):
            await _reject(send)
            return
        await self.app(scope, _replay([{"type": "http.request", "body": body}], receive), send)


def _replay(messages: list[Message], then: Receive | None = None) -> Receive:
    async def receive() -> Message:
        if messages:
            return messages.pop(0)
        if then is None:
            return {"type": "http.disconnect"}
        return await then()

    return receive


async def _reject(send: Send) -> None:
    body = json.dumps(
        {"code": ErrorCode.INVALID_TEXT.value, "message": MESSAGE, "protocol": PROTOCOL_VERSION}
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 422,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
