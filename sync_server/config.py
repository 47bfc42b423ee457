"""Server configuration, read from the environment once at start-up.

Everything a second server process needs to serve the same database comes from
here and from the database; the process keeps no state of its own.
"""

from __future__ import annotations

import ipaddress
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_VAR = ROOT / "var"
DEFAULT_ASSETS = ROOT / "assets" / "reference"
DEFAULT_DEFINITIONS = DEFAULT_ASSETS / "indicator_definitions.json"
DEFAULT_RETENTION = DEFAULT_ASSETS / "retention.json"
# Local time of the programme: hot times, months and years are Haarlem's.
TIMEZONE = "Europe/Amsterdam"


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


def _pseudonym_key(env: Mapping[str, str], var_dir: Path) -> bytes:
    """The key for youths' pseudonyms comes from configuration, never the database.

    In production HV_PSEUDONYM_KEY (hex) is set by the operator. For a developer's
    machine a random key is kept in var/pseudonym.key (mode 0600) so pseudonyms stay
    stable between runs.
    """
    if key := env.get("HV_PSEUDONYM_KEY"):
        raw = bytes.fromhex(key)
        if len(raw) < 32:
            raise ValueError("HV_PSEUDONYM_KEY must be at least 32 bytes (64 hex characters)")
        return raw
    key_file = Path(env.get("HV_PSEUDONYM_KEY_FILE", var_dir / "pseudonym.key"))
    if not key_file.exists():
        key_file.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32))
    return bytes.fromhex(key_file.read_text().strip())


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    env = os.environ if env is None else env
    var_dir = Path(env.get("HV_VAR_DIR", DEFAULT_VAR))
    database_url = env.get("DATABASE_URL") or f"sqlite:///{var_dir / 'sync_server.db'}"
    return Settings(
        database_url=database_url,
        blob_dir=Path(env.get("HV_BLOB_DIR", var_dir / "blobs")),
        pseudonym_key=_pseudonym_key(env, var_dir),
        assets_dir=Path(env.get("HV_ASSETS_DIR", DEFAULT_ASSETS)),
        indicator_definitions=Path(env.get("HV_INDICATOR_DEFINITIONS", DEFAULT_DEFINITIONS)),
        nearest_hotspot_max_m=float(env.get("HV_NEAREST_HOTSPOT_M", "250")),
        retention_rules=Path(env.get("HV_RETENTION", DEFAULT_RETENTION)),
        throttle_max_failures=int(env.get("HV_THROTTLE_MAX_FAILURES", "5")),
        throttle_max_failures_per_address=int(
            env.get("HV_THROTTLE_MAX_FAILURES_PER_ADDRESS", "50")
        ),
        trusted_proxies=tuple(
            ipaddress.ip_network(part.strip(), strict=False)
            for part in env.get("HV_TRUSTED_PROXIES", "").split(",")
            if part.strip()
        ),
        browser_token_idle=timedelta(minutes=int(env.get("HV_BROWSER_TOKEN_IDLE_MINUTES", "30"))),
        browser_token_lifetime=timedelta(
            hours=float(env.get("HV_BROWSER_TOKEN_LIFETIME_HOURS", "12"))
        ),
        oidc_issuer=env.get("HV_OIDC_ISSUER") or None,
        oidc_client_id=env.get("HV_OIDC_CLIENT_ID", ""),
        oidc_client_secret=env.get("HV_OIDC_CLIENT_SECRET", ""),
        oidc_scopes=env.get("HV_OIDC_SCOPES", "openid profile"),
        oidc_username_claim=env.get("HV_OIDC_USERNAME_CLAIM", "preferred_username"),
        oidc_role_claim=env.get("HV_OIDC_ROLE_CLAIM", "hv_role"),
        oidc_districts_claim=env.get("HV_OIDC_DISTRICTS_CLAIM", "hv_districts"),
        oidc_role_map=tuple(
            (name.strip(), role.strip())
            for pair in env.get("HV_OIDC_ROLE_MAP", "").split(",")
            if "=" in pair
            for name, role in [pair.split("=", 1)]
        ),
        oidc_redirect_uri=env.get("HV_OIDC_REDIRECT_URI") or None,
        app_teamleider_url=env.get("HV_APP_TEAMLEIDER_URL", "http://127.0.0.1:8550/teamleider"),
        youth_pseudonym_retention=(
            timedelta(days=int(days))
            if (days := env.get("HV_YOUTH_PSEUDONYM_RETENTION_DAYS"))
            else None
        ),
    )
