"""The real sync server under uvicorn in a thread, on a free loopback port.

A module of its own (not conftest.py) so that tests can import it by a name
that no other folder's conftest shadows.
"""

from __future__ import annotations

import socket
import threading
import time

import uvicorn
from sqlalchemy.engine import Engine

from sync_server.api import create_app
from sync_server.config import Settings


class LiveServer:
    """The real app under uvicorn in a thread, on a free loopback port."""

    def __init__(self, settings: Settings, engine: Engine) -> None:
        self.app = create_app(settings, engine)
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(
            self.app,
            log_level="warning",
            access_log=False,
            lifespan="off",
            timeout_graceful_shutdown=2,
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(
            target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True
        )

    def start(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("test server did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
        self.sock.close()
