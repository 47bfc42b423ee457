"""Team leaders' review: the list without personal data, the audited detail, review
decisions that reach the officer's phone, saved filters, the incidents board,
the CSV export, photos, and the audit log."""

from __future__ import annotations

import hashlib
import io
import random
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from factories import (
    adrescontrole,
    assert_error,
    bearer,
    browser_token,
    enrol,
    excel_rows,
    gele_kaart,
    hotspot_in,
    incident,
    make_user,
    signaal,
    waarneming,
)
from PIL import Image
from sqlmodel import Session, col, select

from sync_server.models import AuditEntry

RECORDS = "/api/v1/review/records"
FILTERS = "/api/v1/review/filters"
INCIDENTS = "/api/v1/review/incidents"
EXPORT = "/api/v1/review/export.csv"
AUDIT = "/api/v1/audit"
LOCAL = ZoneInfo("Europe/Amsterdam")
SECRET_NOTE = "Notitie-met-geheim-7731"
YOUTH = "Pietje Persoonsgegeven"


def _jpeg(seed: int = 3) -> bytes:
    noise = random.Random(seed).randbytes(64 * 48 * 3)
    out = io.BytesIO()
    Image.frombytes("RGB", (64, 48), noise).save(out, "JPEG", quality=80)
    return out.getvalue()


def _ago(days: int) -> str:
    return (datetime.now(UTC) - timedelta(days=days)).isoformat()


@pytest.fixture
def team(http, engine, settings) -> dict[str, Any]:
    """An officer in noord and one in oost with some logs each, and leaders."""
    noord = enrol(http, engine, settings, make_user(engine, districts=["noord"], password=None))
    oost = enrol(http, engine, settings, make_user(engine, districts=["oost"], password=None))
    photo = _jpeg()
    sha = hashlib.sha256(photo).hexdigest()
    put = http.put(f"/api/v1/blobs/{sha}", headers=noord.headers, content=photo)
    assert put.status_code == 201, put.text
    n_spot = hotspot_in(engine, "noord", "jeugd")
    logs = {
        "obs": waarneming(n_spot, note=SECRET_NOTE, photos=[sha], observed_at=_ago(3)),
        "card": gele_kaart(n_spot, naam=YOUTH, observed_at=_ago(2)),
        "signal": signaal(n_spot, description=SECRET_NOTE, observed_at=_ago(1)),
        "address": adrescontrole(address=SECRET_NOTE, observed_at=_ago(1)),
        "late": incident(
            n_spot, observed_at=_ago(10), bot_gewenst=True, politie="aangifte_gewenst"
        ),
        "fresh": incident(n_spot, bot_gewenst=True, politie="geen", description=SECRET_NOTE),
    }
    noord.push_ok(list(logs.values()))
    o_spot = hotspot_in(engine, "oost")
    oost_logs = {
        "obs": waarneming(o_spot, theme="afval", observed_at=_ago(2)),
        "incident": incident(o_spot, observed_at=_ago(10)),
    }
    oost.push_ok(list(oost_logs.values()))
    return {
        "noord": noord,
        "oost": oost,
        "logs": {k: v["id"] for k, v in logs.items()},
        "oost_logs": {k: v["id"] for k, v in oost_logs.items()},
        "photo": photo,
        "sha": sha,
        "tl_noord": browser_token(
            engine, make_user(engine, role="teamleider", districts=["noord"], password=None)
        ),
        "tl_oost": browser_token(
            engine, make_user(engine, role="teamleider", districts=["oost"], password=None)
        ),
        "admin": browser_token(engine, make_user(engine, role="beheerder", password=None)),
    }


def _audit(engine) -> list[AuditEntry]:
    with Session(engine) as session:
        return list(session.exec(select(AuditEntry).order_by(col(AuditEntry.id))).all())


# ---------------------------------------------------------------- list


def test_the_list_shows_own_districts_without_personal_data(http, team):
    response = http.get(RECORDS, headers=bearer(team["tl_noord"]))
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["total"] == 6
    assert {i["id"] for i in body["items"]} == set(team["logs"].values())
    assert all(i["district"] == "noord" for i in body["items"])
    text = response.text
    assert SECRET_NOTE not in text and YOUTH not in text
    for item in body["items"]:
        assert not {"payload", "note", "description", "youth_pseudonym", "review_remark"} & set(
            item
        )
    obs = next(i for i in body["items"] if i["id"] == team["logs"]["obs"])
    assert obs["photos"] == 1 and obs["action"] == "aanspreken"
    # newest first
    observed = [i["observed_at"] for i in body["items"]]
    assert observed == sorted(observed, reverse=True)
    assert not http.get(RECORDS, headers=bearer(team["tl_noord"])).json()["items"][0]["is_demo"]


def test_list_filters(http, engine, team):
    token = bearer(team["tl_noord"])

    def ids(**params: Any) -> set[str]:
        response = http.get(RECORDS, headers=token, params=params)
        assert response.status_code == 200, response.text
        return {i["id"] for i in response.json()["items"]}

    logs = team["logs"]
    assert ids(kind="incident") == {logs["late"], logs["fresh"]}
    assert ids(theme="ondermijning") == {logs["signal"], logs["address"]}
    assert ids(hotspot=hotspot_in(engine, "noord", "jeugd")) == set(logs.values()) - {
        logs["address"]
    }
    assert ids(officer=team["noord"].user.id) == set(logs.values())
    assert ids(officer=team["oost"].user.id) == set()
    today = datetime.now(LOCAL).date()
    assert ids(date_from=(today - timedelta(days=5)).isoformat(), date_to=today.isoformat()) == set(
        logs.values()
    ) - {logs["late"]}
    assert ids(state="nieuw") == set(logs.values())
    assert ids(last_days=5) == set(logs.values()) - {logs["late"]}  # relative: saved filters
    page = http.get(RECORDS, headers=token, params={"limit": 2, "offset": 2}).json()
    assert page["total"] == 6 and len(page["items"]) == 2
    assert_error(
        http.get(RECORDS, headers=token, params={"state": "klaar"}), 422, "invalid_request"
    )
    assert_error(
        http.get(RECORDS, headers=token, params={"theme": "vuurwerk"}), 422, "invalid_request"
    )


def test_the_officer_filter_lists_the_officers_of_the_leaders_districts(http, team):
    noord, oost = team["noord"].user, team["oost"].user
    listed = http.get("/api/v1/review/officers", headers=bearer(team["tl_noord"])).json()
    assert listed == [{"id": noord.id, "name": noord.display_name}]
    everyone = http.get("/api/v1/review/officers", headers=bearer(team["admin"])).json()
    assert {o["id"] for o in everyone} == {noord.id, oost.id}
    assert_error(
        http.get(
            "/api/v1/review/officers", headers=bearer(team["tl_oost"]), params={"district": "noord"}
        ),
        403,
        "forbidden",
    )


def test_the_beheerder_sees_all_districts(http, team):
    body = http.get(RECORDS, headers=bearer(team["admin"]), params={"limit": 500}).json()
    assert body["total"] == 8
    only_oost = http.get(RECORDS, headers=bearer(team["admin"]), params={"district": "oost"}).json()
    assert {i["id"] for i in only_oost["items"]} == set(team["oost_logs"].values())


# ---------------------------------------------------------------- detail and audit


def test_the_detail_has_everything_and_the_read_is_audited(http, engine, team):
    record_id = team["logs"]["obs"]
    response = http.get(f"{RECORDS}/{record_id}", headers=bearer(team["tl_noord"]))
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["payload"]["note"] == SECRET_NOTE
    assert body["photo_files"] == [
        {
            "sha256": team["sha"],
            "received": True,
            "content_type": "image/jpeg",
            "size": len(team["photo"]),
        }
    ]
    assert [v["version"] for v in body["versions"]] == [1]
    [entry] = _audit(engine)
    assert (entry.action, entry.record_id, entry.reason, entry.role) == (
        "record_detail",
        record_id,
        "beoordeling",
        "teamleider",
    )
    assert SECRET_NOTE not in repr(entry)

    card = http.get(f"{RECORDS}/{team['logs']['card']}", headers=bearer(team["tl_noord"])).json()
    assert card["youth_pseudonym"] and card["card_number"] == 1
    assert YOUTH not in str(card)


# ---------------------------------------------------------------- review decisions


def test_a_review_with_a_remark_reaches_the_officers_phone(http, engine, team):
    phone = team["noord"]
    phone.pull_all()
    record_id = team["logs"]["obs"]
    response = http.post(
        f"{RECORDS}/{record_id}",
        headers=bearer(team["tl_noord"]),
        json={"state": "terug_naar_handhaver", "remark": "Welke container was het?"},
    )
    assert response.status_code == 200, response.text
    assert response.json()["review_state"] == "terug_naar_handhaver"

    received = phone.pull_all()
    assert [(c["entity"], c["id"]) for c in received] == [("record", record_id)]
    data = phone.seen[("record", record_id)]
    assert data is not None
    assert (data["review_state"], data["review_remark"]) == (
        "terug_naar_handhaver",
        "Welke container was het?",
    )
    # the other officer's phone receives nothing of it
    assert ("record", record_id) not in {(c["entity"], c["id"]) for c in team["oost"].pull_all()}

    done = http.post(
        f"{RECORDS}/{record_id}", headers=bearer(team["tl_noord"]), json={"state": "afgesloten"}
    )
    assert done.status_code == 200, done.text
    phone.pull_all()
    data = phone.seen[("record", record_id)]
    assert data is not None and (data["review_state"], data["review_remark"]) == (
        "afgesloten",
        None,
    )
    detail = http.get(f"{RECORDS}/{record_id}", headers=bearer(team["tl_noord"])).json()
    assert [(r["state"], r["remark"]) for r in detail["reviews"]] == [
        ("terug_naar_handhaver", "Welke container was het?"),
        ("afgesloten", None),
    ]


@pytest.mark.parametrize("remark", [None, "", "   "])
def test_back_to_the_officer_needs_a_remark(http, team, remark):
    record_id = team["logs"]["obs"]
    body: dict[str, Any] = {"state": "terug_naar_handhaver"}
    if remark is not None:
        body["remark"] = remark
    assert_error(
        http.post(f"{RECORDS}/{record_id}", headers=bearer(team["tl_noord"]), json=body),
        422,
        "invalid_request",
    )
    assert (
        team["noord"].pull_all()
        and team["noord"].seen[("record", record_id)]["review_state"] == "nieuw"
    )  # type: ignore[index]


def test_an_unknown_review_state_is_refused(http, team):
    response = http.post(
        f"{RECORDS}/{team['logs']['obs']}", headers=bearer(team["tl_noord"]), json={"state": "goed"}
    )
    assert_error(response, 422, "invalid_request")


# ---------------------------------------------------------------- saved filters


def test_saved_filters_are_per_user(http, team):
    noord = bearer(team["tl_noord"])
    created = http.post(
        FILTERS,
        headers=noord,
        json={"name": "Open incidenten", "filter": {"kind": "incident", "state": "nieuw"}},
    )
    assert created.status_code == 201, created.text
    saved = created.json()
    assert saved["filter"]["kind"] == "incident" and saved["filter"]["district"] is None
    assert [f["name"] for f in http.get(FILTERS, headers=noord).json()] == ["Open incidenten"]
    assert http.get(FILTERS, headers=bearer(team["tl_oost"])).json() == []
    assert_error(
        http.post(FILTERS, headers=noord, json={"name": "Open incidenten", "filter": {}}),
        409,
        "conflict",
    )
    assert_error(
        http.post(FILTERS, headers=noord, json={"name": "Oost", "filter": {"district": "oost"}}),
        403,
        "forbidden",
    )
    assert_error(
        http.post(FILTERS, headers=noord, json={"name": "x", "filter": {"kleur": "rood"}}),
        422,
        "invalid_request",
    )
    assert_error(
        http.delete(f"{FILTERS}/{saved['id']}", headers=bearer(team["tl_oost"])), 404, "not_found"
    )
    assert http.delete(f"{FILTERS}/{saved['id']}", headers=noord).status_code == 204
    assert http.get(FILTERS, headers=noord).json() == []


# ---------------------------------------------------------------- incidents board


def test_the_incidents_board_flags_overdue_follow_up(http, team):
    token = bearer(team["tl_noord"])
    board = http.get(INCIDENTS, headers=token).json()
    items = {i["id"]: i for i in board["items"]}
    assert set(items) == {team["logs"]["late"], team["logs"]["fresh"]}
    late, fresh = items[team["logs"]["late"]], items[team["logs"]["fresh"]]
    assert board["items"][0]["id"] == team["logs"]["late"]  # overdue first
    assert late["bot_overdue"] and late["politie_overdue"] and late["overdue"]
    assert late["politie_status"] == "aangifte_gewenst"
    assert not fresh["overdue"] and fresh["bot_due"] is not None
    assert (board["open"], board["overdue"]) == (2, 1)
    assert SECRET_NOTE not in str(board)

    today = datetime.now(LOCAL).date()
    url = f"{INCIDENTS}/{team['logs']['late']}/followup"
    assert_error(
        http.post(
            url,
            headers=token,
            json={"kind": "bot_contact", "date": (today + timedelta(days=1)).isoformat()},
        ),
        422,
        "invalid_request",
    )
    assert_error(
        http.post(
            url,
            headers=token,
            json={"kind": "bot_contact", "date": (today - timedelta(days=30)).isoformat()},
        ),
        422,
        "invalid_request",
    )
    assert_error(
        http.post(url, headers=token, json={"kind": "koffie", "date": today.isoformat()}),
        422,
        "invalid_request",
    )
    first = http.post(url, headers=token, json={"kind": "bot_contact", "date": today.isoformat()})
    assert first.status_code == 201, first.text
    assert first.json()["bot_contact_on"] == today.isoformat()
    assert not first.json()["bot_overdue"] and first.json()["politie_overdue"]
    # Without a day the server takes today in Haarlem (not the caller's clock).
    second = http.post(url, headers=token, json={"kind": "aangifte_gedaan"}).json()
    assert second["politie_status"] == "aangifte_gedaan" and not second["overdue"]

    board = http.get(INCIDENTS, headers=token, params={"open_only": True}).json()
    assert [i["id"] for i in board["items"]] == [team["logs"]["fresh"]]
    assert board["overdue"] == 0
    detail = http.get(f"{RECORDS}/{team['logs']['late']}", headers=token).json()
    assert [f["label"] for f in detail["followups"]] == ["BOT-contact gehad", "aangifte gedaan"]
    assert [f["on_date"] for f in detail["followups"]] == [today.isoformat()] * 2
    assert_error(
        http.post(
            f"{INCIDENTS}/{team['logs']['obs']}/followup",
            headers=token,
            json={"kind": "bot_contact", "date": today.isoformat()},
        ),
        404,
        "not_found",
    )


# ---------------------------------------------------------------- export


def test_the_export_has_no_personal_data_and_is_audited(http, engine, team):
    response = http.get(EXPORT, headers=bearer(team["tl_noord"]))
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    rows = excel_rows(response.content)
    assert {r["id"] for r in rows} == set(team["logs"].values())
    spot_code = hotspot_in(engine, "noord", "jeugd")
    with Session(engine) as session:
        from sync_server.models import District, Hotspot

        district = session.get(District, "noord")
        spot = session.get(Hotspot, spot_code)
    assert district is not None and spot is not None
    obs = next(r for r in rows if r["id"] == team["logs"]["obs"])
    # a code for formulas and a name for people, each in its own column
    assert (obs["stadsdeel"], obs["stadsdeel_naam"]) == ("noord", district.name)
    assert (obs["focuslocatie"], obs["focuslocatie_naam"]) == (spot.code, spot.name)
    assert obs["thema"] and obs["thema_naam"] and obs["thema_naam"] != obs["thema"]
    text = response.text
    officer = team["noord"].user
    for secret in (SECRET_NOTE, YOUTH, officer.display_name, officer.username):
        assert secret not in text
    assert "pseudoniem" not in text.splitlines()[0]
    with Session(engine) as session:
        from sync_server.models import Record

        pseudonym = session.get(Record, team["logs"]["card"]).youth_pseudonym  # type: ignore[union-attr]
    assert pseudonym and pseudonym not in text
    [entry] = _audit(engine)
    assert entry.action == "export" and entry.detail.startswith("6 regels")

    only = http.get(EXPORT, headers=bearer(team["tl_noord"]), params={"kind": "incident"})
    assert len(excel_rows(only.content)) == 2
    assert "kind=incident" in _audit(engine)[-1].detail


# ---------------------------------------------------------------- photos


def test_a_teamleider_views_a_photo_of_their_district_audited(http, engine, team):
    url = f"/api/v1/blobs/{team['sha']}"
    response = http.get(url, headers=bearer(team["tl_noord"]))
    assert response.status_code == 200, response.text
    assert response.content == team["photo"]
    assert response.headers["content-type"] == "image/jpeg"
    [entry] = _audit(engine)
    assert (entry.action, entry.blob_sha256, entry.record_id) == (
        "foto",
        team["sha"],
        team["logs"]["obs"],
    )
    assert_error(http.get(url, headers=bearer(team["tl_oost"])), 404, "not_found")
    assert_error(http.get(url, headers=team["noord"].headers), 403, "forbidden")
    why = {"reden": "controle"}  # a beheerder must say why (test_privacy.py)
    assert http.get(url, headers=bearer(team["admin"]), params=why).status_code == 200
    assert_error(
        http.get("/api/v1/blobs/" + "0" * 64, headers=bearer(team["admin"]), params=why),
        404,
        "not_found",
    )
    assert_error(
        http.get("/api/v1/blobs/nothex", headers=bearer(team["admin"]), params=why),
        400,
        "blob_hash_invalid",
    )
    assert len(_audit(engine)) == 2


# ---------------------------------------------------------------- the audit log


def test_the_beheerder_reads_and_exports_the_audit_log(http, engine, team):
    http.get(f"{RECORDS}/{team['logs']['obs']}", headers=bearer(team["tl_noord"]))
    http.get(EXPORT, headers=bearer(team["tl_noord"]))
    http.get(
        f"/api/v1/blobs/{team['sha']}", headers=bearer(team["admin"]), params={"reden": "klacht"}
    )

    body = http.get(AUDIT, headers=bearer(team["admin"])).json()
    assert [e["action"] for e in body["items"]] == ["foto", "export", "record_detail"]
    assert body["total"] == 3
    exports = http.get(AUDIT, headers=bearer(team["admin"]), params={"action": "export"}).json()
    assert [e["action"] for e in exports["items"]] == ["export"]
    by_record = http.get(
        AUDIT, headers=bearer(team["admin"]), params={"record_id": team["logs"]["obs"]}
    ).json()
    assert {e["action"] for e in by_record["items"]} == {"record_detail", "foto"}
    today = datetime.now(LOCAL).date().isoformat()
    assert (
        http.get(
            AUDIT, headers=bearer(team["admin"]), params={"date_from": today, "date_to": today}
        ).json()["total"]
        == 3
    )

    csv_response = http.get(f"{AUDIT}/export.csv", headers=bearer(team["admin"]))
    assert csv_response.status_code == 200
    rows = excel_rows(csv_response.content)
    assert [r["action"] for r in rows] == ["record_detail", "export", "foto"]
    assert _audit(engine)[-1].action == "audit_export"

    assert_error(http.get(AUDIT, headers=bearer(team["tl_noord"])), 403, "forbidden")
    assert_error(
        http.get(f"{AUDIT}/export.csv", headers=bearer(team["tl_noord"])), 403, "forbidden"
    )


# ---------------------------------------------------------------- one district cannot see another


def test_a_teamleider_of_oost_cannot_read_noords_logs_through_any_endpoint(
    http, engine, settings, team
):
    from sync_server.services import nightly

    nightly.run_nightly(engine, settings)
    oost = bearer(team["tl_oost"])
    noord_ids = set(team["logs"].values())
    any_noord = team["logs"]["obs"]
    today = datetime.now(LOCAL).date()

    # list, with and without asking for noord
    listed = http.get(RECORDS, headers=oost, params={"limit": 500}).json()
    assert not noord_ids & {i["id"] for i in listed["items"]}
    assert_error(http.get(RECORDS, headers=oost, params={"district": "noord"}), 403, "forbidden")
    # detail, review, follow-up: as if the record did not exist
    assert_error(http.get(f"{RECORDS}/{any_noord}", headers=oost), 404, "not_found")
    assert_error(
        http.post(f"{RECORDS}/{any_noord}", headers=oost, json={"state": "beoordeeld"}),
        404,
        "not_found",
    )
    assert_error(
        http.post(
            f"{INCIDENTS}/{team['logs']['late']}/followup",
            headers=oost,
            json={"kind": "bot_contact", "date": today.isoformat()},
        ),
        404,
        "not_found",
    )
    # export
    exported = http.get(EXPORT, headers=oost)
    assert exported.status_code == 200 and not any(i in exported.text for i in noord_ids)
    assert_error(http.get(EXPORT, headers=oost, params={"district": "noord"}), 403, "forbidden")
    # incidents board
    board = http.get(INCIDENTS, headers=oost).json()
    assert {i["id"] for i in board["items"]} == {team["oost_logs"]["incident"]}
    assert_error(http.get(INCIDENTS, headers=oost, params={"district": "noord"}), 403, "forbidden")
    # hot spots and hot times
    activity = http.get("/api/v1/hotspots/activity", headers=oost).json()
    assert activity["total"] == 2 and all(
        h["code"] is None or h["code"].startswith("oost-") for h in activity["by_hotspot"]
    )
    assert_error(
        http.get("/api/v1/hotspots/activity", headers=oost, params={"district": "noord"}),
        403,
        "forbidden",
    )
    assert_error(
        http.get("/api/v1/patrol-suggestion", headers=oost, params={"district": "noord"}),
        403,
        "forbidden",
    )
    # profile
    assert_error(http.get("/api/v1/districts/noord/profile", headers=oost), 403, "forbidden")
    assert http.get("/api/v1/districts/oost/profile", headers=oost).status_code == 200
    # indicators
    assert_error(
        http.get("/api/v1/indicators", headers=oost, params={"district": "noord"}), 403, "forbidden"
    )
    assert_error(
        http.get(
            "/api/v1/indicators/registraties-handhavers-jeugd/months",
            headers=oost,
            params={"district": "noord", "year": today.year},
        ),
        403,
        "forbidden",
    )
    own = http.get(
        "/api/v1/indicators/registraties-handhavers-jeugd/months",
        headers=oost,
        params={"year": today.year},
    ).json()
    assert own["total"] == 0  # noord's jeugd logs are not in oost's figures
    # the photo of a noord log
    assert_error(http.get(f"/api/v1/blobs/{team['sha']}", headers=oost), 404, "not_found")
    # phones that have not synced
    assert http.get("/api/v1/devices/unsynced", headers=oost).status_code == 200
    # and nothing of noord was read
    assert all(e.record_id not in noord_ids for e in _audit(engine))


def test_a_correction_after_send_back_puts_the_record_up_for_review_again(http, engine, team):
    """The officer answers "terug naar handhaver" with a correction (version 2):
    the record is new to the team leader again, and the phone hears so."""
    phone = team["noord"]
    record_id = team["logs"]["obs"]
    http.post(
        f"{RECORDS}/{record_id}",
        headers=bearer(team["tl_noord"]),
        json={"state": "terug_naar_handhaver", "remark": "Welke container?"},
    )
    phone.pull_all()
    correction = waarneming(
        hotspot_in(engine, "noord"), record_id=record_id, version=2, note="container bij nr. 12"
    )
    [result] = phone.push_ok([correction])
    assert result["status"] == "accepted"
    detail = http.get(f"{RECORDS}/{record_id}", headers=bearer(team["tl_noord"])).json()
    assert detail["review_state"] == "nieuw"
    phone.pull_all()
    assert phone.seen[("record", record_id)]["review_state"] == "nieuw"
