"""What a device receives: changes after its cursor, scoped by who it belongs to.

The scope comes from the authenticated user, never from a parameter: reference
data for everyone (districts, themes), hotspots of the user's own districts
(all for a beheerder), and the review state and remarks of the user's own
records. A page holds at most `limit` changes; an entity that changed several
times inside one page is sent once, in its current state.

A first pull is tens of thousands of changes, so a page is read as plain rows:
the change log's four columns, then one `IN` query per entity kind for exactly
the columns the wire models carry (never a record's payload), and each change is
built as a typed model of sync_protocol/entities.py straight from its row.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, or_, select
from sqlmodel import Session, col

from sync_protocol import (
    Change,
    ChangeOp,
    DistrictChange,
    DistrictData,
    ErrorCode,
    HotspotChange,
    HotspotData,
    RecordChange,
    RecordStateData,
    ThemeChange,
    ThemeData,
    UnknownChange,
)
from sync_server.db import utcnow
from sync_server.errors import ServiceError
from sync_server.models import Change as ChangeRow
from sync_server.models import District, Hotspot, Record, Theme, User
from sync_server.services.changes import AUDIENCE_ALL, AUDIENCE_DISTRICT, AUDIENCE_OWNER, latest_seq
from sync_server.services.pseudonyms import next_step


def iso_utc(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def _district(row: Any) -> DistrictData:
    return DistrictData(
        code=row.key,
        name=row.name,
        center_lat=row.center_lat,
        center_lon=row.center_lon,
        version=row.version,
    )


def _theme(row: Any) -> ThemeData:
    return ThemeData(
        code=row.key, name=row.name, kind=row.kind, description=row.description, version=row.version
    )


def _hotspot(row: Any) -> HotspotData:
    return HotspotData(
        code=row.key,
        name=row.name,
        district=row.district_code,
        themes=row.themes,
        lat=row.lat,
        lon=row.lon,
        approximate=row.approximate,
        note=row.note,
        version=row.version,
    )


def _record_state(row: Any) -> RecordStateData:
    """Only what the phone does not already have: the server's verdict on it."""
    return RecordStateData(
        kind=row.kind,
        version=row.version,
        review_state=row.review_state,
        review_remark=row.review_remark,
        card_number=row.card_number,
        next_step=next_step(row.card_number) if row.card_number else None,
        received_at=iso_utc(row.received_at),
    )


@dataclass(frozen=True)
class _Kind:
    """How one entity kind is read (its key, the columns it sends) and sent."""

    key: Any
    columns: tuple[Any, ...]
    build: Callable[[Any], Any]
    change: type[Any]

    def query(self, ids: list[str]) -> Any:
        return select(self.key.label("key"), *self.columns).where(self.key.in_(ids))


_KINDS: dict[str, _Kind] = {
    "district": _Kind(
        col(District.code),
        (
            District.name,
            District.center_lat,
            District.center_lon,
            District.version,
            District.retired,
        ),
        _district,
        DistrictChange,
    ),
    "theme": _Kind(
        col(Theme.code),
        (Theme.name, Theme.kind, Theme.description, Theme.version, Theme.retired),
        _theme,
        ThemeChange,
    ),
    "hotspot": _Kind(
        col(Hotspot.code),
        (
            Hotspot.name,
            Hotspot.district_code,
            Hotspot.themes,
            Hotspot.lat,
            Hotspot.lon,
            Hotspot.approximate,
            Hotspot.note,
            Hotspot.version,
            Hotspot.retired,
        ),
        _hotspot,
        HotspotChange,
    ),
    "record": _Kind(
        col(Record.id),
        (
            Record.kind,
            Record.version,
            Record.review_state,
            Record.review_remark,
            Record.card_number,
            Record.received_at,
        ),
        _record_state,
        RecordChange,
    ),
}


def _scope(user: User, districts: list[str]) -> Any:
    everyone = col(ChangeRow.audience) == AUDIENCE_ALL
    own = and_(col(ChangeRow.audience) == AUDIENCE_OWNER, col(ChangeRow.owner_user_id) == user.id)
    if user.role == "beheerder":
        district = col(ChangeRow.audience) == AUDIENCE_DISTRICT
    else:
        district = and_(
            col(ChangeRow.audience) == AUDIENCE_DISTRICT,
            col(ChangeRow.district_code).in_(districts),
        )
    return or_(everyone, district, own)


def pull_changes(
    session: Session, *, user: User, districts: list[str], since: int, limit: int
) -> tuple[list[Change], int, bool]:
    result = session.execute(
        select(
            col(ChangeRow.seq), col(ChangeRow.entity), col(ChangeRow.entity_id), col(ChangeRow.op)
        )
        .where(col(ChangeRow.seq) > since, _scope(user, districts))
        .order_by(col(ChangeRow.seq))
        .limit(limit + 1)
    )
    # Keep each entity's last change in this page, in change order, as the rows come.
    last: dict[tuple[str, str], tuple[int, str]] = {}
    count, next_since, more = 0, since, False
    for seq, entity, entity_id, op in result:
        if count == limit:
            more = True
            break
        count += 1
        next_since = seq
        last.pop((entity, entity_id), None)
        last[(entity, entity_id)] = (seq, op)
    result.close()
    if not count and since > 0 and since > latest_seq(session):
        # Only after a restore from backup: the phone has seen numbers that no
        # longer exist, and would wait for ever. It must start again from 0.
        raise ServiceError(
            ErrorCode.CURSOR_AHEAD,
            "De server kent deze stand niet (teruggezet?). De app haalt alles opnieuw op.",
        )
    current = _current_rows(session, last)
    restricted = user.role != "beheerder"
    changes: list[Change] = []
    for (entity, entity_id), (seq, op) in last.items():
        kind = _KINDS.get(entity)
        row = current.get((entity, entity_id))
        if kind is None or row is None or op == "delete" or getattr(row, "retired", False):
            deleted = True
        else:
            # A hotspot moved out of this user's districts since the change is gone for them.
            deleted = restricted and entity == "hotspot" and row.district_code not in districts
        model = kind.change if kind is not None else UnknownChange
        changes.append(
            model(
                seq=seq,
                entity=entity,
                op=ChangeOp.DELETE if deleted else ChangeOp.UPSERT,
                id=entity_id,
                data=None if deleted or kind is None else kind.build(row),
            )
        )
    return changes, next_since, more


def _current_rows(
    session: Session, last: dict[tuple[str, str], tuple[int, str]]
) -> dict[tuple[str, str], Any]:
    """The current state of the page's entities: one query per kind, only the
    columns that go on the wire."""
    wanted: dict[str, list[str]] = {}
    for entity, entity_id in last:
        wanted.setdefault(entity, []).append(entity_id)
    rows: dict[tuple[str, str], Any] = {}
    for entity, ids in wanted.items():
        kind = _KINDS.get(entity)
        if kind is None:
            continue
        for row in session.execute(kind.query(ids)):
            rows[(entity, row.key)] = row
    return rows


def server_time() -> str:
    return iso_utc(utcnow()) or ""
