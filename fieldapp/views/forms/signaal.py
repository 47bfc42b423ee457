"""Signaal ondermijning: a sign of organised crime, for the programme's approach."""

from __future__ import annotations

from typing import Any

import flet as ft

from fieldapp.components import ChoiceGroup, MomentField, PhotoField, text_field
from fieldapp.labels import CATEGORIE_LABELS
from fieldapp.views.forms.base import EntryForm, TextError
from sync_protocol import RecordKind


class SignaalForm(EntryForm):
    kind = RecordKind.SIGNAAL_ONDERMIJNING

    def build(self) -> list[ft.Control]:
        p, app = self.payload, self.app
        self.categorie = ChoiceGroup(
            app,
            "Categorie",
            CATEGORIE_LABELS,
            selected=[p["categorie"]] if p.get("categorie") else None,
        )
        self.description = text_field(
            "Wat zag je?", p.get("description", ""), multiline=True, min_lines=3, max_lines=8
        )
        self.hotspot = self.hotspot_field(theme=lambda: "ondermijning")
        self.when = MomentField(app, "Tijdstip", self.moment())
        already = self.state.entry_photo_count(self.entry.id) if self.entry else 0
        self.photos = PhotoField(app, already=already)
        self.fields = {
            "categorie": self.categorie,
            "description": TextError(self.description),
            "hotspot": self.hotspot,
            "observed_at": self.when,
            "photos": self.photos,
        }
        return [
            self.categorie.control,
            self.description,
            self.hotspot.control,
            self.when.control,
            self.photos.control,
        ]

    def collect(self, problems: dict[str, str]) -> dict[str, Any]:
        return {
            "categorie": self.categorie.value,
            "description": (self.description.value or "").strip(),
            "hotspot": self.hotspot.value,
            "observed_at": self.parsed(problems, self.when.value),
            "photos": list(self.photos.photos),
        }
