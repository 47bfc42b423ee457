"""The base map's tiles on the phone: the URL template the server hands out
(GET /api/v1/map/settings: its caching proxy in front of PDOK's
BRT-Achtergrondkaart), fetched at every sync and kept in a small file next to the
database, so the map knows its tiles offline and the server can change them.

The app setting HANDHAVING_TILE_URL, when set, overrides what the server says
(components/map.py). No template kept (never synced, or a server without tiles):
the map shows its markers on a plain background.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

FILE_NAME = "kaart.json"
PLACEHOLDERS = ("{z}", "{x}", "{y}")


def template_from_reply(server_url: str, reply: dict[str, Any]) -> str | None:
    """The server's template made absolute (it is relative to the server's
    address); ValueError if it is not a tile template."""
    value = reply["tile_url"]
    if value is None:
        return None
    if not isinstance(value, str) or not all(p in value for p in PLACEHOLDERS):
        raise ValueError("tile_url is geen sjabloon met {z}, {x} en {y}")
    absolute = urljoin(server_url.rstrip("/") + "/", value)
    if not absolute.startswith(("http://", "https://")):
        raise ValueError("tile_url is geen http(s)-adres")
    return absolute


def save(folder: Path, server_url: str, reply: dict[str, Any]) -> None:
    """Keep the server's template (written whole or not at all)."""
    template = template_from_reply(server_url, reply)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / FILE_NAME
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps({"tile_url": template}), encoding="utf-8")
    os.replace(temporary, path)


def load(folder: Path) -> str | None:
    """The template kept at the last sync, or None (none kept, or unreadable)."""
    try:
        value = json.loads((folder / FILE_NAME).read_text(encoding="utf-8"))["tile_url"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return value if isinstance(value, str) else None
