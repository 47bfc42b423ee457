"""What an operator sees: request ids, JSON log lines, an unexpected error's
traceback in the log (never its text), metrics, and readiness."""

from __future__ import annotations

import io
import json
import logging
import re
import socket
from dataclasses import replace

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
from live_server import LiveServer

from sync_protocol import PROTOCOL_HEADER, PROTOCOL_VERSION
from sync_server.config import S3Settings
from sync_server.logs import logging_config


def _json_log(settings) -> tuple[logging.Handler, io.StringIO]:
    """The server's own log configuration, writing to a buffer."""
    config = logging_config(replace(settings, log_format="json"))
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    formatter_spec = dict(config["formatters"]["default"])
    factory = formatter_spec.pop("()")
    module, _, name = factory.rpartition(".")
    formatter_class = getattr(__import__(module, fromlist=[name]), name)
    handler.setFormatter(formatter_class(**formatter_spec))
    from sync_server.logs import RequestIdFilter

    handler.addFilter(RequestIdFilter())
    return handler, stream


def test_every_reply_carries_a_request_id(http):
    made = http.get("/api/v1/health")
    assert re.fullmatch(r"[0-9a-f]{32}", made.headers["X-Request-ID"])
    given = http.get("/api/v1/health", headers={"X-Request-ID": "nginx-1234abcd"})
    assert given.headers["X-Request-ID"] == "nginx-1234abcd"
    # An error reply too; a header that is not an id is replaced, not echoed.
    refused = http.get("/api/v1/sync/pull", headers={"X-Request-ID": "<script>"})
    assert refused.status_code == 401 and re.fullmatch(
        r"[0-9a-f]{32}", refused.headers["X-Request-ID"]
    )


def test_an_unexpected_error_logs_its_traceback_with_the_request_id_but_not_its_text(
    server, http, settings
):
    def crashes() -> None:
        raise RuntimeError("Kees Geheimjongere")

    server.app.add_api_route("/api/v1/test-crash", crashes, methods=["GET"])
    handler, stream = _json_log(settings)
    root = logging.getLogger()
    access_logger = logging.getLogger("sync_server.access")
    root.addHandler(handler)
    access_logger.setLevel(logging.INFO)  # as configure_logging sets it (HV_LOG_LEVEL)
    try:
        response = http.get("/api/v1/test-crash", headers={"X-Request-ID": "crash-0000abcd"})
    finally:
        root.removeHandler(handler)
        access_logger.setLevel(logging.NOTSET)
    assert_error(response, 500, "internal_error")
    assert response.headers["X-Request-ID"] == "crash-0000abcd"
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    [error] = [line for line in lines if line["level"] == "ERROR"]
    assert error["request_id"] == "crash-0000abcd"
    assert "crashes" in error["traceback"] and "test_operations.py" in error["traceback"]
    assert "builtins.RuntimeError" in error["traceback"]
    assert "Geheimjongere" not in stream.getvalue()
    access = [line for line in lines if line["name"] == "sync_server.access"]
    assert access and access[-1]["request_id"] == "crash-0000abcd"
    assert access[-1]["route"] == "/api/v1/test-crash" and access[-1]["status"] == 500


def _metric(text: str, name: str, **labels: str) -> float:
    want = ",".join(f'{k}="{v}"' for k, v in labels.items())
    for line in text.splitlines():
        if line.startswith(f"{name}{{{want}}} ") or (not labels and line.startswith(f"{name} ")):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def test_metrics_count_pushed_records_and_pull_pages_for_the_beheerder(http, engine, settings):
    admin = bearer(browser_token(engine, make_user(engine, role="beheerder", password=None)))
    before = http.get("/metrics", headers=admin)
    assert before.status_code == 200 and before.headers["content-type"].startswith("text/plain")
    phone = enrol(http, engine, settings, make_user(engine, password=None))
    good = [waarneming(hotspot_in(engine, "noord")) for _ in range(2)]
    bad = waarneming(hotspot_in(engine, "noord")) | {"kind": "onbekend"}
    phone.push_ok([*good, bad])
    phone.pull_all()
    after = http.get("/metrics", headers=admin).text
    for outcome, added in (("accepted", 2), ("rejected", 1)):
        delta = _metric(after, "hv_push_records_total", outcome=outcome) - _metric(
            before.text, "hv_push_records_total", outcome=outcome
        )
        assert delta == added
    assert _metric(after, "hv_pull_pages_total") > _metric(before.text, "hv_pull_pages_total")
    route = "/api/v1/sync/push"
    assert _metric(after, "hv_http_requests_total", method="POST", route=route, status="200") >= 1
    assert "hv_http_request_duration_seconds_bucket" in after
    assert _metric(after, "hv_devices_stale") == 0
    # No label names a record, a device or a person: routes are templates.
    assert good[0]["id"] not in after and phone.device_id not in after
    assert_error(http.get("/metrics", headers=phone.headers), 403, "forbidden")


def test_the_metrics_token_reads_metrics_and_nothing_else(engine, settings):
    live = LiveServer(replace(settings, metrics_token="geheim-metrics-token"), engine).start()
    try:
        with httpx.Client(base_url=live.url, timeout=30) as client:
            assert client.get("/metrics", headers=bearer("geheim-metrics-token")).status_code == 200
            assert_error(client.get("/metrics", headers=bearer("fout")), 401, "token_invalid")
            assert_error(
                client.get("/api/v1/admin/users", headers=bearer("geheim-metrics-token")),
                401,
                "token_invalid",
            )
    finally:
        live.stop()


def test_ready_checks_the_database_and_the_photo_store(http, engine, settings):
    assert http.get("/api/v1/ready").json() == {
        "status": "ok",
        "database": "ok",
        "photo_store": "ok",
    }
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    closed = sock.getsockname()[1]
    sock.close()
    down = replace(
        settings,
        photo_store="s3",
        s3=S3Settings(f"127.0.0.1:{closed}", "hv-nowhere", "x", "y", secure=False),
    )
    live = LiveServer(down, engine).start()
    try:
        reply = httpx.get(
            f"{live.url}/api/v1/ready", headers={PROTOCOL_HEADER: str(PROTOCOL_VERSION)}, timeout=60
        )
    finally:
        live.stop()
    assert reply.status_code == 503
    assert reply.json() == {"status": "unavailable", "database": "ok", "photo_store": "unavailable"}
