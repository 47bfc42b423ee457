"""Issue 12 in a real browser: ← asks "Concept bewaren / weggooien" and the
dialog closes after either choice; the number of persons is typed; a tap on a
switch's words flips it; "Bodycam aan" must be answered."""

from __future__ import annotations

import pytest
from harness import AppProcess, Phone, wait_until
from playwright.sync_api import expect
from test_fieldapp_browser import phone_rows, server_records

pytestmark = pytest.mark.browser


def test_back_then_discard_throws_the_form_away(ready_phone: Phone, fieldapp_web: AppProcess):
    phone = ready_phone
    phone.tap(phone.button("Adrescontrole", exact=True))
    phone.fill("Adres (of een focuslocatie)", "Kleverparkweg 14")
    phone.tap(phone.button("Back").or_(phone.button("Terug")))
    phone.see("Formulier verlaten?")
    # Kept before the question: an app killed now loses nothing.
    wait_until(lambda: phone_rows(fieldapp_web.data, "select id from draft"), 10, "draft kept")
    phone.tap(phone.button("Weggooien"))
    phone.wait_gone("Formulier verlaten?")  # the dialog closes
    phone.see("Concept weggegooid.")
    expect(phone.button("Waarneming", exact=True)).to_be_visible()
    expect(phone.shown("Concepten (nog niet")).to_have_count(0)
    assert phone_rows(fieldapp_web.data, "select id from draft") == []
    phone.tap(phone.button("Adrescontrole", exact=True))
    phone.see("Uitkomst")
    expect(phone.shown("Je concept is teruggezet.")).to_have_count(0)


def test_persons_are_typed(ready_phone: Phone, engine):
    phone = ready_phone
    phone.tap(phone.button("Waarneming", exact=True))
    phone.tap(phone.chip("Afval"))
    phone.tap(phone.button("Kies een focuslocatie"))
    phone.tap(phone.button("Marsmanplein"))
    phone.tap(phone.chip("Aanspreken"))
    phone.fill("Aantal", "1001")
    phone.see("Typ een aantal van 0 tot en met 1000")
    phone.fill("Aantal", "30")
    phone.wait_gone("Typ een aantal van 0 tot en met 1000")
    phone.tap(phone.button("Opslaan", exact=True))
    phone.see("Opgeslagen — wordt verzonden")
    record = wait_until(lambda: server_records(engine, "waarneming"), 30, "on server")[0]
    assert record.payload["persons"] == 30


def test_a_tap_on_the_words_flips_the_switch_and_bodycam_is_asked(ready_phone: Phone, engine):
    phone = ready_phone
    phone.tap(phone.button("Incident", exact=True))
    phone.tap(phone.chip("Verbaal"))
    expect(phone.switch("Gewond")).not_to_be_checked()
    # The row reads as one group ("Gewond Nee"); its middle is the label's text,
    # far from the switch at the right end.
    row = phone.page.get_by_role("group", name="Gewond Nee")
    box = row.first.bounding_box()
    switch_box = phone.switch("Gewond").first.bounding_box()
    assert box is not None and switch_box is not None
    assert box["x"] + box["width"] / 2 < switch_box["x"]  # the tap misses the switch
    phone.tap(row)
    expect(phone.switch("Gewond")).to_be_checked()
    phone.see("Gewond Ja")
    phone.tap(phone.button("Kies een focuslocatie"))
    phone.tap(phone.button("Marsmanplein"))
    phone.tap(phone.button("Incident opslaan"))
    phone.see("Kies Ja of Nee: stond je bodycam aan?")  # no default: asked
    phone.tap(phone.chip("Ja"))
    phone.wait_gone("Kies Ja of Nee: stond je bodycam aan?")
    phone.tap(phone.button("Incident opslaan"))
    phone.see("Opgeslagen — wordt verzonden")
    record = wait_until(lambda: server_records(engine, "incident"), 30, "on server")[0]
    assert record.payload["injured"] is True and record.payload["bodycam_on"] is True
