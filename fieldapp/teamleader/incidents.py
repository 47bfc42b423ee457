"""The incidents board: incidents against enforcers with their aftercare (BOT) and
police follow-up, late ones first."""

from __future__ import annotations

from dataclasses import dataclass

FOLLOWUP_KINDS = ("bot_contact", "melding_gedaan", "aangifte_gedaan")
POLITIE_TEXT = {
    "geen": "Politie: geen melding of aangifte nodig",
    "melding_gewenst": "Politie: melding nodig",
    "melding_gedaan": "Politie: melding gedaan",
    "aangifte_gewenst": "Politie: aangifte nodig",
    "aangifte_gedaan": "Politie: aangifte gedaan",
}


@dataclass(frozen=True)
class IncidentRow:
    id: str
    title: str  # date and place
    types: str
    bot: str  # aftercare: wanted? contact on?
    politie: str
    overdue: bool
    overdue_text: str  # what is late, for the flag
    bot_open: bool  # BOT wanted and no contact yet
    politie_open: bool  # a report or notification wanted and not made yet
    politie_wanted: str  # "melding" | "aangifte" | ""


@dataclass(frozen=True)
class IncidentBoard:
    rows: list[IncidentRow]
    open: int
    overdue: int
    working_days: int
