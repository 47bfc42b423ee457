"""Pulling changes: complete paging by change number, and a scope only the server decides.

A phone stores `next_since` after applying a page; if a page boundary could drop
or repeat a change, the phone would silently miss a hotspot or a review remark.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from factories import (
    Phone,
    adrescontrole,
    enrol,
    gele_kaart,
    hotspot_in,
    incident,
    make_user,
    signaal,
    waarneming,
)
from pydantic import TypeAdapter
from sqlmodel import Session, col, or_, select

from sync_protocol import Change as WireChange
from sync_protocol import (
    DistrictChange,
    HotspotChange,
    PullPage,
    RecordChange,
    RecordStateData,
    ThemeChange,
    Tombstone,
)
from sync_server.db import session_scope
from sync_server.models import Change, Hotspot, Record
from sync_server.models.changes import AUDIENCE_ALL, AUDIENCE_DISTRICT, AUDIENCE_OWNER
from sync_server.services.changes import PendingChange, latest_seq, record_changes


def _pages(phone: Phone, limit: int, **extra: Any) -> list[dict[str, Any]]:
    """Every page from change 0 until `more` is false."""
    pages: list[dict[str, Any]] = []
    since = 0
    while True:
        response = phone.client.get(
            "/api/v1/sync/pull",
            headers=phone.headers,
            params={"since": since, "limit": limit, **extra},
        )
        assert response.status_code == 200, response.text
        page = response.json()
        pages.append(page)
        since = page["next_since"]
        if not page["more"]:
            return pages
        assert len(pages) < 1000, "pull does not end"


def _changes(pages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [change for page in pages for change in page["changes"]]


def _visible_seqs(engine, user_id: int, districts: list[str]) -> list[int]:
    """What a handhaver or teamleider may see, straight from the change log."""
    with Session(engine) as session:
        return list(
            session.exec(
                select(Change.seq)
                .where(
                    or_(
                        col(Change.audience) == AUDIENCE_ALL,
                        (col(Change.audience) == AUDIENCE_DISTRICT)
                        & col(Change.district_code).in_(districts),
                        (col(Change.audience) == AUDIENCE_OWNER)
                        & (col(Change.owner_user_id) == user_id),
                    )
                )
                .order_by(col(Change.seq))
            ).all()
        )


def _hotspots(engine, districts: list[str] | None = None) -> set[str]:
    query = select(Hotspot.code).where(col(Hotspot.retired).is_(False))
    if districts is not None:
        query = query.where(col(Hotspot.district_code).in_(districts))
    with Session(engine) as session:
        return set(session.exec(query).all())


def _phone(
    http, engine, settings, role: str = "handhaver", districts: list[str] | None = None
) -> Phone:
    user = make_user(engine, role=role, districts=districts, password=None)
    return enrol(http, engine, settings, user)


@pytest.fixture
def two_districts(http, engine, settings):
    """A Noord officer and a Schalkwijk officer who have both pushed records,
    pushed alternately so that the change numbers of the two interleave."""
    noord = _phone(http, engine, settings, districts=["noord"])
    schalkwijk = _phone(http, engine, settings, districts=["schalkwijk"])
    n_spot, s_spot = hotspot_in(engine, "noord"), hotspot_in(engine, "schalkwijk")
    for _ in range(3):
        noord.push_ok([waarneming(n_spot), incident(n_spot)])
        schalkwijk.push_ok([waarneming(s_spot), gele_kaart(s_spot), adrescontrole()])
    noord.push_ok([signaal(n_spot), adrescontrole()])
    return noord, schalkwijk


@pytest.mark.parametrize("limit", [1, 7, 500])
def test_paging_returns_every_change_once_in_order(two_districts, engine, limit):
    noord, _ = two_districts
    expected = _visible_seqs(engine, noord.user.id, ["noord"])

    pages = _pages(noord, limit)

    seqs = [c["seq"] for c in _changes(pages)]
    assert seqs == expected  # every change, once, in change-number order
    for page in pages[:-1]:
        assert page["more"] is True
        assert len(page["changes"]) == limit
    assert pages[-1]["more"] is False
    assert len(pages) == -(-len(expected) // limit)
    for page in pages:
        assert page["next_since"] == page["changes"][-1]["seq"]


def test_a_page_that_ends_exactly_at_the_last_change_says_no_more(two_districts, engine):
    noord, _ = two_districts
    total = len(_visible_seqs(engine, noord.user.id, ["noord"]))
    pages = _pages(noord, total)
    assert len(pages) == 1
    assert len(pages[0]["changes"]) == total
    assert pages[0]["more"] is False


def test_pulling_after_the_end_returns_nothing_new(two_districts, engine):
    noord, _ = two_districts
    noord.pull_all(limit=50)
    cursor = noord.cursor
    response = noord.pull()
    assert response.status_code == 200
    assert response.json()["changes"] == []
    assert response.json()["more"] is False
    assert response.json()["next_since"] == cursor


def test_since_at_the_end_is_empty_and_beyond_it_asks_for_a_full_pull(two_districts, engine):
    """A cursor past the server's last change can only come from a restored
    backup; the phone is told to start again instead of waiting for ever."""
    noord, _ = two_districts
    with Session(engine) as session:
        last = latest_seq(session)
    page = noord.pull(since=last).json()
    assert (page["changes"], page["more"], page["next_since"]) == ([], False, last)
    response = noord.pull(since=last + 1000)
    assert response.status_code == 409
    assert response.json()["code"] == "cursor_ahead"


@pytest.mark.parametrize("limit", [1, 7, 500])
def test_an_officer_never_receives_another_districts_hotspots_or_records(
    two_districts, engine, limit
):
    noord, schalkwijk = two_districts
    with Session(engine) as session:
        their_records = set(
            session.exec(
                select(Change.entity_id).where(
                    Change.entity == "record", Change.owner_user_id == schalkwijk.user.id
                )
            ).all()
        )
    assert their_records  # the Schalkwijk officer did push

    changes = _changes(_pages(noord, limit))

    hotspot_ids = {c["id"] for c in changes if c["entity"] == "hotspot"}
    assert hotspot_ids == _hotspots(engine, ["noord"])
    assert {c["data"]["district"] for c in changes if c["entity"] == "hotspot"} == {"noord"}
    received_records = {c["id"] for c in changes if c["entity"] == "record"}
    assert received_records.isdisjoint(their_records)
    assert len(received_records) == 8  # exactly the Noord officer's own


def test_an_officer_does_not_receive_a_colleagues_records_of_the_same_district(
    http, engine, settings
):
    mine = _phone(http, engine, settings, districts=["noord"])
    colleague = _phone(http, engine, settings, districts=["noord"])
    spot = hotspot_in(engine, "noord")
    own = mine.push_ok([waarneming(spot)])
    colleague.push_ok([waarneming(spot), gele_kaart(spot)])

    received = {c["id"] for c in mine.pull_all(limit=10) if c["entity"] == "record"}

    assert received == {own[0]["id"]}


def test_a_teamleider_receives_the_hotspots_of_each_of_their_districts(http, engine, settings):
    leader = _phone(http, engine, settings, role="teamleider", districts=["oost", "zuid-west"])
    changes = leader.pull_all(limit=500)
    hotspots = {c["id"] for c in changes if c["entity"] == "hotspot"}
    assert hotspots == _hotspots(engine, ["oost", "zuid-west"])
    assert {c["data"]["district"] for c in changes if c["entity"] == "hotspot"} == {
        "oost",
        "zuid-west",
    }


def test_a_beheerder_receives_the_hotspots_of_all_districts(http, engine, settings):
    beheerder = _phone(http, engine, settings, role="beheerder", districts=[])
    changes = beheerder.pull_all(limit=500)
    assert {c["id"] for c in changes if c["entity"] == "hotspot"} == _hotspots(engine)
    assert len({c["data"]["district"] for c in changes if c["entity"] == "hotspot"}) == 5


def test_everyone_receives_all_districts_and_themes(two_districts):
    noord, _ = two_districts
    changes = noord.pull_all(limit=500)
    assert {c["id"] for c in changes if c["entity"] == "district"} == {
        "centrum",
        "noord",
        "oost",
        "zuid-west",
        "schalkwijk",
    }
    assert "afval" in {c["id"] for c in changes if c["entity"] == "theme"}


def test_query_parameters_cannot_widen_the_scope(two_districts, engine):
    noord, schalkwijk = two_districts
    other = str(schalkwijk.user.id)
    plain = _changes(_pages(noord, 500))
    attempts = [
        {"district": "schalkwijk"},
        {"districts": "schalkwijk", "user_id": other, "owner_user_id": other},
        {"role": "beheerder", "scope": "all", "audience": "all"},
    ]
    for extra in attempts:
        widened = _changes(_pages(noord, 500, **extra))
        assert widened == plain, extra
    assert all(c["data"]["district"] == "noord" for c in plain if c["entity"] == "hotspot")


@pytest.mark.parametrize(
    "params",
    [
        pytest.param({"since": -1}, id="negative-since"),
        pytest.param({"since": 0, "limit": 0}, id="limit-0"),
        pytest.param({"since": 0, "limit": 5000}, id="limit-5000"),
        pytest.param({"since": "zeven"}, id="since-not-a-number"),
    ],
)
def test_invalid_cursor_or_limit_is_refused(http, engine, settings, params):
    phone = _phone(http, engine, settings, districts=["noord"])
    response = http.get("/api/v1/sync/pull", headers=phone.headers, params=params)
    assert response.status_code == 422
    assert response.json()["code"] == "invalid_request"


def test_pull_without_protocol_header_is_refused(http, engine, settings, server):
    phone = _phone(http, engine, settings, districts=["noord"])
    with httpx.Client(base_url=server.url) as bare:
        response = bare.get("/api/v1/sync/pull", headers=phone.headers, params={"since": 0})
    assert response.status_code == 400
    assert response.json()["code"] == "protocol_missing"


_CHANGE: TypeAdapter[Any] = TypeAdapter(WireChange)


def test_every_page_is_exactly_what_the_wire_models_describe(two_districts, engine):
    """The server builds its pages from sync_protocol's entity models: each change
    reads back as its own kind (never as an unknown one), and dumping the typed
    change gives the very JSON that was sent (no field missing, none extra)."""
    noord, schalkwijk = two_districts
    retired = hotspot_in(engine, "noord")
    with session_scope(engine) as session:
        hotspot = session.get(Hotspot, retired)
        assert hotspot is not None
        hotspot.retired = True
        session.add(hotspot)
        record = session.exec(
            select(Record).where(
                Record.owner_user_id == schalkwijk.user.id, Record.kind == "gele_kaart"
            )
        ).first()
        assert record is not None and record.card_number is not None
        record.review_state, record.review_remark = "terug_naar_handhaver", "Welke straat?"
        session.add(record)
        record_changes(
            session,
            [
                PendingChange("hotspot", retired, "delete", AUDIENCE_DISTRICT, "noord"),
                PendingChange(
                    "record", record.id, "upsert", AUDIENCE_OWNER, "schalkwijk", schalkwijk.user.id
                ),
            ],
        )

    kinds: dict[type[Any], int] = {}
    for phone in (noord, schalkwijk):
        for page in _pages(phone, 7):
            typed = PullPage.model_validate(page)
            assert [_CHANGE.dump_python(c, mode="json") for c in typed.changes] == page["changes"]
            for change in typed.changes:
                kinds[type(change)] = kinds.get(type(change), 0) + 1
    assert set(kinds) == {DistrictChange, ThemeChange, HotspotChange, RecordChange, Tombstone}
    tombstone = [c for c in _changes(_pages(noord, 500)) if c["id"] == retired]
    assert tombstone == [
        {
            "seq": tombstone[0]["seq"],
            "entity": "hotspot",
            "op": "delete",
            "id": retired,
            "data": None,
        }
    ]
    [state] = [c["data"] for c in _changes(_pages(schalkwijk, 500)) if c["id"] == record.id]
    assert RecordStateData.model_validate(state) == RecordStateData(
        kind="gele_kaart",
        version=1,
        review_state="terug_naar_handhaver",
        review_remark="Welke straat?",
        card_number=record.card_number,
        next_step=state["next_step"],
        received_at=state["received_at"],
    )
    assert state["next_step"]  # the yellow card's next step comes with its number


def test_the_wire_keys_old_phones_read_are_unchanged(two_districts):
    """Typing the page changed no key an installed app reads."""
    noord, _ = two_districts
    keys = {(c["entity"], tuple(sorted(c["data"]))) for c in _changes(_pages(noord, 500))}
    assert keys == {
        ("district", ("center_lat", "center_lon", "code", "name", "version")),
        ("theme", ("code", "description", "kind", "name", "version")),
        (
            "hotspot",
            # Issue 13 added retired and the period: additive, an old phone ignores them.
            (
                "approximate",
                "code",
                "district",
                "lat",
                "lon",
                "name",
                "note",
                "retired",
                "themes",
                "valid_from",
                "valid_to",
                "version",
            ),
        ),
        (
            "record",
            (
                "card_number",
                "kind",
                "next_step",
                "received_at",
                "review_remark",
                "review_state",
                "version",
            ),
        ),
    }


def test_the_typed_page_survives_a_round_trip_through_the_wire(two_districts, engine):
    """The service's typed changes (the pull's hot path builds them from rows in
    one validator call): validating what they dump gives the same models back."""
    from sync_server.models import User
    from sync_server.services.pull import pull_changes

    _, schalkwijk = two_districts
    with session_scope(engine) as session:
        user = session.get(User, schalkwijk.user.id)
        assert user is not None
        changes, _, _ = pull_changes(
            session, user=user, districts=["schalkwijk"], since=0, limit=1000
        )
    records = [c for c in changes if isinstance(c, RecordChange)]
    assert records, "the officer's own records come back"
    dumped = [_CHANGE.dump_python(c, mode="json") for c in changes]
    again = [_CHANGE.validate_python(d) for d in dumped]
    assert again == changes
    assert [type(c) for c in again] == [type(c) for c in changes]
    assert [c.seq for c in changes] == sorted(c.seq for c in changes)
