"""Hot spots and hot times: derived local fields, nearest-hotspot assignment, the
weekday × hour matrix, and the patrol suggestion."""

from __future__ import annotations

import os
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from factories import (
    adrescontrole,
    assert_error,
    bearer,
    browser_token,
    enrol,
    gele_kaart,
    hotspot_in,
    make_user,
    uuid7,
    waarneming,
)
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlmodel import Session, SQLModel, select
from sqlmodel.sql.sqltypes import UTCDateTime

from sync_server.db import make_engine, normalise_url
from sync_server.migrate import alembic_config, upgrade
from sync_server.models import Hotspot, Record
from sync_server.services import nightly

LOCAL = ZoneInfo("Europe/Amsterdam")
ACTIVITY = "/api/v1/hotspots/activity"
PATROL = "/api/v1/patrol-suggestion"
LONELY = "noord-skaeve-huse-vergierdeweg"  # a noord hotspot with no other within 1 km


def _local(*args: int) -> str:
    return datetime(*args, tzinfo=LOCAL).isoformat()  # type: ignore[misc]


def _record(engine, record_id: str) -> Record:
    with Session(engine) as session:
        record = session.get(Record, record_id)
    assert record is not None
    return record


def _spot(engine, code: str) -> Hotspot:
    with Session(engine) as session:
        spot = session.get(Hotspot, code)
    assert spot is not None and spot.lat is not None and spot.lon is not None
    return spot


def _north(spot: Hotspot, metres: float) -> dict[str, float]:
    assert spot.lat is not None and spot.lon is not None
    return {"lat": spot.lat + metres / 111_195, "lon": spot.lon}


@pytest.fixture
def officer(http, engine, settings):
    return enrol(http, engine, settings, make_user(engine, districts=["noord"], password=None))


@pytest.fixture
def leader(engine):
    return browser_token(
        engine, make_user(engine, role="teamleider", districts=["noord"], password=None)
    )


# ---------------------------------------------------------------- derived columns


def test_push_fills_the_local_fields_in_haarlem_time(officer, engine):
    spot = hotspot_in(engine, "noord")
    winter = waarneming(
        spot,
        observed_at="2024-01-16T14:30:00+00:00",
        action="bon_proces_verbaal",
        feit="wildplassen",
    )
    summer = waarneming(spot, observed_at="2024-07-16T22:30:00+00:00")  # 00:30 on the 17th
    card = gele_kaart(spot, observed_at="2024-03-31T00:30:00+00:00")  # 01:30, before the clocks go
    officer.push_ok([winter, summer, card])

    w, s, c = (_record(engine, r["id"]) for r in (winter, summer, card))
    assert (w.local_date.isoformat(), w.local_year, w.local_month, w.weekday, w.hour) == (
        "2024-01-16",
        2024,
        1,
        1,
        15,
    )
    assert (w.action, w.feit) == ("bon_proces_verbaal", "wildplassen")
    assert (s.local_date.isoformat(), s.weekday, s.hour) == ("2024-07-17", 2, 0)
    assert (s.action, s.feit) == ("aanspreken", None)
    assert (c.local_date.isoformat(), c.hour, c.action, c.feit) == ("2024-03-31", 1, None, None)
    assert w.assigned_hotspot_code == spot


def test_a_correction_updates_the_derived_fields(officer, engine):
    spot = hotspot_in(engine, "noord")
    first = waarneming(spot, observed_at="2024-05-01T08:00:00+00:00", action="aanspreken")
    officer.push_ok([first])
    second = {
        **first,
        "version": 2,
        "payload": {
            **first["payload"],
            "observed_at": "2024-05-03T18:00:00+00:00",
            "action": "waarschuwing",
        },
    }
    officer.push_ok([second])
    record = _record(engine, first["id"])
    assert (record.local_date.isoformat(), record.hour, record.action) == (
        "2024-05-03",
        20,
        "waarschuwing",
    )


def test_coordinates_count_for_the_nearest_hotspot_within_the_distance(officer, engine, settings):
    lonely = _spot(engine, LONELY)
    near = waarneming(None, location=_north(lonely, 100))
    far = waarneming(None, location=_north(lonely, 400))
    nowhere = adrescontrole()  # no place at all
    named = waarneming(hotspot_in(engine, "noord"), location=_north(lonely, 10))
    officer.push_ok([near, far, nowhere, named])

    assert _record(engine, near["id"]).assigned_hotspot_code == LONELY
    assert _record(engine, far["id"]).assigned_hotspot_code is None
    assert _record(engine, nowhere["id"]).assigned_hotspot_code is None
    # A named hotspot is the one it counts for, whatever the coordinates say.
    assert _record(engine, named["id"]).assigned_hotspot_code == hotspot_in(engine, "noord")

    # A wider configured distance, applied by the nightly job to earlier logs too.
    nightly.run_nightly(engine, replace(settings, nearest_hotspot_max_m=500))
    assert _record(engine, far["id"]).assigned_hotspot_code == LONELY
    nightly.run_nightly(engine, settings)
    assert _record(engine, far["id"]).assigned_hotspot_code is None


def test_only_hotspots_of_the_logs_own_district_are_candidates(officer, engine):
    centrum = _spot(engine, "centrum-egelantiertuin")
    at_centrum = waarneming(None, location=_north(centrum, 5))
    officer.push_ok([at_centrum])
    record = _record(engine, at_centrum["id"])
    assert record.district_code == "noord"
    assert record.assigned_hotspot_code is None


# ---------------------------------------------------------------- hot times


def test_weekday_hour_matrix_of_a_known_set(http, officer, leader, engine):
    a = hotspot_in(engine, "noord", "jeugd")
    b = LONELY
    logs = [
        waarneming(
            a, observed_at=_local(2024, 3, 5, 15, 30), theme="jeugd"
        ),  # tuesday, winter time
        waarneming(a, observed_at=_local(2024, 7, 9, 15, 5), theme="jeugd"),  # tuesday, summer time
        waarneming(a, observed_at=_local(2024, 7, 9, 15, 55), theme="afval"),
        waarneming(b, observed_at=_local(2024, 3, 9, 23, 10), theme="afval"),  # saturday
        gele_kaart(b, observed_at=_local(2024, 3, 10, 0, 20)),  # sunday, just after midnight
        waarneming(a, observed_at=_local(2024, 8, 1, 12, 0), theme="jeugd"),  # outside the period
    ]
    officer.push_ok(logs)
    response = http.get(
        ACTIVITY,
        headers=bearer(leader),
        params={"date_from": "2024-03-01", "date_to": "2024-07-31"},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    cells = {(d, h): n for d, row in enumerate(body["matrix"]) for h, n in enumerate(row) if n}
    assert cells == {(1, 15): 3, (5, 23): 1, (6, 0): 1}
    assert len(body["matrix"]) == 7 and all(len(row) == 24 for row in body["matrix"])
    assert body["weekdays"][0] == "maandag"
    assert [(h["code"], h["count"]) for h in body["by_hotspot"]] == [(a, 3), (b, 2)]
    assert body["total"] == 5

    afval = http.get(
        ACTIVITY,
        headers=bearer(leader),
        params={"date_from": "2024-03-01", "date_to": "2024-07-31", "theme": "afval"},
    ).json()
    assert {(d, h): n for d, row in enumerate(afval["matrix"]) for h, n in enumerate(row) if n} == {
        (1, 15): 1,
        (5, 23): 1,
    }
    cards = http.get(
        ACTIVITY,
        headers=bearer(leader),
        params={"date_from": "2024-03-01", "date_to": "2024-07-31", "kind": "gele_kaart"},
    ).json()
    assert cards["total"] == 1


def test_activity_counts_logs_without_a_hotspot_apart(http, officer, leader, engine):
    far = waarneming(
        None, observed_at=_local(2024, 4, 2, 10, 0), location=_north(_spot(engine, LONELY), 900)
    )
    officer.push_ok([far])
    body = http.get(
        ACTIVITY,
        headers=bearer(leader),
        params={"date_from": "2024-04-01", "date_to": "2024-04-30"},
    ).json()
    assert body["by_hotspot"] == [{"code": None, "name": "zonder focuslocatie", "count": 1}]


def test_activity_period_and_filters_are_checked(http, leader):
    assert_error(
        http.get(
            ACTIVITY,
            headers=bearer(leader),
            params={"date_from": "2024-05-01", "date_to": "2024-04-01"},
        ),
        422,
        "invalid_request",
    )
    assert_error(
        http.get(
            ACTIVITY,
            headers=bearer(leader),
            params={"date_from": "2022-01-01", "date_to": "2024-01-01"},
        ),
        422,
        "invalid_request",
    )
    assert_error(
        http.get(ACTIVITY, headers=bearer(leader), params={"kind": "praatje"}),
        422,
        "invalid_request",
    )
    assert_error(
        http.get(ACTIVITY, headers=bearer(leader), params={"district": "oost"}), 403, "forbidden"
    )


# ---------------------------------------------------------------- patrol suggestion


def test_patrol_suggestion_ranks_activity_at_that_weekday_and_hours_first(
    http, engine, settings, officer, leader
):
    start = datetime(2024, 6, 11, 15, 0, tzinfo=LOCAL)  # a tuesday, shift 15–19 uur
    recent = hotspot_in(engine, "noord", "jeugd")
    older = LONELY
    busy_other_times = _other_noord_hotspot(engine, {recent, older})
    logs = [
        # two recent logs on tuesday afternoons
        waarneming(
            recent, observed_at=(start - timedelta(weeks=1) + timedelta(hours=1)).isoformat()
        ),
        waarneming(recent, observed_at=(start - timedelta(weeks=2)).isoformat()),
        # as many, but seven weeks ago: weigh less
        waarneming(
            older,
            observed_at=(start - timedelta(weeks=7) + timedelta(hours=2)).isoformat(),
            theme="honden",
        ),
        waarneming(
            older,
            observed_at=(start - timedelta(weeks=7) + timedelta(hours=3)).isoformat(),
            theme="honden",
        ),
        # many logs, but on wednesday mornings and at tuesday night: not this shift
        *[
            waarneming(
                busy_other_times,
                observed_at=(start - timedelta(weeks=w) + timedelta(days=1, hours=-5)).isoformat(),
            )
            for w in range(1, 6)
        ],
        waarneming(
            busy_other_times,
            observed_at=(start - timedelta(weeks=1) + timedelta(hours=6)).isoformat(),
        ),
        # nine weeks ago: outside the 8 weeks
        *[
            waarneming(busy_other_times, observed_at=(start - timedelta(weeks=9)).isoformat())
            for _ in range(3)
        ],
    ]
    officer.push_ok(logs)
    # oost is busy at the same time, but not the caller's district
    oost = enrol(http, engine, settings, make_user(engine, districts=["oost"], password=None))
    oost.push_ok(
        [
            waarneming(
                hotspot_in(engine, "oost"), observed_at=(start - timedelta(weeks=1)).isoformat()
            )
            for _ in range(4)
        ]
    )

    response = http.get(PATROL, headers=officer.headers, params={"start": start.isoformat()})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["shift"]["weekday"] == "dinsdag" and body["shift"]["hours"] == "15–19 uur"
    assert [s["hotspot"] for s in body["suggestions"]] == [recent, older]
    first = body["suggestions"][0]
    assert first["rank"] == 1 and first["count"] == 2
    assert first["reason"] == "2 waarnemingen afval op dinsdag 15–19 uur in de laatste 8 weken"
    assert body["suggestions"][1]["reason"].startswith("2 waarnemingen honden op dinsdag")
    assert first["score"] > body["suggestions"][1]["score"]

    # the team leader of noord gets the same for noord
    same = http.get(PATROL, headers=bearer(leader), params={"start": start.isoformat()}).json()
    assert same["suggestions"] == body["suggestions"]


def _other_noord_hotspot(engine, taken: set[str]) -> str:
    with Session(engine) as session:
        codes = sorted(
            session.exec(select(Hotspot.code).where(Hotspot.district_code == "noord")).all()
        )
    return next(c for c in codes if c not in taken)


def test_a_shift_over_midnight_looks_at_both_days(http, officer, engine):
    start = datetime(2024, 6, 14, 22, 0, tzinfo=LOCAL)  # friday 22:00 → saturday 02:00
    spot = hotspot_in(engine, "noord")
    officer.push_ok(
        [
            waarneming(
                spot, observed_at=(start - timedelta(weeks=1) + timedelta(hours=3)).isoformat()
            ),
            waarneming(
                spot, observed_at=(start - timedelta(weeks=1) + timedelta(hours=5)).isoformat()
            ),
        ]
    )
    body = http.get(PATROL, headers=officer.headers, params={"start": start.isoformat()}).json()
    assert body["shift"]["hours"] == "22–2 uur"
    assert [(s["hotspot"], s["count"]) for s in body["suggestions"]] == [(spot, 1)]


def test_patrol_suggestion_scope(http, engine, officer, leader):
    assert_error(
        http.get(PATROL, headers=officer.headers, params={"district": "oost"}), 403, "forbidden"
    )
    assert (
        http.get(PATROL, headers=officer.headers, params={"district": "noord"}).status_code == 200
    )
    assert_error(
        http.get(PATROL, headers=bearer(leader), params={"district": "oost"}), 403, "forbidden"
    )
    admin = browser_token(engine, make_user(engine, role="beheerder", password=None))
    assert http.get(PATROL, headers=bearer(admin), params={"district": "oost"}).status_code == 200
    assert_error(http.get(PATROL), 401, "token_missing")
    no_logs = http.get(PATROL, headers=officer.headers).json()
    assert no_logs["suggestions"] == [] and no_logs["scope"] == {"districts": ["noord"]}


# ---------------------------------------------------------------- migration 0002


@pytest.fixture
def empty_url(tmp_path):
    """A database of its own, at no schema yet: SQLite, or PostgreSQL in the PG run."""
    pg = os.environ.get("TEST_DATABASE_URL")
    if not pg:
        yield f"sqlite:///{tmp_path / 'migrate.db'}"
        return
    base = make_url(normalise_url(pg))
    name = f"{base.database}_{os.getpid()}_migrate"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield base.set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _table(name: str, *columns: sa.Column) -> sa.Table:
    return sa.Table(name, sa.MetaData(), *columns)


def test_migration_0002_keeps_records_and_fills_the_derived_columns(empty_url):
    engine = make_engine(empty_url)
    config = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0001")
    now = datetime.now(UTC)

    def versioned() -> list[sa.Column]:
        return [
            sa.Column("content_hash", sa.String),
            sa.Column("version", sa.Integer),
            sa.Column("retired", sa.Boolean),
            sa.Column("updated_at", UTCDateTime()),
        ]

    district = _table(
        "district", *versioned(), sa.Column("code", sa.String), sa.Column("name", sa.String)
    )
    hotspot = _table(
        "hotspot",
        *versioned(),
        sa.Column("code", sa.String),
        sa.Column("name", sa.String),
        sa.Column("district_code", sa.String),
        sa.Column("themes", sa.JSON),
        sa.Column("sections", sa.JSON),
        sa.Column("lat", sa.Float),
        sa.Column("lon", sa.Float),
        sa.Column("approximate", sa.Boolean),
        sa.Column("note", sa.String),
    )
    user = _table(
        "user",
        sa.Column("id", sa.Integer),
        sa.Column("username", sa.String),
        sa.Column("display_name", sa.String),
        sa.Column("role", sa.String),
        sa.Column("active", sa.Boolean),
        sa.Column("is_demo", sa.Boolean),
        sa.Column("created_at", UTCDateTime()),
    )
    record = _table(
        "record",
        *[
            sa.Column(n, t)
            for n, t in [
                ("id", sa.String),
                ("kind", sa.String),
                ("owner_user_id", sa.Integer),
                ("device_id", sa.String),
                ("district_code", sa.String),
                ("theme_code", sa.String),
                ("hotspot_code", sa.String),
                ("lat", sa.Float),
                ("lon", sa.Float),
                ("observed_at", UTCDateTime()),
                ("version", sa.Integer),
                ("payload", sa.JSON),
                ("review_state", sa.String),
                ("is_demo", sa.Boolean),
                ("received_at", UTCDateTime()),
                ("updated_at", UTCDateTime()),
            ]
        ],
    )
    v = {"content_hash": "x", "version": 1, "retired": False, "updated_at": now}
    named, near, far = uuid7(), uuid7(), uuid7()
    with engine.begin() as conn:
        conn.execute(sa.insert(district), [v | {"code": "noord", "name": "Noord"}])
        conn.execute(
            sa.insert(hotspot),
            [
                v
                | {
                    "code": "noord-plek",
                    "name": "Plek",
                    "district_code": "noord",
                    "themes": [],
                    "sections": [],
                    "lat": 52.4,
                    "lon": 4.64,
                    "approximate": True,
                    "note": "",
                }
            ],
        )
        conn.execute(
            sa.insert(user),
            [
                {
                    "id": 1,
                    "username": "h",
                    "display_name": "H",
                    "role": "handhaver",
                    "active": True,
                    "is_demo": False,
                    "created_at": now,
                }
            ],
        )
        base = {
            "kind": "waarneming",
            "owner_user_id": 1,
            "device_id": "d",
            "district_code": "noord",
            "theme_code": "jeugd",
            "version": 1,
            "review_state": "nieuw",
            "is_demo": False,
            "received_at": now,
            "updated_at": now,
        }
        conn.execute(
            sa.insert(record),
            [
                base
                | {
                    "id": named,
                    "hotspot_code": "noord-plek",
                    "lat": None,
                    "lon": None,
                    "observed_at": datetime(2023, 12, 31, 23, 30, tzinfo=UTC),
                    "payload": {"action": "bon_proces_verbaal", "feit": "alcohol_onder_18"},
                },
                base
                | {
                    "id": near,
                    "hotspot_code": None,
                    "lat": 52.4009,
                    "lon": 4.64,
                    "observed_at": datetime(2024, 7, 2, 13, 0, tzinfo=UTC),
                    "payload": {"action": "aanspreken"},
                },
                base
                | {
                    "id": far,
                    "hotspot_code": None,
                    "lat": 52.41,
                    "lon": 4.64,
                    "observed_at": datetime(2024, 7, 2, 13, 0, tzinfo=UTC),
                    "payload": {"action": "aanspreken"},
                },
            ],
        )

    upgrade(engine)

    with Session(engine) as session:
        rows = {r.id: r for r in session.exec(select(Record)).all()}
    assert set(rows) == {named, near, far}
    n = rows[named]
    assert (n.local_date.isoformat(), n.local_year, n.local_month, n.weekday, n.hour) == (
        "2024-01-01",
        2024,
        1,
        0,
        0,
    )
    assert (n.action, n.feit, n.assigned_hotspot_code) == (
        "bon_proces_verbaal",
        "alcohol_onder_18",
        "noord-plek",
    )
    assert (rows[near].hour, rows[near].weekday, rows[near].assigned_hotspot_code) == (
        15,
        1,
        "noord-plek",
    )
    assert rows[far].assigned_hotspot_code is None  # 1.1 km away
    with engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), SQLModel.metadata) == []
    engine.dispose()
