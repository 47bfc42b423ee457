"""Accounts and devices, for the beheerder and (for their own team) the teamleider."""

from __future__ import annotations

import base64
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request, Response
from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from sqlmodel import Session, col, select

from sync_protocol import ErrorBody, ErrorCode, Role, UserInfo
from sync_server.api.deps import Beheerder, ReadSessionDep, SessionDep, SettingsDep, TeamLeader
from sync_server.errors import ServiceError
from sync_server.models import Device, User, UserDistrict
from sync_server.services import accounts, qr, throttle, totp

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


class UserChange(BaseModel):
    """Only the fields sent are changed."""

    model_config = ConfigDict(extra="forbid")

    display_name: Annotated[str, StringConstraints(min_length=1, max_length=120)] | None = None
    role: Role | None = None
    districts: list[Annotated[str, StringConstraints(max_length=40)]] | None = Field(
        default=None, max_length=10
    )
    active: bool | None = None


class AdminUser(UserInfo):
    """A user as the beheerder screens show it: also whether they may work."""

    active: bool


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


def _managed_user(session: Session, caller: TeamLeader, user_id: int) -> User:
    """The user, if this caller manages them; else not_found or forbidden."""
    target = session.get(User, user_id)
    if target is None:
        raise ServiceError(ErrorCode.NOT_FOUND, "Deze gebruiker bestaat niet.")
    if not accounts.can_manage_user(session, caller.user, target):
        raise ServiceError(ErrorCode.FORBIDDEN, "Deze gebruiker valt niet onder jou.")
    return target


def _admin_user(session: Session, user: User) -> AdminUser:
    return AdminUser(**accounts.user_info(session, user).model_dump(), active=user.active)


@router.get("/users", response_model=list[AdminUser], responses=_ERRORS)
def list_users(caller: TeamLeader, session: ReadSessionDep) -> list[AdminUser]:
    """Users this caller manages: all for a beheerder, the own districts' team for a teamleider."""
    visible = _visible_user_ids(session, caller)
    users = session.exec(select(User).order_by(col(User.username))).all()
    return [_admin_user(session, u) for u in users if visible is None or u.id in visible]


@router.post("/users", response_model=AdminUser, status_code=201, responses=_ERRORS)
def create_user(body: NewUser, caller: TeamLeader, session: SessionDep) -> AdminUser:
    """Create an account: any for a beheerder; a teamleider creates officers
    (handhavers) of their own districts."""
    if caller.role != Role.BEHEERDER and (
        body.role != Role.HANDHAVER or not set(body.districts) <= set(caller.districts)
    ):
        raise ServiceError(
            ErrorCode.FORBIDDEN,
            "Een teamleider maakt alleen handhavers aan, in de eigen stadsdelen.",
        )
    user = accounts.create_user(
        session,
        username=body.username,
        display_name=body.display_name,
        role=body.role,
        districts=body.districts,
        password=body.password,
    )
    return _admin_user(session, user)


@router.patch("/users/{user_id}", response_model=AdminUser, responses=_ERRORS)
def change_user(
    user_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
    body: UserChange,
    caller: TeamLeader,
    session: SessionDep,
) -> AdminUser:
    """Change a user's name, role, districts, or switch them off (`active: false`
    also revokes all their devices at once)."""
    target = _managed_user(session, caller, user_id)
    actor = session.get(User, caller.user.id)
    assert actor is not None
    accounts.update_user(
        session,
        actor,
        target,
        display_name=body.display_name,
        role=body.role,
        districts=body.districts,
        active=body.active,
    )
    return _admin_user(session, target)


@router.get("/users/{user_id}/devices", response_model=list[DeviceOut], responses=_ERRORS)
def user_devices(
    user_id: Annotated[int, Path(ge=1, le=2**31 - 1)], caller: TeamLeader, session: ReadSessionDep
) -> list[DeviceOut]:
    """One user's phones and browser sessions, newest first, with their last sync."""
    target = _managed_user(session, caller, user_id)
    devices = session.exec(
        select(Device).where(Device.user_id == target.id).order_by(col(Device.created_at).desc())
    ).all()
    return [_device_out(device, target) for device in devices]


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
    target = _managed_user(session, caller, user_id)
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


# ---------------------------------------------------------------- throttled accounts


class LockedAccount(BaseModel):
    user_id: int
    username: str
    failures: int
    locked_until: datetime


class LockedAddress(BaseModel):
    address: str
    failures: int
    locked_until: datetime


class Throttled(BaseModel):
    accounts: list[LockedAccount]
    addresses: list[LockedAddress]  # the beheerder's view only


class AddressUnlock(BaseModel):
    address: Annotated[str, StringConstraints(min_length=2, max_length=45)]


@router.get("/throttled", response_model=Throttled, responses=_ERRORS)
def list_throttled(caller: TeamLeader, session: ReadSessionDep, settings: SettingsDep) -> Throttled:
    """Accounts (and, for the beheerder, addresses) that are refused logins now."""
    visible = _visible_user_ids(session, caller)
    accounts_out = []
    for lock in throttle.locks(
        session,
        prefix=throttle.LOGIN_USER,
        limit=settings.throttle_max_failures,
        window=settings.throttle_window,
    ):
        user = accounts.find_user(session, lock.name)
        if user is None or user.id is None:
            continue
        if visible is not None and (
            user.id not in visible or not accounts.can_manage_user(session, caller.user, user)
        ):
            continue
        accounts_out.append(
            LockedAccount(
                user_id=user.id,
                username=user.username,
                failures=lock.failures,
                locked_until=lock.until,
            )
        )
    addresses = (
        [
            LockedAddress(address=lock.name, failures=lock.failures, locked_until=lock.until)
            for lock in throttle.locks(
                session,
                prefix=throttle.LOGIN_ADDRESS,
                limit=settings.throttle_max_failures_per_address,
                window=settings.throttle_window,
            )
        ]
        if caller.role == Role.BEHEERDER
        else []
    )
    return Throttled(accounts=accounts_out, addresses=addresses)


@router.post("/users/{user_id}/unlock", status_code=204, responses=_ERRORS)
def unlock_user(
    user_id: Annotated[int, Path(ge=1, le=2**31 - 1)], caller: TeamLeader, session: SessionDep
) -> Response:
    """Clear an account's login failures, so that it can log in again at once."""
    target = _managed_user(session, caller, user_id)
    throttle.clear_failures(session, [throttle.login_user_key(target.username)])
    return Response(status_code=204)


@router.post("/throttled/addresses/unlock", status_code=204, responses=_ERRORS)
def unlock_address(body: AddressUnlock, caller: Beheerder, session: SessionDep) -> Response:
    """Clear an address's login and enrolment failures (beheerder only)."""
    throttle.clear_failures(
        session,
        [
            throttle.LOGIN_ADDRESS + body.address.strip(),
            throttle.ENROL_ADDRESS + body.address.strip(),
        ],
    )
    return Response(status_code=204)


@router.delete("/users/{user_id}/totp", status_code=204, responses=_ERRORS)
def reset_totp(
    user_id: Annotated[int, Path(ge=1, le=2**31 - 1)], caller: TeamLeader, session: SessionDep
) -> Response:
    """Remove a user's lost second factor; they log in with the password alone
    and can enrol a new one."""
    target = _managed_user(session, caller, user_id)
    totp.reset(session, target)
    return Response(status_code=204)
