"""The FastAPI application. All state lives in the database and the photo store
(a bucket when there is more than one machine), so any number of server
processes can serve the same database.

`create_app_from_env` is the factory each worker process calls
(`serve --workers N`, or `uvicorn --factory sync_server.api.app:create_app_from_env`).
"""

from __future__ import annotations

from pathlib import Path

import fastapi_offline
from fastapi import FastAPI
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel
from sqlalchemy import text
from sqlalchemy.engine import Engine

from sync_protocol import PROTOCOL_VERSION
from sync_server.api.errors import install_error_handlers
from sync_server.api.limits import BodyLimitMiddleware
from sync_server.api.observe import RequestContextMiddleware
from sync_server.api.routes import (
    admin,
    audit,
    auth,
    blobs,
    hotspots,
    indicators,
    ops,
    review,
    sync,
    wijk,
)
from sync_server.api.text_guard import TextGuardMiddleware
from sync_server.config import Settings, load_settings
from sync_server.db import make_engine
from sync_server.heap import freeze_start_up_objects
from sync_server.logs import configure_logging

DESCRIPTION = """
Synchronisatieserver voor de handhavers van de gemeente Haarlem.

* Telefoons koppelen met een eenmalige code (`/auth/enroll`) en krijgen een apparaattoken.
* Records gaan omhoog met `/sync/push`, wijzigingen komen binnen met `/sync/pull`.
* Foto's gaan los, op hun SHA-256, via `/blobs/{sha256}`.
* Elke fout is JSON `{code, message}` met een vaste code.
* Elke aanroep van `/sync`, `/blobs` (HEAD en PUT) en `/auth/enroll` draagt de header
  `X-Protocol-Version: 1`.
* Voor teamleiders en de beheerder: indicatoren in de vorm van het actieprogramma
  (`/indicators`), hot spots en hot times (`/hotspots/activity`), een stadsdeelprofiel
  (`/districts/{code}/profile`), beoordeling van registraties (`/review`) en het
  auditlog (`/audit`). Een teamleider ziet alleen zijn eigen stadsdelen.
* Voor de telefoon: een loopadvies voor de komende dienst (`/patrol-suggestion`).
"""


class Health(BaseModel):
    status: str
    protocol: int
    database: str


_DOCS_STATIC = Path(fastapi_offline.__file__).resolve().parent / "static"


def _offline_docs(app: FastAPI) -> None:
    """The API pages with their scripts served from here: servers at the
    municipality (and these test machines) may not reach a CDN."""
    app.mount("/docs-static", StaticFiles(directory=_DOCS_STATIC), name="docs-static")

    @app.get("/docs", include_in_schema=False)
    def swagger() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url="/openapi.json",
            title=f"{app.title}: API",
            swagger_js_url="/docs-static/swagger-ui-bundle.js",
            swagger_css_url="/docs-static/swagger-ui.css",
            swagger_favicon_url="/docs-static/favicon.png",
        )

    @app.get("/redoc", include_in_schema=False)
    def redoc() -> HTMLResponse:
        return get_redoc_html(
            openapi_url="/openapi.json",
            title=f"{app.title}: API",
            redoc_js_url="/docs-static/redoc.standalone.js",
            redoc_favicon_url="/docs-static/favicon.png",
        )


def create_app(settings: Settings | None = None, engine: Engine | None = None) -> FastAPI:
    settings = settings or load_settings()
    engine = engine or make_engine(settings.database_url)
    app = FastAPI(
        title="Handhaving Haarlem: synchronisatieserver",
        version="1.0",
        description=DESCRIPTION,
        docs_url=None,
        redoc_url=None,
    )
    _offline_docs(app)
    app.state.settings = settings
    app.state.engine = engine
    install_error_handlers(app)
    # Inside the body limit: it reads only what the limit has let through.
    app.add_middleware(TextGuardMiddleware)
    app.add_middleware(
        BodyLimitMiddleware,
        default_limit=settings.limits.max_body_bytes,
        blob_limit=settings.limits.max_photo_bytes,
    )
    # Outermost: every reply (errors from the inner middleware too) gets its id.
    app.add_middleware(RequestContextMiddleware)
    for module in (auth, sync, blobs, admin, indicators, hotspots, review, audit, ops, wijk):
        app.include_router(module.router)
    # Team leaders view photos with GET; phones check (HEAD) and upload (PUT) them
    # on the same address in blobs.router.
    app.include_router(review.photos_router)

    @app.get("/api/v1/health", response_model=Health, tags=["health"])
    def health() -> Health:
        """Is the server up and can it reach its database? (no token needed)"""
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        return Health(status="ok", protocol=PROTOCOL_VERSION, database=engine.dialect.name)

    return app


def create_app_from_env() -> FastAPI:
    """The app as a worker process builds it: settings from the environment,
    JSON logs. Migrations are not run here: `serve` (or `migrate`) ran them once,
    under the start-up lock, before the workers started."""
    settings = load_settings()
    configure_logging(settings)
    app = create_app(settings)
    freeze_start_up_objects()
    return app
