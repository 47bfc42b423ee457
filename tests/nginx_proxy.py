"""nginx from Debian's package with the repository's config
(deploy/nginx/handhaving.conf), on loopback ports and in a folder of its own."""

from __future__ import annotations

import re
import shutil
import subprocess
import time
from pathlib import Path

import httpx
from server_process import ROOT, free_port

CONFIG = ROOT / "deploy" / "nginx" / "handhaving.conf"


def nginx_binary() -> str:
    found = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else "")
    if not found:
        raise RuntimeError("nginx is not installed: apt-get install nginx (scripts/setup does)")
    return found


def site_config(upstreams: list[int], port: int, log: Path) -> str:
    """The repository's file with its addresses replaced: nothing else changes."""
    text = CONFIG.read_text()
    servers = "".join(
        f"    server 127.0.0.1:{p} max_fails=3 fail_timeout=10s;\n" for p in upstreams
    )
    text, n = re.subn(r"(    server 127\.0\.0\.1:\d+ [^\n]*\n)+", servers, text, count=1)
    assert n == 1, "upstream block not found in deploy/nginx/handhaving.conf"
    text, n = re.subn(r"listen 127\.0\.0\.1:\d+;", f"listen 127.0.0.1:{port};", text)
    assert n == 1
    return text.replace("/var/log/nginx/handhaving.log", str(log))


class NginxProxy:
    def __init__(self, folder: Path, upstreams: list[int]) -> None:
        self.folder = folder
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.upstreams = upstreams
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 30) -> NginxProxy:
        f = self.folder
        for sub in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
            (f / sub).mkdir(parents=True, exist_ok=True)
        (f / "handhaving.conf").write_text(site_config(self.upstreams, self.port, f / "access.log"))
        # worker_connections: every phone holds a connection and every request in
        # flight one more to a server process; room for 2,000 phones at once
        # (deploy/nginx/handhaving.conf says what a city sets).
        (f / "nginx.conf").write_text(
            f"""worker_processes 1;
pid {f}/nginx.pid;
error_log {f}/error.log warn;
daemon off;
events {{ worker_connections 4096; }}
http {{
    client_body_temp_path {f}/body;
    proxy_temp_path {f}/proxy;
    fastcgi_temp_path {f}/fastcgi;
    uwsgi_temp_path {f}/uwsgi;
    scgi_temp_path {f}/scgi;
    include {f}/handhaving.conf;
}}
"""
        )
        f.chmod(0o755)
        self.process = subprocess.Popen(
            [nginx_binary(), "-p", str(f), "-c", str(f / "nginx.conf"), "-e", str(f / "error.log")],
            stdout=subprocess.DEVNULL,
            stderr=(f / "stderr.log").open("wb"),
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"nginx exited: {(f / 'stderr.log').read_text()}")
            try:
                httpx.get(f"{self.url}/api/v1/health", timeout=2)
                return self
            except httpx.HTTPError:
                time.sleep(0.1)
        raise RuntimeError("nginx did not start")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=20)
