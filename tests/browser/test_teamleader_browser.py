"""The team leader in a real browser (Chromium) against the real sync server: log
in with a password, review an officer's synced entry, send it back with a remark
that reaches the officer's phone, and read the indicator table and hot times."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from factories import PASSWORD, age_browser_tokens, make_user
from harness import Phone, RestartableServer, enrolment_code
from playwright.sync_api import expect
from sqlalchemy.engine import Engine

from fieldapp.state import AppState
from sync_server.config import Settings
from sync_server.models import User

pytestmark = pytest.mark.browser


def officer_phone(tmp_path: Path, live: RestartableServer, engine, settings, officer) -> AppState:
    """The officer's phone, driven through its AppState (the browser shows the leader)."""
    app = AppState(tmp_path / "officer-phone")
    app.enroll(live.url, enrolment_code(engine, settings, officer))
    app.set_pin("48213", "48213")
    assert app.sync_now().ok
    return app


def login_as_leader(phone: Phone, username: str, password: str = PASSWORD) -> None:
    phone.see("Koppel deze telefoon aan je account")
    phone.tap(phone.button("Inloggen als teamleider"))
    phone.fill("Gebruikersnaam", username)
    phone.fill("Wachtwoord", password)
    phone.tap(phone.button("Inloggen", exact=True))


def test_handhaver_cannot_log_in_with_a_password(phone: Phone, officer: User):
    login_as_leader(phone, officer.username)
    phone.see("Handhavers koppelen hun telefoon met een koppelcode")


def test_leader_reviews_officer_sees_remark_indicators_and_hot_times(
    phone: Phone,
    tmp_path: Path,
    live: RestartableServer,
    engine: Engine,
    settings: Settings,
    officer: User,
):
    field = officer_phone(tmp_path, live, engine, settings, officer)
    spot = field.hotspots()[0]
    entry = field.save(
        "waarneming", {"theme": "afval", "hotspot": spot.code, "action": "aanspreken"}
    )
    assert field.sync_now().accepted == 1

    leader = make_user(engine, role="teamleider", districts=["noord"], username="tl-noord")
    login_as_leader(phone, leader.username)
    phone.see("Ingelogd als")
    phone.see(officer.display_name)  # the officer's entry in Beoordelen
    phone.tap(phone.shown(officer.display_name))
    expect(phone.textbox("Opmerking voor de handhaver")).to_be_visible()
    phone.see("Soort Waarneming")
    phone.see(spot.name)  # names, not codes

    # Sending it back needs a remark.
    phone.tap(phone.button("Terug naar handhaver"))
    phone.see("Schrijf een opmerking")
    phone.fill("Opmerking voor de handhaver", "Welke container?")
    phone.tap(phone.button("Terug naar handhaver"))
    phone.see("Opgeslagen: Terug naar handhaver")

    # The officer's next sync brings the remark into Mijn log.
    assert field.sync_now().ok
    item = next(i for i in field.log() if i.id == entry.id)
    assert item.needs_attention and "Opmerking teamleider: Welke container?" in item.detail

    phone.leader_tab("Indicatoren")
    # On a phone an indicator is a card, read out as one line, naming its source and
    # area: the district's own years, and the Haarlem-wide line with the seed's 2019
    # figure (the baseline is for all of Haarlem); residents' reports apart.
    phone.see("Vandaag (live) erbij")
    for pattern in (
        r"Uitgedeelde gele kaarten\s+Bron: Registraties handhavers · stadsdeel Noord\s+2019: –\s",
        r"Uitgedeelde gele kaarten\s+Bron: Registraties handhavers · heel Haarlem\s+2019: 62\s",
        r"Meldingen overlast afval\s+Bron: Meldingen bewoners \(gemeente\) · stadsdeel Noord\s",
        r"Registraties handhavers: afval\s+Bron: Registraties handhavers · stadsdeel Noord\s",
    ):
        card = phone.page.get_by_text(re.compile(pattern))
        for _ in range(40):  # swipe down the list until the card is drawn
            if card.count():
                break
            phone.page.mouse.move(195, 500)
            phone.page.mouse.wheel(0, 250)
            phone.page.wait_for_timeout(400)
        expect(card.first).to_be_visible()

    phone.leader_tab("Hot times")
    phone.see("Registraties per weekdag en blok van 3 uur")
    phone.see("Hot times: weekdag × blok van 3 uur")
    phone.see("Drukste focuslocaties")


def test_leader_saves_a_filter_follows_up_an_incident_and_reads_chart_and_profile(
    phone: Phone,
    tmp_path: Path,
    live: RestartableServer,
    engine: Engine,
    settings: Settings,
    officer: User,
):
    from sqlmodel import Session, select

    from sync_server.models import IncidentFollowup, SavedFilter

    field = officer_phone(tmp_path, live, engine, settings, officer)
    spot = field.hotspots()[0]
    entry = field.save(
        "incident",
        {
            "types": ["verbaal"],
            "hotspot": spot.code,
            "bot_gewenst": True,
            "politie": "melding_gewenst",
        },
    )
    assert field.sync_now().accepted == 1

    leader = make_user(engine, role="teamleider", districts=["noord"], username="tl-noord")
    login_as_leader(phone, leader.username)
    phone.see("1–1 van 1 registraties")

    # Save the filter on screen under a name: it is the leader's, on the server.
    phone.tap(phone.button("Filter opslaan"))
    phone.fill("Naam van het filter", "Incidenten deze maand")
    phone.tap(phone.button("Opslaan", exact=True))
    phone.see("Filter opgeslagen: Incidenten deze maand")
    with Session(engine) as session:
        saved = session.exec(select(SavedFilter)).all()
    assert [(f.name, f.user_id) for f in saved] == [("Incidenten deze maand", leader.id)]

    # The incidents board: BOT aftercare recorded with one tap.
    phone.leader_tab("Incidenten")
    phone.see("1 met open opvolging")
    phone.tap(phone.button("BOT-contact gehad"))
    phone.see("BOT-contact vastgelegd")
    phone.see("BOT-contact op")
    with Session(engine) as session:
        done = session.exec(select(IncidentFollowup)).all()
    assert [(f.record_id, f.kind) for f in done] == [(entry.id, "bot_contact")]

    # The district's own trend, and the Haarlem-wide one with the 2019–2022 baseline
    # apart from it, each read out as one line.
    phone.leader_tab("Indicatoren")
    phone.tap(phone.button("Grafiek", exact=True))
    own = re.compile(r"^Grafiek Uitgedeelde gele kaarten \(stadsdeel Noord\)\. 2019: –; ")
    monthly = re.compile(
        r"^Grafiek Uitgedeelde gele kaarten per maand, \d{4} \(stadsdeel Noord\)\. jan: "
    )
    spoken = re.compile(r"^Grafiek Uitgedeelde gele kaarten \(heel Haarlem\)\. 2019: 62; 2020: 223")
    for pattern in (own, monthly, spoken):
        chart = phone.page.get_by_role("group", name=pattern).or_(phone.page.get_by_text(pattern))
        for _ in range(20):  # swipe down until the chart is drawn
            if chart.count():
                break
            phone.page.mouse.move(195, 500)
            phone.page.mouse.wheel(0, 250)
            phone.page.wait_for_timeout(400)
        expect(chart).to_have_count(1)

    phone.leader_tab("Wijkprofiel")
    phone.see("Wijkprofiel Noord")
    phone.see("Afdrukpagina")


def _leader_login(tab: Phone, username: str) -> None:
    """The login at /teamleider, opened directly (no phone part involved)."""
    tab.see("Inloggen als teamleider")
    tab.fill("Gebruikersnaam", username)
    tab.fill("Wachtwoord", PASSWORD)
    tab.tap(tab.button("Inloggen", exact=True))
    tab.see("Ingelogd als")


def test_two_leaders_in_two_browsers_each_see_their_own_district(
    browser, fieldapp_web, tmp_path: Path, live: RestartableServer, engine, settings, officer
):
    from harness import phone_in

    field = officer_phone(tmp_path, live, engine, settings, officer)  # a noord officer
    spot = field.hotspots()[0]
    field.save("waarneming", {"theme": "afval", "hotspot": spot.code, "action": "aanspreken"})
    assert field.sync_now().accepted == 1
    make_user(engine, role="teamleider", districts=["noord"], username="tl-noord")
    make_user(engine, role="teamleider", districts=["oost"], username="tl-oost")

    address = fieldapp_web.url.rstrip("/") + "/teamleider"
    with phone_in(browser, address) as noord, phone_in(browser, address) as oost:
        _leader_login(noord, "tl-noord")
        noord.see(officer.display_name)
        _leader_login(oost, "tl-oost")
        oost.see("Oost")
        oost.see("Geen registraties met deze filters")
        expect(oost.shown(officer.display_name)).to_have_count(0)
        # The other leader logging in changed nothing for the first.
        noord.leader_tab("Hot times")
        noord.leader_tab("Beoordelen")
        noord.see(officer.display_name)
        # Logging out ends only that browser's session.
        oost.tap(oost.button("Uitloggen"))
        expect(oost.textbox("Gebruikersnaam")).to_be_visible()
        noord.leader_tab("Incidenten")
        noord.leader_tab("Beoordelen")
        noord.see(officer.display_name)
        noord.see("Ingelogd als")


def test_expired_session_asks_to_log_in_again_and_keeps_the_tab(
    browser, fieldapp_web, engine, officer
):
    from datetime import timedelta

    from harness import phone_in

    make_user(engine, role="teamleider", districts=["noord"], username="tl-noord")
    address = fieldapp_web.url.rstrip("/") + "/teamleider"
    with phone_in(browser, address) as tab:
        _leader_login(tab, "tl-noord")
        tab.leader_tab("Hot times")
        tab.see("Hot times: weekdag × blok van 3 uur")
        age_browser_tokens(engine, "tl-noord", timedelta(minutes=31))  # 30 min idle
        tab.leader_tab("Wijkprofiel")
        tab.see("Je sessie is verlopen")
        tab.fill("Wachtwoord", PASSWORD)  # the name and server are still filled in
        tab.tap(tab.button("Inloggen", exact=True))
        tab.see("Wijkprofiel Noord")  # back where the leader was


def test_beheerder_creates_a_user_shows_the_qr_a_phone_enrols_and_is_revoked(
    browser, fieldapp_web, engine
):
    from harness import enrol_and_set_pin, phone_in
    from sqlmodel import Session, select

    from sync_server.models import Device

    make_user(engine, role="beheerder", districts=[], username="beheer1")
    address = fieldapp_web.url.rstrip("/") + "/teamleider"
    with phone_in(browser, address) as desk:
        _leader_login(desk, "beheer1")
        desk.leader_tab("Accounts")
        desk.see("Nieuw account")
        desk.fill("Gebruikersnaam", "boa-nieuw")
        desk.fill("Weergavenaam", "Nieuwe Boa")
        desk.fill("Stadsdelen (met komma's)", "noord")
        desk.tap(desk.button("Account maken"))
        desk.see("Account gemaakt: boa-nieuw")
        card = desk.page.get_by_role("group", name=re.compile("Nieuwe Boa \\(boa-nieuw\\)"))
        desk.tap(card.get_by_role("button", name="Koppelcode"))
        desk.see("Koppelcode voor Nieuwe Boa")
        expect(desk.page.get_by_role("img").first).to_be_attached()  # the QR image
        shown = desk.page.locator("body").aria_snapshot()
        found = re.search(r"\b([A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4})\b", shown)
        assert found, shown
        with phone_in(browser, fieldapp_web.url) as phone:
            enrol_and_set_pin(phone, found.group(1))
        # the card sits low, above the navigation bar: its buttons exist once in view
        desk.swipe_into_view(desk.shown("Nieuwe Boa (boa-nieuw)").first)
        desk.tap(card.get_by_role("button", name="Telefoons"))
        desk.see("laatste sync:")
        desk.tap(desk.button("Intrekken"))
        desk.see("Ingetrokken")
    with Session(engine) as session:
        phones = [d for d in session.exec(select(Device)) if d.kind != "browser"]
    assert phones and all(d.revoked_at is not None for d in phones)
