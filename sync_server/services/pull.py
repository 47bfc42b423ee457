"""What a device receives: changes after its cursor, scoped by who it belongs to.

The scope comes from the authenticated user, never from a parameter: reference
data for everyone (districts, themes), hotspots of the user's own districts
(all for a beheerder), and the review state and remarks of the user's own
records. A page holds at most `limit` changes; an entity that changed several
times inside one page is sent once, in its current state.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import and_, or_
from sqlmodel import Session, col, select

from sync_protocol import Change as WireChange
from sync_protocol import ChangeOp, ErrorCode
from sync_server.db import utcnow
from sync_server.errors import ServiceError
from sync_server.models import Change, District, Hotspot, Record, Theme, User
from sync_server.services.changes import AUDIENCE_ALL, AUDIENCE_DISTRICT, AUDIENCE_OWNER, latest_seq
from sync_server.services.pseudonyms import next_step


def iso_utc(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def district_data(row: District) -> dict[str, Any]:
    return {
        "code": row.code,
        "name": row.name,
        "center_lat": row.center_lat,
        "center_lon": row.center_lon,
        "version": row.version,
    }


def theme_data(row: Theme) -> dict[str, Any]:
    return {
        "code": row.code,
        "name": row.name,
        "kind": row.kind,
        "description": row.description,
        "version": row.version,
    }


def hotspot_data(row: Hotspot) -> dict[str, Any]:
    return {
        "code": row.code,
        "name": row.name,
        "district": row.district_code,
        "themes": row.themes,
        "lat": row.lat,
        "lon": row.lon,
        "approximate": row.approximate,
        "note": row.note,
        "version": row.version,
    }


def record_state(row: Record) -> dict[str, Any]:
    """Only what the phone does not already have: the server's verdict on it."""
    return {
        "kind": row.kind,
        "version": row.version,
        "review_state": row.review_state,
        "review_remark": row.review_remark,
        "card_number": row.card_number,
        "next_step": next_step(row.card_number) if row.card_number else None,
        "received_at": iso_utc(row.received_at),
    }


_LOADERS: dict[str, tuple[type[Any], Callable[[Any], dict[str, Any]]]] = {
    "district": (District, district_data),
    "theme": (Theme, theme_data),
    "hotspot": (Hotspot, hotspot_data),
    "record": (Record, record_state),
}


def _scope(user: User, districts: list[str]) -> Any:
    everyone = col(Change.audience) == AUDIENCE_ALL
    own = and_(col(Change.audience) == AUDIENCE_OWNER, col(Change.owner_user_id) == user.id)
    if user.role == "beheerder":
        district = col(Change.audience) == AUDIENCE_DISTRICT
    else:
        district = and_(
            col(Change.audience) == AUDIENCE_DISTRICT, col(Change.district_code).in_(districts)
        )
    return or_(everyone, district, own)


def pull_changes(
    session: Session, *, user: User, districts: list[str], since: int, limit: int
) -> tuple[list[WireChange], int, bool]:
    rows = session.exec(
        select(Change)
        .where(col(Change.seq) > since, _scope(user, districts))
        .order_by(col(Change.seq))
        .limit(limit + 1)
    ).all()
    if not rows and since > 0 and since > latest_seq(session):
        # Only after a restore from backup: the phone has seen numbers that no
        # longer exist, and would wait for ever. It must start again from 0.
        raise ServiceError(
            ErrorCode.CURSOR_AHEAD,
            "De server kent deze stand niet (teruggezet?). De app haalt alles opnieuw op.",
        )
    more = len(rows) > limit
    rows = rows[:limit]
    next_since = rows[-1].seq if rows else since
    # Keep each entity's last change in this page, in change order.
    last: dict[tuple[str, str], Change] = {}
    for row in rows:
        last.pop((row.entity, row.entity_id), None)
        last[(row.entity, row.entity_id)] = row
    by_entity: dict[str, dict[str, Any]] = {}
    for entity, (model, _) in _LOADERS.items():
        ids = [eid for (ent, eid) in last if ent == entity]
        if ids:
            key = model.id if entity == "record" else model.code
            by_entity[entity] = {
                (r.id if entity == "record" else r.code): r
                for r in session.exec(select(model).where(col(key).in_(ids)))
            }
    changes: list[WireChange] = []
    for (entity, entity_id), row in last.items():
        current = by_entity.get(entity, {}).get(entity_id)
        deleted = row.op == "delete" or current is None or getattr(current, "retired", False)
        if (
            current is not None
            and not deleted
            and entity == "hotspot"
            and user.role != "beheerder"
            and current.district_code not in districts
        ):
            deleted = True  # moved out of this user's districts since the change
        changes.append(
            WireChange(
                seq=row.seq,
                entity=entity,
                op=ChangeOp.DELETE if deleted else ChangeOp.UPSERT,
                id=entity_id,
                data=None if deleted else _LOADERS[entity][1](current),
            )
        )
    return changes, next_since, more


def server_time() -> str:
    return iso_utc(utcnow()) or ""
