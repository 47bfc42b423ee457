"""Writing a decided batch: bulk Core statements, in an order that cannot deadlock,
with the change counter's lock taken last.

Order (every push takes its locks in this order, so no two wait on each other):
1. the youths' advisory locks (PostgreSQL, only for new yellow cards), sorted;
2. new records, in id order (one executemany of plain rows);
3. higher versions of existing records, in id order, each
   `UPDATE … WHERE id = :id AND version < :new`: the highest version stays
   current whatever commits in between (sync-protocol.md, property 8);
4. photos, versions (executemany), the device;
5. the counter row and the change rows, then commit (property 9: the lock every
   writer of the change log queues on is held only for this last step; on
   PostgreSQL the statement and the COMMIT travel together, changes.py).

A record or version that a concurrent push inserted after this one decided
fails the primary key (IntegrityError): the attempt is rolled back and the batch
is decided again, when the other push's rows make these re-sends.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import (
    JSON,
    Text,
    TypeDecorator,
    bindparam,
    case,
    cast,
    delete,
    func,
    literal,
    select,
    text,
    union_all,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col

from sync_protocol import PushStatus, RecordKind
from sync_server.models import (
    Device,
    Hotspot,
    Record,
    RecordPhoto,
    RecordVersion,
    Theme,
    Wijkactie,
)
from sync_server.services.bulk_insert import insert_rows
from sync_server.services.changes import LockTiming, record_changes_and_commit
from sync_server.services.geo import Spot, nearest
from sync_server.services.push_decide import (
    Context,
    Known,
    KnownVersion,
    Plan,
    Verdict,
    result,
)


def hotspot_spots(session: Session) -> list[Spot]:
    """The live hotspots that have a location, for the nearest-hotspot rule."""
    rows = session.exec(
        select(Hotspot.code, Hotspot.district_code, Hotspot.lat, Hotspot.lon).where(  # type: ignore[call-overload]
            col(Hotspot.retired).is_(False)
        )
    ).all()
    return [Spot(c, d, lat, lon) for c, d, lat, lon in rows if lat is not None and lon is not None]


def read_context(
    session: Session,
    *,
    user_id: int,
    device_id: str,
    districts: list[str],
    ids: list[str],
    now: Any,
) -> Context:
    """The committed state a batch is decided on. Versions first, records second:
    on PostgreSQL (READ COMMITTED) each statement sees what was committed when it
    started, and a record is committed together with its versions, so reading in
    this order never finds a version without its record (which would answer a
    re-sent yellow card without its card number)."""
    conn = session.connection()
    themes, hotspot_districts, wijkactie_districts = _reference(conn)
    versions: dict[tuple[str, int], KnownVersion] = {}
    records: dict[str, Known] = {}
    if ids:
        rv = RecordVersion.__table__.c  # type: ignore[attr-defined]
        for row in conn.execute(
            select(rv.record_id, rv.version, rv.content_hash, rv.payload).where(
                rv.record_id.in_(ids)
            )
        ):
            versions[(row.record_id, row.version)] = KnownVersion(row.content_hash, row.payload)
        r = Record.__table__.c  # type: ignore[attr-defined]
        for row in conn.execute(
            select(
                r.id, r.kind, r.owner_user_id, r.version, r.payload, r.district_code, r.card_number
            ).where(r.id.in_(ids))
        ):
            records[row.id] = Known(
                row.kind,
                row.owner_user_id,
                row.version,
                row.payload,
                row.district_code,
                row.card_number,
                True,
            )
    context = Context(
        user_id, device_id, districts, themes, hotspot_districts, records, versions, now
    )
    context.wijkactie_districts = wijkactie_districts
    return context


def _reference(conn: Any) -> tuple[set[str], dict[str, str], dict[str, str]]:
    """The themes, each hotspot's district and each district action's district,
    in one query (one round trip per push instead of three)."""
    rows = conn.execute(
        union_all(
            select(literal("theme"), Theme.code, literal(None, Text)),  # type: ignore[call-overload]
            select(literal("hotspot"), Hotspot.code, Hotspot.district_code),  # type: ignore[call-overload]
            select(literal("wijkactie"), Wijkactie.id, Wijkactie.district_code),  # type: ignore[call-overload]
        )
    ).all()
    themes = {code for what, code, _district in rows if what == "theme"}
    hotspots = {code: district for what, code, district in rows if what == "hotspot"}
    actions = {code: district for what, code, district in rows if what == "wijkactie"}
    return themes, hotspots, actions


class _PgJSONText(TypeDecorator[str]):
    """A payload serialised once in Python (as SQLAlchemy's JSON type does it, with
    json.dumps), cast to json by PostgreSQL: the record row and its version row
    share one serialisation instead of two."""

    impl = Text
    cache_ok = True

    def bind_expression(self, bindvalue: Any) -> Any:
        return cast(bindvalue, JSON)


_PAYLOAD_PG = bindparam("payload_json", type_=_PgJSONText())
_PAYLOAD_TEXT = bindparam("payload_json", type_=Text())


def _with_json_payload(session: Session, rows: list[dict[str, Any]], cache: dict[int, str]) -> Any:
    """The rows with `payload` serialised (each payload object once), and the
    bind parameter that stores it in the JSON column; the stored text is what
    the JSON type itself would have written."""
    out = []
    for row in rows:
        payload = row["payload"]
        serialised = cache.get(id(payload))
        if serialised is None:
            serialised = cache[id(payload)] = json.dumps(payload)
        out.append({k: v for k, v in row.items() if k != "payload"} | {"payload_json": serialised})
    postgres = session.get_bind().dialect.name == "postgresql"
    return out, _PAYLOAD_PG if postgres else _PAYLOAD_TEXT


def _insert(session: Session, table: Any) -> Any:
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    return dialect.insert(table)


def _number_cards(session: Session, ctx: Context, plan: Plan) -> None:
    """Number the batch's new yellow cards: the youth's cards so far plus one.

    Counting is only right while nobody else adds a card for the same youth. On
    PostgreSQL a transaction-scoped advisory lock per youth (taken in sorted order,
    before any row is written) makes a second push for that youth wait until this
    one commits; SQLite's BEGIN IMMEDIATE already serialises writers."""
    if not plan.cards:
        return
    youths = sorted({card.pseudonym for card in plan.cards})
    if session.get_bind().dialect.name == "postgresql":
        for pseudonym in youths:
            # 60 bits of the HMAC: a collision only makes two youths wait on each other.
            session.execute(
                text("SELECT pg_advisory_xact_lock(:key)"), {"key": int(pseudonym[:15], 16)}
            )
    r = Record.__table__.c  # type: ignore[attr-defined]
    counted = dict(
        session.execute(
            select(r.youth_pseudonym, func.count())
            .where(r.youth_pseudonym.in_(youths), r.kind == RecordKind.GELE_KAART.value)
            .group_by(r.youth_pseudonym)
        ).all()
    )
    for card in plan.cards:
        number = int(counted.get(card.pseudonym, 0)) + card.nth_in_batch
        plan.inserts[card.record_id]["card_number"] = number
        ctx.records[card.record_id].card_number = number


def _assign_hotspots(session: Session, rows: list[dict[str, Any]], max_m: float) -> None:
    """A log with only coordinates counts for its district's nearest hotspot."""
    spots: list[Spot] = []
    for row in rows:
        if row["hotspot_code"] is None and row["lat"] is not None and row["lon"] is not None:
            if not spots:
                spots.extend(hotspot_spots(session))
            row["assigned_hotspot_code"] = nearest(
                spots, district=row["district_code"], lat=row["lat"], lon=row["lon"], max_m=max_m
            )


def write_plan(
    session: Session, ctx: Context, plan: Plan, *, nearest_hotspot_m: float, timing: LockTiming
) -> dict[int, Verdict]:
    """Write what `decide` planned and commit; the answers of the accepted
    records. `timing` gets when the change counter was locked and released."""
    _number_cards(session, ctx, plan)
    _assign_hotspots(session, list(plan.inserts.values()), nearest_hotspot_m)
    _assign_hotspots(session, list(plan.updates.values()), nearest_hotspot_m)
    record_table = Record.__table__  # type: ignore[attr-defined]
    r = record_table.c
    # Core statements on the session's connection (same transaction): no ORM
    # bulk-insert machinery between the rows and the driver.
    conn = session.connection()
    serialised: dict[int, str] = {}
    if plan.inserts:
        rows, payload = _with_json_payload(
            session, [plan.inserts[i] for i in sorted(plan.inserts)], serialised
        )
        # A plain executemany: the driver sends one short statement many times
        # (psycopg pipelines it). With RETURNING it would be one statement with a
        # placeholder per value, which psycopg parses at a cost of seconds per
        # 500 records. A record a concurrent push inserted first fails the
        # primary key: IntegrityError, and the batch is decided again.
        insert_rows(conn, record_table, rows, payload=payload)
    made_current = sorted(plan.inserts)
    for record_id in sorted(plan.updates):
        values = plan.updates[record_id]
        applied = conn.execute(
            update(record_table)
            .where(r.id == record_id, r.version < values["version"])
            .values(
                **values,
                # The officer answered the team leader with a correction: review again.
                review_state=case(
                    (r.review_state == "terug_naar_handhaver", "nieuw"), else_=r.review_state
                ),
            )
            .returning(r.id)
        ).first()
        if applied is not None:
            made_current.append(record_id)
    _write_photos(session, plan, made_current)
    if plan.versions:
        rows, payload = _with_json_payload(
            session,
            sorted(plan.versions, key=lambda v: (v["record_id"], v["version"])),
            serialised,
        )
        version_table = RecordVersion.__table__  # type: ignore[attr-defined]
        insert_rows(conn, version_table, rows, payload=payload)
    # By key, not session.add(device): the caller's Device is from another
    # session, and a rolled-back attempt would expire it, failing the retry.
    conn.execute(
        update(Device.__table__)  # type: ignore[attr-defined]
        .where(Device.__table__.c.id == ctx.device_id)  # type: ignore[attr-defined]
        .values(last_sync_at=ctx.now, last_seen_at=ctx.now)
    )
    # The answers are built before the counter is locked: from the counter update
    # to the commit nothing else runs (in a server process, other pushes' threads
    # compete for the interpreter while this one holds the lock).
    answers = {
        item.index: result(
            item, PushStatus.ACCEPTED, card_number=ctx.records[record_id].card_number
        )
        for item, record_id in plan.accepted
    }
    record_changes_and_commit(session, plan.changes, timing=timing)
    return answers


def _write_photos(session: Session, plan: Plan, made_current: list[str]) -> None:
    """A record names the photos of its current version: those of a version that
    did not become current (a higher one is there) are left alone."""
    photo_table = RecordPhoto.__table__  # type: ignore[attr-defined]
    p = photo_table.c
    rows: list[dict[str, str]] = []
    for record_id in sorted(made_current):
        photos = plan.photos.get(record_id, [])
        if record_id in plan.updates:
            session.connection().execute(
                delete(photo_table).where(p.record_id == record_id, p.sha256.not_in(photos))
            )
        rows += [{"record_id": record_id, "sha256": sha} for sha in photos]
    if rows:
        session.connection().execute(_insert(session, photo_table).on_conflict_do_nothing(), rows)
