"""Receiving a batch of records from a phone.

Properties (sync-protocol.md): a re-sent record is harmless (accepted again, with
the same outcome); the same id and version with other content is a conflict and
the server's copy goes back; an invalid record is rejected with a reason while
the rest of the batch lands; nothing is half-written.

How: every item is validated before the database is touched. The valid ones are
written in one transaction, which ends by stamping their change numbers. If a
concurrent push of the same ids wins the race (unique key), the transaction is
rolled back whole and the batch is decided again against what is now committed,
where the other push's rows make these re-sends.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from datetime import UTC
from typing import Any

from pydantic import ValidationError
from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlmodel import Session, col, func, select

from sync_protocol import ErrorCode, PushItemResult, PushStatus, RecordEnvelope, RecordKind
from sync_protocol.records import (
    KIND_THEMES,
    PUSH_PRIORITY,
    GeleKaart,
    Jongere,
    validate_payload,
)
from sync_server.db import session_scope, utcnow
from sync_server.errors import ServiceError
from sync_server.models import Device, Hotspot, Record, RecordPhoto, RecordVersion, Theme, User
from sync_server.services.changes import (
    AUDIENCE_OWNER,
    PendingChange,
    lock_change_log,
    record_changes,
)
from sync_server.services.geo import Spot, nearest
from sync_server.services.localtime import local_fields
from sync_server.services.pseudonyms import keyed_content_hash, next_step, youth_pseudonym

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 5
DEFAULT_NEAREST_HOTSPOT_M = 250.0


@dataclass
class _Valid:
    index: int
    envelope: RecordEnvelope
    kind: RecordKind
    payload: Any  # the validated payload model
    stored: dict[str, Any]  # what is kept: the payload without the youth's identity
    digest: str


def _rejected(index: int, item: Any, code: ErrorCode, message: str) -> PushItemResult:
    record_id = item.get("id") if isinstance(item, dict) else None
    version = item.get("version") if isinstance(item, dict) else None
    return PushItemResult(
        index=index,
        id=record_id if isinstance(record_id, str) and len(record_id) <= 36 else None,
        version=version if isinstance(version, int) and not isinstance(version, bool) else None,
        status=PushStatus.REJECTED,
        code=code,
        message=message,
    )


# A field name the client sent is only repeated back if it looks like one: an
# unknown key is client data too, and could be a youth's name put in the wrong place.
_FIELD_NAME = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
_JONGERE_FIELDS = frozenset(Jongere.model_fields)


def _where(loc: tuple[int | str, ...]) -> str:
    parts: list[str] = []
    for part in loc:
        if isinstance(part, int):
            parts.append(str(part))
        elif part in _JONGERE_FIELDS or (
            _FIELD_NAME.fullmatch(part) and not (parts and parts[0] == "jongere")
        ):
            parts.append(part)
        else:
            parts.append("(onbekend veld)")
    return ".".join(parts) or "record"


def _describe(error: ValidationError) -> str:
    """A short, readable list of what is wrong, never echoing the submitted values
    (they may hold a youth's name)."""
    parts = []
    for problem in error.errors(include_input=False, include_url=False)[:5]:
        parts.append(f"{_where(problem['loc'])}: {problem['msg']}")
    return "; ".join(parts)


def _validate_item(index: int, item: Any, key: bytes) -> _Valid | PushItemResult:
    try:
        envelope = RecordEnvelope.model_validate(item)
    except ValidationError as exc:
        return _rejected(index, item, ErrorCode.INVALID_RECORD, _describe(exc))
    try:
        kind = RecordKind(envelope.kind)
    except ValueError:
        # The unknown value itself is not repeated: it is whatever the client sent.
        return _rejected(
            index,
            item,
            ErrorCode.UNKNOWN_KIND,
            "Onbekend soort record; bekend zijn: " + ", ".join(k.value for k in RecordKind) + ".",
        )
    try:
        payload = validate_payload(kind, envelope.payload)
    except ValidationError as exc:
        return _rejected(index, item, ErrorCode.INVALID_RECORD, _describe(exc))
    full = payload.model_dump(mode="json")
    canonical = json.dumps(
        {"kind": kind.value, "payload": full}, sort_keys=True, separators=(",", ":")
    )
    stored = {k: v for k, v in full.items() if k != "jongere"}
    return _Valid(index, envelope, kind, payload, stored, keyed_content_hash(key, canonical))


def push_records(
    engine: Engine,
    *,
    user: User,
    device: Device,
    districts: list[str],
    items: list[Any],
    key: bytes,
    max_batch: int,
    nearest_hotspot_m: float = DEFAULT_NEAREST_HOTSPOT_M,
) -> list[PushItemResult]:
    if len(items) > max_batch:
        raise ServiceError(
            ErrorCode.BATCH_TOO_LARGE,
            f"Te veel records in één keer ({len(items)}); maximaal {max_batch} per verzoek.",
        )
    results: dict[int, PushItemResult] = {}
    valid: list[_Valid] = []
    for index, item in enumerate(items):
        checked = _validate_item(index, item, key)
        if isinstance(checked, PushItemResult):
            results[index] = checked
        else:
            valid.append(checked)
    valid.sort(key=lambda v: (PUSH_PRIORITY[v.kind], v.index))

    for attempt in range(1, MAX_ATTEMPTS + 1):
        try:
            with session_scope(engine) as session:
                decided = _write(session, user, device, districts, valid, key, nearest_hotspot_m)
            break
        except (IntegrityError, OperationalError) as exc:
            # A concurrent push of the same ids, or a deadlock/serialisation
            # failure on PostgreSQL: nothing of ours was written; decide again.
            if attempt == MAX_ATTEMPTS:
                raise
            log.info("push retry %d after %s", attempt, type(exc).__name__)
    results.update(decided)
    return [results[i] for i in sorted(results)]


def _write(
    session: Session,
    user: User,
    device: Device,
    districts: list[str],
    valid: list[_Valid],
    key: bytes,
    nearest_hotspot_m: float = DEFAULT_NEAREST_HOTSPOT_M,
) -> dict[int, PushItemResult]:
    assert user.id is not None
    results: dict[int, PushItemResult] = {}
    if not valid:
        return results
    theme_codes = set(session.exec(select(Theme.code)).all())
    hotspot_districts = dict(session.exec(select(Hotspot.code, Hotspot.district_code)).all())
    ids = list({v.envelope.id for v in valid})
    # Versions first, records second. On PostgreSQL (READ COMMITTED) each statement
    # sees what was committed when it started, and a concurrent push of the same
    # batch can commit in between; a record is committed together with its
    # versions, so reading in this order never finds a version without its record
    # (which would answer a re-sent yellow card without its card number).
    versions = {
        (v.record_id, v.version): v
        for v in session.exec(select(RecordVersion).where(col(RecordVersion.record_id).in_(ids)))
    }
    records = {r.id: r for r in session.exec(select(Record).where(col(Record.id).in_(ids)))}
    if any((v.envelope.id, v.envelope.version) not in versions for v in valid):
        # Something to write: take the change-log lock before the first write, not
        # just at the end. Counting a youth's earlier cards is only right while
        # nobody else adds one; and two pushes writing the same records (a re-sent
        # batch, the manual and the nightly sync) in other orders, or one that took
        # this lock first and one that wrote rows first, would wait for each other:
        # a deadlock on PostgreSQL (tests/server/test_concurrency.py).
        lock_change_log(session)

    changes: list[PendingChange] = []
    spots: list[Spot] = []  # loaded on first need: most logs name their hotspot
    now = utcnow()
    for item in valid:
        env, payload = item.envelope, item.payload
        record = records.get(env.id)
        if record is not None and record.owner_user_id != user.id:
            results[item.index] = _result(
                item,
                PushStatus.REJECTED,
                code=ErrorCode.NOT_OWNER,
                message="Dit record is van een andere handhaver.",
            )
            continue
        existing = versions.get((env.id, env.version))
        if existing is not None or (record is not None and record.kind != item.kind.value):
            if existing is not None and existing.content_hash == item.digest:
                results[item.index] = _result(item, PushStatus.ACCEPTED, record=record)
            else:
                copy = existing.payload if existing is not None else record.payload  # type: ignore[union-attr]
                results[item.index] = _result(
                    item,
                    PushStatus.CONFLICT,
                    code=ErrorCode.CONFLICT,
                    message="Er staat al een andere versie van dit record op de server.",
                    server_copy={
                        "id": env.id,
                        "kind": record.kind if record else item.kind.value,
                        "version": env.version,
                        "payload": copy,
                    },
                )
            continue
        theme = getattr(payload, "theme", None) or KIND_THEMES[item.kind]
        if getattr(payload, "theme", None) and theme not in theme_codes:
            results[item.index] = _result(
                item,
                PushStatus.REJECTED,
                code=ErrorCode.UNKNOWN_THEME,
                message=f"Onbekend thema '{theme}'.",
            )
            continue
        if payload.hotspot and payload.hotspot not in hotspot_districts:
            results[item.index] = _result(
                item,
                PushStatus.REJECTED,
                code=ErrorCode.UNKNOWN_HOTSPOT,
                message=f"Onbekende focuslocatie '{payload.hotspot}'.",
            )
            continue
        district = hotspot_districts.get(payload.hotspot) if payload.hotspot else None
        district = district or (districts[0] if districts else None)
        if district is None:
            results[item.index] = _result(
                item,
                PushStatus.REJECTED,
                code=ErrorCode.INVALID_RECORD,
                message="Kies een focuslocatie: dit account hoort bij geen stadsdeel.",
            )
            continue
        pseudonym = None
        if isinstance(payload, GeleKaart) and payload.jongere is not None:
            pseudonym = youth_pseudonym(
                key, naam=payload.jongere.naam, geboortedatum=payload.jongere.geboortedatum
            )
        created = record is None
        if record is None:
            if isinstance(payload, GeleKaart) and pseudonym is None:
                results[item.index] = _result(
                    item,
                    PushStatus.REJECTED,
                    code=ErrorCode.INVALID_RECORD,
                    message=(
                        "jongere: naam en geboortedatum zijn nodig bij een nieuwe gele kaart."
                    ),
                )
                continue
            card_number = None
            if pseudonym is not None:
                # Counts the committed cards and those this batch already wrote
                # (flushed in this transaction), so never add the batch's own again.
                earlier = session.exec(
                    select(func.count())
                    .select_from(Record)
                    .where(
                        Record.youth_pseudonym == pseudonym,
                        Record.kind == RecordKind.GELE_KAART.value,
                    )
                ).one()
                card_number = int(earlier) + 1
            record = Record(
                id=env.id,
                kind=item.kind.value,
                owner_user_id=user.id,
                device_id=device.id,
                district_code=district,
                version=0,
                observed_at=now,
                received_at=now,
                updated_at=now,
                youth_pseudonym=pseudonym,
                card_number=card_number,
            )
            records[env.id] = record
        if env.version > record.version:
            observed = payload.observed_at.astimezone(UTC)
            record.version = env.version
            record.payload = item.stored
            record.theme_code = theme
            record.hotspot_code = payload.hotspot
            record.district_code = district
            record.lat = payload.location.lat if payload.location else None
            record.lon = payload.location.lon if payload.location else None
            record.observed_at = observed
            record.updated_at = now
            if record.review_state == "terug_naar_handhaver":
                # The officer answered the team leader with a correction: review again.
                record.review_state = "nieuw"
            _derive(record, payload, session, nearest_hotspot_m, spots)
            if pseudonym is not None:
                record.youth_pseudonym = pseudonym
            session.add(record)
            # No flush per record: the whole batch is flushed at the end, and any
            # query before that (earlier cards, old photos) autoflushes first. With
            # no relationships between them, the unit of work inserts mappers in
            # name order: Record before RecordPhoto and RecordVersion (their FKs).
            photos = set(getattr(payload, "photos", []))
            if not created:  # a record made just now has no photos to replace
                for old in session.exec(select(RecordPhoto).where(RecordPhoto.record_id == env.id)):
                    if old.sha256 not in photos:
                        session.delete(old)
                    photos.discard(old.sha256)
            session.add_all(RecordPhoto(record_id=env.id, sha256=sha) for sha in sorted(photos))
        version_row = RecordVersion(
            record_id=env.id,
            version=env.version,
            content_hash=item.digest,
            payload=item.stored,
            device_id=device.id,
            received_at=now,
        )
        session.add(version_row)
        versions[(env.id, env.version)] = version_row
        changes.append(
            PendingChange("record", env.id, "upsert", AUDIENCE_OWNER, record.district_code, user.id)
        )
        results[item.index] = _result(item, PushStatus.ACCEPTED, record=record)
    session.flush()
    # By key, not session.add(device): the caller's Device is from another
    # session, and a rolled-back attempt would expire it, failing the retry.
    session.execute(
        update(Device).where(col(Device.id) == device.id).values(last_sync_at=now, last_seen_at=now)
    )
    record_changes(session, changes)
    return results


def hotspot_spots(session: Session) -> list[Spot]:
    """The live hotspots that have a location, for the nearest-hotspot rule."""
    rows = session.exec(
        select(Hotspot.code, Hotspot.district_code, Hotspot.lat, Hotspot.lon).where(
            col(Hotspot.retired).is_(False)
        )
    ).all()
    return [Spot(c, d, lat, lon) for c, d, lat, lon in rows if lat is not None and lon is not None]


def _derive(
    record: Record, payload: Any, session: Session, max_m: float, spots: list[Spot]
) -> None:
    """Fill the derived columns from the version that just became current: what
    the indicators, hot spots and hot times group by."""
    fields = local_fields(record.observed_at)
    record.local_date = fields.local_date
    record.local_year = fields.local_year
    record.local_month = fields.local_month
    record.weekday = fields.weekday
    record.hour = fields.hour
    action = getattr(payload, "action", None)
    feit = getattr(payload, "feit", None)
    record.action = action.value if action is not None else None
    record.feit = feit.value if feit is not None else None
    if record.hotspot_code is not None:
        record.assigned_hotspot_code = record.hotspot_code
    elif record.lat is not None and record.lon is not None:
        if not spots:
            spots.extend(hotspot_spots(session))
        record.assigned_hotspot_code = nearest(
            spots, district=record.district_code, lat=record.lat, lon=record.lon, max_m=max_m
        )
    else:
        record.assigned_hotspot_code = None


def _result(
    item: _Valid,
    status: PushStatus,
    *,
    record: Record | None = None,
    code: ErrorCode | None = None,
    message: str | None = None,
    server_copy: dict[str, Any] | None = None,
) -> PushItemResult:
    outcome: dict[str, Any] = {}
    if record is not None and record.card_number is not None:
        outcome = {"card_number": record.card_number, "next_step": next_step(record.card_number)}
    return PushItemResult(
        index=item.index,
        id=item.envelope.id,
        version=item.envelope.version,
        status=status,
        code=code,
        message=message,
        server_copy=server_copy,
        outcome=outcome,
    )
