"""The incidents board: incidents against enforcers with BOT aftercare and police
follow-up, late ones first.

An incident is late when BOT aftercare is wanted and no contact is recorded, or a
police report or notification is wanted and not made, within the configured
working days after the incident (local days in Haarlem).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict
from sqlmodel import Session, col, select

from sync_protocol import ErrorCode, RecordKind
from sync_server.db import utcnow
from sync_server.errors import ServiceError
from sync_server.models import IncidentFollowup, Record, User
from sync_server.services.localtime import add_working_days, local_today
from sync_server.services.record_access import username, visible_record
from sync_server.services.scope import Scope

FollowupKind = Literal["bot_contact", "melding_gedaan", "aangifte_gedaan"]
_Date = date
FOLLOWUP_LABELS = {
    "bot_contact": "BOT-contact gehad",
    "melding_gedaan": "melding gedaan",
    "aangifte_gedaan": "aangifte gedaan",
}


class FollowupOut(BaseModel):
    kind: str
    label: str
    on_date: date
    by: str
    recorded_at: datetime


class IncidentItem(BaseModel):
    id: str
    district: str
    hotspot: str | None
    observed_at: datetime
    local_date: date
    types: list[str]
    injured: bool
    bodycam_on: bool
    footage_secured: bool
    review_state: str
    bot_gewenst: bool
    bot_contact_on: date | None
    bot_due: date | None
    bot_overdue: bool
    politie: str  # as logged by the officer
    politie_status: str  # with the follow-up recorded since
    politie_due: date | None
    politie_overdue: bool
    overdue: bool
    is_demo: bool


class IncidentBoard(BaseModel):
    scope: dict[str, Any]
    today: date
    working_days: int
    open: int
    overdue: int
    items: list[IncidentItem]


class FollowupIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: FollowupKind
    # The day it happened; without one, today in Haarlem (not the caller's clock,
    # which may be in another time zone or wrong).
    date: _Date | None = None


def followups(session: Session, record_id: str, names: dict[int, str]) -> list[FollowupOut]:
    rows = session.exec(
        select(IncidentFollowup)
        .where(IncidentFollowup.record_id == record_id)
        .order_by(col(IncidentFollowup.on_date), col(IncidentFollowup.id))
    ).all()
    return [
        FollowupOut(
            kind=r.kind,
            label=FOLLOWUP_LABELS.get(r.kind, r.kind),
            on_date=r.on_date,
            by=username(session, r.user_id, names),
            recorded_at=r.recorded_at,
        )
        for r in rows
    ]


def _incident_item(
    record: Record, done: dict[str, date], today: date, working_days: int
) -> IncidentItem:
    payload = record.payload
    due = add_working_days(record.local_date, working_days)
    bot_wanted = bool(payload.get("bot_gewenst"))
    bot_on = done.get("bot_contact")
    politie = str(payload.get("politie", "geen"))
    if "aangifte_gedaan" in done or politie == "aangifte_gedaan":
        status = "aangifte_gedaan"
    elif politie == "aangifte_gewenst":
        status = "aangifte_gewenst"
    elif "melding_gedaan" in done or politie == "melding_gedaan":
        status = "melding_gedaan"
    else:
        status = politie
    politie_open = status in ("aangifte_gewenst", "melding_gewenst")
    bot_overdue = bot_wanted and bot_on is None and today > due
    politie_overdue = politie_open and today > due
    return IncidentItem(
        id=record.id,
        district=record.district_code,
        hotspot=record.assigned_hotspot_code,
        observed_at=record.observed_at,
        local_date=record.local_date,
        types=list(payload.get("types", [])),
        injured=bool(payload.get("injured")),
        bodycam_on=bool(payload.get("bodycam_on")),
        footage_secured=bool(payload.get("footage_secured")),
        review_state=record.review_state,
        bot_gewenst=bot_wanted,
        bot_contact_on=bot_on,
        bot_due=due if bot_wanted and bot_on is None else None,
        bot_overdue=bot_overdue,
        politie=politie,
        politie_status=status,
        politie_due=due if politie_open else None,
        politie_overdue=politie_overdue,
        overdue=bot_overdue or politie_overdue,
        is_demo=record.is_demo,
    )


def _done(session: Session, ids: list[str]) -> dict[str, dict[str, date]]:
    done: dict[str, dict[str, date]] = {}
    if not ids:
        return done
    for row in session.exec(
        select(IncidentFollowup).where(col(IncidentFollowup.record_id).in_(ids))
    ).all():
        kinds = done.setdefault(row.record_id, {})
        kinds[row.kind] = min(kinds.get(row.kind, row.on_date), row.on_date)
    return done


def incident_board(
    session: Session,
    scope: Scope,
    *,
    working_days: int,
    date_from: date | None = None,
    date_to: date | None = None,
    open_only: bool = False,
    now: datetime | None = None,
) -> IncidentBoard:
    """Incidents of the caller's districts with aftercare and police follow-up;
    those past their due date come first."""
    where: list[Any] = [col(Record.kind) == RecordKind.INCIDENT.value]
    if (district := scope.where(Record.district_code)) is not None:
        where.append(district)
    if date_from is not None:
        where.append(col(Record.local_date) >= date_from)
    if date_to is not None:
        where.append(col(Record.local_date) <= date_to)
    records = session.exec(
        select(Record).where(*where).order_by(col(Record.observed_at).desc()).limit(2000)
    ).all()
    done = _done(session, [r.id for r in records])
    today = local_today(now)
    items = [_incident_item(r, done.get(r.id, {}), today, working_days) for r in records]
    open_items = [
        i
        for i in items
        if (i.bot_gewenst and i.bot_contact_on is None)
        or i.politie_status in ("aangifte_gewenst", "melding_gewenst")
    ]
    if open_only:
        items = open_items
    items.sort(key=lambda i: (not i.overdue, -i.observed_at.timestamp()))
    return IncidentBoard(
        scope=scope.describe(),
        today=today,
        working_days=working_days,
        open=len(open_items),
        overdue=sum(1 for i in items if i.overdue),
        items=items,
    )


def add_followup(
    session: Session,
    scope: Scope,
    user: User,
    record_id: str,
    body: FollowupIn,
    *,
    working_days: int,
    now: datetime | None = None,
) -> IncidentItem:
    assert user.id is not None
    record = visible_record(session, scope, record_id)
    if record.kind != RecordKind.INCIDENT.value:
        raise ServiceError(ErrorCode.NOT_FOUND, "Dit is geen incident.")
    today = local_today(now)
    day = body.date or today
    if day > today:
        raise ServiceError(ErrorCode.INVALID_REQUEST, "De datum ligt in de toekomst.")
    if day < record.local_date:
        raise ServiceError(ErrorCode.INVALID_REQUEST, "De datum ligt vóór het incident.")
    session.add(
        IncidentFollowup(
            record_id=record.id,
            kind=body.kind,
            on_date=day,
            user_id=user.id,
            recorded_at=utcnow(),
        )
    )
    session.flush()
    return _incident_item(
        record, _done(session, [record.id]).get(record.id, {}), today, working_days
    )
