"""The entry forms by route, and the form that edits an entry from "Mijn log"."""

from __future__ import annotations

from typing import TYPE_CHECKING

from fieldapp import models as m
from fieldapp.views.adrescontrole import AdrescontroleForm
from fieldapp.views.form import EntryForm
from fieldapp.views.gele_kaart import GeleKaartForm
from fieldapp.views.incident import IncidentForm
from fieldapp.views.integrale_controle import IntegraleControleForm
from fieldapp.views.signaal import SignaalForm
from fieldapp.views.waarneming import WaarnemingForm

if TYPE_CHECKING:
    from fieldapp.views.shell import App

FORM_CLASSES: list[type[EntryForm]] = [
    WaarnemingForm,
    GeleKaartForm,
    IncidentForm,
    AdrescontroleForm,
    SignaalForm,
    IntegraleControleForm,
]
FORMS: dict[str, type[EntryForm]] = {form.path: form for form in FORM_CLASSES}
BY_KIND: dict[str, type[EntryForm]] = {form.kind.value: form for form in FORM_CLASSES}


def edit_form(app: App, entry: m.Entry) -> EntryForm | None:
    form = BY_KIND.get(entry.kind)
    return form(app, entry=entry) if form is not None else None
