"""How the two clients (the sync client and the team leader's) read the server's
replies, with httpx.MockTransport: no connection, a 5xx, a 401, throttling, an app
too old, a garbled reply, and the server's own {code, message}. Both go through one
request helper (fieldapp.http_client) and differ only where they should: a sync
treats 401 as a phone the server no longer knows, a team leader as a lapsed login.
The end-to-end behaviour against the real server is in test_state_sync.py and
test_teamleader.py."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from fieldapp.db import open_database
from fieldapp.http_client import SyncError, default_client, normalise_server_url
from fieldapp.store import Store
from fieldapp.sync import SyncClient
from fieldapp.teamleader import OFFLINE_MESSAGE, TeamLeader, login

Handler = Callable[[httpx.Request], httpx.Response]
LOGIN_REPLY = {
    "device_id": 7,
    "token": "t" * 40,
    "user": {
        "id": 3,
        "username": "tl1",
        "display_name": "Teamleider Een",
        "role": "teamleider",
        "districts": ["noord"],
    },
}


@pytest.fixture
def store(tmp_path) -> Store:
    return Store(open_database(tmp_path / "phone.db"), tmp_path / "photos")


def factory(handler: Handler) -> Callable[[str], httpx.Client]:
    return lambda url: default_client(url, transport=httpx.MockTransport(handler))


def refused(request: httpx.Request) -> httpx.Response:
    raise httpx.ConnectError("refused", request=request)


def reply(status: int, body: object = None, *, raw: bytes | None = None) -> Handler:
    def handler(request: httpx.Request) -> httpx.Response:
        if raw is not None:
            return httpx.Response(status, content=raw)
        return httpx.Response(status, json=body)

    return handler


def enroll_error(store: Store, tmp_path, handler: Handler) -> SyncError:
    client = SyncClient(store, tmp_path / "sync.lock", factory(handler))
    with pytest.raises(SyncError) as exc:
        client.enroll("http://server.test", "ABCD-1234")
    assert store.enrolment() is None  # nothing half-saved
    return exc.value


@pytest.mark.parametrize(
    ("handler", "code"),
    [
        (refused, "offline"),
        (reply(500, {"code": "oops", "message": "trace"}), "server_error"),
        (reply(503, raw=b"<html>bad gateway</html>"), "server_error"),
        (reply(401), "token_invalid"),
        (reply(429, {"code": "too_many_attempts", "message": "Wacht."}), "too_many_attempts"),
        (reply(400, {"code": "protocol_unsupported", "message": "x"}), "protocol_unsupported"),
        (reply(400, {"code": "protocol_missing", "message": "x"}), "protocol_unsupported"),
        (reply(200, raw=b'{"device_id": 7, "tok'), "bad_reply"),
        (reply(200, ["not", "an", "object"]), "bad_reply"),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_sync_client_maps_replies_to_stable_codes(store, tmp_path, handler, code):
    assert enroll_error(store, tmp_path, handler).code == code


def test_sync_client_passes_the_servers_dutch_message_on(store, tmp_path):
    handler = reply(400, {"code": "code_expired", "message": "Deze code is verlopen."})
    error = enroll_error(store, tmp_path, handler)
    assert (error.code, error.message) == ("code_expired", "Deze code is verlopen.")
    assert (
        "Fout 404 van de server."
        == enroll_error(store, tmp_path, reply(404, {"code": "weg"})).message
    )


def test_sync_client_sends_the_protocol_version(store, tmp_path):
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(
            200, json=LOGIN_REPLY | {"user": LOGIN_REPLY["user"] | {"role": "handhaver"}}
        )

    SyncClient(store, tmp_path / "sync.lock", factory(handler)).enroll("server.test", "ABCD")
    assert seen[0].headers["X-Protocol-Version"] == "1"
    assert str(seen[0].url) == "https://server.test/api/v1/auth/enroll"
    assert store.enrolment() is not None and store.enrolment().server_url == "https://server.test"


def login_error(store: Store, handler: Handler) -> SyncError:
    with pytest.raises(SyncError) as exc:
        login(factory(handler), "http://server.test", "tl1", "geheim")
    assert store.enrolment() is None  # a leader's login never reaches the store
    return exc.value


@pytest.mark.parametrize(
    ("handler", "code"),
    [
        (refused, "teamleider_offline"),
        (reply(502, raw=b"bad gateway"), "teamleider_server_error"),
        (
            reply(401, {"code": "login_failed", "message": "Naam of wachtwoord klopt niet."}),
            "login_failed",
        ),
        (reply(401, {"code": "token_expired", "message": "x"}), "token_expired"),
        (reply(401, {"code": "token_revoked", "message": "x"}), "token_invalid"),
        (reply(403, {"code": "forbidden", "message": "Gebruik de koppelcode."}), "forbidden"),
        (reply(200, raw=b"{"), "bad_reply"),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_team_leader_client_maps_replies_to_stable_codes(store, handler, code):
    assert login_error(store, handler).code == code


def test_team_leader_client_says_it_works_online_only(store):
    assert login_error(store, refused).message == OFFLINE_MESSAGE
    wrong = reply(401, {"code": "login_failed", "message": "Naam of wachtwoord klopt niet."})
    assert login_error(store, wrong).message == "Naam of wachtwoord klopt niet."


def test_team_leader_calls_carry_the_token_and_map_errors_too(store):
    calls: list[httpx.Request] = []
    answers: list[httpx.Response] = [
        httpx.Response(200, json=LOGIN_REPLY),
        httpx.Response(204),
        httpx.Response(404, json={"code": "not_found", "message": "Dit filter bestaat niet."}),
        httpx.Response(200, content=b"id;soort\n"),
        httpx.Response(401, json={"code": "token_expired", "message": "x"}),
    ]

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return answers[len(calls) - 1]

    new = login(factory(handler), "http://server.test", "tl1", "geheim")
    leader = TeamLeader(lambda: new, factory(handler))
    assert leader.delete_filter(5) == 5
    with pytest.raises(SyncError) as missing:
        leader.delete_filter(6)
    assert (missing.value.code, missing.value.message) == ("not_found", "Dit filter bestaat niet.")
    assert leader.profile_file("noord", "csv") == b"id;soort\n"
    with pytest.raises(SyncError) as lapsed:
        leader.officers()
    assert lapsed.value.code == "token_expired" and "filter blijft bewaard" in lapsed.value.message
    assert [c.method for c in calls[1:]] == ["DELETE", "DELETE", "GET", "GET"]
    assert all(c.headers["Authorization"] == "Bearer " + "t" * 40 for c in calls[1:])


def test_a_typed_address_becomes_a_base_url():
    assert normalise_server_url(" server.test/ ") == "https://server.test"
    assert normalise_server_url("http://127.0.0.1:8000/") == "http://127.0.0.1:8000"
