"""Every entry form without a browser: a fake Host, the real form controls as
Python objects, a real AppState on an SQLite file. An empty save shows Dutch
problems and writes nothing; a filled save lands in the store as its wire model
says, and an edit from "Mijn log" changes the same entry."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fake_host import FakeHost, phone_state, texts

from fieldapp.kinds import KINDS
from fieldapp.views import forms
from fieldapp.views.forms.base import SAVED, EntryForm
from fieldapp.views.routes import make_screen
from sync_protocol import RecordKind


@pytest.fixture
def host(tmp_path) -> FakeHost:
    return FakeHost(phone_state(tmp_path / "phone"))


def tap(form: EntryForm, group: str, *codes: str) -> None:
    """Tap chips of a ChoiceGroup, as the officer would (Flutter flips the chip,
    then the app hears of it)."""
    for code in codes:
        chip = getattr(form, group).chips[code]
        chip.selected = not chip.selected
        chip.on_select()


def answer(question: Any, yes: bool) -> None:
    """Tap "Ja" or "Nee" of a yes/no question that must be answered."""
    chip = question.chips[yes]
    chip.selected = not chip.selected
    chip.on_select()


# What an empty save says, per kind (the banner's lines after "Controleer:").
EMPTY_PROBLEMS = {
    RecordKind.WAARNEMING: [
        "• Thema: is verplicht",
        "• Actie: is verplicht",
        "• Focuslocatie: kies een focuslocatie",
    ],
    RecordKind.GELE_KAART: ["• Naam: is verplicht", "• Geboortedatum: is verplicht"],
    # Nothing is preselected without a trusted position (issue 12): the place is asked.
    # "Bodycam aan" has no default (issue 12): it must be answered.
    RecordKind.INCIDENT: [
        "• Soort incident: kies er minstens één",
        "• Bodycam aan: moet ja of nee zijn",
        "• Focuslocatie: kies een focuslocatie",
    ],
    RecordKind.ADRESCONTROLE: ["• Uitkomst: is verplicht"],
    RecordKind.SIGNAAL_ONDERMIJNING: [
        "• Categorie: is verplicht",
        "• Omschrijving: is verplicht",
        "• Focuslocatie: kies een focuslocatie",
    ],
    RecordKind.INTEGRALE_CONTROLE: [
        "• Branche: is verplicht",
        "• Uitkomst: is verplicht",
        "• Focuslocatie: kies een focuslocatie",
    ],
}


def fill_waarneming(form: Any) -> None:
    tap(form, "theme", "afval")
    tap(form, "action", "waarschuwing")
    form.hotspot.choose("noord-a")
    form.note.value = "  Zakken naast de container  "


def fill_gele_kaart(form: Any) -> None:
    form.naam.value = "Sam de Vries"
    form.geboortedatum.value = "05-03-2010"
    tap(form, "aanleiding", "hinderlijk_gedrag")
    form.hotspot.choose("noord-a")


def fill_incident(form: Any) -> None:
    tap(form, "types", "bedreiging")
    answer(form.bodycam, True)
    form.place.value = "Ingang station"


def fill_adrescontrole(form: Any) -> None:
    tap(form, "uitkomst", "hit")
    form.address.value = "Kleverparkweg 1"


def fill_signaal(form: Any) -> None:
    tap(form, "categorie", "criminele_geldstromen")
    form.description.value = "Veel contant geld"
    form.hotspot.choose("noord-a")


def fill_integrale_controle(form: Any) -> None:
    form.branche.value = "horeca"
    tap(form, "partners", "politie")
    tap(form, "uitkomst", "geen_bevindingen")
    form.hotspot.choose("noord-a")


FILL: dict[RecordKind, tuple[Callable[[Any], None], dict[str, Any]]] = {
    RecordKind.WAARNEMING: (
        fill_waarneming,
        {
            "theme": "afval",
            "action": "waarschuwing",
            "hotspot": "noord-a",
            "persons": 0,
            "note": "Zakken naast de container",
        },
    ),
    RecordKind.GELE_KAART: (
        fill_gele_kaart,
        {"aanleiding": "hinderlijk_gedrag", "hotspot": "noord-a"},
    ),
    RecordKind.INCIDENT: (
        fill_incident,
        {
            "types": ["bedreiging"],
            "place": "Ingang station",
            "injured": False,
            "bodycam_on": True,
            "politie": "geen",
            "bot_gewenst": False,
        },
    ),
    RecordKind.ADRESCONTROLE: (
        fill_adrescontrole,
        {"uitkomst": "hit", "address": "Kleverparkweg 1"},
    ),
    RecordKind.SIGNAAL_ONDERMIJNING: (
        fill_signaal,
        {
            "categorie": "criminele_geldstromen",
            "description": "Veel contant geld",
            "hotspot": "noord-a",
        },
    ),
    RecordKind.INTEGRALE_CONTROLE: (
        fill_integrale_controle,
        {"branche": "horeca", "partners": ["politie"], "uitkomst": "geen_bevindingen"},
    ),
}


def test_every_kind_has_a_form_on_its_route(host):
    for kind, spec in KINDS.items():
        form = make_screen(host, spec.route)
        assert isinstance(form, forms.form_class(kind))
        assert form.route == spec.route
        form.view()
        assert spec.label in texts(form.view().appbar)


@pytest.mark.parametrize("kind", list(RecordKind), ids=str)
def test_an_empty_save_says_what_is_missing_in_dutch_and_saves_nothing(host, kind):
    form = forms.new_form(host, kind)
    assert form is not None
    form.view()
    form.save()
    assert form.problems.control.visible
    message = form.problems.text.value
    assert message.startswith("Nog niet opgeslagen. Controleer:")
    assert message.splitlines()[1:] == EMPTY_PROBLEMS[kind]
    assert host.state.pending_count() == 0
    assert host.closed == []


@pytest.mark.parametrize("kind", list(RecordKind), ids=str)
def test_a_filled_form_saves_its_wire_fields_once(host, kind):
    form = forms.new_form(host, kind)
    assert form is not None
    form.view()
    fill, expected = FILL[kind]
    fill(form)
    form.save()
    assert not form.problems.control.visible, form.problems.text.value
    assert host.closed == [(form, SAVED)] and host.wakes == 1
    [entry] = host.state.store.entries()
    assert entry.kind == kind.value and entry.status == "wacht"
    assert {k: entry.payload.get(k) for k in expected} == expected
    KINDS[kind].model.model_validate(entry.payload)  # what the server will check
    for name in KINDS[kind].identity_fields:
        assert name not in entry.payload  # a youth's identity stays out of the payload


def test_a_problem_is_cleared_when_it_is_fixed(host):
    form = forms.new_form(host, RecordKind.ADRESCONTROLE)
    assert form is not None
    form.view()
    form.save()
    assert "Kies een uitkomst" in texts(form.uitkomst.control)
    tap(form, "uitkomst", "hit")
    assert "Kies een uitkomst" not in texts(form.uitkomst.control)


def test_a_bad_birth_date_is_explained(host):
    form = forms.new_form(host, RecordKind.GELE_KAART)
    assert form is not None
    form.view()
    fill_gele_kaart(form)
    form.geboortedatum.value = "31-02-2010"
    form.save()
    assert "Geboortedatum: deze datum bestaat niet" in form.problems.text.value
    assert form.geboortedatum.error == "Deze datum bestaat niet"
    assert host.state.pending_count() == 0


def test_editing_from_my_log_changes_the_same_entry(host):
    form = forms.new_form(host, RecordKind.WAARNEMING)
    assert form is not None
    form.view()
    fill_waarneming(form)
    form.save()
    [entry] = host.state.store.entries()

    edit = make_screen(host, f"/log/{entry.id}")
    assert isinstance(edit, forms.form_class(RecordKind.WAARNEMING))
    assert "Invoer aanpassen" in texts(edit.view().appbar)
    assert "Nog niet verzonden. Je wijziging vervangt wat er stond." in texts(edit.view())
    edit.note.value = "Opgeruimd"
    edit.save()
    [changed] = host.state.store.entries()
    assert changed.id == entry.id and changed.payload["note"] == "Opgeruimd"
    assert changed.payload["theme"] == "afval" and host.state.pending_count() == 1


def test_a_tapped_focus_location_is_preselected(host):
    form = forms.new_form(host, RecordKind.WAARNEMING, hotspot="noord-b")
    assert form is not None
    form.view()
    assert form.hotspot.value == "noord-b"
    assert "gekozen op het beginscherm" in texts(form.hotspot.control)
