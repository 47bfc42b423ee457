"""Team leaders' review of the logs of their districts.

The list and the CSV export carry no personal data: no youth pseudonym, no
free text (note, description, place, address), no names in the export. The
detail has everything, and reading it is written to the audit log. A review
decision is stored on the record and as a change for its owner, so the
officer's phone receives the state and remark on its next pull.
"""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, timedelta
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from sqlmodel import Session, col, func, select

from sync_protocol import ErrorCode, RecordKind
from sync_protocol.text import IsoDate
from sync_server.db import utcnow
from sync_server.errors import ServiceError
from sync_server.models import (
    Blob,
    Hotspot,
    IncidentFollowup,
    Record,
    RecordPhoto,
    RecordVersion,
    ReviewEvent,
    SavedFilter,
    Theme,
    User,
    UserDistrict,
)
from sync_server.models.changes import AUDIENCE_OWNER
from sync_server.models.records import REVIEW_STATES
from sync_server.services.audit import safe_cell
from sync_server.services.changes import PendingChange, record_changes
from sync_server.services.localtime import WEEKDAYS, add_working_days, local_today
from sync_server.services.scope import Scope

ReviewState = Literal["nieuw", "beoordeeld", "terug_naar_handhaver", "afgesloten"]
FollowupKind = Literal["bot_contact", "melding_gedaan", "aangifte_gedaan"]
KindCode = Literal[
    "waarneming",
    "gele_kaart",
    "incident",
    "adrescontrole",
    "signaal_ondermijning",
    "integrale_controle",
]
Code = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{0,119}$")]
_Date = date
MAX_EXPORT_ROWS = 50_000
FOLLOWUP_LABELS = {
    "bot_contact": "BOT-contact gehad",
    "melding_gedaan": "melding gedaan",
    "aangifte_gedaan": "aangifte gedaan",
}


class ReviewFilter(BaseModel):
    """What a review list, a saved filter and an export select."""

    model_config = ConfigDict(extra="forbid")

    district: Code | None = None
    kind: KindCode | None = None
    theme: Code | None = None
    hotspot: Code | None = None
    officer: int | None = Field(default=None, ge=1, le=2**31 - 1)
    state: ReviewState | None = None
    # The same bounds as the query's days (sync_server.api.limits): a saved
    # filter must work when it is used.
    date_from: IsoDate | None = Field(default=None, ge=date(2000, 1, 1), le=date(2100, 12, 31))
    date_to: IsoDate | None = Field(default=None, ge=date(2000, 1, 1), le=date(2100, 12, 31))
    # Relative to today, so that a saved filter "laatste 4 weken" stays recent.
    last_days: int | None = Field(default=None, ge=1, le=3660)


class ReviewItem(BaseModel):
    """A log in the review list: no youth pseudonym, no free text."""

    id: str
    kind: str
    district: str
    theme: str | None
    hotspot: str | None
    assigned_hotspot: str | None
    observed_at: datetime
    local_date: date
    weekday: int
    hour: int
    action: str | None
    feit: str | None
    review_state: str
    version: int
    officer_id: int
    officer_name: str
    photos: int
    card_number: int | None
    is_demo: bool
    received_at: datetime


class ReviewPage(BaseModel):
    total: int
    limit: int
    offset: int
    items: list[ReviewItem]


class PhotoOut(BaseModel):
    sha256: str
    received: bool  # the photo itself has arrived (it is uploaded apart from the record)
    content_type: str | None
    size: int | None


class VersionOut(BaseModel):
    version: int
    received_at: datetime
    device_id: str
    payload: dict[str, Any]


class ReviewEventOut(BaseModel):
    state: str
    remark: str | None
    by: str
    at: datetime


class FollowupOut(BaseModel):
    kind: str
    label: str
    on_date: date
    by: str
    recorded_at: datetime


class ReviewDetail(ReviewItem):
    payload: dict[str, Any]
    lat: float | None
    lon: float | None
    review_remark: str | None
    youth_pseudonym: str | None
    photo_files: list[PhotoOut]
    versions: list[VersionOut]
    reviews: list[ReviewEventOut]
    followups: list[FollowupOut]


# ---------------------------------------------------------------- list and detail


def check_filter(session: Session, scope: Scope, flt: ReviewFilter) -> None:
    if flt.theme is not None and session.get(Theme, flt.theme) is None:
        raise ServiceError(ErrorCode.INVALID_REQUEST, "Onbekend thema.")
    if flt.hotspot is not None and session.get(Hotspot, flt.hotspot) is None:
        raise ServiceError(ErrorCode.INVALID_REQUEST, "Onbekende focuslocatie.")
    if flt.date_from and flt.date_to and flt.date_from > flt.date_to:
        raise ServiceError(ErrorCode.INVALID_REQUEST, "date_from ligt na date_to.")


def _conditions(scope: Scope, flt: ReviewFilter) -> list[Any]:
    where: list[Any] = []
    if (district := scope.where(Record.district_code)) is not None:
        where.append(district)
    if flt.kind is not None:
        where.append(col(Record.kind) == flt.kind)
    if flt.theme is not None:
        where.append(col(Record.theme_code) == flt.theme)
    if flt.hotspot is not None:
        where.append(col(Record.assigned_hotspot_code) == flt.hotspot)
    if flt.officer is not None:
        where.append(col(Record.owner_user_id) == flt.officer)
    if flt.state is not None:
        where.append(col(Record.review_state) == flt.state)
    if flt.date_from is not None:
        where.append(col(Record.local_date) >= flt.date_from)
    if flt.date_to is not None:
        where.append(col(Record.local_date) <= flt.date_to)
    if flt.last_days is not None:
        where.append(col(Record.local_date) > local_today() - timedelta(days=flt.last_days))
    return where


def _photo_counts(session: Session, ids: list[str]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for start in range(0, len(ids), 1000):  # bounded IN lists for long exports
        rows = session.exec(
            select(col(RecordPhoto.record_id), func.count())
            .where(col(RecordPhoto.record_id).in_(ids[start : start + 1000]))
            .group_by(col(RecordPhoto.record_id))
        ).all()
        counts.update((record_id, int(n)) for record_id, n in rows)
    return counts


def _item(record: Record, officer_name: str, photos: int) -> ReviewItem:
    return ReviewItem(
        id=record.id,
        kind=record.kind,
        district=record.district_code,
        theme=record.theme_code,
        hotspot=record.hotspot_code,
        assigned_hotspot=record.assigned_hotspot_code,
        observed_at=record.observed_at,
        local_date=record.local_date,
        weekday=record.weekday,
        hour=record.hour,
        action=record.action,
        feit=record.feit,
        review_state=record.review_state,
        version=record.version,
        officer_id=record.owner_user_id,
        officer_name=officer_name,
        photos=photos,
        card_number=record.card_number,
        is_demo=record.is_demo,
        received_at=record.received_at,
    )


def list_records(
    session: Session, scope: Scope, flt: ReviewFilter, *, limit: int, offset: int
) -> ReviewPage:
    check_filter(session, scope, flt)
    where = _conditions(scope, flt)
    total = session.exec(select(func.count()).select_from(Record).where(*where)).one()
    rows = session.exec(
        select(Record, User.display_name)
        .join(User, col(User.id) == col(Record.owner_user_id))
        .where(*where)
        .order_by(col(Record.observed_at).desc(), col(Record.id))
        .limit(limit)
        .offset(offset)
    ).all()
    photos = _photo_counts(session, [r.id for r, _ in rows])
    return ReviewPage(
        total=int(total),
        limit=limit,
        offset=offset,
        items=[_item(r, name, photos.get(r.id, 0)) for r, name in rows],
    )


def visible_record(session: Session, scope: Scope, record_id: str) -> Record:
    """The record if the caller may see it; otherwise the same 404 as for one that
    does not exist, so that ids of other districts cannot be probed."""
    record = session.get(Record, record_id)
    if record is None or not scope.allows(record.district_code):
        raise ServiceError(ErrorCode.NOT_FOUND, "Dit record bestaat niet of valt niet onder jou.")
    return record


def _username(session: Session, user_id: int, cache: dict[int, str]) -> str:
    if user_id not in cache:
        user = session.get(User, user_id)
        cache[user_id] = user.display_name if user else str(user_id)
    return cache[user_id]


def record_detail(session: Session, scope: Scope, record_id: str) -> ReviewDetail:
    record = visible_record(session, scope, record_id)
    names: dict[int, str] = {}
    hashes = session.exec(
        select(RecordPhoto.sha256)
        .where(RecordPhoto.record_id == record.id)
        .order_by(col(RecordPhoto.sha256))
    ).all()
    blobs = {
        b.sha256: b for b in session.exec(select(Blob).where(col(Blob.sha256).in_(hashes))).all()
    }
    versions = session.exec(
        select(RecordVersion)
        .where(RecordVersion.record_id == record.id)
        .order_by(col(RecordVersion.version))
    ).all()
    reviews = session.exec(
        select(ReviewEvent).where(ReviewEvent.record_id == record.id).order_by(col(ReviewEvent.id))
    ).all()
    item = _item(record, _username(session, record.owner_user_id, names), len(hashes))
    return ReviewDetail(
        **item.model_dump(),
        payload=record.payload,
        lat=record.lat,
        lon=record.lon,
        review_remark=record.review_remark,
        youth_pseudonym=record.youth_pseudonym,
        photo_files=[
            PhotoOut(
                sha256=sha,
                received=sha in blobs,
                content_type=blobs[sha].content_type if sha in blobs else None,
                size=blobs[sha].size if sha in blobs else None,
            )
            for sha in hashes
        ],
        versions=[
            VersionOut(
                version=v.version,
                received_at=v.received_at,
                device_id=v.device_id,
                payload=v.payload,
            )
            for v in versions
        ],
        reviews=[
            ReviewEventOut(
                state=e.state, remark=e.remark, by=_username(session, e.user_id, names), at=e.at
            )
            for e in reviews
        ],
        followups=_followups(session, record.id, names),
    )


def set_review(
    session: Session,
    scope: Scope,
    reviewer: User,
    record_id: str,
    *,
    state: str,
    remark: str | None,
) -> ReviewItem:
    """Store a review decision and send it to the officer's phone (next pull)."""
    assert reviewer.id is not None
    if state not in REVIEW_STATES:
        raise ServiceError(ErrorCode.INVALID_REQUEST, "Onbekende beoordeling.")
    remark = remark.strip() if remark and remark.strip() else None
    if state == "terug_naar_handhaver" and remark is None:
        raise ServiceError(
            ErrorCode.INVALID_REQUEST,
            "Schrijf bij 'terug naar handhaver' een opmerking: wat moet de handhaver aanvullen?",
        )
    record = visible_record(session, scope, record_id)
    record.review_state = state
    record.review_remark = remark
    session.add(record)
    session.add(
        ReviewEvent(
            record_id=record.id, state=state, remark=remark, user_id=reviewer.id, at=utcnow()
        )
    )
    session.flush()
    owner = session.get(User, record.owner_user_id)
    item = _item(
        record,
        owner.display_name if owner else "",
        _photo_counts(session, [record.id]).get(record.id, 0),
    )
    # Last in the transaction: the change number is taken just before commit.
    record_changes(
        session,
        [
            PendingChange(
                "record",
                record.id,
                "upsert",
                AUDIENCE_OWNER,
                record.district_code,
                record.owner_user_id,
            )
        ],
    )
    return item


# ---------------------------------------------------------------- photos


def photo_for_review(session: Session, scope: Scope, sha256: str) -> tuple[Blob, str]:
    """A stored photo of a record the caller may see, and that record's id."""
    query = (
        select(Record.id)
        .join(RecordPhoto, col(RecordPhoto.record_id) == col(Record.id))
        .where(RecordPhoto.sha256 == sha256)
        .order_by(col(Record.id))
    )
    if (district := scope.where(Record.district_code)) is not None:
        query = query.where(district)
    record_id = session.exec(query).first()
    blob = session.get(Blob, sha256)
    if record_id is None or blob is None:
        raise ServiceError(ErrorCode.NOT_FOUND, "Deze foto bestaat niet of valt niet onder jou.")
    return blob, record_id


# ---------------------------------------------------------------- CSV export

EXPORT_COLUMNS = (
    "id",
    "soort",
    "stadsdeel",
    "thema",
    "focuslocatie",
    "datum",
    "weekdag",
    "uur",
    "actie",
    "feit",
    "beoordeling",
    "versie",
    "foto_s",
    "demo",
)


def export_csv(session: Session, scope: Scope, flt: ReviewFilter) -> tuple[str, int]:
    """What the filter shows, without personal data: no names, no pseudonyms, no
    free-text notes, and no officer (the export leaves the system)."""
    check_filter(session, scope, flt)
    rows = session.exec(
        select(Record)
        .where(*_conditions(scope, flt))
        .order_by(col(Record.observed_at), col(Record.id))
        .limit(MAX_EXPORT_ROWS)
    ).all()
    photos = _photo_counts(session, [r.id for r in rows])
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(EXPORT_COLUMNS)
    for r in rows:
        writer.writerow(
            [
                r.id,
                r.kind,
                r.district_code,
                r.theme_code or "",
                r.assigned_hotspot_code or "",
                r.local_date.isoformat(),
                WEEKDAYS[r.weekday],
                r.hour,
                r.action or "",
                r.feit or "",
                r.review_state,
                r.version,
                photos.get(r.id, 0),
                "ja" if r.is_demo else "nee",
            ]
        )
    return buffer.getvalue(), len(rows)


def describe_filter(flt: ReviewFilter) -> str:
    parts = [f"{k}={v}" for k, v in flt.model_dump(exclude_none=True, mode="json").items()]
    return safe_cell(", ".join(parts) or "geen filter")


class OfficerOut(BaseModel):
    id: int
    name: str


def list_officers(session: Session, scope: Scope) -> list[OfficerOut]:
    """The handhavers of the caller's districts, for the officer filter (names only:
    a team leader sees these names on every log already)."""
    query = (
        select(User.id, User.display_name)
        .join(UserDistrict, col(UserDistrict.user_id) == col(User.id))
        .where(col(User.role) == "handhaver")
        .distinct()
        .order_by(col(User.display_name))
    )
    if (district := scope.where(UserDistrict.district_code)) is not None:
        query = query.where(district)
    return [OfficerOut(id=int(i), name=n) for i, n in session.exec(query).all() if i is not None]


# ---------------------------------------------------------------- saved filters


class SavedFilterIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=80)]
    filter: ReviewFilter


class SavedFilterOut(BaseModel):
    id: int
    name: str
    filter: ReviewFilter
    created_at: datetime


def _filter_out(row: SavedFilter) -> SavedFilterOut:
    assert row.id is not None
    return SavedFilterOut(
        id=row.id, name=row.name, filter=ReviewFilter(**row.params), created_at=row.created_at
    )


def list_filters(session: Session, user: User) -> list[SavedFilterOut]:
    rows = session.exec(
        select(SavedFilter).where(SavedFilter.user_id == user.id).order_by(col(SavedFilter.name))
    ).all()
    return [_filter_out(r) for r in rows]


def save_filter(session: Session, scope: Scope, user: User, body: SavedFilterIn) -> SavedFilterOut:
    assert user.id is not None
    check_filter(session, scope, body.filter)
    existing = session.exec(
        select(SavedFilter).where(SavedFilter.user_id == user.id, SavedFilter.name == body.name)
    ).first()
    if existing is not None:
        raise ServiceError(ErrorCode.CONFLICT, "Er is al een filter met deze naam.")
    row = SavedFilter(
        user_id=user.id,
        name=body.name,
        params=body.filter.model_dump(exclude_none=True, mode="json"),
        created_at=utcnow(),
    )
    session.add(row)
    session.flush()
    return _filter_out(row)


def delete_filter(session: Session, user: User, filter_id: int) -> None:
    row = session.get(SavedFilter, filter_id)
    if row is None or row.user_id != user.id:
        raise ServiceError(ErrorCode.NOT_FOUND, "Dit filter bestaat niet.")
    session.delete(row)


# ---------------------------------------------------------------- incidents board


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


def _followups(session: Session, record_id: str, names: dict[int, str]) -> list[FollowupOut]:
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
            by=_username(session, r.user_id, names),
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
