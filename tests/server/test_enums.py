"""Roles, review states and entry statuses are enums in the wire format; their
values are the words deployed phones already send and read, and what the
database holds. These tests pin those values and follow a role and a review
state over real HTTP into the database and back."""

from __future__ import annotations

from factories import bearer, browser_token, enrol, hotspot_in, make_user, waarneming
from sqlalchemy import text

from sync_protocol import DECISIONS, MANAGER_ROLES, RecordStatus, ReviewState, Role, UserInfo


def test_the_wire_values_do_not_change():
    assert [r.value for r in Role] == ["handhaver", "teamleider", "beheerder"]
    assert [s.value for s in ReviewState] == [
        "nieuw",
        "beoordeeld",
        "terug_naar_handhaver",
        "afgesloten",
    ]
    assert [s.value for s in RecordStatus] == ["wacht", "verzonden", "geaccepteerd", "afgewezen"]
    assert MANAGER_ROLES == {"teamleider", "beheerder"}
    assert ReviewState.NIEUW not in DECISIONS


def test_a_role_serialises_as_its_plain_word():
    info = UserInfo(id=1, username="tl", display_name="TL", role="teamleider", districts=["noord"])
    assert info.role is Role.TEAMLEIDER
    assert info.model_dump_json().count('"role":"teamleider"') == 1


def test_role_and_review_state_travel_as_plain_words(http, engine, settings):
    officer = enrol(http, engine, settings, make_user(engine, districts=["noord"], password=None))
    entry = waarneming(hotspot_in(engine, "noord"))
    officer.push_ok([entry])
    leader = browser_token(engine, make_user(engine, role=Role.TEAMLEIDER.value))

    me = http.get("/api/v1/auth/me", headers=bearer(leader))
    assert me.status_code == 200, me.text
    assert me.json()["user"]["role"] == "teamleider"

    decided = http.post(
        f"/api/v1/review/records/{entry['id']}",
        headers=bearer(leader),
        json={"state": "terug_naar_handhaver", "remark": "Welke container?"},
    )
    assert decided.status_code == 200, decided.text
    assert decided.json()["review_state"] == "terug_naar_handhaver"
    with engine.connect() as connection:
        stored = connection.execute(
            text("SELECT review_state FROM record WHERE id = :id"), {"id": entry["id"]}
        ).scalar_one()
        events = connection.execute(
            text("SELECT state FROM reviewevent WHERE record_id = :id"), {"id": entry["id"]}
        ).scalars()
        assert [stored, *events] == ["terug_naar_handhaver", "terug_naar_handhaver"]

    listed = http.get(
        "/api/v1/review/records", headers=bearer(leader), params={"state": "terug_naar_handhaver"}
    )
    assert [item["id"] for item in listed.json()["items"]] == [entry["id"]]
    officer.pull_all()
    assert officer.seen[("record", entry["id"])]["review_state"] == "terug_naar_handhaver"
