"""Settings: one typed, documented place (ServerEnv), the README's table made
from it, and a production mode that refuses to guess."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from sync_server.config import ROOT, ConfigError, ServerEnv, load_settings
from sync_server.settings_table import settings_table

KEY = "ab" * 32
PRODUCTION = {
    "HV_ENV": "production",
    "DATABASE_URL": "postgresql://handhaving@db.example/handhaving",
    "HV_PSEUDONYM_KEY": KEY,
    "HV_PHOTO_STORE": "s3",
    "HV_S3_ENDPOINT": "s3.example.nl",
    "HV_S3_BUCKET": "handhaving-fotos",
    "HV_S3_ACCESS_KEY": "access",
    "HV_S3_SECRET_KEY": "secret",
    "HV_LOGIN": "oidc",
    "HV_OIDC_ISSUER": "https://login.haarlem.example",
    "HV_OIDC_CLIENT_ID": "handhaving",
}


def test_the_readme_settings_table_is_the_one_made_from_the_settings():
    readme = (ROOT / "README.md").read_text()
    assert settings_table() in readme, (
        "README.md's settings table differs from sync_server/config.py; paste the output "
        "of `python -m sync_server settings-table` into it"
    )
    # Every variable the server reads is in it, each with a description.
    for name, description in ServerEnv.variables().items():
        assert f"| `{name}` |" in readme
        assert description


@pytest.mark.parametrize("missing", ["HV_OIDC_ISSUER", "HV_OIDC_CLIENT_ID"])
def test_production_with_single_sign_on_needs_its_identity_provider(missing: str, tmp_path: Path):
    env = {k: v for k, v in PRODUCTION.items() if k != missing} | {"HV_VAR_DIR": str(tmp_path)}
    with pytest.raises(ConfigError, match="HV_OIDC_ISSUER en HV_OIDC_CLIENT_ID"):
        load_settings(env)


def test_a_trusted_proxy_that_is_no_address_is_refused_with_a_message(tmp_path: Path):
    with pytest.raises(ConfigError, match="HV_TRUSTED_PROXIES"):
        load_settings({"HV_VAR_DIR": str(tmp_path), "HV_TRUSTED_PROXIES": "10.0.0.0/8,proxy"})


def test_production_starts_with_everything_it_needs(tmp_path: Path):
    settings = load_settings(PRODUCTION | {"HV_VAR_DIR": str(tmp_path)})
    assert settings.env == "production"
    assert settings.database_url == PRODUCTION["DATABASE_URL"]
    assert settings.pseudonym_key == bytes.fromhex(KEY)
    assert settings.photo_store == "s3" and settings.s3 is not None
    assert (settings.s3.endpoint, settings.s3.bucket, settings.s3.secure) == (
        "s3.example.nl",
        "handhaving-fotos",
        True,
    )
    assert settings.login == "oidc"
    assert settings.oidc_issuer == "https://login.haarlem.example"
    assert "secret" not in repr(settings) and KEY not in repr(settings)
    assert not (tmp_path / "pseudonym.key").exists()  # no key file made in production


@pytest.mark.parametrize(
    ("missing", "says"),
    [
        ("DATABASE_URL", "DATABASE_URL"),
        ("HV_PSEUDONYM_KEY", "HV_PSEUDONYM_KEY"),
        ("HV_PHOTO_STORE", "HV_PHOTO_STORE=s3 of folder"),
        ("HV_LOGIN", "HV_LOGIN=password of oidc"),
    ],
)
def test_production_refuses_to_start_without(missing: str, says: str, tmp_path: Path):
    env = {k: v for k, v in PRODUCTION.items() if k != missing} | {"HV_VAR_DIR": str(tmp_path)}
    with pytest.raises(ConfigError) as refused:
        load_settings(env)
    assert "HV_ENV=production" in str(refused.value) and says in str(refused.value)


def test_production_names_every_missing_setting_at_once(tmp_path: Path):
    with pytest.raises(ConfigError) as refused:
        load_settings({"HV_ENV": "production", "HV_VAR_DIR": str(tmp_path)})
    for name in ("DATABASE_URL", "HV_PSEUDONYM_KEY", "HV_PHOTO_STORE", "HV_LOGIN"):
        assert name in str(refused.value)


def test_a_folder_store_in_production_needs_no_bucket(tmp_path: Path):
    env = {k: v for k, v in PRODUCTION.items() if not k.startswith("HV_S3_")}
    settings = load_settings(env | {"HV_PHOTO_STORE": "folder", "HV_BLOB_DIR": str(tmp_path)})
    assert settings.photo_store == "folder" and settings.blob_dir == tmp_path


def test_an_s3_store_names_what_it_lacks(tmp_path: Path):
    env = {k: v for k, v in PRODUCTION.items() if k not in ("HV_S3_ENDPOINT", "HV_S3_SECRET_KEY")}
    with pytest.raises(ConfigError) as refused:
        load_settings(env)
    assert "HV_S3_ENDPOINT" in str(refused.value) and "HV_S3_SECRET_KEY" in str(refused.value)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("HV_PHOTO_STORE", "nfs"),
        ("HV_LOGIN", "ldap"),
        ("HV_ENV", "prod"),
        ("HV_NEAREST_HOTSPOT_M", "ver"),
        ("HV_S3_SECURE", "misschien"),
    ],
)
def test_a_wrong_value_is_named_without_echoing_it(name: str, value: str, tmp_path: Path):
    with pytest.raises(ConfigError) as refused:
        load_settings(PRODUCTION | {name: value, "HV_VAR_DIR": str(tmp_path)})
    assert name in str(refused.value)


def test_a_short_or_non_hex_key_is_refused(tmp_path: Path):
    for key in ("ab" * 8, "zz" * 32):
        with pytest.raises(ConfigError, match="HV_PSEUDONYM_KEY"):
            load_settings(PRODUCTION | {"HV_PSEUDONYM_KEY": key})


def test_development_fills_in_local_defaults(tmp_path: Path):
    settings = load_settings({"HV_VAR_DIR": str(tmp_path)})
    assert settings.env == "development"
    assert settings.database_url == f"sqlite:///{tmp_path / 'sync_server.db'}"
    assert settings.photo_store == "folder" and settings.blob_dir == tmp_path / "blobs"
    assert settings.login == "password"
    key_file = tmp_path / "pseudonym.key"
    assert key_file.stat().st_mode & 0o777 == 0o600
    assert load_settings({"HV_VAR_DIR": str(tmp_path)}).pseudonym_key == settings.pseudonym_key


def test_the_server_command_stops_with_the_message(tmp_path: Path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HV_", "DATABASE_URL"))}
    result = subprocess.run(
        [sys.executable, "-m", "sync_server", "serve", "--port", "1"],
        env=env | {"HV_ENV": "production", "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr.startswith("Fout in de instellingen: HV_ENV=production start niet")
    assert "DATABASE_URL" in result.stderr
    assert not list(tmp_path.iterdir())  # nothing made: no SQLite file, no key file
