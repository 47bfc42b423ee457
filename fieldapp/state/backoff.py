"""When the background loop tries the server again: soon while things work,
further apart after each failure, and never all phones at the same moment.

After an outage every phone would otherwise retry on the same fixed beat and hit
the server together; a random share of each wait (jitter) spreads them out. A
returning connection (the platform says so) resets the wait: try at once."""

from __future__ import annotations

import random
import threading
from collections.abc import Callable

AUTO_SYNC_SECONDS = 20.0  # while all is well
MAX_BACKOFF_SECONDS = 15 * 60.0


class Backoff:
    """Consecutive failures and the wait they give, thread-safe."""

    def __init__(
        self,
        base_seconds: float,
        *,
        cap_seconds: float = MAX_BACKOFF_SECONDS,
        rand: Callable[[], float] = random.random,
    ) -> None:
        self.base_seconds, self.cap_seconds = base_seconds, cap_seconds
        self._rand = rand
        self._lock = threading.Lock()
        self.failures = 0

    def failed(self) -> None:
        with self._lock:
            self.failures += 1

    def succeeded(self) -> None:
        with self._lock:
            self.failures = 0

    reset = succeeded  # the connection came back: start over

    def delay(self) -> float:
        """Seconds until the next try: the base while all is well (with up to 10%
        jitter), then doubling per failure up to the cap, of which a random half
        to all is waited ("equal jitter": never 0, never in lockstep)."""
        with self._lock:
            failures = self.failures
        if failures == 0:
            return self.base_seconds * (0.9 + 0.1 * self._rand())
        ceiling = min(self.cap_seconds, self.base_seconds * 2 ** min(failures, 30))
        return ceiling / 2 + (ceiling / 2) * self._rand()
