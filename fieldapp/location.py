"""Where the officer is: a small interface, because GPS cannot run on this machine.

On a phone the Flet geolocator feeds `LatestPosition` (see components/); tests
and the web demo use a fixed position or none. The store only ever sees a
(lat, lon) pair, so the hotspot list can be sorted nearest first.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True)
class Position:
    lat: float
    lon: float
    accuracy_m: float | None = None
    taken_at: datetime | None = None  # when the fix was made (aware), if the platform says


class LocationProvider(Protocol):
    def current(self) -> Position | None:
        """The latest position, or None when there is no fix (or no permission)."""


class NoLocation:
    def current(self) -> Position | None:
        return None


class FixedLocation:
    def __init__(self, position: Position) -> None:
        self.position = position

    def current(self) -> Position | None:
        return self.position


class LatestPosition:
    """Holds the last position reported by a platform service (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._position: Position | None = None

    def update(self, position: Position | None) -> None:
        with self._lock:
            self._position = position

    def current(self) -> Position | None:
        with self._lock:
            return self._position
