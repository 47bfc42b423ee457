"""A pull page, read with the wire models and applied in bulk.

A first pull is tens of thousands of changes, so a page is applied with one
statement per table (an `executemany` of upserts, a `DELETE … IN`, an
`executemany` of updates), never a lookup per change. Applying it in bulk gives
what applying its changes one by one in change order gives: for reference data
each change replaces the whole row or removes it, so the last change of each
code decides; a record's review state is updated in change order, and a yellow
card's number is never cleared by a later change without one.

The page is read (validated) before anything is written: a malformed page raises
`PageInvalid` and nothing of it is applied (the store's transaction keeps the
cursor where it was).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, cast

from pydantic import TypeAdapter, ValidationError
from sqlalchemy import Table, delete
from sqlalchemy.dialects.sqlite import insert
from sqlmodel import Session

from fieldapp import models as m
from sync_protocol import (
    Change,
    DistrictChange,
    HotspotChange,
    RecordChange,
    ThemeChange,
    Tombstone,
    WijkactieChange,
)

_PAGE: TypeAdapter[list[Change]] = TypeAdapter(list[Change])


class PageInvalid(ValueError):
    """The server's page does not match the wire format: nothing of it is applied."""


def read_page(changes: Sequence[Change | Mapping[str, Any]]) -> list[Change]:
    """The page's changes as wire models (already typed changes pass as they are)."""
    try:
        return _PAGE.validate_python(changes)
    except ValidationError as exc:
        # The reason names fields and types only, never a value.
        first = exc.errors(include_input=False, include_url=False)[0]
        where = ".".join(str(part) for part in first["loc"])
        raise PageInvalid(f"ongeldige wijziging ({where}: {first['type']})") from exc


def _district_row(change: DistrictChange) -> dict[str, Any]:
    data = change.data
    return {
        "code": change.id,
        "name": data.name,
        "center_lat": data.center_lat,
        "center_lon": data.center_lon,
    }


def _theme_row(change: ThemeChange) -> dict[str, Any]:
    data = change.data
    return {
        "code": change.id,
        "name": data.name,
        "kind": data.kind,
        "description": data.description,
    }


def _hotspot_row(change: HotspotChange) -> dict[str, Any]:
    data = change.data
    return {
        "code": change.id,
        "name": data.name,
        "district": data.district,
        "themes": list(data.themes),
        "lat": data.lat,
        "lon": data.lon,
        "note": data.note,
        "retired": data.retired,
        "valid_from": data.valid_from,
        "valid_to": data.valid_to,
    }


def _wijkactie_row(change: WijkactieChange) -> dict[str, Any]:
    data = change.data
    return {
        "code": change.id,
        "district": data.district,
        "title": data.title,
        "themes": list(data.themes),
        "hotspots": list(data.hotspots),
        "starts_on": data.starts_on,
        "ends_on": data.ends_on,
        "hot_times": [t.model_dump() for t in data.hot_times],
        "goal": data.goal,
        "target": data.target,
        "team": data.team,
        "officers": list(data.officers),
    }


def _table(model: Any) -> Table:
    return cast(Table, model.__table__)


# Well under the limit of host parameters in one statement (32,766 since SQLite 3.32).
_IN_CHUNK = 5000
_REFERENCE: dict[str, tuple[Table, Callable[[Any], dict[str, Any]]]] = {
    "district": (_table(m.District), _district_row),
    "theme": (_table(m.Theme), _theme_row),
    "hotspot": (_table(m.Hotspot), _hotspot_row),
    "wijkactie": (_table(m.Wijkactie), _wijkactie_row),
}
# The key column of each table (the change's id).
_KEY = {"wijkactie": "id"}


def apply_changes(session: Session, changes: Sequence[Change]) -> None:
    """Apply typed changes inside the caller's transaction, one statement per table."""
    latest: dict[str, dict[str, Change]] = {entity: {} for entity in _REFERENCE}
    reviews: list[tuple[str, str | None, str]] = []
    cards: list[tuple[int, str | None, str]] = []
    for change in changes:
        if change.entity in latest:
            # Whole-row replace or removal: the last change of a code decides.
            by_code = latest[change.entity]
            by_code.pop(change.id, None)
            by_code[change.id] = change
        elif isinstance(change, RecordChange):
            state = change.data
            reviews.append((state.review_state, state.review_remark, change.id))
            if state.card_number is not None:
                cards.append((state.card_number, state.next_step, change.id))
        # Anything else: a record's tombstone (the phone keeps its own entries)
        # or an entity kind of a newer server that this app does not know yet.
    connection = session.connection()
    for entity, by_code in latest.items():
        table, to_row = _REFERENCE[entity]
        key = _KEY.get(entity, "code")
        gone = [code for code, change in by_code.items() if isinstance(change, Tombstone)]
        rows = [to_row(change) for change in by_code.values() if not isinstance(change, Tombstone)]
        if key != "code":
            rows = [{key: row.pop("code"), **row} for row in rows]
        if gone:
            connection.execute(delete(table).where(table.c[key].in_(gone)))
        if rows:
            upsert = insert(table)
            columns = {name: upsert.excluded[name] for name in rows[0] if name != key}
            connection.execute(
                upsert.on_conflict_do_update(index_elements=[key], set_=columns), rows
            )
    if not reviews:
        return
    # Only this phone's own entries: a record made on another phone of the
    # officer (and every record, on a phone's first pull) is not here. One
    # `IN` query finds them, one `executemany` per column set updates them.
    ids = list({review[2] for review in reviews})
    here: set[str] = set()
    for start in range(0, len(ids), _IN_CHUNK):
        chunk = tuple(ids[start : start + _IN_CHUNK])
        marks = ", ".join("?" * len(chunk))
        query = f"SELECT id FROM entry WHERE id IN ({marks})"  # noqa: S608 (only placeholders)
        here.update(row[0] for row in connection.exec_driver_sql(query, chunk))
    if not here:
        return
    connection.exec_driver_sql(
        "UPDATE entry SET review_state = ?, review_remark = ? WHERE id = ?",
        [r for r in reviews if r[2] in here],
    )
    mine = [c for c in cards if c[2] in here]
    if mine:
        connection.exec_driver_sql(
            "UPDATE entry SET card_number = ?, next_step = ? WHERE id = ?", mine
        )
