"""How the bench writes its figures: one place, for the report and its parts."""

from __future__ import annotations


def n(value: float) -> str:
    return f"{value:,.0f}"


def s(value: float) -> str:
    return f"{value:.3f}" if value < 10 else f"{value:.1f}"


def mb(value: float) -> str:
    return f"{value / 2**20:.1f} MiB"


def x(value: float) -> str:
    return f"{value:.2f}×" if value < 10 else f"{value:.1f}×"


def db(kind: str) -> str:
    return {"sqlite": "SQLite", "postgresql": "PostgreSQL"}.get(kind, kind)


def verdict(measured: float, goal: float, *, at_least: bool = True) -> str:
    ok = measured >= goal if at_least else measured <= goal
    if ok:
        return "**met**"
    if at_least:
        return (
            f"**missed** (reaches {measured / goal:.0%} of the goal; "
            f"needs {goal / measured:.1f}× more)"
        )
    return f"**missed** ({measured / goal:.1f}× the allowed)"
