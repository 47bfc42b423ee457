"""An optional second factor for password login: time-based one-time codes.

A team leader or beheerder enrols an authenticator app by scanning the otpauth
URI (as a QR image), then confirms with a first code; from then on a password
login also needs a current code. The secret is kept encrypted (AES-GCM, with a
key derived from the server's configured key), because unlike a password it
must be read back to check a code. A code is accepted once: the time step used
last is stored, so a code seen over someone's shoulder cannot be replayed.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from dataclasses import dataclass

import pyotp
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import or_, update
from sqlmodel import Session, col

from sync_protocol import ErrorCode
from sync_server.db import utcnow
from sync_server.errors import ServiceError
from sync_server.models import User

# One step before and after the current one: a phone clock half a minute off.
VALID_WINDOW = 1
_STEP = 30


def _key(server_key: bytes) -> bytes:
    return hmac.new(server_key, b"handhaving totp secret v1", hashlib.sha256).digest()


def _seal(secret: str, server_key: bytes) -> str:
    nonce = os.urandom(12)
    sealed = AESGCM(_key(server_key)).encrypt(nonce, secret.encode(), b"totp")
    return base64.urlsafe_b64encode(nonce + sealed).decode()


def _open(stored: str, server_key: bytes) -> str:
    raw = base64.urlsafe_b64decode(stored.encode())
    try:
        return AESGCM(_key(server_key)).decrypt(raw[:12], raw[12:], b"totp").decode()
    except InvalidTag as exc:  # the configured key changed
        raise ServiceError(
            ErrorCode.SECOND_FACTOR_FAILED,
            "De tweede factor kan niet worden gecontroleerd. Vraag de beheerder hem te herstellen.",
        ) from exc


@dataclass(frozen=True)
class TotpEnrolment:
    secret: str  # base32, for typing into an app that cannot scan
    uri: str  # otpauth://totp/...


def start_enrolment(
    session: Session, user: User, *, server_key: bytes, issuer: str
) -> TotpEnrolment:
    """A new secret, pending until confirmed; refused while one is in use."""
    if user.totp_enabled_at is not None:
        raise ServiceError(
            ErrorCode.CONFLICT,
            "Er is al een tweede factor ingesteld. Vraag de beheerder die eerst te herstellen.",
        )
    secret = pyotp.random_base32()
    user.totp_secret = _seal(secret, server_key)
    user.totp_last_step = None
    session.add(user)
    uri = pyotp.TOTP(secret).provisioning_uri(name=user.username, issuer_name=issuer)
    return TotpEnrolment(secret=secret, uri=uri)


def _accept(session: Session, user: User, code: str, server_key: bytes) -> bool:
    """Is this a current code not used before? Claims its time step if so, in one
    conditional update: two logins sending the same code at once get one success."""
    if user.totp_secret is None or not code.isdigit() or len(code) != 6:
        return False
    totp = pyotp.TOTP(_open(user.totp_secret, server_key))
    step = int(utcnow().timestamp()) // _STEP
    for candidate in range(step - VALID_WINDOW, step + VALID_WINDOW + 1):
        if not hmac.compare_digest(totp.at(candidate * _STEP), code):
            continue
        last = col(User.totp_last_step)
        claimed = session.execute(
            update(User)
            .where(col(User.id) == user.id, or_(last.is_(None), last < candidate))
            .values(totp_last_step=candidate)
            .returning(col(User.id))
        ).first()
        if claimed is None:
            return False
        session.refresh(user)
        return True
    return False


def confirm(session: Session, user: User, code: str, *, server_key: bytes) -> None:
    if user.totp_secret is None or user.totp_enabled_at is not None:
        raise ServiceError(ErrorCode.CONFLICT, "Er wacht geen tweede factor op bevestiging.")
    if not _accept(session, user, code, server_key):
        raise ServiceError(ErrorCode.SECOND_FACTOR_FAILED, "Deze code klopt niet.")
    user.totp_enabled_at = utcnow()
    session.add(user)


def check_login(session: Session, user: User, code: str | None, *, server_key: bytes) -> None:
    """After a correct password: a user with a second factor also needs a code."""
    if user.totp_enabled_at is None:
        return
    if not code:
        raise ServiceError(
            ErrorCode.SECOND_FACTOR_REQUIRED,
            "Typ ook de code uit je authenticator-app.",
        )
    if not _accept(session, user, code, server_key):
        raise ServiceError(ErrorCode.SECOND_FACTOR_FAILED, "Deze code klopt niet.")
    session.add(user)


def reset(session: Session, user: User) -> None:
    """The beheerder removes a lost second factor; the user enrols again."""
    user.totp_secret = None
    user.totp_enabled_at = None
    user.totp_last_step = None
    session.add(user)
