"""A team leader's or beheerder's login: password (+ authenticator code) or the
reply of the single sign-on, and the request helper that turns a lapsed login or
a server failure into a Dutch SyncError. The login is returned to the caller,
which keeps it in its own browser session (fieldapp.teamleader.session)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

from fieldapp import models as m
from fieldapp.http_client import (
    ClientFactory,
    SyncError,
    checked,
    error_code,
    json_reply,
    normalise_server_url,
)

MANAGER_ROLES = ("teamleider", "beheerder")
OFFLINE_MESSAGE = (
    "Geen verbinding met de server. Beoordelen, indicatoren en hot times werken "
    "alleen online; probeer het opnieuw als er verbinding is."
)


def is_manager(enrolment: m.Enrolment | None) -> bool:
    return enrolment is not None and enrolment.role in MANAGER_ROLES


EXPIRED_MESSAGE = (
    "Je sessie is verlopen (30 minuten niets gedaan, of langer dan 12 uur ingelogd). "
    "Log opnieuw in; je filter blijft bewaard."
)
# 401s of the login itself: the server's own Dutch message is shown as it is.
_LOGIN_REFUSALS = ("login_failed", "second_factor_required", "second_factor_failed")
# Replies that end the session: the screen asks to log in again.
LAPSED_CODES = ("token_invalid", "token_expired")


@dataclass(frozen=True)
class LeaderLogin:
    """A team leader's or beheerder's login: the token and who it is for. Held in
    memory by one browser session only (never in the phone's store)."""

    server_url: str
    token: str
    user_id: str
    username: str
    display_name: str
    role: str
    districts: tuple[str, ...]


def _manager_problem(response: httpx.Response) -> SyncError | None:
    """A server failure, or a login that lapsed (any 401 but a refused login)."""
    if response.status_code >= 500:
        return SyncError(
            "teamleider_server_error", "De server heeft een storing. Probeer het later opnieuw."
        )
    code = error_code(response)
    if response.status_code == 401 and code == "token_expired":
        return SyncError("token_expired", EXPIRED_MESSAGE)
    if response.status_code == 401 and code not in _LOGIN_REFUSALS:
        return SyncError(
            "token_invalid", "Je bent niet meer ingelogd. Log opnieuw in als teamleider."
        )
    return None  # the server's messages are Dutch already (e.g. 403 for a handhaver)


def manager_response(client: httpx.Client, method: str, url: str, **kwargs: Any) -> httpx.Response:
    return checked(
        client,
        method,
        url,
        refuse=_manager_problem,
        offline=SyncError("teamleider_offline", OFFLINE_MESSAGE),
        **kwargs,
    )


def manager_request(client: httpx.Client, method: str, url: str, **kwargs: Any) -> Any:
    return json_reply(manager_response(client, method, url, **kwargs))


def login(
    client_factory: ClientFactory,
    server_url: str,
    username: str,
    password: str,
    device_name: str = "browser",
    totp_code: str = "",
) -> LeaderLogin:
    """Password login (plus the authenticator code when the account has one); the
    caller keeps the returned login in its own session."""
    if not server_url.strip():
        raise SyncError("invalid", "Vul het adres van de server in.")
    if not username.strip() or not password:
        raise SyncError("invalid", "Vul je gebruikersnaam en wachtwoord in.")
    url = normalise_server_url(server_url)
    payload: dict[str, Any] = {
        "username": username.strip(),
        "password": password,
        "device_name": device_name,
    }
    if totp_code.strip():
        payload["totp_code"] = totp_code.strip()
    with client_factory(url) as client:
        body = manager_request(client, "POST", "/api/v1/auth/login", json=payload)
    return login_from_reply(url, body)


def login_from_reply(server_url: str, body: dict[str, Any]) -> LeaderLogin:
    """The session's login from the server's login reply (only managers get one)."""
    try:
        user = body["user"]
        login = LeaderLogin(
            server_url=server_url,
            token=str(body["token"]),
            user_id=str(user["id"]),
            username=str(user["username"]),
            display_name=str(user["display_name"]),
            role=str(user["role"]),
            districts=tuple(user["districts"]),
        )
    except (KeyError, TypeError) as exc:
        raise SyncError("bad_reply") from exc
    if login.role not in MANAGER_ROLES:
        raise SyncError("forbidden", "Dit account is geen teamleider.")
    return login
