"""Admin command line: `python -m sync_server --help`.

Every command works on the database named by DATABASE_URL (default: a SQLite
file in var/), so the same commands serve a laptop demo and production.
"""

from __future__ import annotations

import argparse
import getpass
import logging
import os
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from sync_protocol import ErrorCode
from sync_server.config import ConfigError, Settings, load_settings
from sync_server.db import LockBusy, database_lock, make_engine, session_scope
from sync_server.errors import ServiceError
from sync_server.heap import freeze_start_up_objects
from sync_server.migrate import upgrade
from sync_server.models import Device, User
from sync_server.photostore import open_photo_store
from sync_server.photostore.copy import copy_photos
from sync_server.photostore.folder import FolderPhotoStore
from sync_server.services import accounts, demo, nightly, qr
from sync_server.services.indicator_definitions import DefinitionsError
from sync_server.services.indicator_snapshots import latest_run
from sync_server.services.reference_data import (
    LoadReport,
    ReferenceDataError,
    load_reference_data,
)
from sync_server.services.retention import RetentionConfigError
from sync_server.settings_table import settings_table

STARTUP_LOCK = "startup"
# What `serve --workers N` (and gunicorn/uvicorn by hand) starts in each process.
APP_FACTORY = "sync_server.api.app:create_app_from_env"


def _prepare(settings: Settings) -> Engine:
    """Migrate under the start-up lock: any number of processes (server machines,
    workers, a cron job) may start at once; one migrates, the others then find
    the schema up to date."""
    engine = make_engine(settings.database_url)
    with database_lock(engine, STARTUP_LOCK):
        upgrade(engine)
    return engine


def _load_reference(engine: Engine, folder: Path) -> LoadReport:
    with database_lock(engine, STARTUP_LOCK), session_scope(engine) as session:
        return load_reference_data(session, folder)


def cmd_migrate(settings: Settings, _args: argparse.Namespace) -> int:
    _prepare(settings)
    print("Database is bijgewerkt.")
    return 0


def cmd_load_reference(settings: Settings, args: argparse.Namespace) -> int:
    engine = _prepare(settings)
    report = _load_reference(engine, Path(args.dir or settings.assets_dir))
    if not report.total:
        print("Referentiedata ongewijzigd.")
    else:
        print(
            f"Referentiedata geladen. Nieuw: {_counts(report.added)}; "
            f"gewijzigd: {_counts(report.changed)}; vervallen: {_counts(report.retired)}."
        )
    return 0


def _counts(per_entity: dict[str, int]) -> str:
    return ", ".join(f"{entity} {n}" for entity, n in per_entity.items()) or "geen"


def cmd_create_user(settings: Settings, args: argparse.Namespace) -> int:
    engine = _prepare(settings)
    password = None
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    elif args.role in ("teamleider", "beheerder"):
        password = getpass.getpass("Wachtwoord (min. 10 tekens): ")
    with session_scope(engine) as session:
        user = accounts.create_user(
            session,
            username=args.username,
            display_name=args.name or args.username,
            role=args.role,
            districts=args.district or [],
            password=password,
        )
        print(f"Gebruiker {user.username} ({user.role}) aangemaakt, id {user.id}.")
    return 0


def _print_code(settings: Settings, username: str, server_url: str, qr_path: Path | None) -> None:
    engine = make_engine(settings.database_url)
    with session_scope(engine) as session:
        user = accounts.find_user(session, username)
        if user is None:
            raise ServiceError(ErrorCode.NOT_FOUND, f"Gebruiker '{username}' bestaat niet.")
        new = accounts.create_enrolment_code(session, user=user, ttl=settings.enrolment_code_ttl)
    uri = qr.enrolment_uri(server_url, new.code)
    print(f"Koppelcode voor {user.display_name} ({user.username}): {new.code}")
    print(f"Geldig tot {new.expires_at:%Y-%m-%d %H:%M} UTC. Server: {server_url}")
    if qr_path:
        qr.write_qr_png(uri, qr_path)
        print(f"QR-code opgeslagen in {qr_path}")


def cmd_enrol_device(settings: Settings, args: argparse.Namespace) -> int:
    _prepare(settings)
    qr_path = Path(args.qr) if args.qr else Path(f"koppelcode-{args.username}.png")
    _print_code(settings, args.username, args.server, qr_path)
    return 0


def cmd_revoke_device(settings: Settings, args: argparse.Namespace) -> int:
    engine = _prepare(settings)
    with session_scope(engine) as session:
        if args.device_id:
            devices = [accounts.revoke_device(session, args.device_id)]
        else:
            user = accounts.find_user(session, args.user)
            if user is None:
                raise ServiceError(ErrorCode.NOT_FOUND, f"Gebruiker '{args.user}' bestaat niet.")
            devices = [
                accounts.revoke_device(session, d.id)
                for d in session.exec(
                    select(Device).where(Device.user_id == user.id, Device.revoked_at == None)  # noqa: E711
                )
            ]
    for device in devices:
        print(f"Apparaat {device.id} ({device.name}) ingetrokken.")
    if not devices:
        print("Geen actieve apparaten gevonden.")
    return 0


def _snapshot_demo(settings: Settings, engine: Engine, made: int) -> nightly.NightlyReport | None:
    """Demo data gets indicator figures at once, as after a night."""
    with Session(engine) as session:
        missing = latest_run(session) is None
    if not made and not missing:
        return None
    return nightly.run_nightly(engine, settings)


def cmd_demo_data(settings: Settings, args: argparse.Namespace) -> int:
    engine = _prepare(settings)
    _load_reference(engine, settings.assets_dir)
    made = demo.create_demo_data(engine, key=settings.pseudonym_key, days=args.days)
    print(f"Demodata: {made} records aangemaakt." if made else "Demodata bestond al.")
    _snapshot_demo(settings, engine, made)
    return 0


def cmd_nightly(settings: Settings, args: argparse.Namespace) -> int:
    from sync_server import metrics
    from sync_server.logs import configure_logging

    configure_logging(settings)
    engine = _prepare(settings)
    try:
        report = nightly.run_nightly_locked(engine, settings)
    except LockBusy:
        print("De nachtelijke taak draait al (een ander proces); deze keer overgeslagen.")
        return 3
    finally:
        if args.metrics_file:
            metrics.write_textfile(Path(args.metrics_file))
    print(report.summary())
    return 0


def cmd_settings_table(_settings: Settings | None, _args: argparse.Namespace) -> int:
    print(settings_table(), end="")
    return 0


def cmd_migrate_photos(settings: Settings, args: argparse.Namespace) -> int:
    """Copy photos from a folder (default: HV_BLOB_DIR) into the configured store."""
    if settings.photo_store != "s3":
        raise ServiceError(
            ErrorCode.INVALID_REQUEST,
            "Zet eerst HV_PHOTO_STORE=s3 en HV_S3_*: de foto's gaan naar die bucket.",
        )
    source = FolderPhotoStore(Path(args.source) if args.source else settings.blob_dir)
    report = copy_photos(source, open_photo_store(settings))
    print(
        f"Foto's gekopieerd: {report.copied}; stonden er al: {report.already_there}; "
        f"beschadigd (niet gekopieerd): {len(report.damaged)}."
    )
    for sha in report.damaged:
        print(f"  beschadigd: {sha}", file=sys.stderr)
    return 1 if report.damaged else 0


def cmd_serve(settings: Settings, args: argparse.Namespace) -> int:
    import uvicorn

    from sync_server.api import create_app
    from sync_server.logs import configure_logging, uvicorn_log_config

    engine = _prepare(settings)
    _load_reference(engine, settings.assets_dir)
    server_url = f"http://{args.host}:{args.port}"
    if args.demo:
        made = demo.create_demo_data(engine, key=settings.pseudonym_key)
        if made:
            print(f"Demodata aangemaakt: {made} records.")
        if report := _snapshot_demo(settings, engine, made):
            print(
                f"Indicatoren berekend (definities versie {report.snapshot.version}, "
                f"{report.snapshot.records_counted} registraties)."
            )
        _print_code(settings, args.demo_officer, server_url, None)
        print(
            f"Teamleider: tl.noord / {demo.DEMO_PASSWORD}   "
            f"Beheerder: beheerder.demo / {demo.DEMO_PASSWORD}"
        )
    print(f"Server: {server_url}   API-documentatie: {server_url}/docs")
    sys.stdout.flush()
    common: dict[str, Any] = {
        "host": args.host,
        "port": args.port,
        "log_config": uvicorn_log_config(settings),
        "access_log": True,
        # X-Forwarded-For is believed only from these addresses (the proxy).
        "proxy_headers": True,
        "forwarded_allow_ips": args.forwarded_allow_ips,
        "timeout_graceful_shutdown": 10,
    }
    if args.workers > 1:
        # Each worker process builds its own app from the environment; the
        # migration and reference data above ran once, under the lock.
        engine.dispose()
        if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
            # Every worker writes its counters here; /metrics adds them up.
            os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="hv-metrics-")
        uvicorn.run(APP_FACTORY, factory=True, workers=args.workers, **common)
    else:
        configure_logging(settings)
        app = create_app(settings, engine)
        freeze_start_up_objects()
        uvicorn.run(app, **common)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m sync_server",
        description="Synchronisatieserver voor de handhavers van Haarlem.",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("serve", help="start de server (met --demo: demodata en een koppelcode)")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--demo", action="store_true", help="maak demodata als die er nog niet is")
    p.add_argument(
        "--workers", type=int, default=1, help="aantal serverprocessen (uvicorn-workers)"
    )
    p.add_argument(
        "--forwarded-allow-ips",
        default="127.0.0.1",
        help="adressen van de reverse proxy waarvan X-Forwarded-For geloofd wordt",
    )
    p.add_argument(
        "--demo-officer",
        default="jeroen.demo",
        help="voor wie de koppelcode wordt gemaakt bij --demo",
    )
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("migrate", help="werk het databaseschema bij (behoudt gegevens)")
    p.set_defaults(func=cmd_migrate)

    p = sub.add_parser(
        "load-reference", help="laad stadsdelen, thema's, focuslocaties, indicatoren"
    )
    p.add_argument("--dir", help="map met de referentiebestanden (standaard assets/reference)")
    p.set_defaults(func=cmd_load_reference)

    p = sub.add_parser("create-user", help="maak een gebruiker aan")
    p.add_argument("username")
    p.add_argument("--name", help="naam zoals getoond in de app")
    p.add_argument("--role", required=True, choices=["handhaver", "teamleider", "beheerder"])
    p.add_argument("--district", action="append", help="stadsdeel (herhaal voor meer)")
    p.add_argument("--password-stdin", action="store_true", help="lees het wachtwoord van stdin")
    p.set_defaults(func=cmd_create_user)

    p = sub.add_parser(
        "enrol-device", help="maak een koppelcode (tekst en QR-PNG) voor een telefoon"
    )
    p.add_argument("username")
    p.add_argument(
        "--server", default="http://127.0.0.1:8000", help="adres dat de telefoon gebruikt"
    )
    p.add_argument("--qr", help="pad voor de QR-afbeelding (PNG)")
    p.set_defaults(func=cmd_enrol_device)

    p = sub.add_parser("revoke-device", help="trek de koppeling van een telefoon in")
    group = p.add_mutually_exclusive_group(required=True)
    group.add_argument("--device-id")
    group.add_argument("--user", help="alle apparaten van deze gebruiker")
    p.set_defaults(func=cmd_revoke_device)

    p = sub.add_parser(
        "nightly",
        help="nachtelijke taak: indicatoren berekenen, bewaartermijnen, stille telefoons",
    )
    p.add_argument(
        "--metrics-file",
        help="schrijf duur en resultaat als Prometheus-tekstbestand (node_exporter textfile)",
    )
    p.set_defaults(func=cmd_nightly)

    p = sub.add_parser(
        "migrate-photos",
        help="kopieer foto's uit een map naar de S3-bucket (controleert elk controlegetal)",
    )
    p.add_argument("--source", help="map met foto's (standaard HV_BLOB_DIR)")
    p.set_defaults(func=cmd_migrate_photos)

    p = sub.add_parser("settings-table", help="de instellingentabel (Markdown) voor de README")
    p.set_defaults(func=cmd_settings_table, no_settings=True)

    p = sub.add_parser("demo-data", help="maak een demoteam per stadsdeel met enkele weken logs")
    p.add_argument("--days", type=int, default=28)
    p.set_defaults(func=cmd_demo_data)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    args = build_parser().parse_args(argv)
    try:
        settings = None if getattr(args, "no_settings", False) else load_settings()
        return int(args.func(settings, args))
    except ConfigError as exc:
        print(f"Fout in de instellingen: {exc}", file=sys.stderr)
        return 2
    except ServiceError as exc:
        print(f"Fout ({exc.code.value}): {exc.message}", file=sys.stderr)
        return 2
    except ReferenceDataError as exc:
        print(f"Fout in referentiedata: {exc}", file=sys.stderr)
        return 2
    except DefinitionsError as exc:
        print(f"Fout in indicatordefinities: {exc}", file=sys.stderr)
        return 2
    except RetentionConfigError as exc:
        print(f"Fout in bewaartermijnen: {exc}", file=sys.stderr)
        return 2


__all__ = ["User", "build_parser", "main"]
