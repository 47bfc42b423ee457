"""Accounts and devices, for the beheerder and (for their own team) the teamleider."""

from __future__ import annotations

import base64
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from pydantic import BaseModel, Field, StringConstraints
from sqlmodel import Session, col, select

from sync_protocol import ErrorBody, ErrorCode, Role, UserInfo
from sync_server.api.deps import Beheerder, ReadSessionDep, SessionDep, SettingsDep, TeamLeader
from sync_server.errors import ServiceError
from sync_server.models import Device, User, UserDistrict
from sync_server.services import accounts, qr

router = APIRouter(prefix="/api/v1/admin", tags=["admin"])

_ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorBody} for status in (401, 403, 404, 409, 422)
}


class NewUser(BaseModel):
    username: Annotated[str, StringConstraints(min_length=2, max_length=80)]
    display_name: Annotated[str, StringConstraints(min_length=1, max_length=120)]
    role: Role
    districts: list[Annotated[str, StringConstraints(max_length=40)]] = Field(
        default_factory=list, max_length=10
    )
    password: Annotated[str, StringConstraints(min_length=10, max_length=200)] | None = None


class EnrolmentCodeOut(BaseModel):
    code: str
    expires_at: datetime
    enrol_uri: str
    qr_png_base64: str
    user: UserInfo


class DeviceOut(BaseModel):
    id: str
    user_id: int
    username: str
    name: str
    kind: str
    created_at: datetime
    last_seen_at: datetime | None
    last_sync_at: datetime | None
    revoked_at: datetime | None


def _visible_user_ids(session: Session, caller: TeamLeader) -> set[int] | None:
    """None means all users (beheerder)."""
    if caller.role == Role.BEHEERDER:
        return None
    rows = session.exec(
        select(UserDistrict.user_id).where(col(UserDistrict.district_code).in_(caller.districts))
    ).all()
    return set(rows)


@router.get("/users", response_model=list[UserInfo], responses=_ERRORS)
def list_users(caller: TeamLeader, session: ReadSessionDep) -> list[UserInfo]:
    """Users this caller manages: all for a beheerder, the own districts' team for a teamleider."""
    visible = _visible_user_ids(session, caller)
    users = session.exec(select(User).order_by(col(User.username))).all()
    return [accounts.user_info(session, u) for u in users if visible is None or u.id in visible]


@router.post("/users", response_model=UserInfo, status_code=201, responses=_ERRORS)
def create_user(body: NewUser, caller: Beheerder, session: SessionDep) -> UserInfo:
    """Create an account (beheerder only)."""
    user = accounts.create_user(
        session,
        username=body.username,
        display_name=body.display_name,
        role=body.role,
        districts=body.districts,
        password=body.password,
    )
    return accounts.user_info(session, user)


@router.post(
    "/users/{user_id}/enrolment-codes",
    response_model=EnrolmentCodeOut,
    status_code=201,
    responses=_ERRORS,
)
def new_enrolment_code(
    user_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
    request: Request,
    caller: TeamLeader,
    session: SessionDep,
    settings: SettingsDep,
) -> EnrolmentCodeOut:
    """A one-time code (and QR image) with which the user's phone gets its token."""
    target = session.get(User, user_id)
    if target is None:
        raise ServiceError(ErrorCode.NOT_FOUND, "Deze gebruiker bestaat niet.")
    if not accounts.can_manage_user(session, caller.user, target):
        raise ServiceError(ErrorCode.FORBIDDEN, "Deze gebruiker valt niet onder jou.")
    new = accounts.create_enrolment_code(
        session, user=target, ttl=settings.enrolment_code_ttl, created_by=caller.user
    )
    info = accounts.user_info(session, target)
    uri = qr.enrolment_uri(str(request.base_url), new.code)
    return EnrolmentCodeOut(
        code=new.code,
        expires_at=new.expires_at,
        enrol_uri=uri,
        qr_png_base64=base64.b64encode(qr.qr_png(uri)).decode(),
        user=info,
    )


def _device_out(device: Device, user: User) -> DeviceOut:
    assert user.id is not None
    return DeviceOut(
        id=device.id,
        user_id=user.id,
        username=user.username,
        name=device.name,
        kind=device.kind,
        created_at=device.created_at,
        last_seen_at=device.last_seen_at,
        last_sync_at=device.last_sync_at,
        revoked_at=device.revoked_at,
    )


@router.get("/devices", response_model=list[DeviceOut], responses=_ERRORS)
def list_devices(caller: TeamLeader, session: ReadSessionDep) -> list[DeviceOut]:
    """Devices of the users this caller manages, newest first."""
    visible = _visible_user_ids(session, caller)
    rows = session.exec(
        select(Device, User)
        .where(Device.user_id == User.id)
        .order_by(col(Device.created_at).desc())
    ).all()
    return [_device_out(d, u) for d, u in rows if visible is None or u.id in visible]


@router.post("/devices/{device_id}/revoke", response_model=DeviceOut, responses=_ERRORS)
def revoke_device(
    device_id: Annotated[str, Path(max_length=36)],
    caller: TeamLeader,
    session: SessionDep,
) -> DeviceOut:
    """Revoke a lost or replaced phone; its token stops working at once."""
    device = session.get(Device, device_id)
    user = session.get(User, device.user_id) if device else None
    if device is None or user is None:
        raise ServiceError(ErrorCode.NOT_FOUND, "Dit apparaat bestaat niet.")
    if user.id != caller.user.id and not accounts.can_manage_user(session, caller.user, user):
        raise ServiceError(ErrorCode.FORBIDDEN, "Dit apparaat valt niet onder jou.")
    accounts.revoke_device(session, device_id)
    return _device_out(device, user)
