"""Accounts, phones and blocked logins (issue 11): what a beheerder manages for
everyone and a team leader for the officers of their own districts. The server
enforces that scope; this module only turns its answers into plain values for
the Accounts tab (fieldapp/views/teamleider/accounts.py)."""

from __future__ import annotations

import base64
import io
from dataclasses import dataclass
from typing import Any

from PIL import Image

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
        """The server's QR image redrawn as an RGB JPEG (the way the app's photos
        reach the browser, which draws them): the browser left the server's 1-bit
        PNG blank. Quality 95 keeps the modules' edges sharp enough to scan."""
        image = Image.open(io.BytesIO(base64.b64decode(self.qr_png_base64))).convert("RGB")
        out = io.BytesIO()
        image.save(out, "JPEG", quality=95)
        return out.getvalue()


@dataclass(frozen=True)
class Blocked:
    user_id: int
    username: str
    until: str


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

    def blocked(self) -> list[Blocked]:
        body = self.client.call("GET", "/api/v1/admin/throttled")
        return [
            Blocked(
                user_id=int(a["user_id"]), username=a["username"], until=_when(a["locked_until"])
            )
            for a in body["accounts"]
        ]

    def unlock(self, user_id: int) -> None:
        self.client.call("POST", f"/api/v1/admin/users/{user_id}/unlock")
