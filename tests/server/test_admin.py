"""The admin API: who may see and manage which accounts, codes and devices."""

from __future__ import annotations

import base64
import io
import threading
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import httpx
from factories import (
    assert_error,
    bearer,
    browser_token,
    enrol,
    hotspot_in,
    make_user,
    waarneming,
)
from PIL import Image
from sqlmodel import Session

from sync_server.models import Device

USERS = "/api/v1/admin/users"
DEVICES = "/api/v1/admin/devices"


def _user(engine, **fields):
    """A user without a password: these tests use tokens, and argon2 takes 0.1 s."""
    return make_user(engine, password=None, **fields)


def _new_user(**fields: object) -> dict[str, object]:
    return {
        "username": "nieuwe.handhaver",
        "display_name": "Nieuwe Handhaver",
        "role": "handhaver",
        "districts": ["centrum"],
    } | fields


def _code_for(http, token: str, user_id: int):
    return http.post(f"{USERS}/{user_id}/enrolment-codes", headers=bearer(token))


# ---------------------------------------------------------------- listing users


def test_beheerder_lists_every_user(http, engine):
    admin = _user(engine, role="beheerder")
    others = [_user(engine, districts=[d]) for d in ("noord", "oost", "schalkwijk")]
    others.append(_user(engine, role="teamleider", districts=["centrum"]))
    response = http.get(USERS, headers=bearer(browser_token(engine, admin)))
    assert response.status_code == 200, response.text
    assert {u["username"] for u in response.json()} == {u.username for u in [admin, *others]}


def test_teamleider_lists_only_users_of_own_districts(http, engine):
    leader = _user(engine, role="teamleider", districts=["oost"])
    own = _user(engine, districts=["oost"])
    _user(engine, districts=["noord"])
    _user(engine, role="teamleider", districts=["noord"])
    _user(engine, role="beheerder")
    response = http.get(USERS, headers=bearer(browser_token(engine, leader)))
    assert response.status_code == 200, response.text
    assert {u["username"] for u in response.json()} == {leader.username, own.username}


def test_teamleider_of_two_districts_sees_both_teams(http, engine):
    leader = _user(engine, role="teamleider", districts=["noord", "oost"])
    team = [_user(engine, districts=["noord"]), _user(engine, districts=["oost"])]
    _user(engine, districts=["centrum"])
    response = http.get(USERS, headers=bearer(browser_token(engine, leader)))
    assert {u["username"] for u in response.json()} == {
        leader.username,
        *(u.username for u in team),
    }


def test_handhaver_may_not_list_users(http, engine, settings):
    phone = enrol(http, engine, settings, _user(engine))
    assert_error(http.get(USERS, headers=phone.headers), 403, "forbidden")


def test_listing_users_needs_a_token(http):
    assert_error(http.get(USERS), 401, "token_missing")


# ---------------------------------------------------------------- creating users


def test_beheerder_creates_user(http, engine):
    token = browser_token(engine, _user(engine, role="beheerder"))
    response = http.post(USERS, headers=bearer(token), json=_new_user(username="Nieuwe.Handhaver"))
    assert response.status_code == 201, response.text
    created = response.json()
    assert created == {
        "id": created["id"],
        "username": "nieuwe.handhaver",
        "display_name": "Nieuwe Handhaver",
        "role": "handhaver",
        "districts": ["centrum"],
        "active": True,
    }
    listed = http.get(USERS, headers=bearer(token)).json()
    assert created in listed


def test_creating_an_existing_user_is_a_conflict(http, engine):
    token = browser_token(engine, _user(engine, role="beheerder"))
    assert http.post(USERS, headers=bearer(token), json=_new_user()).status_code == 201
    again = http.post(
        USERS,
        headers=bearer(token),
        json=_new_user(username="NIEUWE.handhaver", districts=["oost"]),
    )
    assert_error(again, 409, "user_exists")


def test_creating_user_in_unknown_district(http, engine):
    token = browser_token(engine, _user(engine, role="beheerder"))
    response = http.post(USERS, headers=bearer(token), json=_new_user(districts=["bloemendaal"]))
    assert_error(response, 422, "unknown_district")


def test_handhaver_belongs_to_exactly_one_district(http, engine):
    token = browser_token(engine, _user(engine, role="beheerder"))
    response = http.post(USERS, headers=bearer(token), json=_new_user(districts=["noord", "oost"]))
    assert_error(response, 422, "invalid_request")


def test_creating_user_with_unknown_role(http, engine):
    token = browser_token(engine, _user(engine, role="beheerder"))
    response = http.post(USERS, headers=bearer(token), json=_new_user(role="burgemeester"))
    assert_error(response, 422, "invalid_request")


def test_teamleider_creates_officers_of_own_districts_only(http, engine):
    token = browser_token(engine, _user(engine, role="teamleider", districts=["centrum"]))
    response = http.post(USERS, headers=bearer(token), json=_new_user())
    assert response.status_code == 201, response.text
    for body in (
        _new_user(username="elders", districts=["noord"]),
        _new_user(username="leider", role="teamleider"),
        _new_user(username="baas", role="beheerder", districts=[]),
    ):
        assert_error(http.post(USERS, headers=bearer(token), json=body), 403, "forbidden")
    admin_token = browser_token(engine, _user(engine, role="beheerder"))
    listed = {u["username"] for u in http.get(USERS, headers=bearer(admin_token)).json()}
    assert "nieuwe.handhaver" in listed and not {"elders", "leider", "baas"} & listed


def test_same_user_created_twice_at_once(server, engine):
    """Two beheerders (or a double click) creating one account: one 201, one 409."""
    token = browser_token(engine, _user(engine, role="beheerder"))
    attempts = 6
    barrier = threading.Barrier(attempts)

    def create(_n: int) -> int:
        with httpx.Client(base_url=server.url, timeout=30) as client:
            barrier.wait()
            return client.post(USERS, headers=bearer(token), json=_new_user()).status_code

    with ThreadPoolExecutor(max_workers=attempts) as pool:
        statuses = Counter(pool.map(create, range(attempts)))
    assert statuses == {201: 1, 409: attempts - 1}, statuses


# ---------------------------------------------------------------- enrolment codes


def test_teamleider_creates_enrolment_code_for_own_officer(http, server, engine):
    token = browser_token(engine, _user(engine, role="teamleider", districts=["noord"]))
    officer = _user(engine, districts=["noord"])
    before = datetime.now(UTC)
    response = _code_for(http, token, officer.id)
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["user"]["id"] == officer.id
    expires_at = datetime.fromisoformat(body["expires_at"])
    assert before + timedelta(minutes=14) < expires_at <= datetime.now(UTC) + timedelta(minutes=15)

    assert body["enrol_uri"].startswith("handhaving://koppel?")
    query = parse_qs(urlsplit(body["enrol_uri"]).query)
    assert query == {"server": [server.url], "code": [body["code"]]}

    image = Image.open(io.BytesIO(base64.b64decode(body["qr_png_base64"], validate=True)))
    assert image.format == "PNG"
    width, height = image.size
    modules = width // 8 - 2 * 4  # scale 8, quiet zone of 4 modules each side
    assert width == height and width % 8 == 0
    assert modules >= 21 and (modules - 17) % 4 == 0  # a real QR symbol size

    enrolled = http.post("/api/v1/auth/enroll", json={"code": body["code"]})
    assert enrolled.status_code == 200, enrolled.text
    assert enrolled.json()["user"]["id"] == officer.id


def test_teamleider_may_not_create_code_for_other_district(http, engine):
    token = browser_token(engine, _user(engine, role="teamleider", districts=["noord"]))
    officer = _user(engine, districts=["schalkwijk"])
    assert_error(_code_for(http, token, officer.id), 403, "forbidden")


def test_teamleider_may_not_create_code_for_another_teamleider(http, engine):
    token = browser_token(engine, _user(engine, role="teamleider", districts=["noord"]))
    colleague = _user(engine, role="teamleider", districts=["noord"])
    assert_error(_code_for(http, token, colleague.id), 403, "forbidden")


def test_beheerder_creates_code_for_a_teamleider(http, engine):
    token = browser_token(engine, _user(engine, role="beheerder"))
    leader = _user(engine, role="teamleider", districts=["zuid-west"])
    assert _code_for(http, token, leader.id).status_code == 201


def test_enrolment_code_for_unknown_user(http, engine):
    token = browser_token(engine, _user(engine, role="beheerder"))
    assert_error(_code_for(http, token, 987654), 404, "not_found")


def test_handhaver_may_not_create_codes(http, engine, settings):
    officer = _user(engine)
    phone = enrol(http, engine, settings, officer)
    assert_error(_code_for(http, phone.token, officer.id), 403, "forbidden")


# ---------------------------------------------------------------- devices


def test_device_list_is_scoped_like_users(http, engine, settings):
    north = enrol(http, engine, settings, _user(engine, districts=["noord"]))
    east = enrol(http, engine, settings, _user(engine, districts=["oost"]))
    leader = _user(engine, role="teamleider", districts=["noord"])
    leader_token = browser_token(engine, leader)
    admin_token = browser_token(engine, _user(engine, role="beheerder"))

    seen_by_leader = http.get(DEVICES, headers=bearer(leader_token)).json()
    assert north.device_id in {d["id"] for d in seen_by_leader}
    assert {d["username"] for d in seen_by_leader} == {north.user.username, leader.username}
    seen_by_admin = {d["id"] for d in http.get(DEVICES, headers=bearer(admin_token)).json()}
    assert {north.device_id, east.device_id} <= seen_by_admin
    assert_error(http.get(DEVICES, headers=north.headers), 403, "forbidden")


def test_teamleider_revokes_officers_phone(http, engine, settings):
    phone = enrol(http, engine, settings, _user(engine, districts=["noord"]))
    assert phone.pull().status_code == 200
    token = browser_token(engine, _user(engine, role="teamleider", districts=["noord"]))

    response = http.post(f"{DEVICES}/{phone.device_id}/revoke", headers=bearer(token))
    assert response.status_code == 200, response.text
    assert response.json()["id"] == phone.device_id
    assert response.json()["revoked_at"] is not None
    assert_error(phone.pull(), 401, "token_revoked")


def test_teamleider_may_not_revoke_other_districts_phone(http, engine, settings):
    phone = enrol(http, engine, settings, _user(engine, districts=["oost"]))
    token = browser_token(engine, _user(engine, role="teamleider", districts=["noord"]))
    response = http.post(f"{DEVICES}/{phone.device_id}/revoke", headers=bearer(token))
    assert_error(response, 403, "forbidden")
    with Session(engine) as session:
        device = session.get(Device, phone.device_id)
    assert device is not None and device.revoked_at is None
    assert phone.pull().status_code == 200


def test_revoking_unknown_device(http, engine):
    token = browser_token(engine, _user(engine, role="beheerder"))
    response = http.post(f"{DEVICES}/{uuid.uuid4()}/revoke", headers=bearer(token))
    assert_error(response, 404, "not_found")


# ---------------------------------------------------------------- changing users


def test_beheerder_changes_role_and_districts(http, engine):
    token = browser_token(engine, _user(engine, role="beheerder"))
    officer = _user(engine, districts=["noord"])
    response = http.patch(
        f"{USERS}/{officer.id}",
        headers=bearer(token),
        json={
            "role": "teamleider",
            "districts": ["noord", "oost"],
            "display_name": "Nieuwe leider",
        },
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["role"], body["districts"], body["display_name"]) == (
        "teamleider",
        ["noord", "oost"],
        "Nieuwe leider",
    )
    assert_error(
        http.patch(
            f"{USERS}/{officer.id}",
            headers=bearer(token),
            json={"role": "beheerder", "districts": ["noord"]},
        ),
        422,
        "invalid_request",
    )


def test_deactivating_a_user_revokes_every_device(http, engine, settings):
    token = browser_token(engine, _user(engine, role="beheerder"))
    officer = _user(engine, districts=["noord"])
    phone = enrol(http, engine, settings, officer)
    response = http.patch(f"{USERS}/{officer.id}", headers=bearer(token), json={"active": False})
    assert response.status_code == 200 and response.json()["active"] is False
    assert_error(phone.pull(), 401, "token_revoked")
    # Switched on again, the old phone stays out: it must enrol anew.
    http.patch(f"{USERS}/{officer.id}", headers=bearer(token), json={"active": True})
    assert_error(phone.pull(), 401, "token_revoked")
    devices = http.get(f"{USERS}/{officer.id}/devices", headers=bearer(token)).json()
    assert [d["revoked_at"] is not None for d in devices] == [True]


def test_nobody_switches_themselves_off_or_changes_own_role(http, engine):
    admin = _user(engine, role="beheerder")
    token = browser_token(engine, admin)
    for change in ({"active": False}, {"role": "teamleider", "districts": ["noord"]}):
        response = http.patch(f"{USERS}/{admin.id}", headers=bearer(token), json=change)
        assert_error(response, 403, "forbidden")


def test_teamleider_changes_own_officers_within_own_districts(http, engine):
    leader = _user(engine, role="teamleider", districts=["noord", "oost"])
    token = bearer(browser_token(engine, leader))
    officer = _user(engine, districts=["noord"])
    moved = http.patch(f"{USERS}/{officer.id}", headers=token, json={"districts": ["oost"]})
    assert moved.status_code == 200 and moved.json()["districts"] == ["oost"]
    for change in (
        {"districts": ["centrum"]},
        {"role": "teamleider"},
    ):
        assert_error(
            http.patch(f"{USERS}/{officer.id}", headers=token, json=change), 403, "forbidden"
        )
    stranger = _user(engine, districts=["centrum"])
    response = http.patch(f"{USERS}/{stranger.id}", headers=token, json={"active": False})
    assert_error(response, 403, "forbidden")
    assert_error(http.get(f"{USERS}/{stranger.id}/devices", headers=token), 403, "forbidden")


def test_devices_of_one_user_with_last_sync(http, engine, settings):
    leader = _user(engine, role="teamleider", districts=["noord"])
    officer = _user(engine, districts=["noord"])
    phone = enrol(http, engine, settings, officer, name="dienst 7")
    phone.push_ok([waarneming(hotspot_in(engine, "noord"))])
    response = http.get(
        f"{USERS}/{officer.id}/devices", headers=bearer(browser_token(engine, leader))
    )
    assert response.status_code == 200, response.text
    [device] = response.json()
    assert (device["id"], device["name"], device["kind"]) == (phone.device_id, "dienst 7", "phone")
    assert device["last_sync_at"] is not None and device["revoked_at"] is None


def test_changing_an_unknown_user(http, engine):
    token = browser_token(engine, _user(engine, role="beheerder"))
    assert_error(http.patch(f"{USERS}/999999", headers=bearer(token), json={}), 404, "not_found")
