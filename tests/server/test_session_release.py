"""The routes every phone calls give their database connection back in their own
thread.

FastAPI closes a session from a generator dependency after the route, on a
thread of the same pool the routes run on. With more requests than connections,
every thread of that pool could wait for a connection that only such a closing,
itself waiting for a thread, would give back: 200 phones against a server with
8 threads hung until the pool's timeout, then failed. The pull, the photo check
and the photo upload now open and close their session inside the route.

The test makes that scarcity on purpose: one connection, two threads, many
pulls and photo checks at once. Every request must be answered well; a stuck
one waits out the pool and fails.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import anyio.to_thread
import httpx
from factories import enrol, make_user
from live_server import LiveServer
from starlette.types import ASGIApp, Receive, Scope, Send

from sync_protocol import PROTOCOL_HEADER, PROTOCOL_VERSION
from sync_server.db import make_engine

THREADS = 2
REQUESTS = 24
POOL_TIMEOUT_S = 60  # a request that waited this long for a connection fails with a 500


class FewThreads:
    """Gives the server's event loop a thread pool of THREADS for its routes."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        anyio.to_thread.current_default_thread_limiter().total_tokens = THREADS
        await self.app(scope, receive, send)


def test_many_pulls_and_photo_checks_at_once_with_one_connection_and_two_threads(settings, engine):
    officer = make_user(engine, districts=["noord"], password=None)
    starved = make_engine(
        engine.url.render_as_string(hide_password=False),
        pool_size=1,
        max_overflow=0,
        pool_timeout=POOL_TIMEOUT_S,
    )
    live = LiveServer(settings, starved)
    live.app.add_middleware(FewThreads)
    live.start()
    try:
        with httpx.Client(
            base_url=live.url, headers={PROTOCOL_HEADER: str(PROTOCOL_VERSION)}, timeout=120
        ) as client:
            phone = enrol(client, engine, settings, officer)

            def call(n: int) -> Any:
                if n % 3 == 2:
                    return client.head(f"/api/v1/blobs/{'ab' * 32}", headers=phone.headers)
                return client.get(
                    "/api/v1/sync/pull", params={"since": 0, "limit": 5}, headers=phone.headers
                )

            with ThreadPoolExecutor(REQUESTS) as pool:
                replies = list(pool.map(call, range(REQUESTS)))
    finally:
        live.stop()
        starved.dispose()

    # Stuck requests would wait out the pool and fail with a 500.
    statuses = sorted(r.status_code for r in replies)
    assert statuses == sorted([200] * (REQUESTS - REQUESTS // 3) + [404] * (REQUESTS // 3))
