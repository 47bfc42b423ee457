"""Who may call what: every route of the app against six callers.

The routes come from the app itself (`app.routes`); the expected status per
caller is a table written here. A route without a rule fails the test, so a new
endpoint cannot go out without someone deciding who may call it.

Callers: no token; a revoked device; a handhaver of Noord (phone); a handhaver
of Oost ("hh_other", asking for Noord's data); a teamleider of Noord ("own"); a
teamleider of Oost ("other"); a beheerder. Requests aim at Noord: a Noord record,
photo, incident, district. The foreign-district handhaver gets what the Noord
handhaver gets unless a rule says otherwise (his own pushes and pulls work; Noord's
patrol suggestion does not).
"""

from __future__ import annotations

import hashlib
import io
import itertools
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from factories import (
    PASSWORD,
    enrol,
    enrolment_code,
    hotspot_in,
    incident,
    make_user,
    waarneming,
)
from fastapi.routing import iter_route_contexts
from PIL import Image
from starlette.routing import Mount

from sync_protocol import PROTOCOL_VERSION
from sync_server.api import create_app
from sync_server.db import session_scope
from sync_server.models import SavedFilter
from sync_server.services import accounts, hotspot_admin, wijkacties
from sync_server.services.scope import Scope

CALLERS = ("none", "revoked", "handhaver", "hh_other", "tl_own", "tl_other", "beheerder")
_unique = itertools.count(1)


@dataclass
class Ctx:
    engine: Any
    settings: Any
    tokens: dict[str, str | None]
    users: dict[str, Any]
    devices: dict[str, str]
    officer_id: int
    record_id: str
    incident_id: str
    sha: str
    photo: bytes
    login_name: str
    action_id: str = ""

    def fresh_token(self, who: str) -> str | None:
        """A new token for the same user and kind of device (for calls that use it up)."""
        if who in ("none", "revoked"):
            return self.tokens[who]
        kind = "phone" if who in ("handhaver", "hh_other") else "browser"
        with session_scope(self.engine) as session:
            return accounts.issue_device(session, self.users[who], name="extra", kind=kind).token

    def spare_phone(self) -> str:
        """Another phone of the Noord officer, to be revoked."""
        with session_scope(self.engine) as session:
            officer = self.users["handhaver"]
            return accounts.issue_device(session, officer, name="reserve", kind="phone").device.id


Request = Callable[[Ctx, str], dict[str, Any]]


def _nothing(_ctx: Ctx, _who: str) -> dict[str, Any]:
    return {}


@dataclass
class Rule:
    expect: dict[str, int]
    request: Request = _nothing
    use_fresh_token: bool = False


def everyone(status: int) -> dict[str, int]:
    return dict.fromkeys(CALLERS, status)


def signed_in(
    handhaver: int, tl_own: int, tl_other: int, beheerder: int, *, hh_other: int | None = None
) -> dict[str, int]:
    return {
        "none": 401,
        "revoked": 401,
        "handhaver": handhaver,
        "hh_other": handhaver if hh_other is None else hh_other,
        "tl_own": tl_own,
        "tl_other": tl_other,
        "beheerder": beheerder,
    }


def _path(**values: Any) -> Request:
    return lambda ctx, who: {"path": values}


def _noord(**extra: Any) -> Request:
    return lambda ctx, who: {"params": {"district": "noord", **extra}}


def _record_path(ctx: Ctx, who: str) -> dict[str, Any]:
    return {"path": {"record_id": ctx.record_id}}


def _photo_path(ctx: Ctx, who: str) -> dict[str, Any]:
    return {"path": {"sha256": ctx.sha}}


# Reading personal data states why (required of a beheerder; see test_privacy.py).
def _record_read(ctx: Ctx, who: str) -> dict[str, Any]:
    return _record_path(ctx, who) | {"params": {"reden": "controle"}}


def _photo_read(ctx: Ctx, who: str) -> dict[str, Any]:
    return _photo_path(ctx, who) | {"params": {"reden": "controle"}}


RULES: dict[tuple[str, str], Rule] = {
    # ------------------------------------------------ open to all: documentation and health
    ("GET", "/openapi.json"): Rule(everyone(200)),
    ("HEAD", "/openapi.json"): Rule(everyone(200)),
    ("GET", "/docs"): Rule(everyone(200)),
    ("GET", "/redoc"): Rule(everyone(200)),
    ("GET", "/docs-static"): Rule(everyone(200), _path(file="swagger-ui.css")),
    ("GET", "/api/v1/health"): Rule(everyone(200)),
    ("GET", "/api/v1/ready"): Rule(everyone(200)),
    # ------------------------------------------------ metrics: the beheerder (or the metrics token)
    ("GET", "/metrics"): Rule(signed_in(403, 403, 403, 200)),
    # ------------------------------------------------ signing in: a valid code or password
    # works whoever sends it; the token sent along is ignored
    ("POST", "/api/v1/auth/enroll"): Rule(
        everyone(200),
        lambda ctx, who: {
            "json": {"code": enrolment_code(ctx.engine, ctx.users["handhaver"]), "device_name": "t"}
        },
    ),
    ("POST", "/api/v1/auth/login"): Rule(
        everyone(200),
        lambda ctx, who: {"json": {"username": ctx.login_name, "password": PASSWORD}},
    ),
    # single sign-on (not configured in this server: start says so; the callback
    # sends the browser back to the app; a made-up one-time code buys nothing)
    # which login methods there are (two yes/no answers, for the app's login screen)
    ("GET", "/api/v1/auth/methods"): Rule(everyone(200)),
    ("GET", "/api/v1/auth/oidc/start"): Rule(everyone(404)),
    ("GET", "/api/v1/auth/oidc/callback"): Rule(everyone(303)),
    # (all from one address: after five wrong codes the address is throttled)
    ("POST", "/api/v1/auth/oidc/exchange"): Rule(
        everyone(401) | {"tl_other": 429, "beheerder": 429},
        lambda ctx, who: {"json": {"code": "verzonnen-code-0123456789"}},
    ),
    ("POST", "/api/v1/auth/logout"): Rule(signed_in(204, 204, 204, 204), use_fresh_token=True),
    ("GET", "/api/v1/auth/me"): Rule(signed_in(200, 200, 200, 200)),
    # a second factor: for password users (teamleider, beheerder); confirming a
    # made-up code for the secret just started fails as second_factor_failed
    ("POST", "/api/v1/auth/totp"): Rule(signed_in(403, 201, 201, 201)),
    ("POST", "/api/v1/auth/totp/confirm"): Rule(
        signed_in(403, 401, 401, 401), lambda ctx, who: {"json": {"code": "123456"}}
    ),
    # ------------------------------------------------ sync: any signed-in device, own data only
    ("POST", "/api/v1/sync/push"): Rule(
        signed_in(200, 200, 200, 200),
        lambda ctx, who: {
            "json": {
                "protocol": PROTOCOL_VERSION,
                "device_id": ctx.devices.get(who, "onbekend"),
                "records": [],
            }
        },
    ),
    ("GET", "/api/v1/sync/pull"): Rule(signed_in(200, 200, 200, 200)),
    # HEAD answers only for the caller's own uploads (the Noord officer uploaded it).
    ("HEAD", "/api/v1/blobs/{sha256}"): Rule(
        signed_in(200, 404, 404, 404, hh_other=404), _photo_path
    ),
    ("PUT", "/api/v1/blobs/{sha256}"): Rule(
        signed_in(200, 200, 200, 200),  # already stored: 200, not 201
        lambda ctx, who: {"path": {"sha256": ctx.sha}, "content": ctx.photo},
    ),
    # ------------------------------------------------ accounts and devices
    ("GET", "/api/v1/admin/users"): Rule(signed_in(403, 200, 200, 200)),
    ("POST", "/api/v1/admin/users"): Rule(
        signed_in(403, 201, 403, 201),
        lambda ctx, who: {
            "json": {
                "username": f"nieuw{next(_unique)}",
                "display_name": "Nieuw",
                "role": "handhaver",
                "districts": ["noord"],
            }
        },
    ),
    ("POST", "/api/v1/admin/users/{user_id}/enrolment-codes"): Rule(
        signed_in(403, 201, 403, 201), lambda ctx, who: {"path": {"user_id": ctx.officer_id}}
    ),
    ("GET", "/api/v1/admin/devices"): Rule(signed_in(403, 200, 200, 200)),
    ("POST", "/api/v1/admin/devices/{device_id}/revoke"): Rule(
        signed_in(403, 200, 403, 200), lambda ctx, who: {"path": {"device_id": ctx.spare_phone()}}
    ),
    ("GET", "/api/v1/devices/unsynced"): Rule(signed_in(403, 200, 200, 200)),
    ("GET", "/api/v1/admin/throttled"): Rule(signed_in(403, 200, 200, 200)),
    ("DELETE", "/api/v1/admin/users/{user_id}/totp"): Rule(
        signed_in(403, 204, 403, 204), lambda ctx, who: {"path": {"user_id": ctx.officer_id}}
    ),
    ("PATCH", "/api/v1/admin/users/{user_id}"): Rule(
        signed_in(403, 200, 403, 200),
        lambda ctx, who: {"path": {"user_id": ctx.officer_id}, "json": {"display_name": "Ander"}},
    ),
    ("GET", "/api/v1/admin/users/{user_id}/devices"): Rule(
        signed_in(403, 200, 403, 200), lambda ctx, who: {"path": {"user_id": ctx.officer_id}}
    ),
    ("POST", "/api/v1/admin/users/{user_id}/unlock"): Rule(
        signed_in(403, 204, 403, 204), lambda ctx, who: {"path": {"user_id": ctx.officer_id}}
    ),
    ("POST", "/api/v1/admin/throttled/addresses/unlock"): Rule(
        signed_in(403, 403, 403, 204), lambda ctx, who: {"json": {"address": "192.0.2.1"}}
    ),
    # ------------------------------------------------ indicators
    ("GET", "/api/v1/indicators"): Rule(signed_in(403, 200, 403, 200), _noord()),
    ("GET", "/api/v1/indicators/{code}/months"): Rule(
        signed_in(403, 200, 403, 200),
        lambda ctx, who: {
            "path": {"code": "uitgedeelde-gele-kaarten"},
            "params": {"district": "noord", "year": 2024},
        },
    ),
    ("POST", "/api/v1/indicators/import"): Rule(
        signed_in(403, 403, 403, 200),
        lambda ctx, who: {
            "content": b"indicator,year,value\nwinkeldiefstal,2023,500\n",
            "headers": {"Content-Type": "text/csv"},
        },
    ),
    # ------------------------------------------------ hot spots, hot times, profile
    ("GET", "/api/v1/hotspots/activity"): Rule(signed_in(403, 200, 403, 200), _noord()),
    ("GET", "/api/v1/patrol-suggestion"): Rule(
        signed_in(200, 200, 403, 200, hh_other=403), _noord()
    ),
    ("GET", "/api/v1/districts/{code}/profile"): Rule(
        signed_in(403, 200, 403, 200), _path(code="noord")
    ),
    ("GET", "/api/v1/districts/{code}/profile.html"): Rule(
        signed_in(403, 200, 403, 200), _path(code="noord")
    ),
    ("GET", "/api/v1/districts/{code}/profile.csv"): Rule(
        signed_in(403, 200, 403, 200), _path(code="noord")
    ),
    ("GET", "/api/v1/districts/{code}/wijkacties.csv"): Rule(
        signed_in(403, 200, 403, 200), _path(code="noord")
    ),
    # ------------------------------------------------ hotspot management (issue 13): a
    # teamleider in own districts, the beheerder everywhere
    ("GET", "/api/v1/hotspots"): Rule(signed_in(403, 200, 403, 200), _noord()),
    ("POST", "/api/v1/hotspots"): Rule(
        signed_in(403, 201, 403, 201),
        lambda ctx, who: {
            "json": {
                "name": f"Nieuwe plek {next(_unique)}",
                "district": "noord",
                "lat": 52.40,
                "lon": 4.64,
            }
        },
    ),
    ("PATCH", "/api/v1/hotspots/{code}"): Rule(
        signed_in(403, 200, 403, 200),
        lambda ctx, who: {"path": {"code": _fresh_hotspot(ctx)}, "json": {"note": "verplaatst"}},
    ),
    ("POST", "/api/v1/hotspots/{code}/retire"): Rule(
        signed_in(403, 200, 403, 200), lambda ctx, who: {"path": {"code": _fresh_hotspot(ctx)}}
    ),
    # ------------------------------------------------ residents' reports (meldingen)
    ("POST", "/api/v1/meldingen/import"): Rule(
        signed_in(403, 200, 422, 200),  # another district's reports: per-row error
        lambda ctx, who: {
            "params": {"format": "csv"},
            "content": (
                "id;created_at;main_slug;sub_slug;status;lat;lon\n"
                f"SIG-{next(_unique)};2026-11-01T20:00:00+01:00;afval;grofvuil;o;52.40;4.64\n"
            ).encode(),
            "headers": {"Content-Type": "text/csv"},
        },
    ),
    ("GET", "/api/v1/meldingen"): Rule(signed_in(403, 200, 403, 200), _noord()),
    ("GET", "/api/v1/meldingen/activity"): Rule(signed_in(403, 200, 403, 200), _noord()),
    ("GET", "/api/v1/meldingen.geojson"): Rule(signed_in(403, 200, 403, 200), _noord()),
    # ------------------------------------------------ district actions; another district's is 404
    ("GET", "/api/v1/wijkacties"): Rule(signed_in(403, 200, 403, 200), _noord()),
    ("POST", "/api/v1/wijkacties"): Rule(
        signed_in(403, 201, 403, 201), lambda ctx, who: {"json": _action_body()}
    ),
    ("GET", "/api/v1/wijkacties/{action_id}"): Rule(
        signed_in(403, 200, 404, 200), lambda ctx, who: {"path": {"action_id": ctx.action_id}}
    ),
    ("PATCH", "/api/v1/wijkacties/{action_id}"): Rule(
        signed_in(403, 200, 404, 200),
        lambda ctx, who: {"path": {"action_id": ctx.action_id}, "json": _action_body()},
    ),
    ("DELETE", "/api/v1/wijkacties/{action_id}"): Rule(
        signed_in(403, 204, 404, 204),
        lambda ctx, who: {"path": {"action_id": _fresh_action(ctx)}},
    ),
    ("GET", "/api/v1/wijkacties/{action_id}/result"): Rule(
        signed_in(403, 200, 404, 200), lambda ctx, who: {"path": {"action_id": ctx.action_id}}
    ),
    ("GET", "/api/v1/review/export.geojson"): Rule(
        signed_in(403, 200, 403, 200), _noord(reden="controle")
    ),
    # ------------------------------------------------ map tiles: any signed-in caller (a tile
    # outside its zoom level is 404 before any upstream call)
    ("GET", "/api/v1/tiles/{z}/{x}/{y}.png"): Rule(
        signed_in(404, 404, 404, 404), _path(z=1, x=5, y=0)
    ),
    # the maps' base map template (with the tile key): any signed-in caller
    ("GET", "/api/v1/map/settings"): Rule(signed_in(200, 200, 200, 200)),
    # ------------------------------------------------ review; another district's record is 404
    ("GET", "/api/v1/review/records"): Rule(signed_in(403, 200, 403, 200), _noord()),
    ("GET", "/api/v1/review/records/{record_id}"): Rule(
        signed_in(403, 200, 404, 200), _record_read
    ),
    ("POST", "/api/v1/review/records/{record_id}"): Rule(
        signed_in(403, 200, 404, 200),
        lambda ctx, who: {"path": {"record_id": ctx.record_id}, "json": {"state": "beoordeeld"}},
    ),
    ("GET", "/api/v1/review/export.csv"): Rule(
        signed_in(403, 200, 403, 200), _noord(reden="controle")
    ),
    ("GET", "/api/v1/review/filters"): Rule(signed_in(403, 200, 200, 200)),
    ("GET", "/api/v1/review/officers"): Rule(signed_in(403, 200, 403, 200), _noord()),
    ("POST", "/api/v1/review/filters"): Rule(
        signed_in(403, 201, 403, 201),
        lambda ctx, who: {
            "json": {"name": f"filter {next(_unique)}", "filter": {"district": "noord"}}
        },
    ),
    ("DELETE", "/api/v1/review/filters/{filter_id}"): Rule(
        signed_in(403, 204, 204, 204),  # one's own filter
        lambda ctx, who: {"path": {"filter_id": _own_filter(ctx, who)}},
    ),
    ("GET", "/api/v1/review/incidents"): Rule(signed_in(403, 200, 403, 200), _noord()),
    ("POST", "/api/v1/review/incidents/{record_id}/followup"): Rule(
        signed_in(403, 201, 404, 201),
        lambda ctx, who: {
            "path": {"record_id": ctx.incident_id},
            "json": {
                "kind": "bot_contact",
                "date": datetime.now(ZoneInfo("Europe/Amsterdam")).date().isoformat(),
            },
        },
    ),
    ("GET", "/api/v1/blobs/{sha256}"): Rule(signed_in(403, 200, 404, 200), _photo_read),
    # ------------------------------------------------ audit log: beheerder only
    ("GET", "/api/v1/audit"): Rule(signed_in(403, 403, 403, 200)),
    ("GET", "/api/v1/audit/export.csv"): Rule(signed_in(403, 403, 403, 200)),
}


def _fresh_hotspot(ctx: Ctx) -> str:
    """A hotspot of Noord of its own, for a call that changes or retires it."""
    body = hotspot_admin.HotspotCreate(
        name=f"Matrixplek {next(_unique)}", district="noord", lat=52.4, lon=4.64
    )
    with session_scope(ctx.engine) as session:
        return hotspot_admin.create(session, Scope(None, "beheerder"), body).code


def _action_body() -> dict[str, Any]:
    return {
        "district": "noord",
        "title": f"Actie {next(_unique)}",
        "starts_on": "2026-12-01",
        "ends_on": "2026-12-31",
        "hot_times": [{"weekday": 4, "start_hour": 20, "end_hour": 23}],
    }


def _fresh_action(ctx: Ctx) -> str:
    with session_scope(ctx.engine) as session:
        body = wijkacties.WijkactieIn.model_validate(_action_body())
        return wijkacties.create(session, Scope(None, "beheerder"), ctx.users["tl_own"], body).id


def _own_filter(ctx: Ctx, who: str) -> int:
    user = ctx.users.get(who) or ctx.users["tl_own"]
    with session_scope(ctx.engine) as session:
        row = SavedFilter(
            user_id=user.id, name=f"weg {next(_unique)}", params={}, created_at=datetime.now(UTC)
        )
        session.add(row)
        session.flush()
        assert row.id is not None
        return row.id


def _routes(app: Any) -> set[tuple[str, str]]:
    """Every (method, path) the app serves, from app.routes."""
    served: set[tuple[str, str]] = set()
    for route in iter_route_contexts(app.routes):
        if isinstance(route.original_route, Mount):
            served.add(("GET", route.original_route.path))
            continue
        for method in route.methods or ():
            served.add((method, route.path_format))
    return served


def _jpeg() -> bytes:
    out = io.BytesIO()
    Image.frombytes("RGB", (32, 24), random.Random(5).randbytes(32 * 24 * 3)).save(out, "JPEG")
    return out.getvalue()


@pytest.fixture
def ctx(http, engine, settings) -> Ctx:
    officer = make_user(engine, districts=["noord"], password=None)
    phone = enrol(http, engine, settings, officer)
    photo = _jpeg()
    sha = hashlib.sha256(photo).hexdigest()
    assert http.put(f"/api/v1/blobs/{sha}", headers=phone.headers, content=photo).status_code == 201
    spot = hotspot_in(engine, "noord")
    record = waarneming(spot, photos=[sha])
    event = incident(spot)
    phone.push_ok([record, event])
    users = {
        "handhaver": officer,
        "hh_other": make_user(engine, districts=["oost"], password=None),
        "tl_own": make_user(engine, role="teamleider", districts=["noord"], password=None),
        "tl_other": make_user(engine, role="teamleider", districts=["oost"], password=None),
        "beheerder": make_user(engine, role="beheerder", password=None),
    }
    tokens: dict[str, str | None] = {"none": None, "handhaver": phone.token}
    devices = {"handhaver": phone.device_id}
    with session_scope(engine) as session:
        for who in ("hh_other", "tl_own", "tl_other", "beheerder"):
            kind = "phone" if who == "hh_other" else "browser"
            issued = accounts.issue_device(session, users[who], name=who, kind=kind)
            tokens[who], devices[who] = issued.token, issued.device.id
        lost = accounts.issue_device(session, users["tl_own"], name="kwijt", kind="browser")
        accounts.revoke_device(session, lost.device.id)
    tokens["revoked"] = lost.token
    login_user = make_user(engine, role="teamleider", districts=["noord"])  # with a password
    made = Ctx(
        engine=engine,
        settings=settings,
        tokens=tokens,
        users=users,
        devices=devices,
        officer_id=officer.id,
        record_id=record["id"],
        incident_id=event["id"],
        sha=sha,
        photo=photo,
        login_name=login_user.username,
    )
    made.action_id = _fresh_action(made)
    return made


def test_every_route_has_a_rule(server):
    served = _routes(server.app)
    missing = sorted(served - set(RULES))
    assert not missing, f"routes without a rule in the access matrix: {missing}"
    stale = sorted(set(RULES) - served)
    assert not stale, f"rules for routes that do not exist: {stale}"


def test_access_matrix(server, http, ctx):
    """Every route × every caller gives the status the table says."""
    served = _routes(server.app)
    assert set(RULES) >= served  # (test_every_route_has_a_rule says which are missing)
    failures: list[str] = []
    for (method, path), rule in sorted(RULES.items()):
        if (method, path) not in served:
            continue
        for who in CALLERS:
            spec = rule.request(ctx, who)
            url = path
            for name, value in spec.get("path", {}).items():
                url = url.replace("{" + name + "}", str(value))
            if path == "/docs-static":
                url = f"{path}/{spec['path']['file']}"
            token = ctx.fresh_token(who) if rule.use_fresh_token else ctx.tokens[who]
            headers = dict(spec.get("headers", {}))
            if token is not None:
                headers["Authorization"] = f"Bearer {token}"
            response = http.request(
                method,
                url,
                headers=headers,
                params=spec.get("params"),
                json=spec.get("json"),
                content=spec.get("content"),
            )
            want = rule.expect[who]
            if response.status_code != want:
                failures.append(
                    f"{method} {path} as {who}: {response.status_code}, expected {want}: "
                    f"{response.text[:160]}"
                )
            elif want in (401, 403, 404) and method != "HEAD":
                body = response.json()
                code = {
                    401: ("token", "second_factor", "sso_failed"),
                    403: ("forbidden",),
                    404: ("not_found", "sso_not_configured"),
                }[want]
                if not str(body.get("code", "")).startswith(code):
                    failures.append(f"{method} {path} as {who}: code {body.get('code')}")
    assert not failures, "\n".join(failures)


def test_a_route_without_a_rule_is_caught(settings, engine):
    """The guard itself: a route added to the app shows up as missing."""
    app = create_app(settings, engine)

    @app.get("/api/v1/nieuw-zonder-regel")
    def nieuw() -> dict[str, str]:
        """A route someone forgot to put in the table."""
        return {}

    assert _routes(app) - set(RULES) == {("GET", "/api/v1/nieuw-zonder-regel")}
