"""The patrol suggestion on the officer's home screen: where to go this shift.

The server ranks the hotspots of the officer's district by recent activity at
this weekday and these hours (GET /api/v1/patrol-suggestion). The phone fetches
it at every sync and keeps the last one in a small file next to its database, so
the suggestion is there offline, at the start of a shift in a basement. It holds
no personal data: hotspot names, counts and a reason.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

FILE_NAME = "patrouille.json"
SHOWN = 3  # a home screen has room for three; the server sends five


@dataclass(frozen=True)
class PatrolStop:
    rank: int
    hotspot: str
    name: str
    reason: str


@dataclass(frozen=True)
class PatrolSuggestion:
    heading: str  # "Vrijdag 15–19 uur"
    stops: list[PatrolStop]
    current: bool  # False: made for a shift that has ended (no sync since)

    @property
    def note(self) -> str:
        if not self.stops:
            return "Nog te weinig registraties op dit tijdstip voor een suggestie."
        if not self.current:
            return "Van een eerdere dienst: synchroniseer voor een nieuwe suggestie."
        return "Meeste registraties op deze dag en uren in de afgelopen weken."


def save(folder: Path, reply: dict[str, Any]) -> None:
    """Keep the server's reply (written whole or not at all)."""
    parse(reply, now=None)  # refuse a reply that could not be shown
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / FILE_NAME
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps(reply), encoding="utf-8")
    os.replace(temporary, path)


def load(folder: Path, now: datetime) -> PatrolSuggestion | None:
    """The last suggestion kept, or None if there is none (or it is unreadable)."""
    try:
        reply = json.loads((folder / FILE_NAME).read_text(encoding="utf-8"))
        return parse(reply, now=now)
    except (OSError, ValueError, KeyError, TypeError):
        return None


def forget(folder: Path) -> None:
    (folder / FILE_NAME).unlink(missing_ok=True)


def parse(reply: dict[str, Any], now: datetime | None) -> PatrolSuggestion:
    shift = reply["shift"]
    end = datetime.fromisoformat(shift["end"])
    stops = [
        PatrolStop(
            rank=int(item["rank"]),
            hotspot=str(item["hotspot"]),
            name=str(item["name"]),
            reason=str(item["reason"]),
        )
        for item in reply["suggestions"][:SHOWN]
    ]
    return PatrolSuggestion(
        heading=f"{str(shift['weekday']).capitalize()} {shift['hours']}",
        stops=stops,
        current=now is None or now < end,
    )
