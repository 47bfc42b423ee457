"""Single sign-on for staff: OpenID Connect, authorization code flow with PKCE.

The server runs the flow, not the browser app: `start` sends the browser to the
city's identity provider with a state, a nonce and a PKCE challenge, all kept in
the database (any server process may take the callback); `finish` exchanges the
code with the client secret and the PKCE verifier, checks the ID token (signature
by the provider's published keys, issuer, audience, expiry, nonce), maps the
configured claims to a role and districts, and creates or updates the account.
The token of the new session then goes to the app's browser session by a
one-time code (`create_handoff`/`redeem_handoff`), never inside an address.

The identity provider is the source of truth for SSO users: their role and
districts follow its claims at every sign-in. An officer (handhaver) cannot
sign in this way: officers work with an enrolled phone.
"""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

import httpx
import jwt
from sqlalchemy import delete, update
from sqlmodel import Session, col, select

from sync_protocol import ErrorCode
from sync_server.config import Settings
from sync_server.db import utcnow
from sync_server.errors import ServiceError
from sync_server.models import OidcHandoff, OidcLogin, User, UserDistrict
from sync_server.services import accounts

LOGIN_TTL = timedelta(minutes=10)
HANDOFF_TTL = timedelta(minutes=2)
_ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "EdDSA"]
_HTTP_TIMEOUT = 10.0
_RANKS = {"teamleider": 1, "beheerder": 2}


def _failed(
    message: str = "Inloggen via de gemeente is mislukt. Probeer het opnieuw.",
) -> ServiceError:
    return ServiceError(ErrorCode.SSO_FAILED, message)


@dataclass(frozen=True)
class Provider:
    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str


def _require(settings: Settings) -> str:
    if not settings.oidc_issuer or not settings.oidc_client_id:
        raise ServiceError(
            ErrorCode.SSO_NOT_CONFIGURED, "Inloggen via de gemeente is hier niet ingesteld."
        )
    return settings.oidc_issuer.rstrip("/")


def discover(settings: Settings) -> Provider:
    """The provider's endpoints from its discovery document; its issuer must match."""
    issuer = _require(settings)
    try:
        response = httpx.get(issuer + "/.well-known/openid-configuration", timeout=_HTTP_TIMEOUT)
        response.raise_for_status()
        document = response.json()
    except (httpx.HTTPError, ValueError) as exc:
        raise _failed("De inlogdienst van de gemeente is niet bereikbaar.") from exc
    if str(document.get("issuer", "")).rstrip("/") != issuer:
        raise _failed("De inlogdienst van de gemeente gaf een onverwachte naam op.")
    try:
        return Provider(
            issuer=str(document["issuer"]),
            authorization_endpoint=str(document["authorization_endpoint"]),
            token_endpoint=str(document["token_endpoint"]),
            jwks_uri=str(document["jwks_uri"]),
        )
    except KeyError as exc:
        raise _failed("De inlogdienst van de gemeente is onvolledig ingesteld.") from exc


def _challenge(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def start(session: Session, settings: Settings, *, redirect_uri: str) -> str:
    """Remember a new sign-on and give the address to send the browser to."""
    provider = discover(settings)
    now = utcnow()
    # Old, abandoned sign-ons go as new ones start.
    session.execute(delete(OidcLogin).where(col(OidcLogin.created_at) < now - LOGIN_TTL))
    login = OidcLogin(
        state=secrets.token_urlsafe(32),
        nonce=secrets.token_urlsafe(32),
        code_verifier=secrets.token_urlsafe(64),
        created_at=now,
    )
    session.add(login)
    session.flush()
    query = urlencode(
        {
            "response_type": "code",
            "client_id": settings.oidc_client_id,
            "redirect_uri": redirect_uri,
            "scope": settings.oidc_scopes,
            "state": login.state,
            "nonce": login.nonce,
            "code_challenge": _challenge(login.code_verifier),
            "code_challenge_method": "S256",
        }
    )
    separator = "&" if "?" in provider.authorization_endpoint else "?"
    return provider.authorization_endpoint + separator + query


def _take_login(session: Session, state: str) -> OidcLogin:
    """The sign-on this callback belongs to, claimed once."""
    login = session.get(OidcLogin, state)
    if login is None:
        raise _failed("Deze inlogpoging is onbekend of al gebruikt. Begin opnieuw.")
    claimed = session.execute(delete(OidcLogin).where(col(OidcLogin.state) == state))
    if getattr(claimed, "rowcount", 1) != 1:
        raise _failed("Deze inlogpoging is onbekend of al gebruikt. Begin opnieuw.")
    if login.created_at < utcnow() - LOGIN_TTL:
        raise _failed("Deze inlogpoging duurde te lang. Begin opnieuw.")
    return login


def _id_token(
    settings: Settings, provider: Provider, *, code: str, login: PendingLogin, redirect_uri: str
) -> str:
    try:
        response = httpx.post(
            provider.token_endpoint,
            data={
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": redirect_uri,
                "code_verifier": login.code_verifier,
            },
            auth=(settings.oidc_client_id, settings.oidc_client_secret),
            timeout=_HTTP_TIMEOUT,
        )
    except httpx.HTTPError as exc:
        raise _failed("De inlogdienst van de gemeente is niet bereikbaar.") from exc
    if response.status_code != 200:
        raise _failed()
    try:
        token = response.json()["id_token"]
    except (ValueError, KeyError, TypeError) as exc:
        raise _failed() from exc
    if not isinstance(token, str):
        raise _failed()
    return token


def verify_id_token(
    settings: Settings, provider: Provider, token: str, *, nonce: str
) -> dict[str, Any]:
    """Signature by the provider's published key, issuer, audience, expiry, nonce."""
    try:
        key = jwt.PyJWKClient(
            provider.jwks_uri, timeout=int(_HTTP_TIMEOUT)
        ).get_signing_key_from_jwt(token)
        claims: dict[str, Any] = jwt.decode(
            token,
            key.key,
            algorithms=_ALGORITHMS,
            audience=settings.oidc_client_id,
            issuer=provider.issuer,
            leeway=60,
            options={"require": ["exp", "iat", "iss", "aud", "sub"]},
        )
    except jwt.PyJWTError as exc:
        raise _failed("Het antwoord van de inlogdienst is niet te vertrouwen.") from exc
    if not secrets.compare_digest(str(claims.get("nonce", "")), nonce):
        raise _failed("Het antwoord van de inlogdienst hoort niet bij deze inlogpoging.")
    return claims


def _as_list(value: Any) -> list[str]:
    if isinstance(value, str):
        return [part for part in re.split(r"[\s,]+", value) if part]
    if isinstance(value, list):
        return [str(part) for part in value if isinstance(part, str | int)]
    return []


def role_from(settings: Settings, claims: dict[str, Any]) -> str:
    """The highest app role any of the claim's values maps to."""
    mapping = dict(settings.oidc_role_map)
    names = _as_list(claims.get(settings.oidc_role_claim))
    roles = [mapping.get(name, name if not mapping else "") for name in names]
    ranked = [role for role in roles if role in _RANKS]
    if not ranked:
        raise ServiceError(
            ErrorCode.FORBIDDEN,
            "Je account bij de gemeente geeft geen toegang als teamleider of beheerder.",
        )
    return max(ranked, key=_RANKS.__getitem__)


def _username(settings: Settings, claims: dict[str, Any]) -> str:
    raw = str(claims.get(settings.oidc_username_claim) or claims["sub"]).strip().lower()
    name = re.sub(r"[^a-z0-9.-]+", "-", raw).strip("-.")[:80]
    if len(name) < 2:
        raise _failed("Je account bij de gemeente heeft geen bruikbare naam.")
    return name


def provision(session: Session, settings: Settings, claims: dict[str, Any]) -> User:
    """Create or update the account the provider vouches for."""
    subject = str(claims["sub"])[:255]
    role = role_from(settings, claims)
    districts = sorted(set(_as_list(claims.get(settings.oidc_districts_claim))))
    if role == "beheerder":
        districts = []
    user = session.exec(select(User).where(User.oidc_subject == subject)).first()
    if user is None:
        username = _username(settings, claims)
        user = accounts.find_user(session, username)
        if user is not None and user.oidc_subject not in (None, subject):
            raise _failed("Er is al een ander account met deze naam.")
        if user is None:
            user = accounts.create_user(
                session,
                username=username,
                display_name=str(claims.get("name") or username)[:120],
                role=role,
                districts=districts,
            )
        user.oidc_subject = subject
    if not user.active:
        raise ServiceError(ErrorCode.FORBIDDEN, "Dit account is uitgeschakeld.")
    assert user.id is not None
    accounts.check_districts(session, role, districts)
    user.role = role
    session.add(user)
    session.execute(delete(UserDistrict).where(col(UserDistrict.user_id) == user.id))
    session.add_all(UserDistrict(user_id=user.id, district_code=code) for code in districts)
    session.flush()
    return user


@dataclass(frozen=True)
class PendingLogin:
    nonce: str
    code_verifier: str


def claim_login(session: Session, state: str) -> PendingLogin:
    """Step 1 of the callback, in its own short transaction: the sign-on the
    state names, claimed once (a replayed callback finds nothing)."""
    login = _take_login(session, state)
    return PendingLogin(nonce=login.nonce, code_verifier=login.code_verifier)


def fetch_claims(
    settings: Settings, *, code: str, login: PendingLogin, redirect_uri: str
) -> dict[str, Any]:
    """Step 2, outside any transaction (it waits on the identity provider): the
    code exchanged for the ID token, and the token checked."""
    provider = discover(settings)
    token = _id_token(settings, provider, code=code, login=login, redirect_uri=redirect_uri)
    return verify_id_token(settings, provider, token, nonce=login.nonce)


def create_handoff(session: Session, user: User) -> str:
    assert user.id is not None
    code = secrets.token_urlsafe(32)
    now = utcnow()
    session.add(
        OidcHandoff(
            code_hash=accounts.sha256_hex(code),
            user_id=user.id,
            created_at=now,
            expires_at=now + HANDOFF_TTL,
        )
    )
    session.flush()
    return code


def redeem_handoff(session: Session, code: str) -> User:
    """The user of a finished sign-on, once, within two minutes."""
    digest = accounts.sha256_hex(code)
    claimed = session.execute(
        update(OidcHandoff)
        .where(
            col(OidcHandoff.code_hash) == digest,
            col(OidcHandoff.used_at).is_(None),
            col(OidcHandoff.expires_at) > utcnow(),
        )
        .values(used_at=utcnow())
        .returning(col(OidcHandoff.user_id))
    ).first()
    user = session.get(User, claimed[0]) if claimed else None
    if user is None or not user.active:
        raise _failed("Deze inlogcode is onbekend, verlopen of al gebruikt. Log opnieuw in.")
    return user
