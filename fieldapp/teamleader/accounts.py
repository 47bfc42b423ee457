"""Accounts, phones and blocked logins (issue 11): what a beheerder manages for
everyone and a team leader for the officers of their own districts. The server
enforces that scope; this module only turns its answers into plain values for
the Accounts tab (fieldapp/views/teamleider/accounts.py)."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any

from fieldapp.http_client import SyncError
from fieldapp.teamleader.client import TeamLeader
from fieldapp.teamleader.review import local_time

ROLES = {"handhaver": "Handhaver", "teamleider": "Teamleider", "beheerder": "Beheerder"}


@dataclass(frozen=True)
class Account:
    id: int
    username: str
    display_name: str
    role: str
    districts: tuple[str, ...]
    active: bool

    @property
    def summary(self) -> str:
        where = ", ".join(d.capitalize() for d in self.districts) or "geen stadsdeel"
        state = "" if self.active else " · uitgeschakeld"
        return f"{ROLES.get(self.role, self.role)} · {where}{state}"


@dataclass(frozen=True)
class Phone:
    id: str
    name: str
    kind: str
    last_sync: str  # Dutch text: when it last synced, or "nooit"
    revoked: bool


@dataclass(frozen=True)
class EnrolmentCode:
    code: str
    qr_png_base64: str
    expires: str
    display_name: str

    @property
    def qr_image(self) -> bytes:
        """The server's PNG as it is: the browser draws it (once decoded, a frame
        or more after the card; a screenshot taken sooner shows a blank square)."""
        return base64.b64decode(self.qr_png_base64)


@dataclass(frozen=True)
class Blocked:
    user_id: int
    username: str
    until: str


@dataclass(frozen=True)
class BlockedAddress:
    """An address refused logins (one office behind NAT, say): the beheerder's view."""

    address: str
    failures: int
    until: str


@dataclass(frozen=True)
class Throttled:
    accounts: list[Blocked]
    addresses: list[BlockedAddress]


@dataclass(frozen=True)
class TotpSetup:
    """A second factor waiting for its first code: the secret as text and as QR."""

    secret: str
    otpauth_uri: str
    qr_png_base64: str

    @property
    def qr_image(self) -> bytes:
        return base64.b64decode(self.qr_png_base64)


def parse_districts(text: str) -> list[str]:
    """Districts typed with commas ("Noord, oost") as the server's codes."""
    return [d.strip().lower() for d in text.split(",") if d.strip()]


def _when(value: Any) -> str:
    return local_time(value) if value else "nooit"


class Accounts:
    """The admin calls, with the session's token (through TeamLeader)."""

    def __init__(self, client: TeamLeader) -> None:
        self.client = client

    def users(self) -> list[Account]:
        return [
            Account(
                id=int(u["id"]),
                username=u["username"],
                display_name=u["display_name"],
                role=u["role"],
                districts=tuple(u["districts"]),
                active=bool(u["active"]),
            )
            for u in self.client.call("GET", "/api/v1/admin/users")
        ]

    def create(self, username: str, display_name: str, role: str, districts: list[str]) -> None:
        self.client.call(
            "POST",
            "/api/v1/admin/users",
            json={
                "username": username.strip(),
                "display_name": display_name.strip(),
                "role": role,
                "districts": districts,
            },
        )

    def change(self, user_id: int, **change: Any) -> None:
        self.client.call("PATCH", f"/api/v1/admin/users/{user_id}", json=change)

    def reassign(self, user_id: int, role: str, districts: list[str]) -> None:
        """A new role and districts (a beheerder belongs to none: the whole city).
        The server refuses, in Dutch, what the caller may not assign."""
        if role not in ROLES:
            raise SyncError("invalid", "Kies een rol.")
        self.change(user_id, role=role, districts=[] if role == "beheerder" else districts)

    def phones(self, user_id: int) -> list[Phone]:
        return [
            Phone(
                id=d["id"],
                name=d["name"],
                kind=d["kind"],
                last_sync=_when(d["last_sync_at"]),
                revoked=d["revoked_at"] is not None,
            )
            for d in self.client.call("GET", f"/api/v1/admin/users/{user_id}/devices")
        ]

    def revoke(self, device_id: str) -> None:
        self.client.call("POST", f"/api/v1/admin/devices/{device_id}/revoke")

    def enrolment_code(self, user_id: int) -> EnrolmentCode:
        body = self.client.call("POST", f"/api/v1/admin/users/{user_id}/enrolment-codes")
        return EnrolmentCode(
            code=body["code"],
            qr_png_base64=body["qr_png_base64"],
            expires=local_time(body["expires_at"]),
            display_name=body["user"]["display_name"],
        )

    def unsynced(self) -> list[str]:
        """Phones not synced for a day, as lines (name, phone, last sync)."""
        return [
            f"{d['display_name']} · {d['device_name']} · laatst: {_when(d['last_sync_at'])}"
            for d in self.client.call("GET", "/api/v1/devices/unsynced")
        ]

    def blocked(self) -> Throttled:
        """Accounts (and, for the beheerder, addresses) refused logins right now."""
        body = self.client.call("GET", "/api/v1/admin/throttled")
        return Throttled(
            accounts=[
                Blocked(
                    user_id=int(a["user_id"]),
                    username=a["username"],
                    until=_when(a["locked_until"]),
                )
                for a in body["accounts"]
            ],
            addresses=[
                BlockedAddress(
                    address=a["address"],
                    failures=int(a["failures"]),
                    until=_when(a["locked_until"]),
                )
                for a in body.get("addresses", [])
            ],
        )

    def unlock(self, user_id: int) -> None:
        self.client.call("POST", f"/api/v1/admin/users/{user_id}/unlock")

    def unlock_address(self, address: str) -> None:
        self.client.call(
            "POST", "/api/v1/admin/throttled/addresses/unlock", json={"address": address}
        )

    def reset_second_factor(self, user_id: int) -> None:
        """Remove a user's lost authenticator; they log in with the password alone."""
        self.client.call("DELETE", f"/api/v1/admin/users/{user_id}/totp")

    # -------------------------------------------------- the caller's own second factor

    def start_second_factor(self) -> TotpSetup:
        body = self.client.call("POST", "/api/v1/auth/totp")
        return TotpSetup(
            secret=body["secret"],
            otpauth_uri=body["otpauth_uri"],
            qr_png_base64=body["qr_png_base64"],
        )

    def confirm_second_factor(self, code: str) -> None:
        """Switch the second factor on with the app's first code (refused in Dutch)."""
        code = code.strip().replace(" ", "")
        if not (len(code) == 6 and code.isdigit()):
            raise SyncError("invalid", "Typ de 6 cijfers uit je authenticator-app.")
        self.client.call("POST", "/api/v1/auth/totp/confirm", json={"code": code})
