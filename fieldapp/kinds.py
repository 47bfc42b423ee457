"""The entry kinds an officer logs, in one place: per kind its route, its words,
its button on the home screen, its wire model, and how a form's fields become a
payload. The home screen, the route table, the forms and AppState's one save path
read this table; adding a kind is an entry here, a form module in
fieldapp/views/forms/ and a wire model in sync_protocol.records (see README,
"Adding an entry kind").

Flet-free on purpose: icons are Flet icon names and colours hex strings, which the
views turn into controls, so the store and the sync can use the table too.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from pydantic import BaseModel

from sync_protocol import RecordKind
from sync_protocol.records import KIND_MODELS

__all__ = ["KINDS", "EntryKind", "by_route", "kind_of"]

PRIMARY, DANGER, YELLOW = "#0B3A6E", "#B3261E", "#F2C200"


@dataclass(frozen=True)
class EntryKind:
    kind: RecordKind
    route: str  # where its form opens: "/waarneming"
    label: str  # its name in lists and titles ("Incident tegen handhaver")
    button: str  # its name on the home screen's button ("Incident")
    icon: str  # a Flet icon name (ft.Icons.<icon>)
    colour: str  # the home screen's button
    text_colour: str = "#FFFFFF"  # text on `colour`
    accent: str = PRIMARY  # the form's title bar and save button
    save_text: str = "Opslaan"
    # Form fields that are the youth's identity: kept apart from the payload,
    # encrypted, sent once and wiped after the server accepted the card.
    identity_fields: tuple[str, ...] = ()
    # What a new entry holds for fields the caller leaves out (the form's starting values).
    defaults: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    # Empty values are dropped from the payload (the wire model's defaults apply),
    # except for kinds whose payload keeps every field as typed.
    keep_empty: bool = False
    # Whether the entry needs a hotspot or a position, and which free-text field
    # (if any) may stand in for them ("place" of an incident).
    needs_place: bool = True
    place_text_field: str | None = None

    @property
    def model(self) -> type[BaseModel]:
        """The wire model its payload must satisfy (sync_protocol.records)."""
        return KIND_MODELS[self.kind]


_KINDS = [
    EntryKind(
        RecordKind.WAARNEMING,
        route="/waarneming",
        label="Waarneming",
        button="Waarneming",
        icon="VISIBILITY",
        colour=PRIMARY,
        defaults=MappingProxyType({"persons": 0, "note": ""}),
    ),
    EntryKind(
        RecordKind.GELE_KAART,
        route="/gele-kaart",
        label="Gele kaart",
        button="Gele kaart",
        icon="STYLE",
        colour=YELLOW,
        text_colour="#111418",
        identity_fields=("naam", "geboortedatum"),
        defaults=MappingProxyType({"note": ""}),
    ),
    EntryKind(
        RecordKind.INCIDENT,
        route="/incident",
        label="Incident tegen handhaver",
        button="Incident",
        icon="WARNING_ROUNDED",
        colour=DANGER,
        accent=DANGER,
        save_text="Incident opslaan",
        defaults=MappingProxyType(
            {
                "place": "",
                "injured": False,
                "bodycam_on": False,
                "footage_secured": False,
                "footage_reference": "",
                "politie": "geen",
                "bot_gewenst": False,
                "description": "",
            }
        ),
        keep_empty=True,
        place_text_field="place",
    ),
    EntryKind(
        RecordKind.ADRESCONTROLE,
        route="/adrescontrole",
        label="Adrescontrole",
        button="Adrescontrole",
        icon="HOME_WORK",
        colour=PRIMARY,
        defaults=MappingProxyType({"address": "", "note": ""}),
        needs_place=False,
    ),
    EntryKind(
        RecordKind.SIGNAAL_ONDERMIJNING,
        route="/signaal",
        label="Signaal ondermijning",
        button="Signaal ondermijning",
        icon="REPORT",
        colour=PRIMARY,
    ),
    EntryKind(
        RecordKind.INTEGRALE_CONTROLE,
        route="/integrale-controle",
        label="Integrale controle",
        button="Integrale controle",
        icon="FACT_CHECK",
        colour=PRIMARY,
        defaults=MappingProxyType({"note": ""}),
    ),
]

# In the order of the home screen's buttons.
KINDS: Mapping[RecordKind, EntryKind] = MappingProxyType({k.kind: k for k in _KINDS})
_BY_ROUTE = {k.route: k for k in _KINDS}


def kind_of(kind: str | RecordKind) -> EntryKind:
    """The registry entry of a kind (KeyError for a kind the app does not know)."""
    return KINDS[RecordKind(kind)]


def by_route(route: str) -> EntryKind | None:
    return _BY_ROUTE.get(route)
