"""Record ids made on the phone: UUIDv7, sortable by creation time, no coordination.

The server's unique key on this id is what makes a re-sent record harmless.
"""

from __future__ import annotations

import os
import time
import uuid


def new_record_id(now_ms: int | None = None) -> str:
    millis = int(time.time() * 1000) if now_ms is None else now_ms
    rand = int.from_bytes(os.urandom(10), "big")
    value = (
        ((millis & (2**48 - 1)) << 80)
        | (0x7 << 76)
        | (((rand >> 62) & 0xFFF) << 64)
        | (0b10 << 62)
        | (rand & (2**62 - 1))
    )
    return str(uuid.UUID(int=value))
