"""Reviewing the synced logs: the list's query and pages, saved filters, and a
log's detail as label and text (never a youth's identity)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from fieldapp.dates import haarlem
from fieldapp.labels import KIND_LABELS, REVIEW_LABELS

REVIEW_STATES = ("beoordeeld", "terug_naar_handhaver", "afgesloten")
PERIODS = {"7": "7 dagen", "28": "4 weken", "365": "12 maanden"}


@dataclass(frozen=True)
class ReviewRow:
    id: str
    title: str  # kind and hotspot
    subtitle: str  # when, officer, state
    state: str
    state_label: str


@dataclass(frozen=True)
class ReviewQuery:
    """What the review list shows: the filters of the screen, and of a saved filter."""

    last_days: int | None = 28
    kind: str | None = None
    theme: str | None = None
    state: str | None = None
    district: str | None = None
    hotspot: str | None = None
    officer: int | None = None

    def as_filter(self) -> dict[str, Any]:
        """The server's ReviewFilter (also what a saved filter keeps)."""
        fields = {
            "last_days": self.last_days,
            "kind": self.kind,
            "theme": self.theme,
            "state": self.state,
            "district": self.district,
            "hotspot": self.hotspot,
            "officer": self.officer,
        }
        return {k: v for k, v in fields.items() if v is not None}

    @classmethod
    def from_filter(cls, data: dict[str, Any]) -> ReviewQuery:
        return cls(
            last_days=data.get("last_days"),
            kind=data.get("kind"),
            theme=data.get("theme"),
            state=data.get("state"),
            district=data.get("district"),
            hotspot=data.get("hotspot"),
            officer=data.get("officer"),
        )


@dataclass(frozen=True)
class ReviewPage:
    rows: list[ReviewRow]
    total: int
    offset: int
    limit: int

    @property
    def has_previous(self) -> bool:
        return self.offset > 0

    @property
    def has_next(self) -> bool:
        return self.offset + len(self.rows) < self.total

    def range_text(self) -> str:
        if not self.rows:
            return f"0 van {self.total} registraties"
        return f"{self.offset + 1}–{self.offset + len(self.rows)} van {self.total} registraties"


@dataclass(frozen=True)
class SavedFilter:
    id: int
    name: str
    query: ReviewQuery


def local_time(moment: str) -> str:
    """Haarlem time, whatever zone the machine serving the app runs in (UTC on a server)."""
    when = haarlem(datetime.fromisoformat(moment))
    return f"{when:%d-%m-%Y %H:%M}"


# Payload fields the officer types (sync_protocol.records): notes, addresses,
# licence plates and business names must reach the team leader unaltered.
FREE_TEXT = frozenset({"note", "place", "description", "address", "branche", "footage_reference"})


def detail_lines(
    detail: dict[str, Any], names: dict[str, str] | None = None
) -> list[tuple[str, str]]:
    """The fields of a log as label and text (never a youth's identity); codes of
    themes, hotspots and choices are shown by their names."""
    from fieldapp import labels

    names = names or {}
    choice_labels = {
        "action": labels.ACTION_LABELS,
        "feit": labels.FEIT_LABELS,
        "aanleiding": labels.AANLEIDING_LABELS,
        "categorie": labels.CATEGORIE_LABELS,
        "types": labels.INCIDENT_TYPE_LABELS,
        "partners": labels.PARTNER_LABELS,
    }

    lines = [
        ("Soort", KIND_LABELS.get(detail["kind"], detail["kind"])),
        ("Handhaver", detail["officer_name"]),
        ("Tijdstip", local_time(detail["observed_at"])),
        ("Stadsdeel", names.get(detail["district"], detail["district"])),
        ("Beoordeling", REVIEW_LABELS.get(detail["review_state"], detail["review_state"])),
    ]
    if detail.get("review_remark"):
        lines.append(("Opmerking", detail["review_remark"]))
    for key, value in detail.get("payload", {}).items():
        if key in ("observed_at", "location", "photos") or value in (None, "", []):
            continue
        values = value if isinstance(value, list) else [value]
        if key in FREE_TEXT:  # typed by the officer: shown exactly as typed
            text = ", ".join(str(v) for v in values)
        else:  # a code: its label or name, or the code made readable
            mapping = choice_labels.get(key, names)
            text = ", ".join(
                mapping.get(str(v), str(v).replace("_", " ").capitalize()) for v in values
            )
        if isinstance(value, bool):
            text = "Ja" if value else "Nee"
        lines.append((labels.FIELD_LABELS.get(key, key.replace("_", " ").capitalize()), text))
    if detail.get("photos"):
        lines.append(("Foto's", str(detail["photos"])))
    return lines
