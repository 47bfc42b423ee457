"""Several server processes, as Haarlem runs them: started at once on a new
database, as uvicorn workers, and two of them behind nginx (Debian's package,
with deploy/nginx/handhaving.conf) on one database and one S3 bucket. Also the
nightly job's lock. Every server here is a real `python -m sync_server serve`.
"""

from __future__ import annotations

import hashlib
import io
import os
import random
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from factories import (
    TEST_KEY,
    Phone,
    bearer,
    browser_token,
    enrolment_code,
    hotspot_in,
    make_user,
    new_client,
    waarneming,
)
from nginx_proxy import NginxProxy
from PIL import Image
from s3_server import SeaweedS3
from server_process import ServerProcess, clean_env
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine, make_url
from sqlmodel import Session, func, select

from sync_server.db import database_lock, make_engine, normalise_url
from sync_server.migrate import alembic_config
from sync_server.models import AuthFailure, ReferenceLoad

PG_URL = os.environ.get("TEST_DATABASE_URL")
METRICS_TOKEN = "metrics-" + uuid.uuid4().hex


@pytest.fixture
def database_url(tmp_path: Path) -> Iterator[str]:
    """A new, empty database (nothing migrated) on the suite's database server."""
    if not PG_URL:
        yield f"sqlite:///{tmp_path / 'shared.db'}"
        return
    base = make_url(normalise_url(PG_URL))
    name = f"hv_mp_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield base.set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def server_env(database_url: str, tmp_path: Path, **extra: str) -> dict[str, str]:
    return clean_env(
        DATABASE_URL=database_url,
        HV_PSEUDONYM_KEY=TEST_KEY.hex(),
        HV_VAR_DIR=str(tmp_path / "var"),
        HV_METRICS_TOKEN=METRICS_TOKEN,
        **extra,
    )


def jpeg(seed: int) -> bytes:
    noise = random.Random(seed).randbytes(64 * 48 * 3)
    out = io.BytesIO()
    Image.frombytes("RGB", (64, 48), noise).save(out, "JPEG", quality=80)
    return out.getvalue()


def enrol_at(url: str, engine: Engine, user) -> Phone:
    client = new_client(url)
    response = client.post(
        "/api/v1/auth/enroll",
        json={"code": enrolment_code(engine, user), "device_name": "t"},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    return Phone(client=client, token=body["token"], device_id=body["device_id"], user=user)


def test_four_processes_start_at_once_on_a_new_database(database_url, tmp_path):
    servers = [
        ServerProcess(server_env(database_url, tmp_path), tmp_path / f"s{i}") for i in range(4)
    ]
    try:
        for server in servers:
            server.start()
        for server in servers:
            server.wait_ready()
        engine = make_engine(database_url)
        with Session(engine) as session:
            version = session.exec(text("SELECT version_num FROM alembic_version")).all()
            loads = session.exec(select(func.count()).select_from(ReferenceLoad)).one()
        from alembic.script import ScriptDirectory

        head = ScriptDirectory.from_config(alembic_config(database_url)).get_current_head()
        assert [row[0] for row in version] == [head]
        assert loads == 1  # the reference data was loaded once; the others found it loaded
        for server in servers:
            assert "Traceback" not in server.log() and '"level": "ERROR"' not in server.log()
        engine.dispose()
    finally:
        for server in servers:
            server.stop()


def test_serve_with_two_workers_answers_and_adds_up_their_metrics(database_url, tmp_path):
    server = ServerProcess(server_env(database_url, tmp_path), tmp_path, "--workers", "2")
    try:
        server.start().wait_ready()
        with httpx.Client(base_url=server.url, timeout=30) as client:
            for _ in range(20):
                assert client.get("/api/v1/health").status_code == 200
            assert client.get("/api/v1/ready").json() == {
                "status": "ok",
                "database": "ok",
                "photo_store": "ok",
            }
            assert client.get("/metrics").status_code == 401
            metrics = client.get("/metrics", headers=bearer(METRICS_TOKEN))
        assert metrics.status_code == 200
        # Twenty health checks and the other calls, whichever worker took them.
        line = next(
            line
            for line in metrics.text.splitlines()
            if line.startswith("hv_http_requests_total{")
            and 'route="/api/v1/health"' in line
            and 'status="200"' in line
        )
        assert float(line.rsplit(" ", 1)[1]) >= 20
        assert "hv_devices_stale" in metrics.text
        # JSON log lines, each with a request id.
        access = [line for line in server.log().splitlines() if '"sync_server.access"' in line]
        assert len(access) >= 20 and all('"request_id": "' in line for line in access)
    finally:
        server.stop()


def test_two_processes_behind_nginx_share_one_database_and_one_bucket(
    database_url, tmp_path, seaweed: SeaweedS3
):
    bucket = seaweed.new_bucket()
    env = server_env(database_url, tmp_path, **seaweed.env(bucket))
    a = ServerProcess(env, tmp_path / "a")
    b = ServerProcess(env, tmp_path / "b")
    proxy: NginxProxy | None = None
    try:
        a.start()
        b.start()
        a.wait_ready()
        b.wait_ready()
        proxy = NginxProxy(tmp_path / "nginx", [a.port, b.port]).start()
        engine = make_engine(database_url)
        officer = make_user(engine, districts=["noord"], password=None)
        leader = bearer(browser_token(engine, make_user(engine, role="teamleider", password=None)))
        phone = enrol_at(a.url, engine, officer)  # talks to process A only

        photo = jpeg(1)
        digest = hashlib.sha256(photo).hexdigest()
        put = phone.client.put(
            f"/api/v1/blobs/{digest}",
            content=photo,
            headers=phone.headers | {"Content-Type": "image/jpeg"},
        )
        assert put.status_code == 201, put.text
        phone.push_ok([waarneming(hotspot_in(engine, "noord"), photos=[digest])])

        # Process B never saw the upload; it reads the photo from the bucket.
        with httpx.Client(timeout=30) as client:
            from_b = client.get(f"{b.url}/api/v1/blobs/{digest}", headers=leader)
            assert from_b.status_code == 200 and from_b.content == photo
            head_b = client.head(
                f"{b.url}/api/v1/blobs/{digest}",
                headers=phone.headers | {"X-Protocol-Version": "1"},
            )
            assert head_b.status_code == 200

            # Through nginx: both processes answer, the request id goes through.
            answered = set()
            for _ in range(6):
                reply = client.get(f"{proxy.url}/api/v1/blobs/{digest}", headers=leader)
                assert reply.status_code == 200 and reply.content == photo
                assert len(reply.headers["X-Request-ID"]) == 32  # nginx's $request_id
                answered.add(reply.headers["X-Request-ID"])
            assert len(answered) == 6
            upstreams = (tmp_path / "nginx" / "access.log").read_text()
            assert f"127.0.0.1:{a.port}" in upstreams and f"127.0.0.1:{b.port}" in upstreams

            # nginx refuses an oversized body itself, in the API's words.
            huge = client.put(
                f"{proxy.url}/api/v1/blobs/{digest}",
                content=b"x" * (8 * 1024 * 1024),
                headers=phone.headers | {"X-Protocol-Version": "1"},
            )
            assert huge.status_code == 413 and huge.json()["code"] == "body_too_large"

            # The address the server uses is the one nginx saw, not one the client claims.
            enrol = client.post(
                f"{proxy.url}/api/v1/auth/enroll",
                json={"code": "fout-fout-fout", "device_name": "t"},
                headers={"X-Protocol-Version": "1", "X-Forwarded-For": "203.0.113.9"},
            )
            assert enrol.status_code == 401
        with Session(engine) as session:
            keys = [row.key for row in session.exec(select(AuthFailure)).all()]
        assert any("127.0.0.1" in key for key in keys)
        assert not any("203.0.113.9" in key for key in keys)
        engine.dispose()
    finally:
        if proxy is not None:
            proxy.stop()
        a.stop()
        b.stop()


def test_two_nightly_runs_cannot_overlap(database_url, tmp_path):
    env = server_env(database_url, tmp_path)

    def command(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "sync_server", *args],
            env=env,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=300,
        )

    def nightly() -> subprocess.CompletedProcess[str]:
        return command("nightly", "--metrics-file", "nightly.prom")

    assert command("load-reference").returncode == 0
    first = nightly()
    assert first.returncode == 0, first.stderr
    assert 'hv_nightly_runs_total{result="ok"} 1.0' in (tmp_path / "nightly.prom").read_text()
    engine = make_engine(database_url)
    with database_lock(engine, "nightly"):  # a run that is still busy
        second = nightly()
    assert second.returncode == 3
    assert "draait al" in second.stdout
    assert 'hv_nightly_runs_total{result="skipped"} 1.0' in (tmp_path / "nightly.prom").read_text()
    assert nightly().returncode == 0  # once the lock is free, it runs again
    engine.dispose()
