"""A phone (the real sync client on a real local store) enrolled at the test's
live server, talking through a transport the test hands in: the seam where the
pull tests rewrite or watch what the server sends."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
from factories import make_user

from fieldapp.db import open_database
from fieldapp.store import Store
from fieldapp.sync import SyncClient, default_client
from sync_server.db import session_scope
from sync_server.services import accounts


def enrolled_phone(
    folder: Path, server: Any, engine: Any, settings: Any, transport: httpx.BaseTransport, *,
    username: str,
) -> SyncClient:  # fmt: skip
    """An officer of Noord with a phone that has enrolled and pulled nothing yet."""
    officer = make_user(engine, districts=["noord"], username=username)
    with session_scope(engine) as session:
        code = accounts.create_enrolment_code(
            session, user=officer, ttl=settings.enrolment_code_ttl
        )
    store = Store(open_database(folder / "app.db"), folder / "photos")
    client = SyncClient(
        store,
        folder / "sync.lock",
        client_factory=lambda url: default_client(url, transport=transport),
    )
    client.enroll(server.url, code.code)
    return client
