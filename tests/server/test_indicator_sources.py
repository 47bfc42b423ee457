"""Issue 13 item 5, honest indicators, over real HTTP on both databases: each
indicator counts only its own source (an officer's observation is never a
resident's report), today's figures counted live beside the nightly stand, and
the indicators read per district action and in the district profile."""

from __future__ import annotations

import json
import shutil
from datetime import timedelta
from typing import Any

import pytest
from factories import assert_error, bearer, browser_token, enrol, hotspot_in, make_user, waarneming
from sqlmodel import Session, col, select

from sync_server.config import DEFAULT_ASSETS, DEFAULT_DEFINITIONS
from sync_server.db import session_scope
from sync_server.models import Hotspot
from sync_server.services import nightly
from sync_server.services.indicator_definitions import DefinitionsError, load_definitions
from sync_server.services.localtime import local_now, local_today
from sync_server.services.reference_data import FILES, ReferenceDataError, load_reference_data

INDICATORS = "/api/v1/indicators"
M_AFVAL = "meldingen-overlast-afval"
M_HONDEN = "meldingen-overlast-hondenpoep"
M_JEUGD = "meldingen-jeugdoverlast-gemeente"
R_AFVAL = "registraties-handhavers-afval"
R_JEUGD = "registraties-handhavers-jeugd"


def _spots(engine, district: str) -> list[Hotspot]:
    with Session(engine) as session:
        return list(
            session.exec(
                select(Hotspot)
                .where(Hotspot.district_code == district, col(Hotspot.lat).is_not(None))
                .order_by(col(Hotspot.code))
            ).all()
        )


def _import(http, headers, rows: list[tuple[str, str, str, str, Hotspot]]) -> None:
    """Rows of (id, created_at, main slug, sub slug, hotspot) as a Signalen CSV."""
    lines = ["id;created_at;main_slug;sub_slug;status;lat;lon"]
    lines += [f"{i};{when};{main};{sub};m;{s.lat};{s.lon}" for i, when, main, sub, s in rows]
    response = http.post(
        "/api/v1/meldingen/import",
        headers=headers,
        params={"format": "csv"},
        content=("\n".join(lines) + "\n").encode(),
    )
    assert response.status_code == 200, response.text


def _table(http, headers, **params: Any) -> dict[str, Any]:
    response = http.get(INDICATORS, headers=headers, params=params)
    assert response.status_code == 200, response.text
    return dict(response.json())


def _value(table: dict[str, Any], code: str, year: int) -> Any:
    row = next(r for r in table["rows"] if r["code"] == code)
    return row["values"][str(year)]["value"]


def _months(http, headers, code: str, **params: Any) -> dict[int, Any]:
    response = http.get(f"{INDICATORS}/{code}/months", headers=headers, params=params)
    assert response.status_code == 200, response.text
    return {m["month"]: m["value"] for m in response.json()["months"]}


@pytest.fixture
def admin(engine) -> dict[str, str]:
    return bearer(browser_token(engine, make_user(engine, role="beheerder", password=None)))


def test_an_observation_never_counts_as_a_report_and_a_report_counts_once_in_its_place(
    http, engine, settings, admin
):
    noord, oost = _spots(engine, "noord")[0], _spots(engine, "oost")[0]
    phone = enrol(http, engine, settings, make_user(engine, districts=["noord"], password=None))
    # Officers log afval and jeugd in Noord in March 2025 ...
    phone.push_ok(
        [
            waarneming(noord.code, observed_at="2025-03-10T10:00:00+00:00", theme="afval"),
            waarneming(noord.code, observed_at="2025-03-11T10:00:00+00:00", theme="afval"),
            waarneming(noord.code, observed_at="2025-03-12T10:00:00+00:00", theme="jeugd"),
        ]
    )
    # ... residents report afval in Oost in March, and dog mess in Noord late on 30
    # April UTC, which is 1 May in Haarlem.
    rows = [
        ("SIG-A", "2025-03-10T09:00:00+01:00", "afval", "grofvuil", oost),
        (
            "SIG-H",
            "2025-04-30T23:30:00+00:00",
            "overlast-in-de-openbare-ruimte",
            "hondenpoep",
            noord,
        ),
        (
            "SIG-L",
            "2025-03-10T09:00:00+01:00",
            "wegen-verkeer-straatmeubilair",
            "lantaarnpaal",
            noord,
        ),
    ]
    _import(http, admin, rows)
    _import(http, admin, rows)  # imported again: the same reports, still counted once
    nightly.run_nightly(engine, settings)

    noord_table = _table(http, admin, district="noord", year_from=2025, year_to=2025)
    oost_table = _table(http, admin, district="oost", year_from=2025, year_to=2025)
    assert _value(noord_table, R_AFVAL, 2025) == 2 and _value(noord_table, R_JEUGD, 2025) == 1
    assert _value(noord_table, M_AFVAL, 2025) == 0  # the officers' afval logs are not reports
    assert _value(noord_table, M_JEUGD, 2025) == 0
    assert _value(noord_table, M_HONDEN, 2025) == 1
    assert _value(oost_table, M_AFVAL, 2025) == 1
    assert _value(oost_table, R_AFVAL, 2025) == 0
    everything = _table(http, admin, year_from=2025, year_to=2025)
    assert _value(everything, M_AFVAL, 2025) == 1 and _value(everything, M_HONDEN, 2025) == 1
    # Every row names what it counts.
    rows_by_code = {r["code"]: r for r in everything["rows"]}
    assert rows_by_code[M_AFVAL]["data_source"] == "meldingen"
    assert "Meldingen van bewoners" in rows_by_code[M_AFVAL]["data_source_name"]
    assert rows_by_code[R_AFVAL]["data_source"] == "handhavers"
    assert rows_by_code[R_AFVAL]["name"] == "Registraties handhavers: afval"
    assert rows_by_code["winkeldiefstal"]["data_source"] == "import"
    assert rows_by_code["winkeldiefstal"]["data_source_name"] == "Import: politie"

    months = _months(http, admin, M_HONDEN, year=2025, district="noord")
    assert months[4] == 0 and months[5] == 1
    assert _months(http, admin, M_AFVAL, year=2025, district="oost")[3] == 1
    assert _months(http, admin, M_AFVAL, year=2025, district="noord")[3] == 0


def test_live_figures_beside_the_nightly_stand_scoped_to_the_callers_districts(
    http, engine, settings, admin
):
    year = local_now().year
    noord, oost = _spots(engine, "noord")[0], _spots(engine, "oost")[0]
    phone = enrol(http, engine, settings, make_user(engine, districts=["noord"], password=None))
    phone.push_ok([waarneming(noord.code, theme="afval")])
    nightly.run_nightly(engine, settings)
    leader = bearer(
        browser_token(
            engine, make_user(engine, role="teamleider", districts=["noord"], password=None)
        )
    )
    # After the nightly run: one more log in Noord, a report in Noord and one in Oost.
    phone.push_ok([waarneming(noord.code, theme="afval")])
    when = local_now().isoformat()
    _import(
        http,
        admin,
        [("L-N", when, "afval", "huisafval", noord), ("L-O", when, "afval", "huisafval", oost)],
    )

    nightly_table = _table(http, leader, year_from=year, year_to=year)
    live_table = _table(http, leader, year_from=year, year_to=year, live="true")
    assert nightly_table["basis"]["kind"] == "snapshot"
    assert nightly_table["basis"]["label"].startswith("nachtelijke stand van ")
    assert live_table["basis"]["kind"] == "live"
    assert live_table["basis"]["label"] == "vandaag (live)"
    assert live_table["scope"] == nightly_table["scope"] == {"districts": ["noord"]}
    assert _value(nightly_table, R_AFVAL, year) == 1
    assert _value(live_table, R_AFVAL, year) == 2
    assert _value(nightly_table, M_AFVAL, year) is None  # no report at the nightly run
    assert _value(live_table, M_AFVAL, year) == 1  # Noord's report only, not Oost's
    # The Haarlem-wide row beside it counts all districts, live too.
    row = next(r for r in live_table["rows"] if r["code"] == M_AFVAL)
    assert row["haarlem"][str(year)]["value"] == 2
    # Months, live and nightly.
    month = local_now().month
    assert _months(http, leader, R_AFVAL, year=year, live="true")[month] == 2
    assert _months(http, leader, R_AFVAL, year=year)[month] == 1
    # Another district's figures are not the leader's, live or not.
    for live in ("true", "false"):
        assert_error(
            http.get(INDICATORS, headers=leader, params={"district": "oost", "live": live}),
            403,
            "forbidden",
        )
    assert_error(
        http.get(INDICATORS, headers=phone.headers, params={"live": "true"}), 403, "forbidden"
    )
    # The nightly run catches up with the live count.
    nightly.run_nightly(engine, settings)
    again = _table(http, leader, year_from=year, year_to=year)
    assert _value(again, R_AFVAL, year) == 2 and _value(again, M_AFVAL, year) == 1


def test_indicators_per_wijkactie_and_in_the_district_profile(http, engine, settings, admin):
    spots = _spots(engine, "noord")
    spot, elsewhere = spots[0], spots[-1]
    assert spot.code != elsewhere.code
    today = local_today()
    leader = bearer(
        browser_token(
            engine, make_user(engine, role="teamleider", districts=["noord"], password=None)
        )
    )
    made = http.post(
        "/api/v1/wijkacties",
        headers=leader,
        json={
            "district": "noord",
            "title": "Actie afval",
            "themes": ["afval"],
            "hotspots": [spot.code],
            "starts_on": (today - timedelta(days=5)).isoformat(),
            "ends_on": (today + timedelta(days=5)).isoformat(),
            "hot_times": [{"weekday": 4, "start_hour": 19, "end_hour": 23}],
            "goal": "Minder afval",
            "target": 20,
            "team": "Team Noord",
        },
    )
    assert made.status_code == 201, made.text
    action = made.json()["id"]
    phone = enrol(http, engine, settings, make_user(engine, districts=["noord"], password=None))
    phone.push_ok(
        [
            waarneming(spot.code, theme="afval", wijkactie=action),
            waarneming(spot.code, theme="afval", wijkactie=action),
            waarneming(spot.code, theme="afval"),  # not logged against the action
        ]
    )
    during = f"{today.isoformat()}T08:00:00+01:00"
    before = f"{(today - timedelta(days=9)).isoformat()}T08:00:00+01:00"
    _import(
        http,
        leader,
        [
            ("W-1", during, "afval", "grofvuil", spot),  # at its hotspot, during it
            ("W-2", before, "afval", "grofvuil", spot),  # before it
        ],
    )
    if elsewhere.lat is not None and abs(elsewhere.lat - (spot.lat or 0)) > 0.002:
        _import(http, leader, [("W-3", during, "afval", "grofvuil", elsewhere)])
    nightly.run_nightly(engine, settings)

    result = http.get(f"/api/v1/wijkacties/{action}/result", headers=leader)
    assert result.status_code == 200, result.text
    figures = {i["code"]: i for i in result.json()["indicators"]}
    assert figures[R_AFVAL]["value"] == 2 and figures[R_AFVAL]["data_source"] == "handhavers"
    assert figures[M_AFVAL]["value"] == 1 and figures[M_AFVAL]["data_source"] == "meldingen"
    assert figures[R_JEUGD]["value"] == 0

    profile = http.get("/api/v1/districts/noord/profile", headers=leader).json()
    [entry] = profile["wijkacties"]
    assert entry["wijkactie"]["id"] == action
    assert {i["code"]: i["value"] for i in entry["indicators"]} == {
        c: i["value"] for c, i in figures.items()
    }
    sources = {i["code"]: i["data_source"] for i in profile["indicators"]}
    assert sources[M_AFVAL] == "meldingen" and sources[R_AFVAL] == "handhavers"
    sheet = http.get("/api/v1/districts/noord/profile.csv", headers=leader)
    lines = sheet.content.decode("utf-8-sig").splitlines()
    assert lines[0].split(";")[:6] == [
        "stadsdeel",
        "stadsdeel_naam",
        "indicator",
        "naam",
        "bron",
        "eenheid",
    ]
    assert any(M_AFVAL in line and "meldingen bewoners (gemeente)" in line for line in lines)
    assert hotspot_in(engine, "noord")  # the district has hotspots to act on


def test_wrong_own_series_or_melding_themes_are_refused(engine, tmp_path):
    """The officers' series may not reuse a programme code nor carry a baseline; the
    reports' category mapping names known themes, each category once."""
    for change, message in (
        (lambda d: d["indicators"][0].update(code=M_AFVAL), "staat ook in indicators.json"),
        (lambda d: d["indicators"][0].update(values={"2022": 3}), "heeft cijfers"),
    ):
        assets = tmp_path / f"assets-{len(message)}"
        assets.mkdir()
        for name in FILES:
            shutil.copy(DEFAULT_ASSETS / name, assets / name)
        own = json.loads((assets / "own_series.json").read_text())
        change(own)
        (assets / "own_series.json").write_text(json.dumps(own))
        with session_scope(engine) as session, pytest.raises(ReferenceDataError) as caught:
            load_reference_data(session, assets)
        assert message in str(caught.value)

    for change, message in (
        (lambda m: m.update(vuurwerk=["vuurwerk"]), "onbekend thema 'vuurwerk'"),
        (lambda m: m["jeugd"].append("hondenpoep"), "'hondenpoep' staat bij twee thema's"),
        (lambda m: m.update(afval=[]), "niet-lege lijst"),
    ):
        data = json.loads(DEFAULT_DEFINITIONS.read_text())
        change(data["melding_themes"])
        path = tmp_path / "indicator_definitions.json"
        path.write_text(json.dumps(data))
        with Session(engine) as session, pytest.raises(DefinitionsError) as refused:
            load_definitions(session, path)
        assert message in str(refused.value)
