"""The peer: PouchDB replication of the same documents over loopback.

npm installs pouchdb-node and express-pouchdb into a temporary folder (never
into the checkout); the server and the replicating client are separate node
processes, as our server and client are separate processes.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from bench_common import free_port, tempdir

HERE = Path(__file__).resolve().parent
PACKAGES = ["pouchdb-node@9", "express-pouchdb@4", "express@4"]


@dataclass
class PouchResult:
    n: int
    seconds: float
    requests: int
    bytes: int
    docs_written: int

    @property
    def rate(self) -> float:
        return self.n / self.seconds


class PouchUnavailable(RuntimeError):
    """npm or the PouchDB peer could not be installed: the bench reports it and goes on."""


def install() -> tuple[Path, str]:
    """npm install into a temp folder; returns it and the versions installed."""
    folder = tempdir("bench-pouchdb-")
    (folder / "package.json").write_text('{"name": "bench-pouchdb", "private": true}\n')
    try:
        done = subprocess.run(
            ["npm", "install", "--no-audit", "--no-fund", "--loglevel=error", *PACKAGES],
            cwd=folder,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise PouchUnavailable(f"npm install failed: {exc}") from exc
    if done.returncode != 0:
        raise PouchUnavailable(f"npm install failed: {done.stderr.strip()[-500:]}")
    versions = []
    for name in ("pouchdb-node", "express-pouchdb"):
        meta = json.loads((folder / "node_modules" / name / "package.json").read_text())
        versions.append(f"{name} {meta['version']}")
    return folder, ", ".join(versions)


def replicate(folder: Path, records: list[dict[str, Any]], batch: int) -> PouchResult:
    run = tempdir("bench-pouch-run-")
    env = dict(os.environ, NODE_PATH=str(folder / "node_modules"))
    docs = run / "docs.jsonl"
    with docs.open("w") as out:
        for r in records:
            doc = {"_id": r["id"], "kind": r["kind"], "version": r["version"]}
            out.write(json.dumps(doc | {"payload": r["payload"]}, separators=(",", ":")) + "\n")
    port = free_port()
    server = subprocess.Popen(
        ["node", str(HERE / "pouch_server.js"), str(run), str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            if server.poll() is not None:
                raise PouchUnavailable("PouchDB server exited at start")
            try:
                httpx.get(f"http://127.0.0.1:{port}/", timeout=1)
                break
            except httpx.HTTPError:
                if time.monotonic() > deadline:
                    raise PouchUnavailable("PouchDB server did not start") from None
                time.sleep(0.1)
        done = subprocess.run(
            [
                "node",
                str(HERE / "pouch_replicate.js"),
                str(run),
                str(docs),
                f"http://127.0.0.1:{port}/bench",
                str(batch),
            ],
            env=env,
            capture_output=True,
            text=True,
            timeout=1800,
            check=False,
        )
        if done.returncode != 0:
            raise PouchUnavailable(f"replication failed: {done.stderr.strip()[-500:]}")
        result = json.loads(done.stdout.strip().splitlines()[-1])
        if result["doc_count"] != len(records):
            raise PouchUnavailable(f"PouchDB holds {result['doc_count']} of {len(records)}")
        return PouchResult(
            len(records), result["seconds"], result["requests"], result["bytes"],
            result["docs_written"],
        )  # fmt: skip
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=10)
        import shutil

        shutil.rmtree(run, ignore_errors=True)
