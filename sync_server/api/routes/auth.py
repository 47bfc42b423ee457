"""Enrolment of phones, password login for browsers, and who-am-I."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel
from sqlmodel import Session

from sync_protocol import EnrollRequest, EnrollResponse, ErrorBody, LoginRequest, UserInfo
from sync_server.api.deps import CurrentCaller, ProtocolDep, ReadSessionDep, SessionDep, SettingsDep
from sync_server.config import Settings
from sync_server.services import accounts

router = APIRouter(prefix="/api/v1/auth", tags=["auth"])

_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorBody},
    401: {"model": ErrorBody},
    422: {"model": ErrorBody},
    429: {"model": ErrorBody},
}


def _client(request: Request) -> str:
    return request.client.host if request.client else "onbekend"


def _now() -> datetime:
    return datetime.now(UTC)


def _count_attempt(session: Session, settings: Settings, keys: list[str]) -> None:
    """Count the attempt, committed, before it is judged: a failure stays counted
    (the rest of the request's transaction rolls back), a success clears the keys
    again."""
    accounts.count_attempt(
        session, keys, limit=settings.throttle_max_failures, window=settings.throttle_window
    )
    session.commit()


@router.post("/enroll", response_model=EnrollResponse, responses=_ERRORS)
def enroll(
    body: EnrollRequest,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    _protocol: ProtocolDep,
) -> EnrollResponse:
    """Exchange a one-time enrolment code for a device token (shown once)."""
    keys = [f"enrol-ip:{_client(request)}"]
    _count_attempt(session, settings, keys)
    issued, user = accounts.enrol_device(session, code=body.code, device_name=body.device_name)
    accounts.clear_failures(session, keys)
    info = accounts.user_info(session, user)
    return EnrollResponse(
        device_id=issued.device.id, token=issued.token, user=info, server_time=_now()
    )


@router.post("/login", response_model=EnrollResponse, responses=_ERRORS)
def login(
    body: LoginRequest, request: Request, session: SessionDep, settings: SettingsDep
) -> EnrollResponse:
    """Password login for team leaders and administrators in a browser."""
    keys = [f"login-user:{body.username.strip().lower()}", f"login-ip:{_client(request)}"]
    _count_attempt(session, settings, keys)
    issued = accounts.login(
        session, username=body.username, password=body.password, device_name=body.device_name
    )
    accounts.clear_failures(session, keys)
    user = accounts.find_user(session, body.username)
    assert user is not None
    info = accounts.user_info(session, user)
    return EnrollResponse(
        device_id=issued.device.id, token=issued.token, user=info, server_time=_now()
    )


@router.post("/logout", status_code=204, responses={401: {"model": ErrorBody}})
def logout(caller: CurrentCaller, session: SessionDep) -> Response:
    """Revoke the calling device's own token."""
    accounts.revoke_device(session, caller.device.id)
    return Response(status_code=204)


class MeResponse(BaseModel):
    user: UserInfo
    device_id: str
    device_name: str


@router.get("/me", response_model=MeResponse, responses={401: {"model": ErrorBody}})
def me(caller: CurrentCaller, session: ReadSessionDep) -> MeResponse:
    """Who this token belongs to: the app shows it and checks its role."""
    info = accounts.user_info(session, caller.user)
    return MeResponse(user=info, device_id=caller.device.id, device_name=caller.device.name)
