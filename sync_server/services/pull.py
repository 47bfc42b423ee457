"""What a device receives: changes after its cursor, scoped by who it belongs to.

The scope comes from the authenticated user, never from a parameter: reference
data for everyone (districts, themes), hotspots of the user's own districts
(all for a beheerder), and the review state and remarks of the user's own
records. A page holds at most `limit` changes; an entity that changed several
times inside one page is sent once, in its current state.

A first pull is tens of thousands of changes, so a page is one statement of
plain rows: the change log's columns with each entity table left-joined on its
own kind of change, selecting exactly the columns the wire models carry (never a
record's payload, no ORM objects). The page's plain dicts become typed models of
sync_protocol/entities.py in one call of their validator.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pydantic import TypeAdapter
from sqlalchemy import and_, or_, select
from sqlmodel import Session, col

from sync_protocol import Change, ErrorCode
from sync_server.db import utcnow
from sync_server.errors import ServiceError
from sync_server.models import Change as ChangeRow
from sync_server.models import District, Hotspot, Record, Theme, User, Wijkactie
from sync_server.services.changes import AUDIENCE_ALL, AUDIENCE_DISTRICT, AUDIENCE_OWNER, latest_seq
from sync_server.services.pseudonyms import next_step


def iso_utc(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def iso_day(value: Any) -> str | None:
    """A date as ISO text; SQLite may hand back the stored text itself."""
    if value is None or isinstance(value, str):
        return value
    return str(value.isoformat())


def _district(row: Any) -> dict[str, Any]:
    return dict(
        code=row.entity_id,
        name=row.d_name,
        center_lat=row.d_center_lat,
        center_lon=row.d_center_lon,
        version=row.d_version,
    )


def _theme(row: Any) -> dict[str, Any]:
    return dict(
        code=row.entity_id,
        name=row.t_name,
        kind=row.t_kind,
        description=row.t_description,
        version=row.t_version,
    )


def _hotspot(row: Any) -> dict[str, Any]:
    return dict(
        code=row.entity_id,
        name=row.h_name,
        district=row.h_district_code,
        themes=row.h_themes,
        lat=row.h_lat,
        lon=row.h_lon,
        approximate=row.h_approximate,
        note=row.h_note,
        version=row.h_version,
        retired=row.h_retired,
        valid_from=iso_day(row.h_valid_from),
        valid_to=iso_day(row.h_valid_to),
    )


def _wijkactie(row: Any) -> dict[str, Any]:
    return dict(
        id=row.entity_id,
        district=row.w_district_code,
        title=row.w_title,
        themes=row.w_themes,
        hotspots=row.w_hotspots,
        starts_on=iso_day(row.w_starts_on),
        ends_on=iso_day(row.w_ends_on),
        hot_times=row.w_hot_times,
        goal=row.w_goal,
        target=row.w_target,
        team=row.w_team,
        officers=row.w_officers,
        version=row.w_version,
    )


def _record_state(row: Any) -> dict[str, Any]:
    """Only what the phone does not already have: the server's verdict on it."""
    return dict(
        kind=row.r_kind,
        version=row.r_version,
        review_state=row.r_review_state,
        review_remark=row.r_review_remark,
        card_number=row.r_card_number,
        next_step=next_step(row.r_card_number) if row.r_card_number else None,
        received_at=iso_utc(row.r_received_at),
    )


_PAGE: TypeAdapter[list[Change]] = TypeAdapter(list[Change])


@dataclass(frozen=True)
class _Kind:
    """One entity kind: its table joined on the change, the columns it sends
    (labelled with a prefix), whether its row still exists and is not retired,
    and how its data is built."""

    join: Any
    columns: tuple[Any, ...]
    present: Callable[[Any], bool]
    build: Callable[[Any], dict[str, Any]]


def _kind(
    model: Any,
    entity: str,
    key: Any,
    names: tuple[str, ...],
    build: Callable[[Any], dict[str, Any]],
    *,
    send_retired: bool = False,
) -> _Kind:
    letter = entity[0]
    table = model.__table__
    join = (table, and_(col(ChangeRow.entity) == entity, key == col(ChangeRow.entity_id)))
    # The key comes back as `<letter>_key`: None when the row no longer exists.
    columns = (key.label(f"{letter}_key"),) + tuple(
        table.c[name].label(f"{letter}_{name}") for name in names
    )
    # A retired hotspot is still sent (with its flag): records keep naming it.
    retired = "retired" in names and not send_retired

    def present(row: Any) -> bool:
        return getattr(row, f"{letter}_key") is not None and not (
            retired and getattr(row, f"{letter}_retired")
        )

    return _Kind(join, columns, present, build)


_KINDS: dict[str, _Kind] = {
    "district": _kind(
        District,
        "district",
        col(District.code),
        ("name", "center_lat", "center_lon", "version", "retired"),
        _district,
    ),
    "theme": _kind(
        Theme,
        "theme",
        col(Theme.code),
        ("name", "kind", "description", "version", "retired"),
        _theme,
    ),
    "hotspot": _kind(
        Hotspot,
        "hotspot",
        col(Hotspot.code),
        (
            "name",
            "district_code",
            "themes",
            "lat",
            "lon",
            "approximate",
            "note",
            "version",
            "retired",
            "valid_from",
            "valid_to",
        ),
        _hotspot,
        send_retired=True,
    ),
    "wijkactie": _kind(
        Wijkactie,
        "wijkactie",
        col(Wijkactie.id),
        (
            "district_code",
            "title",
            "themes",
            "hotspots",
            "starts_on",
            "ends_on",
            "hot_times",
            "goal",
            "target",
            "team",
            "officers",
            "version",
        ),
        _wijkactie,
    ),
    "record": _kind(
        Record,
        "record",
        col(Record.id),
        ("kind", "version", "review_state", "review_remark", "card_number", "received_at"),
        _record_state,
    ),
}


def _page_query(user: User, districts: list[str], since: int, limit: int) -> Any:
    """The page's changes with the current state of each entity, in one
    statement: each entity table is left-joined on its own kind of change."""
    query = select(
        col(ChangeRow.seq),
        col(ChangeRow.entity),
        col(ChangeRow.entity_id),
        col(ChangeRow.op),
        *(column for kind in _KINDS.values() for column in kind.columns),
    ).select_from(ChangeRow)
    for kind in _KINDS.values():
        query = query.outerjoin(*kind.join)
    return (
        query.where(col(ChangeRow.seq) > since, _scope(user, districts))
        .order_by(col(ChangeRow.seq))
        .limit(limit + 1)
    )


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
    # Keep each entity's last change in this page, in change order, as the rows come.
    last: dict[tuple[str, str], Any] = {}
    count, next_since, more = 0, since, False
    # Core, not the ORM: plain rows, without the ORM's loading machinery per row.
    # fetchall: one driver call for the page, not one per row.
    rows = session.connection().execute(_page_query(user, districts, since, limit)).fetchall()
    for row in rows:
        if count == limit:
            more = True
            break
        count += 1
        next_since = row.seq
        last.pop((row.entity, row.entity_id), None)
        last[(row.entity, row.entity_id)] = row
    if not count and since > 0 and since > latest_seq(session):
        # Only after a restore from backup: the phone has seen numbers that no
        # longer exist, and would wait for ever. It must start again from 0.
        raise ServiceError(
            ErrorCode.CURSOR_AHEAD,
            "De server kent deze stand niet (teruggezet?). De app haalt alles opnieuw op.",
        )
    restricted = user.role != "beheerder"
    page: list[dict[str, Any]] = []
    for (entity, entity_id), row in last.items():
        kind = _KINDS.get(entity)
        if kind is None or row.op == "delete" or not kind.present(row):
            deleted = True
        else:
            # A hotspot (or action) moved out of this user's districts since the
            # change is gone for them.
            deleted = restricted and (
                (entity == "hotspot" and row.h_district_code not in districts)
                or (entity == "wijkactie" and row.w_district_code not in districts)
            )
        page.append(
            {
                "seq": row.seq,
                "entity": entity,
                "op": "delete" if deleted else "upsert",
                "id": entity_id,
                "data": None if deleted or kind is None else kind.build(row),
            }
        )
    # The page becomes typed changes in one call of the wire models' validator
    # (sync_protocol/entities.py): the server sends nothing they do not describe.
    # One call over plain dicts is also the fastest way to typed objects: half
    # the time of building each model in Python (model_construct) per change.
    return _PAGE.validate_python(page), next_since, more


def server_time() -> str:
    return iso_utc(utcnow()) or ""
