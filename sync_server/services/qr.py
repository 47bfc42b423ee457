"""The enrolment QR image: what the phone's camera reads instead of typed text."""

from __future__ import annotations

import io
from pathlib import Path
from urllib.parse import urlencode

import segno


def enrolment_uri(server_url: str, code: str) -> str:
    """`handhaving://koppel?...`: server address and code in one scan."""
    return "handhaving://koppel?" + urlencode({"server": server_url.rstrip("/"), "code": code})


def qr_png(uri: str) -> bytes:
    buffer = io.BytesIO()
    segno.make(uri, error="m").save(buffer, kind="png", scale=8, border=4)
    return buffer.getvalue()


def write_qr_png(uri: str, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(qr_png(uri))
