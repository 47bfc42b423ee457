"""Waarneming: what was seen where, how many people, and what was done."""

from __future__ import annotations

from typing import Any

import flet as ft

from fieldapp.components import (
    ChoiceGroup,
    MomentField,
    PhotoField,
    Stepper,
    text_field,
)
from fieldapp.components import style as s
from fieldapp.labels import ACTION_LABELS, FEIT_LABELS
from fieldapp.views.forms.base import EntryForm, TextError
from sync_protocol import RecordKind


class WaarnemingForm(EntryForm):
    kind = RecordKind.WAARNEMING

    def build(self) -> list[ft.Control]:
        p, app = self.payload, self.app
        themes = {theme.code: theme.name for theme in self.state.themes()}
        self.theme = ChoiceGroup(
            app, "Thema", themes, selected=[p["theme"]] if p.get("theme") else None
        )
        self.hotspot = self.hotspot_field(theme=lambda: self.theme.value)
        self.when = MomentField(app, "Tijdstip", self.moment())
        self.persons = Stepper(app, "Aantal personen", int(p.get("persons", 0)))
        self.action = ChoiceGroup(
            app, "Actie", ACTION_LABELS, selected=[p["action"]] if p.get("action") else None
        )
        # Optional and only needed for some indicators: folded away unless set.
        self.feit = ChoiceGroup(
            app, "Feit", FEIT_LABELS, optional=True, selected=[p["feit"]] if p.get("feit") else None
        )
        feit_tile = ft.ExpansionTile(
            title=ft.Text("Feit (optioneel)", size=s.LABEL, weight=ft.FontWeight.BOLD, color=s.INK),
            subtitle=ft.Text(
                "Bijv. wildplassen, lachgas, fout parkeren", size=s.SMALL, color=s.MUTED
            ),
            controls=[self.feit.control],
            expanded=bool(p.get("feit")),
            tile_padding=0,
            controls_padding=ft.Padding.only(bottom=8),
            expanded_cross_axis_alignment=ft.CrossAxisAlignment.START,
            min_tile_height=s.TOUCH + 8,
        )
        self.note = text_field(
            "Notitie (optioneel)", p.get("note", ""), multiline=True, min_lines=2, max_lines=6
        )
        already = self.state.entry_photo_count(self.entry.id) if self.entry else 0
        self.photos = PhotoField(app, already=already)
        self.fields = {
            "theme": self.theme,
            "hotspot": self.hotspot,
            "observed_at": self.when,
            "persons": self.persons,
            "action": self.action,
            "feit": self.feit,
            "note": TextError(self.note),
            "photos": self.photos,
        }
        return [
            self.theme.control,
            self.hotspot.control,
            self.action.control,
            feit_tile,
            self.persons.control,
            self.when.control,
            self.note,
            self.photos.control,
        ]

    def collect(self, problems: dict[str, str]) -> dict[str, Any]:
        wrong = self.persons.problem()
        if wrong:
            problems["persons"] = wrong
        return {
            "theme": self.theme.value,
            "hotspot": self.hotspot.value,
            "action": self.action.value,
            "feit": self.feit.value,
            "persons": self.persons.value,
            "note": (self.note.value or "").strip(),
            "observed_at": self.parsed(problems, self.when.value),
            "photos": list(self.photos.photos),
        }
