"""Gele kaart: a yellow card for a youth. The name and date of birth only serve
to count repeat cards; the server pseudonymises them and the phone wipes them
once the card is accepted. They are never shown in a list."""

from __future__ import annotations

from typing import Any

import flet as ft

from fieldapp.components import ChoiceGroup, MomentField, text_field
from fieldapp.components import style as s
from fieldapp.labels import AANLEIDING_LABELS
from fieldapp.state import parse_birth_date
from fieldapp.views.forms.base import EntryForm, TextError
from sync_protocol import RecordKind


class GeleKaartForm(EntryForm):
    kind = RecordKind.GELE_KAART

    def build(self) -> list[ft.Control]:
        p, app = self.payload, self.app
        editing = self.entry is not None
        self.identity_kept = editing  # an edit leaves the identity unless both are typed
        self.naam = text_field(
            "Naam jongere",
            autocorrect=False,
            enable_suggestions=False,
            capitalization=ft.TextCapitalization.WORDS,
            on_change=app.act(lambda: None),
        )
        self.geboortedatum = text_field(
            "Geboortedatum (dd-mm-jjjj)",
            autocorrect=False,
            enable_suggestions=False,
            keyboard_type=ft.KeyboardType.DATETIME,
            on_change=app.act(lambda: None),
        )
        if not editing:
            privacy = (
                "Naam en geboortedatum dienen alleen om kaarten te tellen. Na verzenden "
                "staan ze niet meer op deze telefoon."
            )
        elif self.state.has_pending_identity(self.entry.id if self.entry else ""):
            privacy = (
                "Naam en geboortedatum worden niet getoond. Laat ze leeg om ze niet te wijzigen."
            )
        else:
            privacy = "Naam en geboortedatum zijn verzonden en staan niet meer op deze telefoon."
            self.naam.visible = self.geboortedatum.visible = False
        self.hotspot = self.hotspot_field(theme=lambda: "jeugd")
        self.aanleiding = ChoiceGroup(
            app,
            "Aanleiding",
            AANLEIDING_LABELS,
            selected=[p["aanleiding"]] if p.get("aanleiding") else None,
        )
        self.when = MomentField(app, "Tijdstip", self.moment())
        self.note = text_field(
            "Notitie (optioneel, geen namen)",
            p.get("note", ""),
            multiline=True,
            min_lines=2,
            max_lines=6,
        )
        self.fields = {
            "naam": TextError(self.naam),
            "geboortedatum": TextError(self.geboortedatum),
            "jongere": TextError(self.naam),
            "hotspot": self.hotspot,
            "aanleiding": self.aanleiding,
            "observed_at": self.when,
            "note": TextError(self.note),
        }
        return [
            ft.Column(
                [self.naam, self.geboortedatum, ft.Text(privacy, size=s.SMALL, color=s.MUTED)],
                spacing=12,
                horizontal_alignment=ft.CrossAxisAlignment.STRETCH,
            ),
            self.hotspot.control,
            self.aanleiding.control,
            self.when.control,
            self.note,
        ]

    def collect(self, problems: dict[str, str]) -> dict[str, Any]:
        naam = (self.naam.value or "").strip()
        typed = (self.geboortedatum.value or "").strip()
        geboortedatum = ""
        if not (self.identity_kept and not naam and not typed):
            if not naam:
                problems["naam"] = "is verplicht"
            geboortedatum = self.parsed(problems, lambda: parse_birth_date(typed)) or ""
        return {
            "naam": naam,
            "geboortedatum": geboortedatum,
            "hotspot": self.hotspot.value,
            "aanleiding": self.aanleiding.value,
            "note": (self.note.value or "").strip(),
            "observed_at": self.parsed(problems, self.when.value),
        }
