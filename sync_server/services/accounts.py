"""Accounts, enrolment of phones, and device tokens (throttling: `throttle.py`).

A phone never learns a password: the beheerder (or a teamleider for their own
team) creates a one-time enrolment code, the officer types or scans it, and the
phone gets a device token that can be revoked on its own when the phone is lost.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from sync_protocol import ErrorCode, UserInfo
from sync_server.db import utcnow
from sync_server.errors import ServiceError
from sync_server.models import Device, District, EnrolmentCode, User, UserDistrict
from sync_server.models.accounts import ROLES
from sync_server.services import totp

_hasher = PasswordHasher()
# Enrolment codes: no 0/O, 1/I/L, so that a code read aloud or typed from paper
# survives; 12 characters of 31 give about 59 bits, plenty for 15 minutes with
# throttling.
_CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
TOKEN_PREFIX = "hv1_"
MIN_PASSWORD_LENGTH = 10


def sha256_hex(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def normalise_code(code: str) -> str:
    return "".join(ch for ch in code.upper() if ch.isalnum())


def format_code(code: str) -> str:
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


# ---------------------------------------------------------------- users


def user_districts(session: Session, user: User) -> list[str]:
    rows = session.exec(
        select(UserDistrict.district_code).where(UserDistrict.user_id == user.id)
    ).all()
    return sorted(rows)


def user_info(session: Session, user: User) -> UserInfo:
    assert user.id is not None
    return UserInfo(
        id=user.id,
        username=user.username,
        display_name=user.display_name,
        role=user.role,  # type: ignore[arg-type]
        districts=user_districts(session, user),
    )


def create_user(
    session: Session,
    *,
    username: str,
    display_name: str,
    role: str,
    districts: list[str],
    password: str | None = None,
    is_demo: bool = False,
) -> User:
    username = username.strip().lower()
    if role not in ROLES:
        raise ServiceError(ErrorCode.INVALID_REQUEST, "Onbekende rol.")
    if not username or not username.replace(".", "").replace("-", "").isalnum():
        raise ServiceError(
            ErrorCode.INVALID_REQUEST,
            "Gebruikersnaam mag alleen letters, cijfers, punt en streepje bevatten.",
        )
    if password is not None and len(password) < MIN_PASSWORD_LENGTH:
        raise ServiceError(
            ErrorCode.INVALID_REQUEST,
            f"Wachtwoord moet minstens {MIN_PASSWORD_LENGTH} tekens hebben.",
        )
    check_districts(session, role, districts)
    if session.exec(select(User).where(User.username == username)).first():
        raise ServiceError(ErrorCode.USER_EXISTS, "Deze gebruikersnaam bestaat al.")
    user = User(
        username=username,
        display_name=display_name.strip() or username,
        role=role,
        password_hash=hash_password(password) if password else None,
        is_demo=is_demo,
        created_at=utcnow(),
    )
    session.add(user)
    try:
        session.flush()
    except IntegrityError as exc:  # created by another request since the check above
        raise ServiceError(ErrorCode.USER_EXISTS, "Deze gebruikersnaam bestaat al.") from exc
    assert user.id is not None
    session.add_all(UserDistrict(user_id=user.id, district_code=code) for code in districts)
    session.flush()
    return user


def check_districts(session: Session, role: str, districts: list[str]) -> None:
    """The districts a role needs: one team for a handhaver, one or more for a
    teamleider, none for a beheerder (who sees the whole city)."""
    if role == "handhaver" and len(districts) != 1:
        raise ServiceError(
            ErrorCode.INVALID_REQUEST, "Een handhaver hoort bij precies één stadsdeel."
        )
    if role == "teamleider" and not districts:
        raise ServiceError(
            ErrorCode.INVALID_REQUEST, "Een teamleider hoort bij minstens één stadsdeel."
        )
    if role == "beheerder" and districts:
        raise ServiceError(ErrorCode.INVALID_REQUEST, "Een beheerder hoort niet bij een stadsdeel.")
    known = set(session.exec(select(District.code).where(District.retired == False)).all())  # noqa: E712
    if set(districts) - known:
        raise ServiceError(ErrorCode.UNKNOWN_DISTRICT, "Onbekend stadsdeel.")


def update_user(
    session: Session,
    actor: User,
    target: User,
    *,
    display_name: str | None = None,
    role: str | None = None,
    districts: list[str] | None = None,
    active: bool | None = None,
) -> User:
    """Change a user's name, role, districts or whether they may work at all.

    A teamleider manages only the officers of their own districts, keeps them
    officers, and moves them only between their own districts. Nobody changes
    their own role or switches themselves off: the last beheerder must not lock
    the city out. Switching a user off revokes all their devices at once, so a
    user switched on again enrols and logs in anew.
    """
    assert target.id is not None
    if not can_manage_user(session, actor, target):
        raise ServiceError(ErrorCode.FORBIDDEN, "Deze gebruiker valt niet onder jou.")
    new_role = role if role is not None else target.role
    if role is not None and role not in ROLES:
        raise ServiceError(ErrorCode.INVALID_REQUEST, "Onbekende rol.")
    if actor.id == target.id and (new_role != target.role or active is False):
        raise ServiceError(
            ErrorCode.FORBIDDEN, "Je eigen rol wijzigen of jezelf uitschakelen kan niet."
        )
    new_districts = districts if districts is not None else user_districts(session, target)
    if role is not None and role == "beheerder" and districts is None:
        new_districts = []
    if actor.role != "beheerder":
        if new_role != "handhaver":
            raise ServiceError(ErrorCode.FORBIDDEN, "Een teamleider beheert alleen handhavers.")
        if not set(new_districts) <= set(user_districts(session, actor)):
            raise ServiceError(ErrorCode.FORBIDDEN, "Dit stadsdeel valt niet onder jou.")
    check_districts(session, new_role, new_districts)
    if display_name is not None:
        target.display_name = display_name.strip() or target.username
    target.role = new_role
    if active is not None and active != target.active:
        target.active = active
        if not active:
            now = utcnow()
            session.execute(
                update(Device)
                .where(col(Device.user_id) == target.id, col(Device.revoked_at).is_(None))
                .values(revoked_at=now)
            )
    session.add(target)
    if districts is not None or role is not None:
        session.execute(delete(UserDistrict).where(col(UserDistrict.user_id) == target.id))
        session.add_all(UserDistrict(user_id=target.id, district_code=c) for c in new_districts)
    session.flush()
    return target


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def find_user(session: Session, username: str) -> User | None:
    return session.exec(select(User).where(User.username == username.strip().lower())).first()


# ---------------------------------------------------------------- devices and tokens


@dataclass(frozen=True)
class IssuedToken:
    device: Device
    token: str


def issue_device(session: Session, user: User, *, name: str, kind: str) -> IssuedToken:
    assert user.id is not None
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    device = Device(
        id=str(uuid.uuid4()),
        user_id=user.id,
        name=name.strip()[:80] or kind,
        kind=kind,
        token_hash=sha256_hex(token),
        created_at=utcnow(),
    )
    session.add(device)
    session.flush()
    return IssuedToken(device=device, token=token)


@dataclass(frozen=True)
class NewEnrolmentCode:
    code: str  # shown once, as text and as a QR image
    expires_at: datetime
    user: User


def create_enrolment_code(
    session: Session, *, user: User, ttl: timedelta, created_by: User | None = None
) -> NewEnrolmentCode:
    assert user.id is not None
    if not user.active:
        raise ServiceError(ErrorCode.FORBIDDEN, "Deze gebruiker is uitgeschakeld.")
    code = "".join(secrets.choice(_CODE_ALPHABET) for _ in range(12))
    now = utcnow()
    session.add(
        EnrolmentCode(
            user_id=user.id,
            code_hash=sha256_hex(code),
            created_at=now,
            expires_at=now + ttl,
            created_by=created_by.id if created_by else None,
        )
    )
    session.flush()
    return NewEnrolmentCode(code=format_code(code), expires_at=now + ttl, user=user)


def enrol_device(session: Session, *, code: str, device_name: str) -> tuple[IssuedToken, User]:
    """Exchange a one-time code for a device token. Raises ServiceError on a bad code."""
    row = session.exec(
        select(EnrolmentCode).where(EnrolmentCode.code_hash == sha256_hex(normalise_code(code)))
    ).first()
    if row is None or row.used_at is not None:
        raise ServiceError(
            ErrorCode.ENROLMENT_CODE_INVALID,
            "Deze koppelcode is onbekend of al gebruikt. Vraag je teamleider om een nieuwe code.",
        )
    if row.expires_at <= utcnow():
        raise ServiceError(
            ErrorCode.ENROLMENT_CODE_EXPIRED,
            "Deze koppelcode is verlopen. Vraag je teamleider om een nieuwe code.",
        )
    user = session.get(User, row.user_id)
    if user is None or not user.active:
        raise ServiceError(ErrorCode.ENROLMENT_CODE_INVALID, "Deze koppelcode is niet meer geldig.")
    # Claim the code in one conditional update: two phones sending it at the same
    # moment both pass the check above, but only one update finds it unused.
    claimed = session.execute(
        update(EnrolmentCode)
        .where(col(EnrolmentCode.id) == row.id, col(EnrolmentCode.used_at).is_(None))
        .values(used_at=utcnow())
        .returning(col(EnrolmentCode.id))
    ).first()
    if claimed is None:
        raise ServiceError(
            ErrorCode.ENROLMENT_CODE_INVALID,
            "Deze koppelcode is onbekend of al gebruikt. Vraag je teamleider om een nieuwe code.",
        )
    return issue_device(session, user, name=device_name, kind="phone"), user


def login(
    session: Session,
    *,
    username: str,
    password: str,
    device_name: str,
    totp_code: str | None = None,
    totp_key: bytes | None = None,
) -> IssuedToken:
    """A browser token for a right password (and, if the user has one, a right
    second-factor code; `totp_key` None skips that check, for the CLI)."""
    user = find_user(session, username)
    ok = False
    if user is not None and user.active and user.password_hash:
        try:
            ok = _hasher.verify(user.password_hash, password)
        except (VerificationError, InvalidHashError):
            ok = False
    else:
        # Spend the same time on an unknown user, so timing does not reveal names.
        with suppress(VerificationError, InvalidHashError):
            _hasher.verify(_dummy_hash(), password)
    if not ok or user is None:
        raise ServiceError(ErrorCode.LOGIN_FAILED, "Gebruikersnaam of wachtwoord klopt niet.")
    if user.role == "handhaver":
        # Officers work with an enrolled phone whose token can be revoked on its own;
        # a password session would be a second, unmanaged way in.
        raise ServiceError(
            ErrorCode.FORBIDDEN,
            "Handhavers koppelen hun telefoon met een koppelcode. Inloggen met een wachtwoord "
            "is voor teamleiders en beheerders.",
        )
    if totp_key is not None:
        totp.check_login(session, user, totp_code, server_key=totp_key)
    return issue_device(session, user, name=device_name, kind=BROWSER)


@cache
def _dummy_hash() -> str:
    """Made on first use: hashing at import would slow every CLI command."""
    return _hasher.hash("not-a-real-password")


BROWSER = "browser"


def authenticate(
    session: Session,
    token: str,
    *,
    idle: timedelta | None = None,
    lifetime: timedelta | None = None,
) -> tuple[Device, User]:
    """The device and user of a token, or a ServiceError saying why not.

    A browser's token (a team leader's or beheerder's session) also ends after
    `idle` without a call and `lifetime` after login: such a session is often on
    a shared desk. A phone's token lives until it is revoked: the phone is locked
    with a PIN, and an officer in the field must not be logged out mid-shift.
    """
    # Device and user in one query: this runs before every request of every phone.
    found = session.exec(
        select(Device, User)
        .outerjoin(User, col(User.id) == col(Device.user_id))
        .where(Device.token_hash == sha256_hex(token))
    ).first()
    device, user = found if found is not None else (None, None)
    if device is None:
        raise ServiceError(
            ErrorCode.TOKEN_INVALID, "Dit apparaat is niet (meer) bekend. Koppel het opnieuw."
        )
    if device.revoked_at is not None:
        raise ServiceError(
            ErrorCode.TOKEN_REVOKED,
            "De koppeling van dit apparaat is ingetrokken. Koppel het opnieuw.",
        )
    if device.kind == BROWSER:
        now = utcnow()
        last_seen = device.last_seen_at or device.created_at
        if (lifetime is not None and now - device.created_at > lifetime) or (
            idle is not None and now - last_seen > idle
        ):
            raise ServiceError(ErrorCode.TOKEN_EXPIRED, "Je sessie is verlopen. Log opnieuw in.")
    if user is None or not user.active:
        raise ServiceError(ErrorCode.TOKEN_REVOKED, "Deze gebruiker is uitgeschakeld.")
    return device, user


def touch_device(session: Session, device: Device, *, synced: bool = False) -> None:
    now = utcnow()
    # Writing last_seen on every call would turn every read into a write; a
    # minute's precision is enough to see which phones are alive.
    if device.last_seen_at is None or now - device.last_seen_at > timedelta(minutes=1) or synced:
        device.last_seen_at = now
        if synced:
            device.last_sync_at = now
        session.add(device)


def revoke_device(session: Session, device_id: str) -> Device:
    device = session.get(Device, device_id)
    if device is None:
        raise ServiceError(ErrorCode.NOT_FOUND, "Dit apparaat bestaat niet.")
    if device.revoked_at is None:
        device.revoked_at = utcnow()
        session.add(device)
    return device


def can_manage_user(session: Session, actor: User, target: User) -> bool:
    """A beheerder manages everyone; a teamleider the officers of their districts."""
    if actor.role == "beheerder":
        return True
    if actor.role == "teamleider" and target.role == "handhaver":
        return bool(set(user_districts(session, target)) & set(user_districts(session, actor)))
    return False
