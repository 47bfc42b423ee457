"""What the screens ask of AppState: editing from "Mijn log", default focus
locations, typed dates and times, status texts and the background sync turn.

Plain pytest against the real sync server on loopback; no UI code involved.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from factories import make_user
from sqlmodel import Session, select

from fieldapp import models as m
from fieldapp.location import FixedLocation, Position
from fieldapp.state import (
    AppState,
    EntryInvalid,
    EntryLocked,
    distance_text,
    moment_texts,
    parse_birth_date,
    parse_moment,
)
from sync_server.db import session_scope
from sync_server.models import Record
from sync_server.services import accounts


def _ready_app(
    tmp_path,
    server,
    engine,
    settings,
    *,
    username="ui1",
    district="noord",
    location=None,
    sync=True,
):
    officer = make_user(engine, districts=[district], username=username)
    with session_scope(engine) as session:
        code = accounts.create_enrolment_code(
            session, user=officer, ttl=settings.enrolment_code_ttl
        )
    app = AppState(tmp_path / "phone", location=location)
    app.enroll(server.url, code.code)
    app.set_pin("48213", "48213")
    if sync:
        assert app.sync_now().ok
    return app


def _server_versions(engine, record_id):
    with Session(engine) as session:
        record = session.get(Record, record_id)
        return None if record is None else (record.version, record.payload)


# ---------------------------------------------------------------- editing


def test_edit_while_waiting_changes_in_place_then_after_sync_becomes_a_correction(
    tmp_path, server, engine, settings
):
    here = Position(52.39, 4.64, 12.0)
    app = _ready_app(tmp_path, server, engine, settings, location=FixedLocation(here))
    spot = app.hotspots()[0].code
    entry = app.save(
        "waarneming", {"theme": "afval", "hotspot": spot, "action": "aanspreken", "persons": 1}
    )
    assert entry.payload["location"]["lat"] == 52.39

    # The officer walked on before correcting: the place of the entry stays.
    app.location = FixedLocation(Position(52.40, 4.65, 5.0))
    changed = app.update_entry(
        entry.id, theme="afval", hotspot=spot, action="waarschuwing", persons=3, note="toch drie"
    )
    assert changed.version == 1  # not sent yet: edited in place
    stored = app.entry(entry.id)
    assert stored is not None
    assert stored.payload["persons"] == 3 and stored.payload["location"]["lat"] == 52.39
    assert app.pending_count() == 1

    assert app.sync_now().accepted == 1
    assert _server_versions(engine, entry.id)[0] == 1

    corrected = app.update_entry(
        entry.id, theme="afval", hotspot=spot, action="waarschuwing", persons=4, note="vier"
    )
    assert corrected.version == 2
    item = next(i for i in app.log() if i.id == entry.id)
    assert item.status == m.WACHT and not item.can_delete
    assert app.sync_now().accepted == 1
    version, payload = _server_versions(engine, entry.id)
    assert version == 2 and payload["persons"] == 4


def test_edit_keeps_the_photos_already_attached(tmp_path, server, engine, settings):
    import io

    from PIL import Image

    def picture(colour):
        buffer = io.BytesIO()
        Image.new("RGB", (40, 30), colour).save(buffer, "JPEG")
        return app.process_photo(buffer.getvalue())

    app = _ready_app(tmp_path, server, engine, settings, sync=True)
    spot = app.hotspots()[0].code
    first = picture("red")
    entry = app.save(
        "signaal_ondermijning",
        {"categorie": "drugs", "description": "handel", "hotspot": spot, "photos": [first]},
    )
    second = picture("blue")
    app.update_entry(
        entry.id, categorie="drugs", description="handel bij portiek", hotspot=spot, photos=[second]
    )
    stored = app.entry(entry.id)
    assert stored is not None
    assert stored.payload["photos"] == [first.sha256, second.sha256]
    assert app.entry_photo_count(entry.id) == 2
    app.update_entry(entry.id, categorie="drugs", description="zonder nieuwe foto", hotspot=spot)
    stored = app.entry(entry.id)
    assert stored is not None and stored.payload["photos"] == [first.sha256, second.sha256]


def test_yellow_card_edit_keeps_identity_and_after_sync_no_name_on_disk(
    tmp_path, server, engine, settings
):
    app = _ready_app(tmp_path, server, engine, settings)
    spot = app.hotspots()[0].code
    card = app.save(
        "gele_kaart",
        {
            "naam": "Piet Pietersma",
            "geboortedatum": "2009-02-03",
            "hotspot": spot,
            "aanleiding": "vernieling",
        },
    )
    assert app.has_pending_identity(card.id)
    # Blank name fields on the edit form mean: leave the identity as it was.
    app.update_entry(
        card.id, naam="", geboortedatum="", hotspot=spot, aanleiding="hinderlijk_gedrag", note=""
    )
    assert app.sync_now().accepted == 1
    assert not app.has_pending_identity(card.id)
    item = next(i for i in app.log() if i.id == card.id)
    assert "1e kaart" in item.detail and "Pietersma" not in repr(item)

    # The app is still running (its connections open): nothing left in any file.
    for path in (tmp_path / "phone").rglob("*"):
        if path.is_file():
            assert b"Pietersma" not in path.read_bytes(), path

    # A correction after sync goes without the identity and is accepted.
    app.update_entry(
        card.id,
        naam="",
        geboortedatum="",
        hotspot=spot,
        aanleiding="hinderlijk_gedrag",
        note="correctie",
    )
    assert app.sync_now().accepted == 1


def test_missing_place_is_reported_on_the_focus_location_field(tmp_path, server, engine, settings):
    app = _ready_app(tmp_path, server, engine, settings)
    with pytest.raises(EntryInvalid) as excinfo:
        app.save("waarneming", {"theme": "afval", "hotspot": None, "action": "aanspreken"})
    assert excinfo.value.problems == {"hotspot": "kies een focuslocatie"}
    with pytest.raises(EntryInvalid) as excinfo:
        app.save("incident", {"types": ["verbaal"], "hotspot": None})
    assert "hotspot" in excinfo.value.problems
    # Also when another field is wrong too: both are reported at once.
    with pytest.raises(EntryInvalid) as excinfo:
        app.save("waarneming", {"theme": "afval", "hotspot": None, "action": None})
    assert set(excinfo.value.problems) == {"action", "hotspot"}
    # An incident may name its place in words instead.
    assert app.save(
        "incident", {"types": ["verbaal"], "hotspot": None, "place": "Achter het station"}
    )


def test_delete_only_before_any_send(tmp_path, server, engine, settings):
    app = _ready_app(tmp_path, server, engine, settings)
    spot = app.hotspots()[0].code
    entry = app.save(
        "adrescontrole", {"uitkomst": "hit", "address": "Teststraat 1", "hotspot": spot}
    )
    assert next(i for i in app.log() if i.id == entry.id).can_delete
    app.store.mark_attempt([entry.id])  # a send whose reply got lost
    assert not next(i for i in app.log() if i.id == entry.id).can_delete
    with pytest.raises(EntryLocked):
        app.delete_entry(entry.id)


# ---------------------------------------------------------------- focus locations


def test_default_hotspot_only_the_nearest_within_trusted_distance(
    tmp_path, server, engine, settings
):
    app = _ready_app(tmp_path, server, engine, settings)
    choices = app.hotspots()
    assert app.default_hotspot() is None  # no position: no first of the district

    other = choices[3]
    app.save("incident", {"types": ["verbaal"], "hotspot": other.code, "bodycam_on": True})
    assert app.default_hotspot() is None  # nor the last used

    target = next(c for c in choices if c.code != other.code)
    with Session(app.store.engine) as session:
        row = session.get(m.Hotspot, target.code)
        assert row is not None and row.lat is not None and row.lon is not None
        lat, lon = row.lat, row.lon
    app.location = FixedLocation(Position(lat + 0.0001, lon, 10.0))
    chosen, reason = app.default_hotspot()  # type: ignore[misc]
    assert chosen.code == target.code
    assert reason.startswith("dichtstbij (") and reason.endswith(" m, GPS ±10 m)")
    assert app.nearby_hotspots(3)[0].code == target.code


def test_no_hotspots_before_the_first_sync(tmp_path, server, engine, settings):
    app = _ready_app(tmp_path, server, engine, settings, sync=False)
    assert app.default_hotspot() is None and app.nearby_hotspots() == []


# ---------------------------------------------------------------- typed values


def test_birth_date_typed_dutch_becomes_iso():
    assert parse_birth_date("05-03-2010") == "2010-03-05"
    assert parse_birth_date("5-3-2010") == "2010-03-05"
    assert parse_birth_date("05032010") == "2010-03-05"
    assert parse_birth_date("2010-03-05") == "2010-03-05"
    for wrong, expected in [
        ("", "verplicht"),
        ("31-02-2010", "bestaat niet"),
        ("maart 2010", "dd-mm-jjjj"),
        (f"01-01-{date.today().year + 1}", "toekomst"),
    ]:
        with pytest.raises(EntryInvalid) as excinfo:
            parse_birth_date(wrong)
        assert expected in excinfo.value.problems["geboortedatum"]


def test_moment_from_date_and_time_fields():
    now = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)
    day, clock = moment_texts(now)
    moment = parse_moment(day, clock, now=now)
    assert moment == now and moment.tzinfo is not None
    assert parse_moment(day, "9.05", now=now).strftime("%H:%M") == "09:05"
    for date_text, time_text in [("32-01-2024", "10:00"), (day, "25:00"), (day, "tien")]:
        with pytest.raises(EntryInvalid) as excinfo:
            parse_moment(date_text, time_text, now=now)
        assert "observed_at" in excinfo.value.problems
    later_day, later_clock = moment_texts(now + timedelta(hours=2))
    with pytest.raises(EntryInvalid, match="toekomst"):
        parse_moment(later_day, later_clock, now=now)


def test_distance_text():
    assert distance_text(43) == "40 m"
    assert distance_text(1234) == "1,2 km"


# ---------------------------------------------------------------- status and sync


def test_status_texts_and_background_sync_turn(tmp_path, server, engine, settings):
    app = _ready_app(tmp_path, server, engine, settings, sync=False)
    assert app.online_text() == "Online"  # enrolment just reached the server
    assert app.last_sync_text() == "Nog niet gesynchroniseerd"
    assert app.needs_sync()

    report = app.auto_sync()
    assert report is not None and report.ok
    assert app.last_sync_text().startswith("Laatst gesynchroniseerd ")
    assert app.pending_text() == "Alles is verzonden"
    assert app.auto_sync() is None  # nothing waits and the data is fresh

    spot = app.hotspots()[0].code
    for persons in (1, 2):
        app.save(
            "waarneming",
            {"theme": "afval", "hotspot": spot, "action": "aanspreken", "persons": persons},
        )
    assert app.pending_text() == "2 wachten op verzenden"
    report = app.auto_sync()
    assert report is not None and report.accepted == 2
    assert app.sync_summary(report)[:2] == ["Synchronisatie gelukt.", "Resultaat: 2 geaccepteerd."]

    app.save("waarneming", {"theme": "afval", "hotspot": spot, "action": "aanspreken"})
    assert app.pending_text() == "1 wacht op verzenden"
    app.store.update_enrolment(server_url="http://127.0.0.1:9")  # nobody listens there
    assert app.auto_sync() is None
    assert app.online is False
    assert app.online_text() == "Offline — invoer blijft bewaard"
    failed = app.sync_now()
    lines = app.sync_summary(failed)
    assert lines[0].startswith("Synchronisatie mislukt. Geen verbinding")
    assert lines[-1] == "1 wacht op verzenden."


def test_last_sync_text_days(tmp_path):
    app = AppState(tmp_path / "phone")
    now = datetime.now(UTC)
    app.store.record_sync(ok=True)
    assert app.last_sync_text(now=now).startswith("Laatst gesynchroniseerd ")
    assert "gisteren" in app.last_sync_text(now=now + timedelta(days=1))
    assert app.last_sync_text(now=now + timedelta(days=5)).count("-") == 1


def test_rejections_are_listed_with_their_reason(tmp_path, server, engine, settings):
    app = _ready_app(tmp_path, server, engine, settings)
    spot = app.hotspots()[0].code
    # A theme this phone knows but the server does not (e.g. removed since).
    app.store.apply_pull_page(
        [
            {
                "seq": app.store.cursor(),
                "entity": "theme",
                "op": "upsert",
                "id": "verouderd",
                "data": {"code": "verouderd", "name": "Verouderd", "kind": "handhaving"},
            }
        ],
        app.store.cursor(),
    )
    bad = app.save("waarneming", {"theme": "verouderd", "hotspot": spot, "action": "aanspreken"})
    good = app.save("waarneming", {"theme": "afval", "hotspot": spot, "action": "aanspreken"})
    report = app.sync_now()
    assert report.accepted == 1 and report.rejected == 1
    lines = app.sync_summary(report)
    assert lines[0] == "Verzonden, maar niet alles is aangenomen."
    assert "1 geaccepteerd, 1 afgewezen" in lines[1]
    problems = app.problem_items()
    assert [p.id for p in problems] == [bad.id]
    assert problems[0].detail == "Onbekend thema." and problems[0].status_label == "Afgewezen"
    assert good.id not in {p.id for p in problems}
    with Session(engine) as session:
        assert session.exec(select(Record.id).where(Record.id == good.id)).first()


def test_unusable_positions_count_as_unknown(tmp_path):
    app = AppState(tmp_path / "phone", location=FixedLocation(Position(48.85, 2.35, 20.0)))
    assert app.position() is None  # Paris: outside the protocol's bounds
    app.location = FixedLocation(Position(52.38, 4.64, 25_000.0))
    assert app.position() is None  # a browser's guess from the IP address
    app.location = FixedLocation(Position(52.38, 4.64, 15.0))
    assert app.position() == Position(52.38, 4.64, 15.0)


def test_team_leader_sending_an_entry_back_is_flagged_in_the_log(
    tmp_path, server, engine, settings
):
    app = _ready_app(tmp_path, server, engine, settings)
    entry = app.save(
        "waarneming", {"theme": "afval", "hotspot": app.hotspots()[0].code, "action": "aanspreken"}
    )
    assert app.sync_now().accepted == 1
    item = next(i for i in app.log() if i.id == entry.id)
    assert not item.needs_attention and "Beoordeling" not in item.detail  # "nieuw" is noise
    app.store.apply_pull_page(
        [
            {
                "seq": app.store.cursor(),
                "entity": "record",
                "op": "upsert",
                "id": entry.id,
                "data": {
                    "kind": "waarneming",
                    "version": 1,
                    "review_state": "terug_naar_handhaver",
                    "review_remark": "Welk adres?",
                },
            }
        ],
        app.store.cursor(),
    )
    item = next(i for i in app.log() if i.id == entry.id)
    assert item.needs_attention
    assert "Opmerking teamleider: Welk adres?" in item.detail
