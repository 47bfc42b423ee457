"""Adrescontrole: does the actual living situation match the BRP registration?"""

from __future__ import annotations

from typing import Any

import flet as ft

from fieldapp.components import ChoiceGroup, MomentField, text_field
from fieldapp.labels import UITKOMST_LABELS
from fieldapp.views.forms.base import EntryForm, TextError
from sync_protocol import RecordKind


class AdrescontroleForm(EntryForm):
    kind = RecordKind.ADRESCONTROLE

    def build(self) -> list[ft.Control]:
        p, app = self.payload, self.app
        self.uitkomst = ChoiceGroup(
            app,
            "Uitkomst",
            UITKOMST_LABELS,
            selected=[p["uitkomst"]] if p.get("uitkomst") else None,
        )
        self.address = text_field("Adres (of een focuslocatie)", p.get("address", ""))
        self.hotspot = self.hotspot_field(optional=True)
        self.when = MomentField(app, "Tijdstip", self.moment())
        self.note = text_field(
            "Notitie (optioneel)", p.get("note", ""), multiline=True, min_lines=2, max_lines=6
        )
        self.fields = {
            "uitkomst": self.uitkomst,
            "address": TextError(self.address),
            "hotspot": self.hotspot,
            "observed_at": self.when,
            "note": TextError(self.note),
        }
        return [
            self.uitkomst.control,
            self.address,
            self.hotspot.control,
            self.when.control,
            self.note,
        ]

    def collect(self, problems: dict[str, str]) -> dict[str, Any]:
        return {
            "uitkomst": self.uitkomst.value,
            "address": (self.address.value or "").strip(),
            "hotspot": self.hotspot.value,
            "note": (self.note.value or "").strip(),
            "observed_at": self.parsed(problems, self.when.value),
        }
