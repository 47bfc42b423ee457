"""Capture on patrol (issue 12): one form saves exactly one entry however fast the
officer taps, a focus location is only suggested when it is close enough to
trust, and one sync runs at a time on every platform (filelock)."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from fake_host import FakeHost, phone_state, texts
from test_views_forms import fill_waarneming

from fieldapp.dates import parse_birth_date, parse_moment
from fieldapp.location import FixedLocation, Position
from fieldapp.state.places import fix_text
from fieldapp.store import EntryInvalid, Store
from fieldapp.sync import SyncError
from fieldapp.views import forms
from fieldapp.views.forms.base import SAVED
from sync_protocol import RecordKind

# Noord-a (Marsmanplein) in tests/fieldapp/phone_reference.py is at 52.397, 4.652.
MARSMANPLEIN = (52.397, 4.652)


@pytest.fixture
def host(tmp_path) -> FakeHost:
    return FakeHost(phone_state(tmp_path / "phone"))


def _payload() -> dict[str, Any]:
    return {
        "observed_at": datetime.now(UTC).isoformat(),
        "theme": "afval",
        "hotspot": "noord-a",
        "persons": 1,
        "action": "aanspreken",
    }


# ---------------------------------------------------------------- exactly once


def test_the_store_saves_one_id_once(host):
    store: Store = host.state.store
    entry_id = host.state.new_entry_id()
    first = store.save_entry("waarneming", _payload(), entry_id=entry_id)
    again = store.save_entry("waarneming", _payload() | {"persons": 7}, entry_id=entry_id)
    assert first.id == again.id == entry_id
    [entry] = store.entries()
    assert entry.payload["persons"] == 1  # the retry changed nothing
    assert store.pending_count() == 1


def test_two_saves_racing_on_two_threads_make_one_entry(host):
    store: Store = host.state.store
    entry_id = host.state.new_entry_id()
    start = threading.Barrier(2)
    results: list[str] = []

    def tap() -> None:
        start.wait()
        results.append(store.save_entry("waarneming", _payload(), entry_id=entry_id).id)

    threads = [threading.Thread(target=tap) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [entry_id, entry_id]
    assert [e.id for e in store.entries()] == [entry_id]
    assert store.pending_count() == 1


def test_a_form_has_its_id_when_it_opens_and_two_taps_save_once(host):
    form = forms.new_form(host, RecordKind.WAARNEMING)
    assert form is not None and form.new_id is not None
    form.view()
    fill_waarneming(form)
    start = threading.Barrier(2)

    def tap() -> None:
        start.wait()
        form.save()

    threads = [threading.Thread(target=tap) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    form.save()  # and a third, late tap
    assert [e.id for e in host.state.store.entries()] == [form.new_id]
    assert host.closed == [(form, SAVED)]


def test_two_forms_make_two_entries(host):
    for _ in range(2):
        form = forms.new_form(host, RecordKind.WAARNEMING)
        assert form is not None
        form.view()
        fill_waarneming(form)
        form.save()
    assert len(host.state.store.entries()) == 2


# ---------------------------------------------------------------- place


def _at(host: FakeHost, lat: float, lon: float, accuracy: float | None = None, **kw: Any) -> None:
    host.state.location = FixedLocation(Position(lat, lon, accuracy, **kw))


def test_no_position_and_no_history_preselects_nothing(host):
    assert host.state.default_hotspot() is None
    host.state.save("waarneming", _payload() | {"observed_at": None})
    assert host.state.default_hotspot() is None  # not "last used" either
    form = forms.new_form(host, RecordKind.INCIDENT)
    assert form is not None
    form.view()
    assert form.hotspot.value is None


def test_a_far_position_preselects_nothing(host):
    _at(host, 52.381, 4.637, 10.0)  # Haarlem station, ~2 km from Noord's spots
    assert host.state.hotspots()[0].distance_m is not None
    assert host.state.default_hotspot() is None
    for kind in (RecordKind.WAARNEMING, RecordKind.INCIDENT):
        form = forms.new_form(host, kind)
        assert form is not None
        form.view()
        assert form.hotspot.value is None


def test_a_near_position_is_suggested_with_distance_accuracy_and_age(host):
    now = datetime.now(UTC)
    lat, lon = MARSMANPLEIN
    _at(host, lat + 0.001, lon, 12.0, taken_at=now - timedelta(minutes=3))  # ~110 m
    suggestion = host.state.default_hotspot(now=now)
    assert suggestion is not None
    choice, reason = suggestion
    assert choice.code == "noord-a"
    assert reason == "dichtstbij (110 m, GPS ±12 m, 3 min oud)"
    form = forms.new_form(host, RecordKind.WAARNEMING)
    assert form is not None
    form.view()
    assert form.hotspot.value == "noord-a"
    assert any("dichtstbij (110 m, GPS ±12 m" in t for t in texts(form.hotspot.control))


def test_the_trusted_distance_is_configurable(host):
    lat, lon = MARSMANPLEIN
    _at(host, lat + 0.001, lon)  # ~110 m
    host.state.nearest_hotspot_m = 100.0
    assert host.state.default_hotspot() is None
    host.state.nearest_hotspot_m = 250.0
    assert host.state.default_hotspot() is not None


def test_fix_text_without_accuracy_or_age():
    assert fix_text(1234.0, None) == "1,2 km"
    fresh = Position(1.0, 2.0, None, datetime.now(UTC))
    assert fix_text(40.0, fresh) == "40 m, net bepaald"


# ---------------------------------------------------------------- one sync at a time


def test_a_second_sync_is_refused_while_one_runs(host):
    client = host.state.sync_client
    entered: list[str] = []
    with client._lock(wait=False):
        entered.append("first")
        with pytest.raises(SyncError) as excinfo, client._lock(wait=False):
            entered.append("second")
        assert excinfo.value.code == "sync_busy"
    with client._lock(wait=False):  # released: free again
        entered.append("after")
    assert entered == ["first", "after"]


# ---------------------------------------------------------------- what the team leader sees


def test_the_team_leader_sees_free_text_exactly_as_typed():
    from fieldapp.teamleader import detail_lines

    detail = {
        "kind": "waarneming",
        "officer_name": "H. Handhaver",
        "observed_at": "2026-03-01T21:15:00+00:00",
        "district": "noord",
        "review_state": "nieuw",
        "payload": {
            "note": "Auto AB-123-C, eigenaar van De Zwarte_Kat",
            "address": "Kleverparkweg 1a",
            "action": "proces_verbaal",
            "hotspot": "noord-a",
        },
    }
    lines = dict(detail_lines(detail, {"noord-a": "Marsmanplein", "noord": "Noord"}))
    assert lines["Notitie"] == "Auto AB-123-C, eigenaar van De Zwarte_Kat"
    assert "Kleverparkweg 1a" in lines.values()
    assert "Marsmanplein" in lines.values()
    assert "proces_verbaal" not in lines.values()  # codes still get their label


# ---------------------------------------------------------------- validation and wording


def _born(years_ago: int, today: date) -> str:
    return f"{today.day:02d}-{today.month:02d}-{today.year - years_ago}"


def test_a_yellow_card_refuses_an_implausible_age():
    today = date(2026, 6, 15)
    assert parse_birth_date(_born(12, today), today) == "2014-06-15"
    assert parse_birth_date(_born(23, today), today) == "2003-06-15"
    for years, age in ((2, 2), (11, 11), (24, 24), (40, 40)):
        with pytest.raises(EntryInvalid) as excinfo:
            parse_birth_date(_born(years, today), today)
        message = excinfo.value.problems["geboortedatum"]
        assert message.startswith(f"geeft een leeftijd van {age} jaar")
        assert "12 tot en met 23" in message


def test_a_day_that_does_not_exist_is_named_so():
    for text in ("31-02-2010", "30-02-2012", "31-04-2010", "00-01-2010"):
        with pytest.raises(EntryInvalid) as excinfo:
            parse_birth_date(text, date(2026, 6, 15))
        assert excinfo.value.problems == {"geboortedatum": "deze datum bestaat niet"}
    with pytest.raises(EntryInvalid) as excinfo:
        parse_moment("31-02-2026", "12:00")
    assert excinfo.value.problems == {"observed_at": "deze datum bestaat niet"}
    with pytest.raises(EntryInvalid) as excinfo:
        parse_moment("gisteren", "12:00")
    assert excinfo.value.problems == {"observed_at": "typ de datum als dd-mm-jjjj"}


def test_too_long_says_the_limit(host):
    with pytest.raises(EntryInvalid) as excinfo:
        host.state.save("adrescontrole", {"uitkomst": "hit", "address": "x" * 501})
    assert excinfo.value.problems == {"address": "is te lang (max 500 tekens)"}
    assert host.state.pending_count() == 0


def test_an_address_check_needs_an_address_or_a_place(host):
    with pytest.raises(EntryInvalid) as excinfo:
        host.state.save("adrescontrole", {"uitkomst": "hit", "address": "   "})
    assert excinfo.value.problems == {"address": "vul een adres in, of kies een focuslocatie"}
    assert host.state.pending_count() == 0
    host.state.save("adrescontrole", {"uitkomst": "hit", "hotspot": "noord-a"})
    _at(host, *MARSMANPLEIN, 8.0)
    host.state.save("adrescontrole", {"uitkomst": "geen_hit"})  # the position places it
    assert host.state.pending_count() == 2
    form = forms.new_form(host, RecordKind.ADRESCONTROLE)
    assert form is not None
    form.view()
    assert any("Adres" in t for t in texts(form.address))


# ---------------------------------------------------------------- sync timing


def test_backoff_grows_with_jitter_and_resets_when_the_connection_returns():
    from fieldapp.state.backoff import Backoff

    low = Backoff(20.0, cap_seconds=600.0, rand=lambda: 0.0)
    high = Backoff(20.0, cap_seconds=600.0, rand=lambda: 0.999)
    assert 18.0 <= low.delay() <= high.delay() < 20.0  # all well: the interval
    waits = []
    for _ in range(8):
        low.failed()
        high.failed()
        waits.append((low.delay(), high.delay()))
    # Doubling per failure, a random half to all of it, up to the cap.
    assert waits[0] == (20.0, pytest.approx(39.98))
    assert waits[1] == (40.0, pytest.approx(79.96))
    assert waits[-1] == (300.0, pytest.approx(599.7))
    low.reset()
    assert 18.0 <= low.delay() < 20.0


def test_phones_do_not_retry_in_lockstep():
    from fieldapp.state.backoff import Backoff

    phones = [Backoff(20.0) for _ in range(50)]
    for phone in phones:
        for _ in range(3):
            phone.failed()
    waits = {round(phone.delay(), 3) for phone in phones}
    assert len(waits) > 40 and min(waits) >= 80.0 and max(waits) <= 160.0


def test_an_offline_turn_backs_off_and_a_returning_connection_resets(tmp_path):
    from fake_host import phone_state

    state = phone_state(tmp_path / "phone")
    state.store.save_enrolment(_offline_enrolment())
    state.backoff.base_seconds = 20.0
    assert state.auto_sync() is None and state.online is False
    assert state.auto_sync() is None
    assert state.backoff.failures == 2 and state.next_auto_sync_in() >= 40.0
    state.connection_returned()
    assert state.backoff.failures == 0 and state.next_auto_sync_in() < 20.0


def _offline_enrolment() -> Any:
    """An enrolment with a server on a loopback port nobody listens on."""
    import socket

    from fieldapp import models as m

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return m.Enrolment(
        server_url=f"http://127.0.0.1:{port}",
        device_id="dev-1",
        token="t",
        user_id=1,
        username="h",
        display_name="H",
        role="handhaver",
        districts=["noord"],
        enrolled_at=datetime.now(UTC),
    )


# ---------------------------------------------------------------- remarks


def _send_back(state: Any, entry_id: str, remark: str) -> None:
    """What a pulled review does to the phone's row (see fieldapp/pull_apply.py)."""
    from sqlmodel import Session

    from fieldapp import models as m

    with Session(state.store.engine) as session:
        row = session.get(m.Entry, entry_id)
        assert row is not None
        row.review_state, row.review_remark = "terug_naar_handhaver", remark
        session.add(row)
        session.commit()


def test_a_remark_shows_on_home_first_in_my_log_and_in_the_sync_result(host):
    from fieldapp.sync import SyncReport
    from fieldapp.views.home import HomeScreen

    state = host.state
    older = state.save("waarneming", _payload() | {"observed_at": None})
    for _ in range(2):
        state.save("waarneming", _payload() | {"observed_at": None})
    home = HomeScreen(host)
    home.refresh()
    assert not home.remarks.visible and state.remark_count() == 0
    _send_back(state, older.id, "Welk adres?")
    assert state.remark_count() == 1
    first = state.log()[0]
    assert first.id == older.id and first.needs_attention
    assert "Opmerking teamleider: Welk adres?" in first.detail
    home.refresh()
    assert home.remarks.visible
    assert home.remarks_text.value == "1 opmerking van je teamleider"
    lines = state.sync_summary(SyncReport())
    assert "1 opmerking van je teamleider: zie Mijn log." in lines


def test_no_stale_success_while_offline_with_entries_waiting(host):
    from fieldapp.sync import SyncReport

    state = host.state
    assert state.sync_summary(SyncReport())[0] == "Synchronisatie gelukt."
    state.save("waarneming", _payload() | {"observed_at": None})
    state.online = False
    lines = state.sync_summary(SyncReport())
    assert lines[0] == "Nu geen verbinding. De vorige synchronisatie was gelukt."
    assert "Synchronisatie gelukt." not in lines


def test_the_remark_is_on_the_edit_screen(host):
    from fieldapp.views.routes import make_screen

    entry = host.state.save("waarneming", _payload() | {"observed_at": None})
    _send_back(host.state, entry.id, "Welk adres precies?")
    form = make_screen(host, f"/log/{entry.id}")
    assert form is not None
    shown = texts(form.view())
    assert "Opmerking teamleider: Welk adres precies?" in shown


# ---------------------------------------------------------------- drafts


def test_a_draft_is_kept_sealed_survives_a_restart_and_goes_once_saved(tmp_path):
    import sqlite3

    from fake_host import phone_state

    from fieldapp.state import AppState

    state = phone_state(tmp_path / "phone")
    draft_id = state.new_entry_id()
    values = {"naam": "Sam de Vries", "geboortedatum": "05-03-2010", "aanleiding": ["x"]}
    state.keep_draft(draft_id, "gele_kaart", values)
    state.keep_draft(draft_id, "gele_kaart", values | {"note": "bij de bank"})  # as it is filled
    raw = sqlite3.connect(tmp_path / "phone" / "handhaving.db").execute("SELECT data FROM draft")
    [(data,)] = raw.fetchall()
    assert "Sam" not in data and "2010" not in data  # sealed at rest

    again = AppState(tmp_path / "phone")  # the app killed and started again
    [draft] = again.drafts()
    assert draft.id == draft_id and draft.kind == "gele_kaart"
    assert draft.values == values | {"note": "bij de bank"}
    assert again.drafts("waarneming") == []

    again.save(
        "waarneming", _payload() | {"observed_at": None}, new_id=draft_id
    )  # saved under the form's id: the draft is gone
    assert again.draft(draft_id) is None and again.drafts() == []


def test_a_wipe_removes_drafts(host):
    host.state.keep_draft(host.state.new_entry_id(), "waarneming", {"note": "x"})
    host.state.store.wipe()
    assert host.state.store.drafts.all() == []


def test_a_form_is_kept_as_it_is_filled_and_reopens_as_it_was(tmp_path):
    from fake_host import phone_state
    from test_views_forms import fill_gele_kaart

    from fieldapp.state import AppState

    host = FakeHost(phone_state(tmp_path / "phone"))
    form = forms.new_form(host, RecordKind.GELE_KAART)
    assert form is not None
    form.view()
    assert not form.has_input() and not form.keep_draft()  # nothing typed: no draft
    fill_gele_kaart(form)
    form.note.value = "Bij de bank"
    assert form.has_input() and form.keep_draft()
    [kept] = host.state.drafts()
    assert kept.id == form.new_id

    # The app killed and opened again: the next form of the kind is the draft.
    again = FakeHost(AppState(tmp_path / "phone"))
    reopened = forms.new_form(again, RecordKind.GELE_KAART)
    assert reopened is not None
    reopened.view()
    assert reopened.new_id == form.new_id
    assert reopened.naam.value == "Sam de Vries"
    assert reopened.geboortedatum.value == "05-03-2010"
    assert reopened.aanleiding.values == ["hinderlijk_gedrag"]
    assert reopened.hotspot.value == "noord-a"
    assert reopened.note.value == "Bij de bank"
    assert "Je concept is teruggezet." in texts(reopened.problems.control)
    reopened.save()
    assert not reopened.problems.control.visible or "Controleer" not in str(
        reopened.problems.text.value
    )
    [entry] = again.state.store.entries()
    assert entry.id == form.new_id and again.state.drafts() == []
    other = forms.new_form(again, RecordKind.GELE_KAART)
    assert other is not None and other.new_id != form.new_id  # a fresh form now


def test_a_discarded_draft_is_gone(host):
    form = forms.new_form(host, RecordKind.WAARNEMING)
    assert form is not None
    form.view()
    fill_waarneming(form)
    form.keep_draft()
    assert len(host.state.drafts()) == 1
    form.discard_draft()
    assert host.state.drafts() == []


def test_drafts_are_listed_on_home_and_open_their_form(host):
    from fieldapp.views.home import HomeScreen

    home = HomeScreen(host)
    home.refresh()
    assert not home.drafts_title.visible and home.drafts.controls == []
    host.state.keep_draft(host.state.new_entry_id(), "incident", {"place": {"text": "Station"}})
    home.refresh()
    assert home.drafts_title.visible
    [tile] = home.drafts.controls
    assert "Incident tegen handhaver" in texts(tile)
    tile.on_click(None)
    assert host.forms[-1][0] == "/incident"


@pytest.mark.parametrize("kind", list(RecordKind))
def test_an_untouched_form_has_no_input_and_a_changed_preset_has(tmp_path, kind):
    """What a form starts with (the incident's preset "geen" for police) is not the
    officer's input: ← on an untouched form asks nothing and keeps no draft."""
    from fake_host import phone_state

    host = FakeHost(phone_state(tmp_path / "phone"))
    form = forms.new_form(host, kind)
    assert form is not None
    form.view()
    assert not form.has_input() and not form.keep_draft()
    if kind == RecordKind.INCIDENT:
        form.politie.chips["aangifte_gewenst"].selected = True
        assert form.has_input()
