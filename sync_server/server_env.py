"""Every environment variable the server reads, declared once: name, type,
default and meaning (pydantic-settings). `sync_server.config` turns it into the
`Settings` the code uses; the README's settings table is made from it."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

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
