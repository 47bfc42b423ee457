"""Text that a database can store, and date-times that cannot be misread.

PostgreSQL refuses U+0000 in text, and no database driver can encode a lone
UTF-16 surrogate (U+D800–U+DFFF) as UTF-8; either would fail deep in a write
as a 500. Both sides check with these functions, so such text is refused up
front with a stable code and without repeating it.

A date-time crosses the wire only as an ISO 8601 string with an offset: a
number (epoch seconds) or a time without an offset would be read in some
other year or zone and file a record in the wrong period.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import date, datetime
from typing import Annotated, Any

from pydantic import AwareDatetime, BeforeValidator

# Any character a text column cannot hold.
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
UNSTORABLE_MESSAGE = "tekst bevat een teken dat niet kan worden opgeslagen (zoals U+0000)"

_ISO_WITH_OFFSET = re.compile(
    r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|z|[+-]\d{2}:?\d{2})$"
)
ISO_MESSAGE = "tijdstip moet een ISO 8601-tekst met tijdzone zijn, bijv. 2026-03-01T14:05:00+01:00"


def is_storable(text: str) -> bool:
    return _UNSTORABLE.search(text) is None


def strings_in(value: Any) -> Iterator[str]:
    """Every string in a JSON-like value, dictionary keys included."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            yield item
        elif isinstance(item, dict):
            for key, inner in item.items():
                if isinstance(key, str):
                    yield key
                stack.append(inner)
        elif isinstance(item, list | tuple):
            stack.extend(item)


def all_storable(value: Any) -> bool:
    return all(is_storable(text) for text in strings_in(value))


_SURROGATE = re.compile("[\ud800-\udfff]")
# A validation context saying the whole input was found storable already, so
# the models need not walk their strings again (see `surely_storable`).
TEXT_CHECKED = "text_checked"


def surely_storable(value: Any) -> bool:
    """A fast, one-pass check of a whole JSON-like value (a batch of records):
    True only if no string in it can hold U+0000 or a lone surrogate.

    One `json.dumps` in C and one scan instead of a Python walk over every
    string of every record: that walk was most of a push's validation. U+0000
    appears in the dump as the escape `\\u0000` (a typed backslash followed by
    "u0000" looks the same, which only sends the value down the exact path)."""
    try:
        dumped = json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        return False
    return "\\u0000" not in dumped and _SURROGATE.search(dumped) is None


# In a JSON body such text can only arrive as an escape (\u0000, \ud800…), as a
# NUL byte (not valid JSON, or another encoding than UTF-8), or as the UTF-8
# bytes of a surrogate, which Python's json module lets through.
_UNSTORABLE_IN_JSON = re.compile(rb"\\u(0000|[dD][89a-fA-F][0-9a-fA-F]{2})|\x00|\xed[\xa0-\xbf]")


def surely_storable_json(body: bytes) -> bool:
    """`surely_storable` for a JSON body as it arrived, before it is parsed: one
    scan of its bytes instead of encoding the parsed value again."""
    return _UNSTORABLE_IN_JSON.search(body) is None


def _iso_with_offset(value: Any) -> Any:
    if isinstance(value, datetime):  # built in Python, not read from the wire
        return value
    if not isinstance(value, str) or not _ISO_WITH_OFFSET.match(value.strip()):
        raise ValueError(ISO_MESSAGE)
    return value


# For every date-time in a record or an API body.
IsoDateTime = Annotated[AwareDatetime, BeforeValidator(_iso_with_offset)]


_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _iso_date(value: Any) -> Any:
    if isinstance(value, date):
        return value
    if not isinstance(value, str) or not _ISO_DATE.match(value.strip()):
        raise ValueError("datum moet een ISO 8601-tekst zijn, bijv. 2026-03-01")
    return value


# For every day in an API body: `2026-03-01`, never a number.
IsoDate = Annotated[date, BeforeValidator(_iso_date)]
