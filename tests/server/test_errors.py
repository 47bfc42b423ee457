"""Every failure is a JSON `{code, message, protocol}` with a stable code, never a
bare 500 for bad input, and every reply carries the protocol version."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import httpx
from factories import assert_error, enrol, make_user
from fastapi.routing import APIRoute, iter_route_contexts

from sync_protocol import PROTOCOL_HEADER, PROTOCOL_VERSION

PUSH = "/api/v1/sync/push"
JSON = {"Content-Type": "application/json"}


def _phone(http, engine, settings):
    return enrol(http, engine, settings, make_user(engine, password=None))


def _push_body(phone, **fields: object) -> dict[str, object]:
    return {"protocol": PROTOCOL_VERSION, "device_id": phone.device_id, "records": []} | fields


# ---------------------------------------------------------------- bad bodies


def test_malformed_json(http, engine, settings):
    phone = _phone(http, engine, settings)
    response = http.post(PUSH, headers=phone.headers | JSON, content=b'{"protocol": 1, "rec')
    assert_error(response, 400, "malformed_json")


def test_body_that_is_not_utf8_is_malformed_json(http):
    response = http.post("/api/v1/auth/enroll", headers=JSON, content=b'{"code": "\xff\xfe"}')
    assert_error(response, 400, "malformed_json")


def test_records_must_be_a_list(http, engine, settings):
    phone = _phone(http, engine, settings)
    response = http.post(PUSH, headers=phone.headers, json=_push_body(phone, records={"a": 1}))
    body = assert_error(response, 422, "invalid_request")
    assert ["body", "records"] in [d["loc"] for d in body["details"]]


def test_protocol_in_body_must_be_a_number(http, engine, settings):
    phone = _phone(http, engine, settings)
    response = http.post(PUSH, headers=phone.headers, json=_push_body(phone, protocol="1"))
    body = assert_error(response, 422, "invalid_request")
    assert ["body", "protocol"] in [d["loc"] for d in body["details"]]


def test_invalid_request_does_not_echo_submitted_values(http, engine, settings):
    """A youth's name in a badly shaped request must not come back in the reply."""
    phone = _phone(http, engine, settings)
    secret = {"naam": "Kees Geheimjongere", "geboortedatum": "2010-04-01"}
    response = http.post(
        PUSH, headers=phone.headers, json=_push_body(phone, records=secret, device_id=secret)
    )
    assert_error(response, 422, "invalid_request")
    assert "Geheimjongere" not in response.text and "2010-04-01" not in response.text


def test_body_too_large_with_content_length(http, engine, settings):
    phone = _phone(http, engine, settings)
    too_big = b" " * (settings.limits.max_body_bytes + 1)
    response = http.post(PUSH, headers=phone.headers | JSON, content=too_big)
    assert response.request.headers["Content-Length"] == str(len(too_big))
    assert_error(response, 413, "body_too_large")


def test_declared_length_over_the_limit_is_refused_before_the_body_is_sent(server, settings):
    """A phone on a slow link must not upload megabytes only to be refused: the
    reply comes on the headers alone (the body is never sent here)."""
    head = (
        f"POST {PUSH} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        f"Content-Length: {settings.limits.max_body_bytes + 1}\r\n\r\n"
    )
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall(head.encode())
        reply = b""
        while b"}" not in reply:  # the JSON error body ends the reply
            chunk = sock.recv(65536)  # times out (test fails) if the server waits
            if not chunk:
                break
            reply += chunk
    status_line, _, rest = reply.decode().partition("\r\n")
    assert status_line == "HTTP/1.1 413 Request Entity Too Large"
    assert '"code":"body_too_large"' in rest.replace(" ", "")


def test_body_too_large_chunked_without_content_length(http, engine, settings):
    """A chunked upload declares no length: the server must count while reading."""
    phone = _phone(http, engine, settings)
    chunk = 64 * 1024
    chunks = settings.limits.max_body_bytes // chunk + 2

    def body() -> Iterator[bytes]:
        for _ in range(chunks):
            yield b" " * chunk

    response = http.post(PUSH, headers=phone.headers | JSON, content=body())
    assert "Content-Length" not in response.request.headers
    assert response.request.headers["Transfer-Encoding"] == "chunked"
    assert_error(response, 413, "body_too_large")


def test_body_just_under_the_limit_is_read(http, engine, settings):
    """The limit refuses only what is over it: padding up to the limit still parses."""
    phone = _phone(http, engine, settings)
    payload = httpx.Request("POST", "/", json=_push_body(phone)).content
    padded = payload + b" " * (settings.limits.max_body_bytes - len(payload))
    response = http.post(PUSH, headers=phone.headers | JSON, content=padded)
    assert response.status_code == 200, response.text
    assert response.json()["results"] == []


# ---------------------------------------------------------------- paths and methods


def test_unknown_path(http):
    assert_error(http.get("/api/v1/bestaat-niet"), 404, "not_found")
    assert_error(http.post("/nergens", json={}), 404, "not_found")


def test_wrong_method(http):
    assert_error(http.get(PUSH), 405, "method_not_allowed")
    assert_error(http.delete("/api/v1/auth/me"), 405, "method_not_allowed")


def test_every_reply_carries_the_protocol_version(http, engine, settings):
    phone = _phone(http, engine, settings)
    replies = [
        http.get("/api/v1/health"),  # 200
        http.post("/api/v1/auth/logout", headers=_phone(http, engine, settings).headers),  # 204
        http.post("/api/v1/auth/enroll", json={"code": "ONBEKEND-1"}),  # 401
        http.get("/api/v1/admin/users", headers=phone.headers),  # 403
        http.get("/api/v1/bestaat-niet"),  # 404
        http.get(PUSH),  # 405
        http.post(
            PUSH, headers=phone.headers | JSON, content=b" " * (settings.limits.max_body_bytes + 1)
        ),  # 413
        http.post(PUSH, headers=phone.headers, json={}),  # 422
        httpx.post(http.base_url.join("/api/v1/auth/enroll"), json={}),  # 400
    ]
    assert [r.status_code for r in replies] == [200, 204, 401, 403, 404, 405, 413, 422, 400]
    assert all(r.headers[PROTOCOL_HEADER] == str(PROTOCOL_VERSION) for r in replies)


def test_unexpected_failure_is_a_json_500_without_details(server, http):
    """A bug must still answer `{code, message}` with the protocol header, and not
    leak what the failure was about (here a route added only for this test)."""

    def crashes() -> None:
        raise RuntimeError("Kees Geheimjongere")

    server.app.add_api_route("/api/v1/test-crash", crashes, methods=["GET"])
    response = http.get("/api/v1/test-crash")
    assert_error(response, 500, "internal_error")
    assert "Geheimjongere" not in response.text
    assert response.headers[PROTOCOL_HEADER] == str(PROTOCOL_VERSION)


# ---------------------------------------------------------------- documentation and health


def test_openapi_documents_every_route(server, http):
    spec = http.get("/openapi.json").json()
    routes = [
        r for r in iter_route_contexts(server.app.routes) if isinstance(r.original_route, APIRoute)
    ]
    hidden = {r.path_format for r in routes if not r.include_in_schema}
    assert hidden <= {"/docs", "/redoc"}  # the documentation pages themselves
    routes = [r for r in routes if r.include_in_schema]
    assert len(routes) > 10
    documented = {(path, method.upper()) for path, item in spec["paths"].items() for method in item}
    served = {(r.path_format, method) for r in routes for method in r.methods}
    assert served == documented
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            assert operation.get("summary"), (method, path)
            assert operation.get("description", "").strip(), (method, path)


def test_health_needs_no_token(http, engine):
    response = httpx.get(http.base_url.join("/api/v1/health"))
    assert response.status_code == 200, response.text
    assert response.json() == {
        "status": "ok",
        "protocol": PROTOCOL_VERSION,
        "database": engine.dialect.name,
    }
