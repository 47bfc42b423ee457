"""The deployment files say what the code accepts: the systemd units call
commands and options the CLI has, with the ports nginx's upstream names."""

from __future__ import annotations

import configparser
import re
import shlex

from server_process import ROOT

from sync_server.cli import build_parser

SYSTEMD = ROOT / "deploy" / "systemd"


def _unit(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read(SYSTEMD / name)
    return parser


def _command(unit: configparser.ConfigParser, port: str = "8001") -> list[str]:
    words = shlex.split(unit["Service"]["ExecStart"].replace("%i", port))
    assert words[1:3] == ["-m", "sync_server"]
    return words[3:]


def test_the_server_unit_runs_serve_on_the_ports_nginx_proxies_to():
    args = build_parser().parse_args(_command(_unit("handhaving-sync@.service")))
    assert args.command == "serve" and args.host == "127.0.0.1" and args.port == 8001
    upstream = re.findall(
        r"server 127\.0\.0\.1:(\d+)", (ROOT / "deploy/nginx/handhaving.conf").read_text()
    )
    assert upstream == ["8001", "8002"]


def test_the_nightly_timer_starts_the_locked_nightly_command():
    service = _unit("handhaving-nightly.service")
    args = build_parser().parse_args(_command(service))
    assert args.command == "nightly" and args.metrics_file
    assert service["Service"]["Type"] == "oneshot"
    assert service["Service"]["SuccessExitStatus"] == "3"  # another run held the lock
    timer = _unit("handhaving-nightly.timer")
    assert timer["Timer"]["OnCalendar"].startswith("*-*-* 03:15")
    assert timer["Timer"]["Persistent"] == "true"
