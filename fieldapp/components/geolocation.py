"""Feeds the platform's position (flet-geolocator) into fieldapp.location.LatestPosition.

On a phone this asks for permission once and then follows the position while
the app runs. In a browser it uses the browser's geolocation when the user
allows it; without permission, or where the extension is missing, the position
simply stays unknown (forms then ask for a focus location). Nothing here may
break the app: every failure is caught and ignored.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import flet as ft

from fieldapp.location import LatestPosition, Position

log = logging.getLogger(__name__)

GRANTED = ("whileInUse", "always", "unableToDetermine")


def _position(raw: Any) -> Position | None:
    lat, lon = getattr(raw, "latitude", None), getattr(raw, "longitude", None)
    if lat is None or lon is None:
        return None
    accuracy = getattr(raw, "accuracy", None)
    return Position(
        float(lat),
        float(lon),
        float(accuracy) if accuracy is not None else None,
        datetime.now(UTC),  # heard now: the age shown on a form counts from here
    )


def start_geolocation(
    page: ft.Page, latest: LatestPosition, on_update: Callable[[], None] | None = None
) -> bool:
    """Start following the position; False when the platform has no geolocator."""
    try:
        import flet_geolocator as ftg
    except ImportError:
        return False

    def store(raw: Any) -> None:
        position = _position(raw)
        if position is not None:
            latest.update(position)
            if on_update is not None:
                on_update()

    def position_changed(e: Any) -> None:
        store(getattr(e, "position", None))

    try:
        geo = ftg.Geolocator(
            configuration=ftg.GeolocatorConfiguration(
                accuracy=ftg.GeolocatorPositionAccuracy.HIGH, distance_filter=10
            ),
            on_position_change=position_changed,
            on_error=lambda e: log.info("geolocator: %s", getattr(e, "data", e)),
        )
    except Exception:  # no page context, or the extension cannot start here
        log.info("geolocator unavailable", exc_info=True)
        return False

    async def first_fix() -> None:
        try:
            status = await asyncio.wait_for(geo.get_permission_status(), 10)
            if getattr(status, "value", status) not in GRANTED:
                status = await asyncio.wait_for(geo.request_permission(), 60)
            if getattr(status, "value", status) not in GRANTED:
                return
            store(await asyncio.wait_for(geo.get_current_position(), 30))
        except Exception:  # denied, timed out, unsupported: the position stays unknown
            log.info("no position", exc_info=True)

    try:
        page.run_task(first_fix)
    except Exception:
        return False
    return True
