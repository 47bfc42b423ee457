"""Integrale controle: a joint inspection of a business with partners."""

from __future__ import annotations

from typing import Any

import flet as ft

from fieldapp.components import ChoiceGroup, MomentField, text_field
from fieldapp.labels import CONTROLE_UITKOMST_LABELS, PARTNER_LABELS
from fieldapp.views.forms.base import EntryForm, TextError
from sync_protocol import RecordKind


class IntegraleControleForm(EntryForm):
    kind = RecordKind.INTEGRALE_CONTROLE

    def build(self) -> list[ft.Control]:
        p, app = self.payload, self.app
        self.branche = text_field("Branche (bijv. horeca, kapper)", p.get("branche", ""))
        self.partners = ChoiceGroup(
            app,
            "Partners (meer keuzes mogelijk)",
            PARTNER_LABELS,
            multi=True,
            selected=p.get("partners"),
        )
        self.uitkomst = ChoiceGroup(
            app,
            "Uitkomst",
            CONTROLE_UITKOMST_LABELS,
            selected=[p["uitkomst"]] if p.get("uitkomst") else None,
        )
        self.hotspot = self.hotspot_field(theme=lambda: "ondermijning")
        self.when = MomentField(app, "Tijdstip", self.moment())
        self.note = text_field(
            "Notitie (optioneel)", p.get("note", ""), multiline=True, min_lines=2, max_lines=6
        )
        self.fields = {
            "branche": TextError(self.branche),
            "partners": self.partners,
            "uitkomst": self.uitkomst,
            "hotspot": self.hotspot,
            "observed_at": self.when,
            "note": TextError(self.note),
        }
        return [
            self.branche,
            self.partners.control,
            self.uitkomst.control,
            self.hotspot.control,
            self.when.control,
            self.note,
        ]

    def collect(self, problems: dict[str, str]) -> dict[str, Any]:
        return {
            "branche": (self.branche.value or "").strip(),
            "partners": self.partners.values,
            "uitkomst": self.uitkomst.value,
            "hotspot": self.hotspot.value,
            "note": (self.note.value or "").strip(),
            "observed_at": self.parsed(problems, self.when.value),
        }
