"""The phone's copy of issue 13's entities: retired hotspots and hotspot periods
(hidden from pickers, still named in history), district actions pulled and
shown during their hot times, and an entry logged against one. Real SQLite."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from phone_reference import REFERENCE

from fieldapp import local_wijkacties
from fieldapp.state import AppState, EntryInvalid
from sync_protocol import RecordKind

ACTION_ID = "0b0e8a52-3c1d-4f8e-9a77-2b6d5c4e3f21"
HAARLEM = ZoneInfo("Europe/Amsterdam")


def _hotspot(code: str, seq: int, **extra) -> dict:
    data = {"code": code, "name": code.title(), "district": "noord", "themes": ["afval"]}
    data |= {"lat": 52.39, "lon": 4.64} | extra
    return {"entity": "hotspot", "op": "upsert", "id": code, "seq": seq, "data": data}


def _action(seq: int, **extra) -> dict:
    data = {
        "id": ACTION_ID,
        "district": "noord",
        "title": "Avondactie afval",
        "themes": ["afval"],
        "hotspots": ["noord-a"],
        "starts_on": "2026-11-01",
        "ends_on": "2026-11-30",
        # Fridays 19–23, Haarlem time.
        "hot_times": [{"weekday": 4, "start_hour": 19, "end_hour": 23}],
        "goal": "Minder bijplaatsingen",
        "target": 20,
        "team": "Avondploeg",
        "officers": [],
        "version": 1,
    } | extra
    return {"entity": "wijkactie", "op": "upsert", "id": ACTION_ID, "seq": seq, "data": data}


@pytest.fixture
def app(tmp_path) -> AppState:
    state = AppState(tmp_path / "phone")
    page = [
        *REFERENCE,
        _hotspot("noord-oud", 101, retired=True),
        _hotspot("noord-volgend-jaar", 102, valid_from="2099-01-01"),
        _action(103),
    ]
    state.store.apply_pull_page(page, next_since=103)
    return state


def test_retired_and_future_hotspots_are_hidden_from_pickers_but_named_in_history(app):
    codes = {choice.code for choice in app.hotspots()}
    assert "noord-a" in codes
    assert "noord-oud" not in codes and "noord-volgend-jaar" not in codes
    assert app.hotspot_name("noord-oud") == "Noord-Oud"  # history still reads its name
    assert "noord-oud" not in {h.code for h in app.hotspots_for_map()}
    assert all(h.lat is not None for h in app.hotspots_for_map())


def test_a_pulled_action_is_on_only_during_its_hot_times(app):
    [action] = app.store.wijkacties(include_past=True)
    assert (action.title, action.hotspots, action.target) == ("Avondactie afval", ["noord-a"], 20)
    friday_evening = datetime(2026, 11, 13, 20, 30, tzinfo=HAARLEM)
    friday_morning = datetime(2026, 11, 13, 9, 0, tzinfo=HAARLEM)
    after_period = datetime(2026, 12, 4, 20, 30, tzinfo=HAARLEM)
    assert [a.id for a in app.active_actions(friday_evening)] == [ACTION_ID]
    assert app.active_actions(friday_morning) == []
    assert app.active_actions(after_period) == []
    # 19:30 UTC is 20:30 in Haarlem: the hot time is Haarlem's.
    assert [a.id for a in app.active_actions(datetime(2026, 11, 13, 19, 30, tzinfo=UTC))] == [
        ACTION_ID
    ]


def test_a_changed_and_then_removed_action_follows_the_server(app):
    app.store.apply_pull_page([_action(104, title="Nachtactie")], next_since=104)
    assert [a.title for a in app.store.wijkacties(include_past=True)] == ["Nachtactie"]
    tombstone = {"entity": "wijkactie", "op": "delete", "id": ACTION_ID, "seq": 105, "data": None}
    app.store.apply_pull_page([tombstone], next_since=105)
    assert app.store.wijkacties(include_past=True) == []
    assert app.store.wijkactie(ACTION_ID) is None


def test_an_entry_is_logged_against_an_action_and_an_unknown_one_is_refused(app):
    entry = app.save(
        RecordKind.WAARNEMING,
        {"theme": "afval", "action": "aanspreken", "hotspot": "noord-a", "wijkactie": ACTION_ID},
    )
    assert entry.payload["wijkactie"] == ACTION_ID
    with pytest.raises(EntryInvalid) as refused:
        app.save(
            RecordKind.WAARNEMING,
            {
                "theme": "afval",
                "action": "aanspreken",
                "hotspot": "noord-a",
                "wijkactie": "11111111-2222-4333-8444-555555555555",
            },
        )
    assert "wijkactie" in refused.value.problems
    assert app.pending_count() == 1


def test_past_actions_are_left_out_unless_asked(app):
    engine = app.store.engine
    assert local_wijkacties.wijkacties(engine, today=date(2026, 12, 1)) == []
    assert len(local_wijkacties.wijkacties(engine, today=date(2026, 11, 30))) == 1
    assert len(app.wijkacties(include_past=True)) == 1
