"""Incident against an enforcer: the required fields in a few taps.

Everything but the type and the bodycam has a visible, honest default: now, the
nearest focus location when it is close enough to trust, not injured, footage not
(yet) secured, no police, no aftercare. "Bodycam aan" has none: a default would
file a guess as the officer's answer, so Ja or Nee must be tapped. Saving is
always in reach at the bottom."""

from __future__ import annotations

from typing import Any

import flet as ft

from fieldapp.components import ChoiceGroup, MomentField, YesNo, text_field
from fieldapp.components import style as s
from fieldapp.labels import INCIDENT_TYPE_LABELS, POLITIE_LABELS
from fieldapp.views.forms.base import EntryForm, TextError
from sync_protocol import RecordKind


class IncidentForm(EntryForm):
    kind = RecordKind.INCIDENT

    def build(self) -> list[ft.Control]:
        p, app = self.payload, self.app
        self.types = ChoiceGroup(
            app,
            "Wat gebeurde er? (meer keuzes mogelijk)",
            INCIDENT_TYPE_LABELS,
            multi=True,
            selected=p.get("types"),
            accent=s.DANGER,
            missing="Kies wat er gebeurde",
        )
        self.when = MomentField(app, "Wanneer", self.moment())
        self.hotspot = self.hotspot_field(label="Waar", always_default=True)
        self.place = text_field("Plek (optioneel, bijv. straat of ingang)", p.get("place", ""))
        self.injured = YesNo(app, "Gewond", bool(p.get("injured", False)))
        bodycam = p.get("bodycam_on")
        self.bodycam = YesNo(
            app,
            "Bodycam aan",
            bool(bodycam) if bodycam is not None else None,
            on_change=self._bodycam_changed,
            ask=True,
            missing="kies Ja of Nee: stond je bodycam aan?",
        )
        self.secured = YesNo(
            app,
            "Beelden veiliggesteld",
            bool(p.get("footage_secured", False)),
            on_change=self._secured_changed,
        )
        self.reference = text_field(
            "Referentie beelden (optioneel)", p.get("footage_reference", "")
        )
        self.politie = ChoiceGroup(
            app, "Politie", POLITIE_LABELS, selected=[p.get("politie", "geen")]
        )
        self.bot = YesNo(app, "Nazorg (BOT) gewenst", bool(p.get("bot_gewenst", False)))
        self.description = text_field(
            "Korte omschrijving (optioneel)",
            p.get("description", ""),
            multiline=True,
            min_lines=2,
            max_lines=5,
        )
        self.fields = {
            "types": self.types,
            "observed_at": self.when,
            "hotspot": self.hotspot,
            "place": TextError(self.place),
            "injured": self.injured,
            "bodycam_on": self.bodycam,
            "footage_secured": self.secured,
            "footage_reference": TextError(self.reference),
            "politie": self.politie,
            "bot_gewenst": self.bot,
            "description": TextError(self.description),
        }
        self._bodycam_changed()
        return [
            self.types.control,
            self.hotspot.control,
            self.when.control,
            ft.Column(
                [self.injured.control, self.bodycam.control, self.secured.control, self.reference],
                spacing=4,
                horizontal_alignment=ft.CrossAxisAlignment.STRETCH,
            ),
            self.politie.control,
            self.bot.control,
            self.place,
            self.description,
        ]

    def _bodycam_changed(self) -> None:
        on = self.bodycam.value is True
        if not on:
            self.secured.value = False
        self.secured.disabled = not on
        self._secured_changed()

    def _secured_changed(self) -> None:
        self.reference.visible = self.secured.value is True

    def collect(self, problems: dict[str, str]) -> dict[str, Any]:
        # bodycam_on is None until Ja or Nee is tapped: the entry model then says
        # it is missing, together with everything else that is.
        return {
            "types": self.types.values,
            "observed_at": self.parsed(problems, self.when.value),
            "hotspot": self.hotspot.value,
            "place": (self.place.value or "").strip(),
            "injured": self.injured.value,
            "bodycam_on": self.bodycam.value,
            "footage_secured": self.secured.value,
            "footage_reference": (self.reference.value or "").strip() if self.secured.value else "",
            "politie": self.politie.value or "geen",
            "bot_gewenst": self.bot.value,
            "description": (self.description.value or "").strip(),
        }
