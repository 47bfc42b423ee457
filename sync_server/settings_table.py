"""The README's settings table, made from `ServerEnv` so the two cannot drift
apart (`python -m sync_server settings-table` prints it; a test compares)."""

from __future__ import annotations

from pathlib import Path
from types import UnionType
from typing import Any, Literal, Union, get_args, get_origin

from pydantic import SecretStr

from sync_server.server_env import ROOT, ServerEnv

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
