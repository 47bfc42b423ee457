"""The one way the app talks HTTP to the server, for the sync client (fieldapp.sync)
and the team leader's client (fieldapp.teamleader).

Both need the same things: a client made by an injected factory (so a test hands
in a transport that drops replies), a transport failure turned into "offline", the
server's `{code, message}` turned into a SyncError with a Dutch message, and a
garbled reply into `bad_reply`. What differs is only which replies mean what to
each caller (a sync treats 401 as a revoked phone, a team leader as a lapsed
login): that is the `refuse` function each passes in.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx

from fieldapp import models as m
from fieldapp.db import utcnow
from fieldapp.labels import describe_error
from sync_protocol import PROTOCOL_HEADER, PROTOCOL_VERSION

__all__ = [
    "ClientFactory",
    "Refuse",
    "SyncError",
    "checked",
    "default_client",
    "enrolment_from_reply",
    "error_code",
    "error_message",
    "json_reply",
    "normalise_server_url",
    "send",
]


class SyncError(Exception):
    """A problem with the server explained for the officer; `code` is stable for the app."""

    def __init__(self, code: str, message: str | None = None) -> None:
        self.code = code
        self.message = describe_error(code, message)
        super().__init__(self.message)


ClientFactory = Callable[[str], httpx.Client]
# Which replies a caller treats as a problem of its own (None: not one of those).
Refuse = Callable[[httpx.Response], SyncError | None]


def default_client(base_url: str, transport: httpx.BaseTransport | None = None) -> httpx.Client:
    return httpx.Client(
        base_url=base_url,
        headers={PROTOCOL_HEADER: str(PROTOCOL_VERSION)},
        timeout=httpx.Timeout(20.0, connect=5.0),
        transport=transport,
    )


def send(
    client: httpx.Client,
    method: str,
    url: str,
    *,
    refuse: Refuse,
    offline: SyncError,
    **kwargs: Any,
) -> httpx.Response:
    """One request: no connection raises `offline`, a reply `refuse` names raises
    that; any other reply (also a 4xx the caller handles itself) is returned."""
    try:
        response = client.request(method, url, **kwargs)
    except httpx.TransportError as exc:
        raise offline from exc
    problem = refuse(response) if response.status_code >= 400 else None
    if problem is not None:
        raise problem
    return response


def checked(
    client: httpx.Client,
    method: str,
    url: str,
    *,
    refuse: Refuse,
    offline: SyncError,
    **kwargs: Any,
) -> httpx.Response:
    """Like `send`, and every other 4xx or 5xx raises the server's own code and
    (already Dutch) message."""
    response = send(client, method, url, refuse=refuse, offline=offline, **kwargs)
    if response.status_code >= 400:
        raise SyncError(error_code(response) or "server_error", error_message(response))
    return response


def json_reply(response: httpx.Response) -> Any:
    """The reply's JSON; a truncated or garbled reply is `bad_reply`."""
    try:
        return response.json()
    except ValueError as exc:
        raise SyncError("bad_reply") from exc


def normalise_server_url(url: str) -> str:
    """What the officer typed, as a base URL (https unless a scheme was given)."""
    url = url.strip().rstrip("/")
    if not url.startswith(("http://", "https://")):
        url = "https://" + url
    return url


def enrolment_from_reply(server_url: str, body: dict[str, Any]) -> m.Enrolment:
    """The local enrolment row from an enrol or login reply (token and user)."""
    user = body["user"]
    return m.Enrolment(
        id=1,
        server_url=server_url,
        device_id=body["device_id"],
        token=body["token"],
        user_id=user["id"],
        username=user["username"],
        display_name=user["display_name"],
        role=user["role"],
        districts=user["districts"],
        enrolled_at=utcnow(),
    )


def error_code(response: httpx.Response) -> str | None:
    try:
        code = response.json().get("code")
    except (ValueError, AttributeError):
        return None
    return code if isinstance(code, str) else None


def error_message(response: httpx.Response) -> str:
    try:
        message = response.json().get("message")
    except (ValueError, AttributeError):
        message = None
    return message if isinstance(message, str) else f"Fout {response.status_code} van de server."
