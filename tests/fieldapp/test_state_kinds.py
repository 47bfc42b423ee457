"""The registry of entry kinds (fieldapp.kinds) and AppState's one save path:
every kind of the wire format has exactly one entry, and any kind saves through
`save(kind, fields)` into a real SQLite store, its payload as the wire model says."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from phone_reference import REFERENCE

from fieldapp.kinds import KINDS, by_route, kind_of
from fieldapp.labels import KIND_LABELS
from fieldapp.state import AppState, EntryInvalid
from sync_protocol import RecordKind
from sync_protocol.records import KIND_MODELS


@pytest.fixture
def app(tmp_path) -> AppState:
    state = AppState(tmp_path / "phone")
    state.store.apply_pull_page(REFERENCE, next_since=len(REFERENCE))
    return state


def test_every_wire_kind_has_one_entry():
    assert list(KINDS) == list(RecordKind)
    routes = [spec.route for spec in KINDS.values()]
    assert len(set(routes)) == len(routes) and all(r.startswith("/") for r in routes)
    for kind, spec in KINDS.items():
        assert spec.model is KIND_MODELS[kind]
        assert by_route(spec.route) is spec and kind_of(kind.value) is spec
        assert KIND_LABELS[kind.value] == spec.label
        assert set(spec.identity_fields).isdisjoint(spec.model.model_fields)
    assert by_route("/log") is None


def test_an_unknown_kind_is_refused(app):
    with pytest.raises(ValueError):
        app.save("parkeerbon", {"hotspot": "noord-a"})
    assert app.pending_count() == 0


def test_save_builds_the_payload_once(app):
    moment = datetime(2026, 3, 5, 14, 5, tzinfo=UTC)
    entry = app.save(
        RecordKind.WAARNEMING,
        {"theme": "afval", "action": "aanspreken", "hotspot": "noord-a", "observed_at": moment},
    )
    # The registry's defaults fill what the caller left out; empty values are dropped.
    assert entry.payload == {
        "observed_at": moment.isoformat(),
        "theme": "afval",
        "action": "aanspreken",
        "persons": 0,
        "hotspot": "noord-a",
    }
    incident = app.save("incident", {"types": ["verbaal"], "place": "Station"})
    # An incident keeps every field as typed, and its place text stands in for a hotspot.
    assert incident.payload["description"] == "" and incident.payload["injured"] is False


def test_a_yellow_cards_identity_stays_out_of_the_payload(app):
    card = app.save(
        "gele_kaart",
        {
            "naam": " Sam de Vries ",
            "geboortedatum": "2010-03-05",
            "aanleiding": "vernieling",
            "hotspot": "noord-a",
        },
    )
    assert "naam" not in card.payload and "geboortedatum" not in card.payload
    assert app.has_pending_identity(card.id)
    with pytest.raises(EntryInvalid) as excinfo:
        app.save("gele_kaart", {"naam": "", "aanleiding": "vernieling", "hotspot": "noord-a"})
    assert excinfo.value.problems
    assert app.pending_count() == 1
