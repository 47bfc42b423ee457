"""Issue 13 on the server: hotspot versions reaching phones, residents' reports
imported (bad rows, re-import, nearest hotspot), district actions scoped by
district and logged against, and the GeoJSON export of logs, all over real HTTP
on both databases."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

import pytest
from factories import (
    assert_error,
    bearer,
    browser_token,
    enrol,
    hotspot_in,
    make_user,
    waarneming,
)
from sqlmodel import Session, select

from sync_server.config import DEFAULT_ASSETS
from sync_server.db import session_scope
from sync_server.models import Hotspot, Melding
from sync_server.services.localtime import local_today
from sync_server.services.reference_data import load_reference_data


@pytest.fixture
def people(http, engine, settings) -> dict[str, Any]:
    noord_officer = make_user(engine, districts=["noord"], password=None)
    oost_officer = make_user(engine, districts=["oost"], password=None)
    tl_noord = make_user(engine, role="teamleider", districts=["noord"], password=None)
    tl_oost = make_user(engine, role="teamleider", districts=["oost"], password=None)
    return {
        "noord": enrol(http, engine, settings, noord_officer),
        "oost": enrol(http, engine, settings, oost_officer),
        "tl": bearer(browser_token(engine, tl_noord)),
        "tl_oost": bearer(browser_token(engine, tl_oost)),
        "noord_officer": noord_officer,
    }


def _spot(engine, district: str) -> Hotspot:
    with Session(engine) as session:
        row = session.get(Hotspot, hotspot_in(engine, district))
        assert row is not None and row.lat is not None
        return row


# ---------------------------------------------------------------- hotspot management


def test_a_moved_renamed_and_retired_hotspot_reaches_the_districts_phones(http, people):
    phone, other = people["noord"], people["oost"]
    phone.pull_all()
    other.pull_all()
    made = http.post(
        "/api/v1/hotspots",
        headers=people["tl"],
        json={
            "name": "Plein bij de molen",
            "district": "noord",
            "lat": 52.40,
            "lon": 4.64,
            "themes": ["afval"],
            "valid_from": "2026-01-01",
            "valid_to": "2026-12-31",
        },
    )
    assert made.status_code == 201, made.text
    code = made.json()["code"]
    assert code == "noord-plein-bij-de-molen" and made.json()["version"] == 1
    moved = http.patch(
        f"/api/v1/hotspots/{code}",
        headers=people["tl"],
        json={"lat": 52.401, "lon": 4.641, "name": "Molenplein"},
    )
    assert moved.status_code == 200, moved.text
    assert moved.json()["version"] == 2
    [change] = [c for c in phone.pull_all() if c["id"] == code]
    assert change["op"] == "upsert"
    assert change["data"]["lat"] == 52.401 and change["data"]["name"] == "Molenplein"
    assert change["data"]["valid_from"] == "2026-01-01" and change["data"]["retired"] is False
    assert [c for c in other.pull_all() if c["id"] == code] == []  # another district's phone

    retired = http.post(f"/api/v1/hotspots/{code}/retire", headers=people["tl"])
    assert retired.status_code == 200 and retired.json()["retired"] is True
    [change] = [c for c in phone.pull_all() if c["id"] == code]
    # Kept (records name it) and sent with its flag, not as a tombstone.
    assert change["op"] == "upsert" and change["data"]["retired"] is True
    listed = http.get("/api/v1/hotspots", headers=people["tl"]).json()
    assert code not in {h["code"] for h in listed}
    listed = http.get(
        "/api/v1/hotspots", headers=people["tl"], params={"include_retired": "true"}
    ).json()
    assert code in {h["code"] for h in listed}


def test_hotspot_management_is_scoped_and_checked(http, people, engine):
    spot = _spot(engine, "noord")
    assert_error(
        http.patch(f"/api/v1/hotspots/{spot.code}", headers=people["tl_oost"], json={"note": "x"}),
        403,
        "forbidden",
    )
    body = {"name": "Ergens", "district": "noord", "lat": 52.4, "lon": 4.64}
    assert_error(
        http.post("/api/v1/hotspots", headers=people["tl_oost"], json=body), 403, "forbidden"
    )
    assert_error(
        http.post("/api/v1/hotspots", headers=people["tl"], json=body | {"themes": ["geen-thema"]}),
        422,
        "invalid_request",
    )
    assert_error(
        http.post("/api/v1/hotspots", headers=people["tl"], json=body | {"lat": 40.0}),
        422,
        "invalid_request",
    )
    assert http.post("/api/v1/hotspots", headers=people["tl"], json=body).status_code == 201
    assert_error(
        http.post("/api/v1/hotspots", headers=people["tl"], json=body), 409, "hotspot_exists"
    )
    assert_error(
        http.patch("/api/v1/hotspots/bestaat-niet", headers=people["tl"], json={"note": "x"}),
        404,
        "not_found",
    )


def test_the_reference_loader_leaves_an_app_managed_hotspot_alone(http, people, engine):
    spot = _spot(engine, "noord")
    moved = http.patch(
        f"/api/v1/hotspots/{spot.code}", headers=people["tl"], json={"lat": 52.39, "lon": 4.65}
    )
    assert moved.status_code == 200
    with session_scope(engine) as session:
        load_reference_data(session, DEFAULT_ASSETS)
    with Session(engine) as session:
        row = session.get(Hotspot, spot.code)
        assert row is not None and (row.lat, row.lon, row.retired) == (52.39, 4.65, False)


# ---------------------------------------------------------------- meldingen


def _csv(rows: list[str]) -> bytes:
    head = "id;created_at;updated_at;main_slug;sub_slug;status;text;reporter_email;lat;lon"
    return ("\ufeff" + "\n".join([head, *rows]) + "\n").encode()


def _import(http, headers, content: bytes, form: str = "csv"):
    return http.post(
        "/api/v1/meldingen/import", headers=headers, params={"format": form}, content=content
    )


def test_meldingen_import_is_all_or_nothing_idempotent_and_keeps_nothing_personal(
    http, people, engine
):
    spot = _spot(engine, "noord")
    near = f"{spot.lat + 0.0005};{spot.lon}"  # ~55 m: counts for the hotspot
    good = [
        f"SIG-1;2026-11-06T21:15:00+01:00;;afval;grofvuil;m;Zakken naast de bak;a@b.nl;{near}",
        f"SIG-2;2026-11-07T10:00:00+01:00;;overlast;jongeren;o;Herrie;c@d.nl;{near}",
    ]
    bad = [*good, "SIG-3;gisteren;;afval;;m;;;52.4;4.64", "SIG-4;2026-11-07T10:00:00Z;;;;m;;;91;4"]
    refused = assert_error(_import(http, people["tl"], _csv(bad)), 422, "import_invalid")
    assert [d["row"] for d in refused["details"]] == [3, 4]
    with Session(engine) as session:
        assert session.exec(select(Melding)).all() == []  # nothing of it stored

    first = _import(http, people["tl"], _csv(good))
    assert first.status_code == 200, first.text
    assert first.json() == {"created": 2, "updated": 0, "unassigned_hotspot": 0}
    again = _import(http, people["tl"], _csv(good))
    assert again.json() == {"created": 0, "updated": 2, "unassigned_hotspot": 0}

    listed = http.get("/api/v1/meldingen", headers=people["tl"], params={"district": "noord"})
    assert listed.status_code == 200
    items = listed.json()
    assert [m["id"] for m in items] == ["SIG-1", "SIG-2"]
    assert {m["hotspot"] for m in items} == {spot.code}
    assert {m["district"] for m in items} == {"noord"}
    assert set(items[0]) == {
        "id",
        "created_at",
        "category",
        "sub_category",
        "state",
        "lat",
        "lon",
        "district",
        "hotspot",
    }
    raw = listed.text + http.get("/api/v1/meldingen.geojson", headers=people["tl"]).text
    assert "Zakken" not in raw and "a@b.nl" not in raw
    # Another district's team leader may not import Noord's reports (row error).
    assert_error(_import(http, people["tl_oost"], _csv(good)), 422, "import_invalid")


def test_meldingen_import_reads_signalen_geojson(http, people, engine):
    spot = _spot(engine, "noord")
    collection = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "id": "G-1",
                "geometry": {"type": "Point", "coordinates": [spot.lon, spot.lat]},
                "properties": {
                    "created_at": "2026-11-01T12:00:00+00:00",
                    "category": {"main_slug": "afval", "sub_slug": "zwerfafval"},
                    "status": {"state": "o"},
                },
            }
        ],
    }
    reply = _import(http, people["tl"], json.dumps(collection).encode(), "geojson")
    assert reply.status_code == 200, reply.text
    [item] = http.get("/api/v1/meldingen", headers=people["tl"]).json()
    assert (item["id"], item["category"], item["sub_category"], item["hotspot"]) == (
        "G-1",
        "afval",
        "zwerfafval",
        spot.code,
    )


# ---------------------------------------------------------------- wijkacties


def _action(spot: str, **extra: Any) -> dict[str, Any]:
    today = local_today()
    return {
        "district": "noord",
        "title": "Avondactie afval",
        "themes": ["afval"],
        "hotspots": [spot],
        "starts_on": (today - timedelta(days=3)).isoformat(),
        "ends_on": (today + timedelta(days=3)).isoformat(),
        "hot_times": [{"weekday": 4, "start_hour": 19, "end_hour": 23}],
        "goal": "Minder bijplaatsingen",
        "target": 20,
        "team": "Team Noord avond",
    } | extra


def test_a_wijkactie_reaches_its_districts_phones_and_counts_entries_against_it(
    http, people, engine
):
    spot = _spot(engine, "noord")
    phone, other = people["noord"], people["oost"]
    phone.pull_all()
    other.pull_all()
    made = http.post("/api/v1/wijkacties", headers=people["tl"], json=_action(spot.code))
    assert made.status_code == 201, made.text
    action = made.json()
    [change] = [c for c in phone.pull_all() if c["entity"] == "wijkactie"]
    assert change["id"] == action["id"] and change["data"]["title"] == "Avondactie afval"
    assert change["data"]["hot_times"] == [{"weekday": 4, "start_hour": 19, "end_hour": 23}]
    assert [c for c in other.pull_all() if c["entity"] == "wijkactie"] == []

    # An entry logged against it is accepted and counted; another district's
    # officer cannot name it.
    [ok] = phone.push_ok([waarneming(spot.code, wijkactie=action["id"], action="waarschuwing")])
    assert ok["status"] == "accepted", ok
    oost_spot = hotspot_in(engine, "oost")
    [refused] = other.push_ok([waarneming(oost_spot, wijkactie=action["id"])])
    assert (refused["status"], refused["code"]) == ("rejected", "unknown_wijkactie")

    result = http.get(f"/api/v1/wijkacties/{action['id']}/result", headers=people["tl"])
    assert result.status_code == 200, result.text
    body = result.json()
    assert body["entries"] == {
        "total": 1,
        "by_kind": {"waarneming": 1},
        "by_actie": {"waarschuwing": 1},
    }
    assert body["meldingen"]["days"] == 7 and body["meldingen"]["after"] is None

    profile = http.get("/api/v1/districts/noord/profile", headers=people["tl"]).json()
    assert [a["wijkactie"]["id"] for a in profile["wijkacties"]] == [action["id"]]
    page = http.get("/api/v1/districts/noord/profile.html", headers=people["tl"]).text
    assert "Avondactie afval" in page
    sheet = http.get("/api/v1/districts/noord/wijkacties.csv", headers=people["tl"])
    assert sheet.content.startswith("\ufeff".encode())
    lines = sheet.content.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("stadsdeel;wijkactie;titel;")
    assert action["id"] in lines[1] and ";1;" in lines[1]

    # Removed: phones drop it.
    assert (
        http.delete(f"/api/v1/wijkacties/{action['id']}", headers=people["tl"]).status_code == 204
    )
    [gone] = [c for c in phone.pull_all() if c["entity"] == "wijkactie"]
    assert (gone["op"], gone["data"]) == ("delete", None)


def test_wijkacties_are_scoped_by_district(http, people, engine):
    spot = _spot(engine, "noord")
    oost_spot = hotspot_in(engine, "oost")
    assert_error(
        http.post("/api/v1/wijkacties", headers=people["tl_oost"], json=_action(spot.code)),
        403,
        "forbidden",
    )
    # A hotspot of another district in a Noord action.
    assert_error(
        http.post("/api/v1/wijkacties", headers=people["tl"], json=_action(oost_spot)),
        422,
        "invalid_request",
    )
    assert_error(
        http.post(
            "/api/v1/wijkacties",
            headers=people["tl"],
            json=_action(spot.code, starts_on="2026-12-10", ends_on="2026-12-01"),
        ),
        422,
        "invalid_request",
    )
    made = http.post("/api/v1/wijkacties", headers=people["tl"], json=_action(spot.code)).json()
    assert_error(
        http.get(f"/api/v1/wijkacties/{made['id']}", headers=people["tl_oost"]), 404, "not_found"
    )
    assert http.get("/api/v1/wijkacties", headers=people["tl_oost"]).json() == []
    today = local_today()
    active = http.get(
        "/api/v1/wijkacties", headers=people["tl"], params={"active_on": today.isoformat()}
    ).json()
    assert [a["id"] for a in active] == [made["id"]]
    later = (today + timedelta(days=30)).isoformat()
    assert (
        http.get("/api/v1/wijkacties", headers=people["tl"], params={"active_on": later}).json()
        == []
    )


def test_meldingen_before_and_during_an_action_at_its_hotspots(http, people, engine):
    spot = _spot(engine, "noord")
    today = local_today()
    start = today - timedelta(days=20)
    end = today - timedelta(days=11)  # 10 days; the 10 days after ended yesterday
    rows = []
    for n, day in enumerate(
        [start - timedelta(days=5), start - timedelta(days=1), start, end + timedelta(days=2)]
    ):
        rows.append(f"M-{n};{day.isoformat()}T12:00:00+01:00;;afval;;o;;;{spot.lat};{spot.lon}")
    assert _import(http, people["tl"], _csv(rows)).status_code == 200
    made = http.post(
        "/api/v1/wijkacties",
        headers=people["tl"],
        json=_action(spot.code, starts_on=start.isoformat(), ends_on=end.isoformat()),
    ).json()
    counts = http.get(f"/api/v1/wijkacties/{made['id']}/result", headers=people["tl"]).json()
    assert counts["meldingen"] == {"days": 10, "before": 2, "during": 1, "after": 1}
    # The same reports as hot spots and hot times (their own layer): 12:00 +01:00.
    hot = http.get(
        "/api/v1/meldingen/activity",
        headers=people["tl"],
        params={"district": "noord", "date_from": (start - timedelta(days=5)).isoformat()},
    ).json()
    assert hot["total"] == 4 and hot["by_hotspot"] == {spot.code: 4}
    assert sum(row[12] for row in hot["matrix"]) == 4


# ---------------------------------------------------------------- logs as GeoJSON


def test_logs_as_geojson_carry_no_personal_data(http, people, engine):
    spot = _spot(engine, "noord")
    record = waarneming(
        spot.code,
        note="Meneer de Vries op nummer 12",
        location={"lat": 52.4, "lon": 4.64},
    )
    people["noord"].push_ok([record])
    reply = http.get(
        "/api/v1/review/export.geojson", headers=people["tl"], params={"district": "noord"}
    )
    assert reply.status_code == 200, reply.text
    assert reply.headers["content-type"].startswith("application/geo+json")
    data = reply.json()
    [feature] = [f for f in data["features"] if f["id"] == record["id"]]
    assert feature["geometry"] == {"type": "Point", "coordinates": [4.64, 52.4]}
    assert "Vries" not in reply.text
    assert "owner" not in json.dumps(feature) and "note" not in feature["properties"]
    assert date.fromisoformat(feature["properties"]["date"]) <= local_today()
