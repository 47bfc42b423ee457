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
from types import UnionType
from typing import Any, Literal, Union, get_args, get_origin

from pydantic import Field, SecretStr, ValidationError
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_VAR = ROOT / "var"
DEFAULT_ASSETS = ROOT / "assets" / "reference"
DEFAULT_DEFINITIONS = DEFAULT_ASSETS / "indicator_definitions.json"
DEFAULT_RETENTION = DEFAULT_ASSETS / "retention.json"
DEFAULT_TILE_URL = (
    "https://service.pdok.nl/brt/achtergrondkaart/wmts/v2_0/standaard/EPSG:3857/{z}/{x}/{y}.png"
)
# Local time of the programme: hot times, months and years are Haarlem's.
TIMEZONE = "Europe/Amsterdam"


class ConfigError(ValueError):
    """A setting is missing or wrong; the message says which and what to do."""


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


class ServerEnv(BaseSettings):
    """Every environment variable the server reads, with its type and meaning.

    The field's alias is the variable's name; its description is what the README's
    settings table says about it.
    """

    model_config = SettingsConfigDict(extra="ignore", frozen=True, populate_by_name=False)

    env: Literal["development", "production"] = Field(
        "development",
        alias="HV_ENV",
        description="`production` refuses to start unless the settings marked required "
        "in production are set; `development` fills in local defaults",
    )
    database_url: str | None = Field(
        None,
        alias="DATABASE_URL",
        description="database, e.g. `postgresql://user@host/db`; development default: "
        "`sqlite:///var/sync_server.db` (required in production)",
    )
    var_dir: Path = Field(
        DEFAULT_VAR,
        alias="HV_VAR_DIR",
        description="folder for the development defaults (SQLite file, key file, photos)",
    )
    pseudonym_key: SecretStr | None = Field(
        None,
        alias="HV_PSEUDONYM_KEY",
        description="64+ hex characters: the key of youths' pseudonyms, the same on every "
        "server process, never in the database (required in production)",
    )
    pseudonym_key_file: Path | None = Field(
        None,
        alias="HV_PSEUDONYM_KEY_FILE",
        description="development only: file holding the key (default `var/pseudonym.key`, "
        "made on first use)",
    )
    photo_store: Literal["folder", "s3"] | None = Field(
        None,
        alias="HV_PHOTO_STORE",
        description="where photo bytes live: `folder` (HV_BLOB_DIR) or `s3` (HV_S3_*); "
        "development default `folder` (required in production)",
    )
    blob_dir: Path | None = Field(
        None,
        alias="HV_BLOB_DIR",
        description="photo folder for `HV_PHOTO_STORE=folder` (default `var/blobs`)",
    )
    s3_endpoint: str | None = Field(
        None,
        alias="HV_S3_ENDPOINT",
        description="S3 endpoint as `host:port`, e.g. `s3.example.nl` (for `s3`)",
    )
    s3_bucket: str | None = Field(
        None, alias="HV_S3_BUCKET", description="bucket holding the photos (for `s3`)"
    )
    s3_access_key: SecretStr | None = Field(
        None, alias="HV_S3_ACCESS_KEY", description="S3 access key (for `s3`)"
    )
    s3_secret_key: SecretStr | None = Field(
        None, alias="HV_S3_SECRET_KEY", description="S3 secret key (for `s3`)"
    )
    s3_secure: bool = Field(
        True, alias="HV_S3_SECURE", description="HTTPS to the S3 endpoint (`false` for loopback)"
    )
    s3_region: str | None = Field(None, alias="HV_S3_REGION", description="S3 region, if any")
    login: Literal["password", "oidc"] | None = Field(
        None,
        alias="HV_LOGIN",
        description="how staff log in: `password` or `oidc` (the city's identity provider); "
        "development default `password` (required in production)",
    )
    metrics_token: SecretStr | None = Field(
        None,
        alias="HV_METRICS_TOKEN",
        description="bearer token that may read `/metrics` (without it only a beheerder may)",
    )
    log_format: Literal["json", "text"] = Field(
        "json", alias="HV_LOG_FORMAT", description="server log lines: `json` or `text`"
    )
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(
        "INFO", alias="HV_LOG_LEVEL", description="lowest level logged"
    )
    throttle_max_failures: int = Field(
        5,
        alias="HV_THROTTLE_MAX_FAILURES",
        ge=1,
        description="wrong logins of one account before it is locked for 15 minutes",
    )
    throttle_max_failures_per_address: int = Field(
        50,
        alias="HV_THROTTLE_MAX_FAILURES_PER_ADDRESS",
        ge=1,
        description="wrong logins from one client address (an office behind one NAT) before "
        "that address is locked",
    )
    trusted_proxies: str = Field(
        "",
        alias="HV_TRUSTED_PROXIES",
        description="comma-separated addresses/CIDRs of reverse proxies whose "
        "`X-Forwarded-For` names the client; nobody else's is believed",
    )
    browser_token_idle_minutes: int = Field(
        30,
        alias="HV_BROWSER_TOKEN_IDLE_MINUTES",
        ge=1,
        description="a team leader's or beheerder's session ends after this much inactivity",
    )
    browser_token_lifetime_hours: float = Field(
        12,
        alias="HV_BROWSER_TOKEN_LIFETIME_HOURS",
        gt=0,
        description="and at the latest this long after login",
    )
    totp_issuer: str = Field(
        "Handhaving Haarlem",
        alias="HV_TOTP_ISSUER",
        description="the name an authenticator app shows beside the code",
    )
    oidc_issuer: str | None = Field(
        None,
        alias="HV_OIDC_ISSUER",
        description="the identity provider's issuer URL; single sign-on is off without it "
        "(required for `HV_LOGIN=oidc` in production)",
    )
    oidc_client_id: str = Field(
        "", alias="HV_OIDC_CLIENT_ID", description="this app's client id at the identity provider"
    )
    oidc_client_secret: SecretStr | None = Field(
        None, alias="HV_OIDC_CLIENT_SECRET", description="its client secret"
    )
    oidc_scopes: str = Field(
        "openid profile", alias="HV_OIDC_SCOPES", description="scopes asked for"
    )
    oidc_username_claim: str = Field(
        "preferred_username",
        alias="HV_OIDC_USERNAME_CLAIM",
        description="claim holding the login name",
    )
    oidc_role_claim: str = Field(
        "hv_role", alias="HV_OIDC_ROLE_CLAIM", description="claim holding the role (or groups)"
    )
    oidc_districts_claim: str = Field(
        "hv_districts",
        alias="HV_OIDC_DISTRICTS_CLAIM",
        description="claim holding the district codes",
    )
    oidc_role_map: str = Field(
        "",
        alias="HV_OIDC_ROLE_MAP",
        description="`idp-name=role,…`: the provider's role/group names to `teamleider` or "
        "`beheerder`; empty: the claim holds the role itself",
    )
    oidc_redirect_uri: str | None = Field(
        None,
        alias="HV_OIDC_REDIRECT_URI",
        description="this server's callback as the proxy publishes it; default: from the request",
    )
    app_teamleider_url: str = Field(
        "http://127.0.0.1:8550/teamleider",
        alias="HV_APP_TEAMLEIDER_URL",
        description="the app's team-leader address, where a finished sign-on lands",
    )
    assets_dir: Path = Field(
        DEFAULT_ASSETS,
        alias="HV_ASSETS_DIR",
        description="folder of the reference data files (`assets/reference`)",
    )
    indicator_definitions: Path = Field(
        DEFAULT_DEFINITIONS,
        alias="HV_INDICATOR_DEFINITIONS",
        description="which logs count for which indicator",
    )
    nearest_hotspot_m: float = Field(
        250.0,
        alias="HV_NEAREST_HOTSPOT_M",
        ge=0,
        description="a log with only coordinates counts for the nearest hotspot within this",
    )
    retention: Path = Field(
        DEFAULT_RETENTION, alias="HV_RETENTION", description="retention rules per record kind"
    )
    tile_url: str = Field(
        DEFAULT_TILE_URL,
        alias="HV_TILE_URL",
        pattern=r"^https?://.*\{z\}.*\{x\}.*\{y\}",
        description="map tiles the server proxies and caches, a URL template with {z}, {x}, "
        "{y} (default PDOK BRT-Achtergrondkaart, WebMercator)",
    )
    tile_dir: Path | None = Field(
        None, alias="HV_TILE_DIR", description="folder of cached map tiles (default `var/tiles`)"
    )
    youth_pseudonym_retention_days: int | None = Field(
        None,
        alias="HV_YOUTH_PSEUDONYM_RETENTION_DAYS",
        ge=1,
        description="overrides the retention file's period for a youth's pseudonym (365)",
    )

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # `load_settings` passes the environment explicitly (tests pass their own).
        return (init_settings,)

    @classmethod
    def variables(cls) -> dict[str, str]:
        """Variable name → description, in declaration order (the README table)."""
        return {str(f.alias): f.description or "" for f in cls.model_fields.values()}

    @classmethod
    def from_environment(cls, env: Mapping[str, str]) -> ServerEnv:
        names = cls.variables()
        values: dict[str, Any] = {k: v for k, v in env.items() if k in names and v != ""}
        try:
            return cls(**values)
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()
            )
            raise ConfigError(f"Ongeldige instelling: {problems}") from None


_KIND_NAMES: dict[Any, str] = {
    str: "text",
    Path: "path",
    bool: "true/false",
    int: "integer",
    float: "number",
    SecretStr: "secret",
}


def _kind(annotation: Any) -> str:
    args = get_args(annotation)
    if get_origin(annotation) is Literal:
        return " / ".join(f"`{value}`" for value in args)
    if get_origin(annotation) in (Union, UnionType):
        return " / ".join(_kind(arg) for arg in args if arg is not type(None))
    return _KIND_NAMES.get(annotation, getattr(annotation, "__name__", str(annotation)))


def settings_table() -> str:
    """The README's settings table, made from ServerEnv (a test keeps them equal;
    `python -m sync_server settings-table` prints it)."""
    lines = ["| variable | type | default | meaning |", "| --- | --- | --- | --- |"]
    for info in ServerEnv.model_fields.values():
        default = info.default
        if isinstance(default, Path):
            default = default.relative_to(ROOT) if default.is_relative_to(ROOT) else default
        shown = "" if default is None else f"`{default}`"
        kind = _kind(info.annotation)
        lines.append(f"| `{info.alias}` | {kind} | {shown} | {info.description} |")
    return "\n".join(lines) + "\n"


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
