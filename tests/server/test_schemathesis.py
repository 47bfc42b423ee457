"""Schemathesis against the server's own OpenAPI description.

Every operation of `/openapi.json` gets generated requests, valid ones and
invalid ones, sent over real HTTP to the live server with a token of a caller
that may use it (so the requests reach the handlers, not only the 401), and
every reply is checked: no 5xx, a status the description declares for that
operation, the declared content type, and a body that matches the declared
schema (an error is `{code, message}` with a stable code).

Bounded and deterministic: a fixed number of examples per operation, derandomised
(the same requests on every run), no example database, so the test takes the
same time and gives the same answer in CI on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import os
import random
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests
import schemathesis
from factories import enrol, hotspot_in, incident, make_user, waarneming
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from hypothesis.errors import Unsatisfiable
from PIL import Image
from tile_server import TileServer

from sync_protocol import PROTOCOL_HEADER, PROTOCOL_VERSION
from sync_server.api import create_app
from sync_server.config import Settings
from sync_server.db import session_scope
from sync_server.services import accounts

# Examples per operation, caller and mode (valid data, then invalid data).
EXAMPLES = int(os.environ.get("HV_SCHEMATHESIS_EXAMPLES", "12"))
MODES = (schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE)
CHECKS = [
    getattr(schemathesis.checks, name)
    for name in (
        "not_a_server_error",
        "status_code_conformance",
        "content_type_conformance",
        "response_schema_conformance",
    )
]

# Who calls each operation: the callers that may use it, so that generated
# requests get past authentication and the role check into the handler.
PHONE = ("handhaver",)
MANAGERS = ("teamleider", "beheerder")
BEHEERDER = ("beheerder",)
ANYONE = ("anonymous",)
CALLERS: dict[str, tuple[str, ...]] = {
    "POST /api/v1/auth/enroll": ANYONE,
    "POST /api/v1/auth/login": ANYONE,
    "POST /api/v1/auth/logout": ("handhaver", "teamleider"),
    "GET /api/v1/auth/oidc/start": ANYONE,
    "GET /api/v1/auth/oidc/callback": ANYONE,
    "POST /api/v1/auth/oidc/exchange": ANYONE,
    "GET /api/v1/auth/methods": ANYONE,
    "GET /api/v1/auth/me": ("handhaver", "teamleider"),
    "POST /api/v1/sync/push": PHONE,
    "GET /api/v1/sync/pull": ("handhaver", "teamleider"),
    "HEAD /api/v1/blobs/{sha256}": PHONE,
    "PUT /api/v1/blobs/{sha256}": PHONE,
    "GET /api/v1/blobs/{sha256}": MANAGERS,
    "GET /api/v1/admin/users": MANAGERS,
    "POST /api/v1/admin/users": MANAGERS,
    "POST /api/v1/admin/users/{user_id}/enrolment-codes": MANAGERS,
    "GET /api/v1/admin/devices": MANAGERS,
    "GET /api/v1/admin/throttled": MANAGERS,
    "DELETE /api/v1/admin/users/{user_id}/totp": MANAGERS,
    "POST /api/v1/auth/totp": MANAGERS,
    "POST /api/v1/auth/totp/confirm": MANAGERS,
    "PATCH /api/v1/admin/users/{user_id}": MANAGERS,
    "GET /api/v1/admin/users/{user_id}/devices": MANAGERS,
    "POST /api/v1/admin/users/{user_id}/unlock": MANAGERS,
    "POST /api/v1/admin/throttled/addresses/unlock": BEHEERDER,
    "POST /api/v1/admin/devices/{device_id}/revoke": MANAGERS,
    "GET /api/v1/indicators": MANAGERS,
    "GET /api/v1/indicators/{code}/months": MANAGERS,
    "POST /api/v1/indicators/import": BEHEERDER,
    "GET /api/v1/hotspots/activity": MANAGERS,
    "GET /api/v1/patrol-suggestion": ("handhaver", "teamleider"),
    "GET /api/v1/districts/{code}/profile": MANAGERS,
    "GET /api/v1/districts/{code}/profile.html": MANAGERS,
    "GET /api/v1/districts/{code}/profile.csv": MANAGERS,
    "GET /api/v1/devices/unsynced": MANAGERS,
    # issue 13 (docs/api-wijk.md)
    "GET /api/v1/districts/{code}/wijkacties.csv": MANAGERS,
    "GET /api/v1/hotspots": MANAGERS,
    "POST /api/v1/hotspots": MANAGERS,
    "PATCH /api/v1/hotspots/{code}": MANAGERS,
    "POST /api/v1/hotspots/{code}/retire": MANAGERS,
    "POST /api/v1/meldingen/import": MANAGERS,
    "GET /api/v1/meldingen": MANAGERS,
    "GET /api/v1/meldingen/activity": MANAGERS,
    "GET /api/v1/meldingen.geojson": MANAGERS,
    "GET /api/v1/wijkacties": MANAGERS,
    "POST /api/v1/wijkacties": MANAGERS,
    "GET /api/v1/wijkacties/{action_id}": MANAGERS,
    "PATCH /api/v1/wijkacties/{action_id}": MANAGERS,
    "DELETE /api/v1/wijkacties/{action_id}": MANAGERS,
    "GET /api/v1/wijkacties/{action_id}/result": MANAGERS,
    "GET /api/v1/review/export.geojson": MANAGERS,
    "GET /api/v1/tiles/{z}/{x}/{y}.png": PHONE,
    "GET /api/v1/map/settings": PHONE,
    "GET /api/v1/review/records": MANAGERS,
    "GET /api/v1/review/officers": MANAGERS,
    "GET /api/v1/review/records/{record_id}": MANAGERS,
    "POST /api/v1/review/records/{record_id}": MANAGERS,
    "GET /api/v1/review/export.csv": MANAGERS,
    "GET /api/v1/review/filters": MANAGERS,
    "POST /api/v1/review/filters": MANAGERS,
    "DELETE /api/v1/review/filters/{filter_id}": MANAGERS,
    "GET /api/v1/review/incidents": MANAGERS,
    "POST /api/v1/review/incidents/{record_id}/followup": MANAGERS,
    "GET /api/v1/audit": BEHEERDER,
    "GET /api/v1/audit/export.csv": BEHEERDER,
    "GET /api/v1/health": ANYONE,
    "GET /api/v1/ready": ANYONE,
    "GET /metrics": BEHEERDER,
}
# Calls that use their token up get a new one for every request.
TOKEN_EATERS = {"POST /api/v1/auth/logout"}


def _openapi() -> dict[str, Any]:
    """The description as the app builds it; no database is touched."""
    app = create_app(
        Settings(database_url="sqlite://", blob_dir=Path("/nonexistent"), pseudonym_key=b"k" * 32)
    )
    return app.openapi()


def _labels(description: dict[str, Any]) -> set[str]:
    return {
        f"{method.upper()} {path}"
        for path, operations in description["paths"].items()
        for method in operations
    }


@dataclass
class World:
    """Data for the handlers to find: a Noord officer's logs, a photo, callers."""

    tokens: dict[str, str | None]
    fresh_token: Callable[[str], str]
    known: dict[str, Any]


def _jpeg() -> bytes:
    out = io.BytesIO()
    Image.frombytes("RGB", (16, 12), random.Random(3).randbytes(16 * 12 * 3)).save(out, "JPEG")
    return out.getvalue()


@pytest.fixture
def world(http, engine, settings) -> World:
    officer = make_user(engine, districts=["noord"], password=None)
    phone = enrol(http, engine, settings, officer)
    photo = _jpeg()
    sha = hashlib.sha256(photo).hexdigest()
    assert http.put(f"/api/v1/blobs/{sha}", headers=phone.headers, content=photo).status_code == 201
    spot = hotspot_in(engine, "noord")
    record, event = waarneming(spot, photos=[sha]), incident(spot)
    phone.push_ok([record, event])
    users = {
        "handhaver": officer,
        "teamleider": make_user(engine, role="teamleider", districts=["noord"], password=None),
        "beheerder": make_user(engine, role="beheerder", password=None),
    }

    def fresh_token(who: str) -> str:
        kind = "phone" if who == "handhaver" else "browser"
        with session_scope(engine) as session:
            return accounts.issue_device(session, users[who], name="schemathesis", kind=kind).token

    tokens: dict[str, str | None] = {"anonymous": None, "handhaver": phone.token}
    tokens |= {who: fresh_token(who) for who in ("teamleider", "beheerder")}
    return World(
        tokens=tokens,
        fresh_token=fresh_token,
        known={"record_id": record["id"], "incident_id": event["id"], "sha256": sha},
    )


@pytest.fixture
def settings(settings):
    """Map tiles from a tile server on loopback: without one (no internet here)
    the proxy rightly answers 503, which this test counts as a server error."""
    tiles = TileServer()
    yield dataclasses.replace(settings, tile_url_template=tiles.url + "/{z}/{x}/{y}.png")
    tiles.stop()


def test_every_operation_has_callers():
    """A new endpoint must say who calls it here, or it is not tested at all."""
    labels = _labels(_openapi())
    assert labels - set(CALLERS) == set(), "operations without callers in this test"
    assert set(CALLERS) - labels == set(), "callers for operations that do not exist"


def test_the_description_declares_the_errors_every_route_can_give():
    """Errors are `{code, message}` (ErrorBody), never FastAPI's `{detail}`; a
    route with a token declares 401, one with parameters 422, one with a body
    400 and 413 (what schemathesis first found undeclared)."""
    description = _openapi()
    assert "HTTPValidationError" not in str(description)
    error_body = "#/components/schemas/ErrorBody"
    for path, operations in description["paths"].items():
        for method, operation in operations.items():
            label = f"{method.upper()} {path}"
            responses = operation["responses"]
            headers = {
                p["name"].lower() for p in operation.get("parameters", []) if p["in"] == "header"
            }
            wanted = set()
            if "authorization" in headers:
                wanted.add("401")
            if operation.get("parameters"):
                wanted.add("422")
            if "requestBody" in operation:
                wanted |= {"400", "413", "422"}
            assert wanted <= set(responses), (label, wanted - set(responses))
            for status, reply in responses.items():
                if status.startswith("4") and method != "head":
                    schema = reply["content"]["application/json"]["schema"]
                    assert schema == {"$ref": error_body}, (label, status)


def _describe(exc: BaseException) -> str:
    text = str(exc)
    if isinstance(exc, BaseExceptionGroup):
        text += "".join(f"\n  - {type(e).__name__}: {e}" for e in exc.exceptions)
    return text[:3000]


def _explore(
    strategy: Any, call: Callable[[schemathesis.Case], None], examples: int = EXAMPLES
) -> None:
    """Run `call` on `examples` generated cases, the same ones on every run."""

    @given(case=strategy)
    @hypothesis_settings(
        max_examples=examples,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def run(case: schemathesis.Case) -> None:
        call(case)

    run()


def test_schemathesis_finds_no_server_errors_and_no_schema_violations(server, world):
    schema = schemathesis.openapi.from_dict(_openapi())
    failures: list[str] = []
    calls = 0
    with requests.Session() as session:

        def caller(who: str, label: str) -> Callable[[schemathesis.Case], None]:
            def call(case: schemathesis.Case) -> None:
                nonlocal calls
                calls += 1
                extra: dict[str, str] = {}
                if label in TOKEN_EATERS:
                    extra["authorization"] = f"Bearer {world.fresh_token(who)}"
                case.call_and_validate(
                    base_url=server.url,
                    session=session,
                    headers=extra or None,
                    checks=CHECKS,
                    timeout=30,
                )

            return call

        for result in schema.get_all_operations():
            operation = result.ok()
            label = f"{operation.method.upper()} {operation.path}"
            for who in CALLERS[label]:
                headers = {PROTOCOL_HEADER: str(PROTOCOL_VERSION)}
                if world.tokens[who] is not None:
                    headers["authorization"] = f"Bearer {world.tokens[who]}"
                for mode in MODES:
                    strategy = operation.as_strategy(generation_mode=mode, headers=headers)
                    try:
                        _explore(strategy, caller(who, label))
                    except Unsatisfiable:
                        # Nothing of this operation can be made invalid once the
                        # token and protocol header are fixed (no parameters, no body).
                        assert mode is schemathesis.GenerationMode.NEGATIVE, label
                    except (Exception, BaseExceptionGroup) as exc:  # report all operations
                        failures.append(f"{label} as {who} ({mode.value}): {_describe(exc)}")
    assert not failures, "\n\n".join(failures)
    assert calls > len(CALLERS) * EXAMPLES


NUL_EXAMPLES = int(os.environ.get("HV_SCHEMATHESIS_NUL_EXAMPLES", "5"))
# Bodies whose strings are judged one by one (records) or are not text (photos).
NUL_OWN_JUDGEMENT = {"POST /api/v1/sync/push", "PUT /api/v1/blobs/{sha256}"}


def _with_nul(value: Any) -> tuple[Any, bool]:
    """The value with U+0000 inside every string; and whether there was one."""
    if isinstance(value, str):
        middle = len(value) // 2
        return value[:middle] + "\x00" + value[middle:], True
    if isinstance(value, dict):
        pairs = [(key, _with_nul(inner)) for key, inner in value.items()]
        return {key: new for key, (new, _) in pairs}, any(hit for _, (_, hit) in pairs)
    if isinstance(value, list):
        items = [_with_nul(inner) for inner in value]
        return [new for new, _ in items], any(hit for _, hit in items)
    return value, False


def test_schemathesis_strings_with_nul_get_invalid_text_never_a_server_error(server, world):
    """Valid requests of every operation with U+0000 put into every string (query,
    path, JSON body): a 422 `invalid_text` (on PostgreSQL this used to be a 500),
    or for a push, the records judged one by one; never a 5xx, nothing echoed."""
    schema = schemathesis.openapi.from_dict(_openapi())
    failures: list[str] = []
    tried = 0
    with requests.Session() as session:
        for result in schema.get_all_operations():
            operation = result.ok()
            label = f"{operation.method.upper()} {operation.path}"
            who = CALLERS[label][0]
            headers = {PROTOCOL_HEADER: str(PROTOCOL_VERSION)}
            if world.tokens[who] is not None:
                headers["authorization"] = f"Bearer {world.tokens[who]}"

            def make_call(label: str) -> Callable[[schemathesis.Case], None]:
                def call(case: schemathesis.Case) -> None:
                    nonlocal tried
                    hit = False
                    for part in ("query", "path_parameters"):
                        value, found = _with_nul(getattr(case, part) or {})
                        if found:
                            setattr(case, part, value)
                            hit = True
                    if isinstance(case.body, dict | list):
                        case.body, found = _with_nul(case.body)
                        hit = hit or found
                    if not hit:
                        return
                    tried += 1
                    response = case.call(base_url=server.url, session=session, timeout=30)
                    if response.status_code >= 500:
                        failures.append(f"{label}: {response.status_code}")
                    elif label not in NUL_OWN_JUDGEMENT and (
                        response.status_code != 422
                        or (label[:4] != "HEAD" and response.json().get("code") != "invalid_text")
                    ):
                        failures.append(f"{label}: {response.status_code} {response.text[:200]}")
                    if "\\u0000" in response.text or "\x00" in response.text:
                        failures.append(f"{label}: the reply repeats the text")

                return call

            strategy = operation.as_strategy(
                generation_mode=schemathesis.GenerationMode.POSITIVE, headers=headers
            )
            _explore(strategy, make_call(label), NUL_EXAMPLES)
    assert not failures, "\n".join(failures[:40])
    assert tried > 40
