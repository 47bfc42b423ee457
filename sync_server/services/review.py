"""Team leaders' review of the logs of their districts: the list, a log's detail,
and the decision on it (saved filters, the CSV export and the incidents board
are in their own modules beside this one).

The list and the CSV export carry no personal data: no youth pseudonym, no
free text (note, description, place, address), no names in the export. The
detail has everything, and reading it is written to the audit log. A review
decision is stored on the record and as a change for its owner, so the
officer's phone receives the state and remark on its next pull.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel
from sqlmodel import Session, and_, col, func, select

from sync_protocol import ErrorCode, ReviewState, Role
from sync_server.db import utcnow
from sync_server.errors import ServiceError
from sync_server.models import (
    Blob,
    BlobUpload,
    Record,
    RecordPhoto,
    RecordVersion,
    ReviewEvent,
    User,
    UserDistrict,
)
from sync_server.models.changes import AUDIENCE_OWNER
from sync_server.services.changes import PendingChange, record_changes
from sync_server.services.incident_board import FollowupOut, followups
from sync_server.services.record_access import photo_counts, username, visible_record
from sync_server.services.review_filter import ReviewFilter, check_filter, filter_conditions
from sync_server.services.scope import Scope


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
    where = filter_conditions(scope, flt)
    total = session.exec(select(func.count()).select_from(Record).where(*where)).one()
    rows = session.exec(
        select(Record, User.display_name)
        .join(User, col(User.id) == col(Record.owner_user_id))
        .where(*where)
        .order_by(col(Record.observed_at).desc(), col(Record.id))
        .limit(limit)
        .offset(offset)
    ).all()
    photos = photo_counts(session, [r.id for r, _ in rows])
    return ReviewPage(
        total=int(total),
        limit=limit,
        offset=offset,
        items=[_item(r, name, photos.get(r.id, 0)) for r, name in rows],
    )


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
    item = _item(record, username(session, record.owner_user_id, names), len(hashes))
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
                state=e.state, remark=e.remark, by=username(session, e.user_id, names), at=e.at
            )
            for e in reviews
        ],
        followups=followups(session, record.id, names),
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
    if state not in set(ReviewState):
        raise ServiceError(ErrorCode.INVALID_REQUEST, "Onbekende beoordeling.")
    state = ReviewState(state).value  # the plain wire value into both tables
    remark = remark.strip() if remark and remark.strip() else None
    if state == ReviewState.TERUG_NAAR_HANDHAVER and remark is None:
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
        photo_counts(session, [record.id]).get(record.id, 0),
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
    """A stored photo of a record the caller may see, and that record's id.

    Only through a record whose owner uploaded the photo: a record that merely
    names another officer's photo hash does not open it to its team leader.
    """
    query = (
        select(Record.id)
        .join(RecordPhoto, col(RecordPhoto.record_id) == col(Record.id))
        .join(
            BlobUpload,
            and_(
                col(BlobUpload.sha256) == col(RecordPhoto.sha256),
                col(BlobUpload.user_id) == col(Record.owner_user_id),
            ),
        )
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


class OfficerOut(BaseModel):
    id: int
    name: str


def list_officers(session: Session, scope: Scope) -> list[OfficerOut]:
    """The handhavers of the caller's districts, for the officer filter (names only:
    a team leader sees these names on every log already)."""
    query = (
        select(User.id, User.display_name)
        .join(UserDistrict, col(UserDistrict.user_id) == col(User.id))
        .where(col(User.role) == Role.HANDHAVER.value)
        .distinct()
        .order_by(col(User.display_name))
    )
    if (district := scope.where(UserDistrict.district_code)) is not None:
        query = query.where(district)
    return [OfficerOut(id=int(i), name=n) for i, n in session.exec(query).all() if i is not None]
