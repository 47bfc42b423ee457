"""A caching proxy for the map's base tiles.

Phones and the team leader's browser fetch tiles through the server, so the
tiles a phone has seen are on the server (and in its own HTTP cache) when the
network is poor, and only one address has to be reachable from the field. The
upstream is a URL template (default PDOK's BRT-Achtergrondkaart, WebMercator).
A tile is fetched once and then served from the cache folder; when upstream
cannot be reached and the tile is not cached the answer is `tiles_unavailable`,
so the map shows its markers on a plain background.

A map draws its tiles itself and cannot send the device token, so the template
the server hands out (`phone_template`) carries a tile key instead: derived
from the server's secret, the same for every caller, and good for nothing but
these public base-map tiles. Without the key or a token a tile is refused.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import tempfile
from pathlib import Path

import httpx

from sync_protocol import ErrorCode
from sync_server.errors import ServiceError

MAX_ZOOM = 20
MAX_TILE_BYTES = 2 * 1024 * 1024
TIMEOUT_S = 5.0
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
JPEG_MAGIC = b"\xff\xd8\xff"


TILE_PATH = "/api/v1/tiles/{z}/{x}/{y}.png"


def tile_key(secret: bytes) -> str:
    """The key in the handed-out template: a label's HMAC under the server's
    secret, so it is stable across restarts and workers and reveals nothing."""
    return hmac.new(secret, b"handhaving map tiles v1", hashlib.sha256).hexdigest()[:32]


def key_ok(secret: bytes, key: str | None) -> bool:
    # As bytes: compare_digest refuses a str with non-ASCII characters.
    return key is not None and hmac.compare_digest(key.encode(), tile_key(secret).encode())


def phone_template(secret: bytes) -> str:
    """The base map as phones and the team leader's map ask for it: the caching
    proxy on this server (relative: the client knows the server's address)."""
    return f"{TILE_PATH}?key={tile_key(secret)}"


def check_tile(z: int, x: int, y: int) -> None:
    if not 0 <= z <= MAX_ZOOM or not (0 <= x < 2**z and 0 <= y < 2**z):
        raise ServiceError(ErrorCode.NOT_FOUND, "Deze kaarttegel bestaat niet.")


def _path(folder: Path, z: int, x: int, y: int) -> Path:
    return folder / str(z) / str(x) / f"{y}.png"


def tile(folder: Path, template: str, z: int, x: int, y: int) -> bytes:
    """The tile's bytes, from the cache or else from upstream (then cached)."""
    check_tile(z, x, y)
    path = _path(folder, z, x, y)
    if path.exists():
        return path.read_bytes()
    url = template.format(z=z, x=x, y=y)
    try:
        with httpx.Client(timeout=TIMEOUT_S, follow_redirects=True) as client:
            response = client.get(url)
    except httpx.HTTPError as exc:
        raise ServiceError(
            ErrorCode.TILES_UNAVAILABLE, "De kaart is nu niet bereikbaar; probeer het later."
        ) from exc
    content = response.content
    if response.status_code == 404:
        raise ServiceError(ErrorCode.NOT_FOUND, "Deze kaarttegel bestaat niet.")
    if (
        response.status_code != 200
        or len(content) > MAX_TILE_BYTES
        or not content.startswith((PNG_MAGIC, JPEG_MAGIC))
    ):
        raise ServiceError(
            ErrorCode.TILES_UNAVAILABLE, "De kaartserver gaf geen bruikbare tegel terug."
        )
    _write_atomic(path, content)
    return content


def _write_atomic(path: Path, data: bytes) -> None:
    """Written under a temporary name and renamed: a reader never sees half a tile."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tile-")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
