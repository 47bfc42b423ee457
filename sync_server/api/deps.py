"""Request dependencies: the database, the settings, and who is calling.

Routes declare what they need as annotated parameters (as in FastAPI's full-stack
template) and never open a session themselves:

* `SessionDep`: one transaction for the request, committed when the route
  returns and rolled back when it raises (a `ServiceError` included), so a
  refused request never leaves a half-written record. The commit happens before
  the response goes out (`scope="function"`): a client that got its answer finds
  the data there.
* `ReadSessionDep`: for lists and pages that only read; on SQLite it does not
  queue behind writers for the write lock (see `db.reader`).
* `TransactionsDep`: for the few routes that need several short transactions
  in one request (sign-on, login throttling): a transaction is committed before
  the route calls the identity provider or judges a password, so no lock is held
  while it waits and a failure stays counted.
* `CurrentCaller`: any valid device token; `TeamLeader`: a teamleider or the
  beheerder (the manager routes); `Beheerder`: the beheerder only.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Header, Request
from sqlalchemy.engine import Engine
from sqlmodel import Session

from sync_protocol import PROTOCOL_HEADER, SUPPORTED_PROTOCOLS, ErrorCode, Role
from sync_server.config import Settings
from sync_server.db import reader, session_scope
from sync_server.errors import ServiceError
from sync_server.models import Device, User
from sync_server.services import accounts, throttle


def get_engine(request: Request) -> Engine:
    engine: Engine = request.app.state.engine
    return engine


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


EngineDep = Annotated[Engine, Depends(get_engine)]
SettingsDep = Annotated[Settings, Depends(get_settings)]


def get_session(engine: EngineDep) -> Iterator[Session]:
    """The request's transaction (see the module's docstring)."""
    with session_scope(engine) as session:
        yield session


def get_read_session(engine: EngineDep) -> Iterator[Session]:
    """A read-only session; nothing it does is committed."""
    with Session(reader(engine)) as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session, scope="function")]
ReadSessionDep = Annotated[Session, Depends(get_read_session, scope="function")]


def get_transactions(engine: EngineDep) -> Callable[[], AbstractContextManager[Session]]:
    """Open a committed-on-exit transaction each time it is called."""
    return lambda: session_scope(engine)


TransactionsDep = Annotated[
    Callable[[], AbstractContextManager[Session]], Depends(get_transactions)
]


def get_read_sessions(engine: EngineDep) -> Callable[[], AbstractContextManager[Session]]:
    """Open a read-only session each time it is called, closed by the caller's
    `with` block, in the route's own thread.

    For the routes every phone calls under load (pull): a session from a
    generator dependency (ReadSessionDep) keeps its connection until FastAPI
    closes it after the route, and FastAPI does that on a thread of the same
    pool the routes run on. With more requests than connections the pool's
    threads can all wait for a connection that only a closing waiting for a
    thread would give back (seen with 200 phones and 8 threads: requests stuck
    until the pool's timeout)."""
    return lambda: Session(reader(engine))


ReadSessionsDep = Annotated[
    Callable[[], AbstractContextManager[Session]], Depends(get_read_sessions)
]


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
    # Its own short transaction, committed whatever the route then does: the
    # device's last-seen time is kept even when the request itself is refused.
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


CurrentCaller = Annotated[Caller, Depends(get_caller)]


def require_roles(*roles: Role) -> Callable[[Caller], Caller]:
    def dependency(caller: CurrentCaller) -> Caller:
        if caller.role not in roles:
            raise ServiceError(
                ErrorCode.FORBIDDEN, "Dit mag alleen een " + " of ".join(roles) + "."
            )
        return caller

    return dependency


TeamLeader = Annotated[Caller, Depends(require_roles(Role.TEAMLEIDER, Role.BEHEERDER))]
Beheerder = Annotated[Caller, Depends(require_roles(Role.BEHEERDER))]
