"""Request dependencies: the database, the settings, and who is calling."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Header, Request
from sqlalchemy.engine import Engine
from sqlmodel import Session

from sync_protocol import PROTOCOL_HEADER, SUPPORTED_PROTOCOLS, ErrorCode
from sync_server.config import Settings
from sync_server.db import session_scope
from sync_server.errors import ServiceError
from sync_server.models import Device, User
from sync_server.services import accounts, throttle


def get_engine(request: Request) -> Engine:
    engine: Engine = request.app.state.engine
    return engine


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_session(engine: Annotated[Engine, Depends(get_engine)]) -> Iterator[Session]:
    with session_scope(engine) as session:
        yield session


EngineDep = Annotated[Engine, Depends(get_engine)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
SessionDep = Annotated[Session, Depends(get_session)]


def check_protocol(
    x_protocol_version: Annotated[
        str | None,
        Header(alias=PROTOCOL_HEADER, description="Protocolversie van de app, nu 1."),
    ] = None,
) -> int:
    if x_protocol_version is None:
        raise ServiceError(
            ErrorCode.PROTOCOL_MISSING,
            f"De header {PROTOCOL_HEADER} ontbreekt; deze server spreekt protocol "
            f"{max(SUPPORTED_PROTOCOLS)}.",
        )
    try:
        version = int(x_protocol_version)
    except ValueError:
        version = -1
    if version not in SUPPORTED_PROTOCOLS:
        raise ServiceError(
            ErrorCode.PROTOCOL_UNSUPPORTED,
            "Deze versie van de app wordt niet meer ondersteund door de server. Werk de app bij.",
        )
    return version


ProtocolDep = Annotated[int, Depends(check_protocol)]


def get_client_address(
    request: Request,
    settings: SettingsDep,
    x_forwarded_for: Annotated[str | None, Header(include_in_schema=False)] = None,
) -> str:
    """The caller's address for throttling: X-Forwarded-For only from a trusted proxy."""
    peer = request.client.host if request.client else None
    return throttle.client_address(peer, x_forwarded_for, settings.trusted_proxies)


ClientAddressDep = Annotated[str, Depends(get_client_address)]


@dataclass(frozen=True)
class Caller:
    device: Device
    user: User
    districts: list[str]

    @property
    def role(self) -> str:
        return self.user.role


def get_caller(
    engine: EngineDep,
    settings: SettingsDep,
    authorization: Annotated[str | None, Header(description="`Bearer <apparaattoken>`")] = None,
) -> Caller:
    if not authorization or not authorization.lower().startswith("bearer "):
        raise ServiceError(ErrorCode.TOKEN_MISSING, "Niet ingelogd: het apparaattoken ontbreekt.")
    token = authorization[7:].strip()
    with session_scope(engine) as session:
        device, user = accounts.authenticate(
            session,
            token,
            idle=settings.browser_token_idle,
            lifetime=settings.browser_token_lifetime,
        )
        accounts.touch_device(session, device)
        districts = accounts.user_districts(session, user)
    return Caller(device=device, user=user, districts=districts)


CallerDep = Annotated[Caller, Depends(get_caller)]


def require_roles(*roles: str) -> Callable[[Caller], Caller]:
    def dependency(caller: CallerDep) -> Caller:
        if caller.role not in roles:
            raise ServiceError(
                ErrorCode.FORBIDDEN, "Dit mag alleen een " + " of ".join(roles) + "."
            )
        return caller

    return dependency


ManagerDep = Annotated[Caller, Depends(require_roles("teamleider", "beheerder"))]
BeheerderDep = Annotated[Caller, Depends(require_roles("beheerder"))]
