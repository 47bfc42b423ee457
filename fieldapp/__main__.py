"""`python -m fieldapp web` serves the app in a browser; `python -m fieldapp sync`
runs one sync without a screen (for a charging dock or a nightly scheduler)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path


def cmd_sync(args: argparse.Namespace) -> int:
    from fieldapp.state import AppState

    state = AppState(Path(args.data) if args.data else None)
    if state.enrolment is None:
        print(
            "Deze telefoon is nog niet gekoppeld; er valt niets te synchroniseren.", file=sys.stderr
        )
        return 2
    before = state.pending_count()
    report = state.sync_now(lambda text, _f: print(f"  {text}") if args.verbose else None)
    after = state.pending_count()
    if report.error is not None:
        print(f"Synchronisatie mislukt: {report.error.message}", file=sys.stderr)
        print(f"{after} invoer(en) wachten nog.", file=sys.stderr)
        return 1
    print(
        f"Synchronisatie klaar: {report.accepted} geaccepteerd, {report.rejected} afgewezen, "
        f"{report.conflicts} conflicten, {report.photos_uploaded} foto's, "
        f"{report.changes_pulled} wijzigingen opgehaald ({before} → {after} wachtend)."
    )
    for problem in report.photo_errors:
        print(f"Foto: {problem}", file=sys.stderr)
    return 0


def cmd_web(args: argparse.Namespace) -> int:
    from fieldapp.main import serve_web

    serve_web(host=args.host, port=args.port, data=Path(args.data) if args.data else None)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m fieldapp", description="Veldapp voor de handhavers van Haarlem."
    )
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("sync", help="synchroniseer één keer zonder scherm (nachtelijk)")
    p.add_argument(
        "--data",
        help="map met de gegevens van de app (standaard FLET_APP_STORAGE_DATA of HV_FIELDAPP_DATA)",
    )
    p.add_argument("-v", "--verbose", action="store_true")
    p.set_defaults(func=cmd_sync)
    p = sub.add_parser("web", help="serveer de app in de browser")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8550)
    p.add_argument("--data", help="map met de gegevens van de app")
    p.set_defaults(func=cmd_web)
    args = parser.parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    raise SystemExit(main())
