"""Deciding a pushed batch: each record's verdict and the rows it makes, in memory.

The decision reads only what was committed when the push began (the records and
versions of the batch's ids) and never writes. It is safe to make it without any
lock because every way a concurrent push could make it wrong is caught when the
rows are written (push_write.py): a record or version that someone else inserted
in the meantime makes the insert come back short and the batch is decided again;
a higher version that someone else made current makes the conditional update
change nothing. Yellow-card numbers are the one thing that needs a lock of its
own; they are left open here and filled in by the writer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sync_protocol import ErrorCode, PushStatus
from sync_protocol.records import KIND_THEMES, PUSH_PRIORITY, GeleKaart
from sync_server.services.changes import AUDIENCE_OWNER, PendingChange
from sync_server.services.localtime import local_fields
from sync_server.services.pseudonyms import next_step, youth_pseudonym
from sync_server.services.push_validate import Valid

NOT_OWNER_MESSAGE = "Dit record is van een andere handhaver."
CONFLICT_MESSAGE = "Er staat al een andere versie van dit record op de server."
DISTRICT_NOT_ALLOWED_MESSAGE = (
    "Deze focuslocatie ligt buiten jouw stadsdeel. Kies een focuslocatie in je eigen stadsdeel."
)


@dataclass
class Known:
    """What is known of one record: its committed row as read, then this batch's
    own changes to it."""

    kind: str
    owner_user_id: int
    version: int
    payload: dict[str, Any]
    district_code: str
    card_number: int | None
    committed: bool  # the row exists in the database (update) or is the batch's (insert)


@dataclass
class KnownVersion:
    content_hash: str
    payload: dict[str, Any]


@dataclass
class Context:
    """What the decision reads from the database, once per push."""

    user_id: int
    device_id: str
    districts: list[str]
    themes: set[str]
    hotspot_districts: dict[str, str]
    records: dict[str, Known]
    versions: dict[tuple[str, int], KnownVersion]
    now: datetime
    # The district of each district action a record in the batch names.
    wijkactie_districts: dict[str, str] = field(default_factory=dict)


@dataclass
class NewCard:
    """A new yellow card waiting for its number: the youth's n-th card in this batch."""

    record_id: str
    pseudonym: str
    nth_in_batch: int


# One record's verdict before it is typed (the fields of PushItemResult).
Verdict = dict[str, Any]


@dataclass
class Plan:
    """Everything the writer writes, and the answers once the card numbers are known."""

    inserts: dict[str, dict[str, Any]] = field(default_factory=dict)  # new records
    updates: dict[str, dict[str, Any]] = field(default_factory=dict)  # a higher version
    photos: dict[str, list[str]] = field(default_factory=dict)  # of the version made current
    versions: list[dict[str, Any]] = field(default_factory=list)
    changes: list[PendingChange] = field(default_factory=list)
    cards: list[NewCard] = field(default_factory=list)
    accepted: list[tuple[Valid, str]] = field(default_factory=list)  # answered after numbering
    results: dict[int, Verdict] = field(default_factory=dict)


def result(
    item: Valid,
    status: PushStatus,
    *,
    card_number: int | None = None,
    code: ErrorCode | None = None,
    message: str | None = None,
    server_copy: dict[str, Any] | None = None,
) -> Verdict:
    outcome: dict[str, Any] = {}
    if card_number is not None:
        outcome = {"card_number": card_number, "next_step": next_step(card_number)}
    # A plain dict: push.py types a batch's verdicts in one validator call, which
    # is several times faster than building 500 models one by one in Python.
    return {
        "index": item.index,
        "id": item.id,
        "version": item.version,
        "status": status,
        "code": code,
        "message": message,
        "server_copy": server_copy,
        "outcome": outcome,
    }


def _reject(plan: Plan, item: Valid, code: ErrorCode, message: str) -> None:
    plan.results[item.index] = result(item, PushStatus.REJECTED, code=code, message=message)


def current_columns(payload: Any, district: str, theme: str | None) -> dict[str, Any]:
    """The record row's columns that follow from the version made current: what
    the review, indicators, hot spots and hot times read and group by. The
    nearest hotspot for a log with only coordinates is filled in by the writer."""
    observed = payload.observed_at.astimezone(UTC)
    fields = local_fields(observed)
    action = getattr(payload, "action", None)
    feit = getattr(payload, "feit", None)
    return {
        "theme_code": theme,
        "hotspot_code": payload.hotspot,
        "district_code": district,
        "lat": payload.location.lat if payload.location else None,
        "lon": payload.location.lon if payload.location else None,
        "observed_at": observed,
        "action": action.value if action is not None else None,
        "feit": feit.value if feit is not None else None,
        "local_date": fields.local_date,
        "local_year": fields.local_year,
        "local_month": fields.local_month,
        "weekday": fields.weekday,
        "hour": fields.hour,
        "assigned_hotspot_code": payload.hotspot,
        "wijkactie_id": payload.wijkactie,
    }


def decide(ctx: Context, valid: list[Valid], key: bytes) -> Plan:
    """Every valid record's verdict, in the order the protocol gives (incidents
    first, then as sent), as if each were written before the next is decided."""
    plan = Plan()
    for item in sorted(valid, key=lambda v: (PUSH_PRIORITY[v.kind], v.index)):
        _decide_one(ctx, plan, item, key)
    return plan


def _decide_one(ctx: Context, plan: Plan, item: Valid, key: bytes) -> None:
    payload = item.payload
    known = ctx.records.get(item.id)
    if known is not None and known.owner_user_id != ctx.user_id:
        _reject(plan, item, ErrorCode.NOT_OWNER, NOT_OWNER_MESSAGE)
        return
    existing = ctx.versions.get((item.id, item.version))
    if existing is not None or (known is not None and known.kind != item.kind.value):
        if existing is not None and existing.content_hash == item.digest:
            card = known.card_number if known is not None else None
            plan.results[item.index] = result(item, PushStatus.ACCEPTED, card_number=card)
        else:
            copy = existing.payload if existing is not None else known.payload  # type: ignore[union-attr]
            plan.results[item.index] = result(
                item,
                PushStatus.CONFLICT,
                code=ErrorCode.CONFLICT,
                message=CONFLICT_MESSAGE,
                server_copy={
                    "id": item.id,
                    "kind": known.kind if known else item.kind.value,
                    "version": item.version,
                    "payload": copy,
                },
            )
        return
    theme = getattr(payload, "theme", None) or KIND_THEMES[item.kind]
    if getattr(payload, "theme", None) and theme not in ctx.themes:
        _reject(plan, item, ErrorCode.UNKNOWN_THEME, "Onbekend thema.")
        return
    if payload.hotspot and payload.hotspot not in ctx.hotspot_districts:
        _reject(plan, item, ErrorCode.UNKNOWN_HOTSPOT, "Onbekende focuslocatie.")
        return
    district = ctx.hotspot_districts.get(payload.hotspot) if payload.hotspot else None
    if district is not None and district not in ctx.districts:
        # The district rule (README, sync contract): a log is filed in its hotspot's
        # district, so a hotspot outside the officer's districts would put it in
        # another team's review queue and indicators.
        _reject(plan, item, ErrorCode.DISTRICT_NOT_ALLOWED, DISTRICT_NOT_ALLOWED_MESSAGE)
        return
    district = district or (ctx.districts[0] if ctx.districts else None)
    if district is None:
        _reject(
            plan,
            item,
            ErrorCode.INVALID_RECORD,
            "Kies een focuslocatie: dit account hoort bij geen stadsdeel.",
        )
        return
    if payload.wijkactie and ctx.wijkactie_districts.get(payload.wijkactie) != district:
        # An action of another district would count this log in another team's results.
        _reject(plan, item, ErrorCode.UNKNOWN_WIJKACTIE, "Onbekende wijkactie voor dit stadsdeel.")
        return
    pseudonym = None
    if isinstance(payload, GeleKaart) and payload.jongere is not None:
        pseudonym = youth_pseudonym(
            key, naam=payload.jongere.naam, geboortedatum=payload.jongere.geboortedatum
        )
    if known is None:
        if isinstance(payload, GeleKaart) and pseudonym is None:
            _reject(
                plan,
                item,
                ErrorCode.INVALID_RECORD,
                "jongere: naam en geboortedatum zijn nodig bij een nieuwe gele kaart.",
            )
            return
        known = Known(item.kind.value, ctx.user_id, 0, item.stored, district, None, False)
        ctx.records[item.id] = known
        plan.inserts[item.id] = {
            "id": item.id,
            "kind": item.kind.value,
            "owner_user_id": ctx.user_id,
            "device_id": ctx.device_id,
            "youth_pseudonym": pseudonym,
            "card_number": None,  # numbered by the writer, under a lock
            "review_state": "nieuw",
            "review_remark": None,
            "is_demo": False,
            "received_at": ctx.now,
        }
        if pseudonym is not None:
            nth = 1 + sum(1 for card in plan.cards if card.pseudonym == pseudonym)
            plan.cards.append(NewCard(item.id, pseudonym, nth))
    if item.version > known.version:
        known.version = item.version
        known.payload = item.stored
        known.district_code = district
        columns = current_columns(payload, district, theme)
        columns.update(version=item.version, payload=item.stored, updated_at=ctx.now)
        if pseudonym is not None:
            columns["youth_pseudonym"] = pseudonym
        if known.committed:
            plan.updates[item.id] = columns
        else:
            plan.inserts[item.id].update(columns)
        plan.photos[item.id] = sorted(set(getattr(payload, "photos", [])))
    ctx.versions[(item.id, item.version)] = KnownVersion(item.digest, item.stored)
    plan.versions.append(
        {
            "record_id": item.id,
            "version": item.version,
            "content_hash": item.digest,
            "payload": item.stored,
            "device_id": ctx.device_id,
            "received_at": ctx.now,
        }
    )
    plan.changes.append(
        PendingChange("record", item.id, "upsert", AUDIENCE_OWNER, known.district_code, ctx.user_id)
    )
    plan.accepted.append((item, item.id))
