"""What the officer hears about an entry that cannot be saved (or changed) as it is.

The wire format's own rules (sync_protocol/records.py) check every entry before
it is saved; their pydantic errors are translated here to short Dutch messages
per field, so the form can show them beside the field.
"""

from __future__ import annotations

from pydantic import ValidationError

from fieldapp.labels import FIELD_LABELS


class EntryInvalid(ValueError):
    """An entry the officer must correct; `problems` maps a field to a Dutch message."""

    def __init__(self, problems: dict[str, str]) -> None:
        self.problems = problems
        super().__init__("; ".join(f"{FIELD_LABELS.get(k, k)}: {v}" for k, v in problems.items()))


class EntryLocked(ValueError):
    """The entry was already sent: a change is a correction (new version), not an edit."""


_PYDANTIC_NL = {
    "missing": "is verplicht",
    "int_type": "moet een heel getal zijn",
    "bool_type": "moet ja of nee zijn",
    "string_too_long": "is te lang",
    "string_too_short": "is te kort",
    "greater_than_equal": "is te klein",
    "less_than_equal": "is te groot",
    "enum": "is geen geldige keuze",
    "too_short": "kies er minstens één",
    "too_long": "te veel gekozen",
    "datetime_parsing": "is geen geldig tijdstip",
    "date_from_datetime_parsing": "is geen geldige datum",
    "timezone_aware": "mist een tijdzone",
    "extra_forbidden": "is onbekend",
}


def problems_of(error: ValidationError) -> dict[str, str]:
    problems: dict[str, str] = {}
    for item in error.errors():
        loc = [str(p) for p in item["loc"] if not isinstance(p, int)]
        field = loc[-1] if loc else "formulier"
        message = _PYDANTIC_NL.get(item["type"])
        limit = (item.get("ctx") or {}).get("max_length")
        if limit is not None and item["type"] == "string_too_long":
            message = f"is te lang (max {limit} tekens)"  # the officer can shorten to fit
        elif limit is not None and item["type"] == "too_long":
            message = f"te veel gekozen (max {limit})"
        if message is None:
            text = str(item.get("msg", ""))
            message = text.removeprefix("Value error, ") if "Value error" in text else "klopt niet"
        problems.setdefault(field, message)
    return problems
