"""Request and reply bodies of the sync API."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, Strict, StringConstraints

from sync_protocol.entities import Change
from sync_protocol.enums import Role
from sync_protocol.errors import ErrorCode
from sync_protocol.version import PROTOCOL_VERSION


class _Message(BaseModel):
    model_config = ConfigDict(extra="forbid")


class UserInfo(_Message):
    id: int
    username: str
    display_name: str
    role: Role
    districts: list[str]


class EnrollRequest(_Message):
    code: Annotated[str, Strict(), StringConstraints(min_length=4, max_length=40)]
    device_name: Annotated[str, Strict(), StringConstraints(min_length=1, max_length=80)] = (
        "telefoon"
    )


class EnrollResponse(_Message):
    protocol: int = PROTOCOL_VERSION
    device_id: str
    token: str
    user: UserInfo
    server_time: datetime


class LoginRequest(_Message):
    username: Annotated[str, Strict(), StringConstraints(min_length=1, max_length=80)]
    password: Annotated[str, Strict(), StringConstraints(min_length=1, max_length=200)]
    device_name: Annotated[str, Strict(), StringConstraints(min_length=1, max_length=80)] = (
        "browser"
    )
    # The authenticator app's code, for a user who has a second factor.
    totp_code: Annotated[str, Strict(), StringConstraints(pattern=r"^[0-9]{6}$")] | None = None


class PushRequest(_Message):
    """A batch of records. Items are validated one by one by the server, so
    that one bad record is rejected with a reason and the others still land."""

    protocol: Annotated[int, Strict()]
    device_id: Annotated[str, Strict(), StringConstraints(max_length=64)]
    records: list[Any]


class PushStatus(StrEnum):
    ACCEPTED = "accepted"
    CONFLICT = "conflict"
    REJECTED = "rejected"


class PushItemResult(_Message):
    index: int
    id: str | None
    version: int | None
    status: PushStatus
    code: ErrorCode | None = None
    message: str | None = None
    server_copy: dict[str, Any] | None = None
    # What the server adds for the officer: the yellow card's number for this
    # youth and the next step; empty for most kinds.
    outcome: dict[str, Any] = Field(default_factory=dict)


class PushResponse(_Message):
    protocol: int = PROTOCOL_VERSION
    results: list[PushItemResult]
    server_time: datetime


class PullPage(_Message):
    """A page of changes after the device's cursor (typed per entity in
    sync_protocol/entities.py); the phone applies it and `next_since` together."""

    protocol: int = PROTOCOL_VERSION
    changes: list[Change]
    next_since: int
    more: bool
    server_time: datetime
