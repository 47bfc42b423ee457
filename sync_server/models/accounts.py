"""Officers, team leaders, administrators, and the devices they use.

Secrets are stored only as hashes: passwords with argon2, device tokens and
enrolment codes with SHA-256 (they are long random strings, so a fast hash is
enough, and it lets the server find a token by its hash in one indexed look-up).
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from sync_protocol.enums import Role

ROLES = tuple(Role)  # kept for the account checks; the definition is Role


class User(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(unique=True, index=True, max_length=80)
    display_name: str = Field(max_length=120)
    role: str = Field(max_length=20)
    password_hash: str | None = Field(default=None, max_length=200)
    active: bool = True
    is_demo: bool = False
    created_at: datetime
    # Optional second factor for password login: the TOTP secret, encrypted with
    # a key from configuration; enabled once the user has confirmed a first code.
    # The last time step used, so that a code works only once.
    totp_secret: str | None = Field(default=None, max_length=200)
    totp_enabled_at: datetime | None = None
    totp_last_step: int | None = None
    # The identity provider's subject (`sub`) of a user who signs in with SSO.
    oidc_subject: str | None = Field(default=None, unique=True, index=True, max_length=255)


class UserDistrict(SQLModel, table=True):
    """A handhaver belongs to one district team; a teamleider to one or more."""

    user_id: int = Field(foreign_key="user.id", primary_key=True)
    district_code: str = Field(foreign_key="district.code", primary_key=True, max_length=40)


class EnrolmentCode(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    code_hash: str = Field(unique=True, max_length=64)
    created_at: datetime
    expires_at: datetime
    used_at: datetime | None = None
    created_by: int | None = Field(default=None, foreign_key="user.id")


class Device(SQLModel, table=True):
    """A phone (enrolled with a code) or a browser session (logged in with a password)."""

    id: str = Field(primary_key=True, max_length=36)
    user_id: int = Field(foreign_key="user.id", index=True)
    name: str = Field(max_length=80)
    kind: str = Field(default="phone", max_length=20)
    token_hash: str = Field(unique=True, max_length=64)
    created_at: datetime
    last_seen_at: datetime | None = None
    last_sync_at: datetime | None = None
    revoked_at: datetime | None = None


class AuthFailure(SQLModel, table=True):
    """Failed logins and enrolments per key (user name or client address), in the
    database so that every server process throttles the same attacker."""

    key: str = Field(primary_key=True, max_length=200)
    window_start: datetime
    failures: int = 0


class OidcLogin(SQLModel, table=True):
    """A single sign-on under way: what the callback must find again (the state
    sent to the identity provider, the nonce in its ID token, the PKCE verifier).
    In the database, so that any server process can take the callback."""

    state: str = Field(primary_key=True, max_length=64)
    nonce: str = Field(max_length=64)
    code_verifier: str = Field(max_length=128)
    created_at: datetime


class OidcHandoff(SQLModel, table=True):
    """A one-time code with which the app's browser session fetches the token of a
    finished single sign-on; the token never travels in an address."""

    code_hash: str = Field(primary_key=True, max_length=64)
    user_id: int = Field(foreign_key="user.id")
    created_at: datetime
    expires_at: datetime
    used_at: datetime | None = None
