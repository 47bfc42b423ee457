"""Server configuration, read from the environment once at start-up.

Every setting is declared once, typed and documented, in `ServerEnv` (pydantic-
settings); `tests/server/test_settings.py` checks the README's settings table
against it. `load_settings` turns it into the `Settings` the code uses.

In development a missing setting has a convenient default (a SQLite file, a key
file in var/, photos in a folder). With `HV_ENV=production` nothing is guessed:
a second server process that silently made its own SQLite file or its own
pseudonym key would split the data and the youths' pseudonyms, so start-up stops
with a message naming what is missing.
"""

from __future__ import annotations

import ipaddress
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Literal

from sync_server.server_env import (
    DEFAULT_ASSETS,
    DEFAULT_DEFINITIONS,
    DEFAULT_RETENTION,
    DEFAULT_TILE_URL,
    DEFAULT_VAR,
    ROOT,
    TIMEZONE,
    ConfigError,
    ServerEnv,
)

__all__ = [
    "DEFAULT_ASSETS",
    "DEFAULT_DEFINITIONS",
    "DEFAULT_RETENTION",
    "DEFAULT_TILE_URL",
    "DEFAULT_VAR",
    "ROOT",
    "TIMEZONE",
    "ConfigError",
    "Limits",
    "S3Settings",
    "ServerEnv",
    "Settings",
    "load_settings",
]


@dataclass(frozen=True)
class Limits:
    """Bounds on what a client may send; each breach is a 4xx with a stable code."""

    max_body_bytes: int = 4 * 1024 * 1024
    max_batch_records: int = 500
    max_photo_bytes: int = 6 * 1024 * 1024
    max_photo_side: int = 8000
    max_photo_pixels: int = 40_000_000
    max_pull_limit: int = 1000
    default_pull_limit: int = 500


@dataclass(frozen=True)
class S3Settings:
    """Where the bucket is and how to reach it (HV_S3_*)."""

    endpoint: str
    bucket: str
    access_key: str = field(repr=False)
    secret_key: str = field(repr=False)
    secure: bool = True
    region: str | None = None


@dataclass(frozen=True)
class Settings:
    database_url: str
    blob_dir: Path
    pseudonym_key: bytes = field(repr=False)
    assets_dir: Path = DEFAULT_ASSETS
    enrolment_code_ttl: timedelta = timedelta(minutes=15)
    # Failures per account name before it is locked for the window, and (higher:
    # one office shares one NAT address) per client address.
    throttle_max_failures: int = 5
    throttle_max_failures_per_address: int = 50
    throttle_window: timedelta = timedelta(minutes=15)
    # Proxies (CIDRs) whose X-Forwarded-For names the client; nobody else's is believed.
    trusted_proxies: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...] = ()
    # A browser's (team leader's, beheerder's) token ends after this much
    # inactivity and this long after login; a phone's token only when revoked.
    browser_token_idle: timedelta = timedelta(minutes=30)
    browser_token_lifetime: timedelta = timedelta(hours=12)
    # The name an authenticator app shows beside the code (TOTP).
    totp_issuer: str = "Handhaving Haarlem"
    # Single sign-on for staff (OpenID Connect); off while oidc_issuer is None.
    oidc_issuer: str | None = None
    oidc_client_id: str = ""
    oidc_client_secret: str = field(default="", repr=False)
    oidc_scopes: str = "openid profile"
    oidc_username_claim: str = "preferred_username"
    oidc_role_claim: str = "hv_role"
    oidc_districts_claim: str = "hv_districts"
    # The identity provider's role or group names → this app's roles; empty: the
    # claim holds "teamleider" or "beheerder" itself.
    oidc_role_map: tuple[tuple[str, str], ...] = ()
    # Where the identity provider sends the browser back (this server's callback
    # as the city's proxy publishes it); None: derived from the request.
    oidc_redirect_uri: str | None = None
    # The app's team-leader address, where a finished sign-on lands.
    app_teamleider_url: str = "http://127.0.0.1:8550/teamleider"
    limits: Limits = field(default_factory=Limits)
    # Which field registrations count for which indicator (data, not code).
    indicator_definitions: Path = DEFAULT_DEFINITIONS
    # A log with coordinates but no hotspot counts for the nearest hotspot of its
    # district within this distance, else for none.
    nearest_hotspot_max_m: float = 250.0
    # Retention per record kind (data, not code; applied by the nightly job).
    retention_rules: Path = DEFAULT_RETENTION
    # When set, overrides the period of the file's youth-pseudonym rule (the card
    # itself stays, so the indicator still counts it).
    youth_pseudonym_retention: timedelta | None = None
    # The nightly report lists phones that have not synced for longer than this.
    stale_device_after: timedelta = timedelta(hours=24)
    # BOT aftercare and a wanted police report are due within this many working days.
    incident_followup_working_days: int = 2
    # Photo bytes: "folder" (blob_dir) or "s3" (the bucket in `s3`).
    photo_store: Literal["folder", "s3"] = "folder"
    s3: S3Settings | None = None
    env: Literal["development", "production"] = "development"
    login: Literal["password", "oidc"] = "password"
    # Bearer token for /metrics; None: only a beheerder's token may read it.
    metrics_token: str | None = field(default=None, repr=False)
    log_format: Literal["json", "text"] = "json"
    log_level: str = "INFO"
    # The map's base tiles: the upstream URL template ({z}/{x}/{y}) the tile proxy
    # fetches from, and the folder it caches them in (None: var/tiles beside the photos).
    tile_url_template: str = DEFAULT_TILE_URL
    tile_dir: Path | None = None


_PRODUCTION_REQUIRED = {
    "DATABASE_URL": "zet DATABASE_URL op de gedeelde PostgreSQL-database",
    "HV_PSEUDONYM_KEY": "zet HV_PSEUDONYM_KEY (64 hex-tekens, op elke server dezelfde)",
    "HV_PHOTO_STORE": "kies de fotoopslag: HV_PHOTO_STORE=s3 of folder",
    "HV_LOGIN": "kies de inlogmethode: HV_LOGIN=password of oidc",
}


def _check_production(values: ServerEnv) -> None:
    present = {
        "DATABASE_URL": values.database_url,
        "HV_PSEUDONYM_KEY": values.pseudonym_key,
        "HV_PHOTO_STORE": values.photo_store,
        "HV_LOGIN": values.login,
    }
    missing = [_PRODUCTION_REQUIRED[name] for name, value in present.items() if value is None]
    if values.login == "oidc" and not (values.oidc_issuer and values.oidc_client_id):
        missing.append("HV_LOGIN=oidc heeft HV_OIDC_ISSUER en HV_OIDC_CLIENT_ID nodig")
    if missing:
        raise ConfigError(
            "HV_ENV=production start niet zonder deze instellingen: " + "; ".join(missing) + "."
        )


def _networks(text: str) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    try:
        return tuple(
            ipaddress.ip_network(part.strip(), strict=False)
            for part in text.split(",")
            if part.strip()
        )
    except ValueError:
        raise ConfigError(
            "HV_TRUSTED_PROXIES: geef adressen of CIDR's, gescheiden door komma's."
        ) from None


def _s3_settings(values: ServerEnv) -> S3Settings:
    needed = {
        "HV_S3_ENDPOINT": values.s3_endpoint,
        "HV_S3_BUCKET": values.s3_bucket,
        "HV_S3_ACCESS_KEY": values.s3_access_key,
        "HV_S3_SECRET_KEY": values.s3_secret_key,
    }
    if missing := [name for name, value in needed.items() if value is None]:
        raise ConfigError("HV_PHOTO_STORE=s3 heeft ook nodig: " + ", ".join(missing) + ".")
    assert values.s3_access_key is not None and values.s3_secret_key is not None
    return S3Settings(
        endpoint=str(values.s3_endpoint),
        bucket=str(values.s3_bucket),
        access_key=values.s3_access_key.get_secret_value(),
        secret_key=values.s3_secret_key.get_secret_value(),
        secure=values.s3_secure,
        region=values.s3_region,
    )


def _parse_key(hex_key: str) -> bytes:
    try:
        raw = bytes.fromhex(hex_key)
    except ValueError:
        raise ConfigError("HV_PSEUDONYM_KEY moet hex-tekens bevatten.") from None
    if len(raw) < 32:
        raise ConfigError("HV_PSEUDONYM_KEY must be at least 32 bytes (64 hex characters)")
    return raw


def _pseudonym_key(values: ServerEnv) -> bytes:
    """The key for youths' pseudonyms comes from configuration, never the database.

    In production HV_PSEUDONYM_KEY (hex) is set by the operator. For a developer's
    machine a random key is kept in var/pseudonym.key (mode 0600) so pseudonyms stay
    stable between runs.
    """
    if values.pseudonym_key is not None:
        return _parse_key(values.pseudonym_key.get_secret_value())
    key_file = values.pseudonym_key_file or values.var_dir / "pseudonym.key"
    if not key_file.exists():
        key_file.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32))
    return _parse_key(key_file.read_text().strip())


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    """Read and check the configuration; ConfigError says what is wrong."""
    values = ServerEnv.from_environment(os.environ if env is None else env)
    if values.env == "production":
        _check_production(values)
    var_dir = values.var_dir
    photo_store = values.photo_store or "folder"
    return Settings(
        database_url=values.database_url or f"sqlite:///{var_dir / 'sync_server.db'}",
        blob_dir=values.blob_dir or var_dir / "blobs",
        pseudonym_key=_pseudonym_key(values),
        assets_dir=values.assets_dir,
        indicator_definitions=values.indicator_definitions,
        nearest_hotspot_max_m=values.nearest_hotspot_m,
        retention_rules=values.retention,
        throttle_max_failures=values.throttle_max_failures,
        throttle_max_failures_per_address=values.throttle_max_failures_per_address,
        trusted_proxies=_networks(values.trusted_proxies),
        browser_token_idle=timedelta(minutes=values.browser_token_idle_minutes),
        browser_token_lifetime=timedelta(hours=values.browser_token_lifetime_hours),
        totp_issuer=values.totp_issuer,
        oidc_issuer=values.oidc_issuer,
        oidc_client_id=values.oidc_client_id,
        oidc_client_secret=(
            values.oidc_client_secret.get_secret_value() if values.oidc_client_secret else ""
        ),
        oidc_scopes=values.oidc_scopes,
        oidc_username_claim=values.oidc_username_claim,
        oidc_role_claim=values.oidc_role_claim,
        oidc_districts_claim=values.oidc_districts_claim,
        oidc_role_map=tuple(
            (name.strip(), role.strip())
            for pair in values.oidc_role_map.split(",")
            if "=" in pair
            for name, role in [pair.split("=", 1)]
        ),
        oidc_redirect_uri=values.oidc_redirect_uri,
        app_teamleider_url=values.app_teamleider_url,
        youth_pseudonym_retention=(
            timedelta(days=values.youth_pseudonym_retention_days)
            if values.youth_pseudonym_retention_days
            else None
        ),
        photo_store=photo_store,
        s3=_s3_settings(values) if photo_store == "s3" else None,
        env=values.env,
        login=values.login or "password",
        metrics_token=(
            values.metrics_token.get_secret_value() if values.metrics_token is not None else None
        ),
        log_format=values.log_format,
        log_level=values.log_level,
        tile_url_template=values.tile_url,
        tile_dir=values.tile_dir or var_dir / "tiles",
    )
