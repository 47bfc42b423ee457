"""Single sign-on with the city's account (OpenID Connect), the app's part.

The server runs the whole flow (fieldapp never sees the provider's tokens): the
browser goes to the server's start address, comes back to /teamleider with a
one-time `sso_code` (or `sso_fout`), which the new browser session trades for
its own token. The server says whether it has single sign-on at all.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from fieldapp.http_client import ClientFactory, SyncError, normalise_server_url
from fieldapp.labels import describe_error
from fieldapp.teamleader.client import LeaderLogin, login_from_reply, manager_request

SSO_FAILED = "Inloggen met je gemeente-account is niet gelukt. Probeer het opnieuw."


def sso_methods(client_factory: ClientFactory, server_url: str) -> bool:
    """Whether the server offers single sign-on (False when it cannot be asked)."""
    try:
        url = normalise_server_url(server_url)
        with client_factory(url) as client:
            body = manager_request(client, "GET", "/api/v1/auth/methods")
    except (SyncError, ValueError):
        return False
    return isinstance(body, dict) and body.get("oidc") is True


def sso_start_url(server_url: str) -> str:
    """Where the browser goes to sign on (the server sends it to the provider)."""
    return normalise_server_url(server_url) + "/api/v1/auth/oidc/start"


def sso_reply(route: str) -> tuple[str | None, str | None]:
    """The one-time code, or the failure's Dutch message, from the address the
    server sent the browser back to (both None for a plain /teamleider)."""
    query = parse_qs(urlsplit(route).query)
    code = next(iter(query.get("sso_code", [])), None)
    failure = next(iter(query.get("sso_fout", [])), None)
    if failure:
        return None, describe_error(failure, SSO_FAILED)
    return code, None


def sso_exchange(client_factory: ClientFactory, server_url: str, code: str) -> LeaderLogin:
    """Trade the one-time code for this browser session's own token."""
    if not server_url.strip():
        raise SyncError("invalid", "Het adres van de server is niet ingesteld (HV_SERVER_URL).")
    url = normalise_server_url(server_url)
    with client_factory(url) as client:
        body = manager_request(client, "POST", "/api/v1/auth/oidc/exchange", json={"code": code})
    return login_from_reply(url, body)
