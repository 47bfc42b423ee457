"""District actions (wijkacties): a team leader plans an action for a district
(what, where, when, the goal, who); the phones of that district receive it by
pull; entries name it; and what it produced is counted (wijkactie_result.py).

An action's hotspots must be of its district: an action is one team's work,
and a hotspot of another district would count another team's reports.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated
from uuid import uuid4

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator
from sqlmodel import Session, col, select

from sync_protocol import ErrorCode, WijkactieData, WijkactieHotTime
from sync_server.db import utcnow
from sync_server.errors import ServiceError
from sync_server.models import District, Hotspot, Theme, User, UserDistrict, Wijkactie
from sync_server.services.changes import AUDIENCE_DISTRICT, PendingChange, record_changes
from sync_server.services.scope import Scope

Code = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{0,119}$")]
MAX_DAYS = 400


class WijkactieIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    district: str = Field(max_length=40)
    title: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    themes: list[Code] = Field(default_factory=list, max_length=20)
    hotspots: list[Code] = Field(default_factory=list, max_length=50)
    starts_on: date
    ends_on: date
    hot_times: list[WijkactieHotTime] = Field(default_factory=list, max_length=50)
    goal: str = Field(default="", max_length=2000)
    target: int | None = Field(default=None, ge=0, le=1_000_000)
    team: str = Field(default="", max_length=200)
    officers: list[int] = Field(default_factory=list, max_length=100)

    @model_validator(mode="after")
    def _consistent(self) -> WijkactieIn:
        if self.starts_on > self.ends_on:
            raise ValueError("starts_on ligt na ends_on")
        if (self.ends_on - self.starts_on).days > MAX_DAYS:
            raise ValueError(f"een wijkactie duurt hoogstens {MAX_DAYS} dagen")
        for slot in self.hot_times:
            if slot.start_hour >= slot.end_hour:
                raise ValueError("een hot time begint voor hij eindigt")
        return self


def out(row: Wijkactie) -> WijkactieData:
    return WijkactieData(
        id=row.id,
        district=row.district_code,
        title=row.title,
        themes=list(row.themes),
        hotspots=list(row.hotspots),
        starts_on=row.starts_on.isoformat(),
        ends_on=row.ends_on.isoformat(),
        hot_times=[WijkactieHotTime.model_validate(t) for t in row.hot_times],
        goal=row.goal,
        target=row.target,
        team=row.team,
        officers=list(row.officers),
        version=row.version,
    )


def _check(session: Session, scope: Scope, body: WijkactieIn) -> None:
    if session.get(District, body.district) is None:
        raise ServiceError(ErrorCode.UNKNOWN_DISTRICT, "Onbekend stadsdeel.")
    if not scope.allows(body.district):
        raise ServiceError(ErrorCode.FORBIDDEN, "Dit stadsdeel valt niet onder jou als teamleider.")
    if body.themes:
        known = set(session.exec(select(Theme.code).where(col(Theme.code).in_(body.themes))).all())
        if unknown := sorted(set(body.themes) - known):
            raise ServiceError(ErrorCode.INVALID_REQUEST, f"Onbekend thema: {', '.join(unknown)}.")
    if body.hotspots:
        spots = dict(
            session.exec(
                select(Hotspot.code, Hotspot.district_code).where(
                    col(Hotspot.code).in_(body.hotspots)
                )
            ).all()
        )
        wrong = sorted(c for c in body.hotspots if spots.get(c) != body.district)
        if wrong:
            raise ServiceError(
                ErrorCode.INVALID_REQUEST,
                f"Focuslocatie onbekend of van een ander stadsdeel: {', '.join(wrong)}.",
            )
    if body.officers:
        ids = set(body.officers)
        members = set(
            session.exec(
                select(UserDistrict.user_id).where(
                    col(UserDistrict.user_id).in_(ids),
                    col(UserDistrict.district_code) == body.district,
                )
            ).all()
        )
        if missing := sorted(ids - members):
            raise ServiceError(
                ErrorCode.INVALID_REQUEST,
                f"Handhaver niet van dit stadsdeel: {', '.join(map(str, missing))}.",
            )


def _fill(row: Wijkactie, body: WijkactieIn) -> None:
    row.district_code = body.district
    row.title = body.title
    row.themes = list(body.themes)
    row.hotspots = list(body.hotspots)
    row.starts_on, row.ends_on = body.starts_on, body.ends_on
    row.hot_times = [slot.model_dump() for slot in body.hot_times]
    row.goal, row.target, row.team = body.goal, body.target, body.team
    row.officers = list(body.officers)
    row.updated_at = utcnow()


def create(session: Session, scope: Scope, user: User, body: WijkactieIn) -> WijkactieData:
    _check(session, scope, body)
    row = Wijkactie(
        id=str(uuid4()),
        district_code=body.district,
        title=body.title,
        starts_on=body.starts_on,
        ends_on=body.ends_on,
        created_by=user.id or 0,
        updated_at=utcnow(),
    )
    _fill(row, body)
    session.add(row)
    session.flush()
    record_changes(
        session, [PendingChange("wijkactie", row.id, "upsert", AUDIENCE_DISTRICT, body.district)]
    )
    return out(row)


def get(session: Session, scope: Scope, action_id: str) -> Wijkactie:
    row = session.get(Wijkactie, action_id)
    if row is None or not scope.allows(row.district_code):
        # Another district's action is as unknown as a missing one.
        raise ServiceError(ErrorCode.NOT_FOUND, "Onbekende wijkactie.")
    return row


def update(session: Session, scope: Scope, action_id: str, body: WijkactieIn) -> WijkactieData:
    row = get(session, scope, action_id)
    _check(session, scope, body)
    changes = []
    if body.district != row.district_code:
        changes.append(
            PendingChange("wijkactie", row.id, "delete", AUDIENCE_DISTRICT, row.district_code)
        )
    _fill(row, body)
    row.version += 1
    session.add(row)
    session.flush()
    changes.append(PendingChange("wijkactie", row.id, "upsert", AUDIENCE_DISTRICT, body.district))
    record_changes(session, changes)
    return out(row)


def delete(session: Session, scope: Scope, action_id: str) -> None:
    """Remove a planned action; entries that named it keep the id (their history)."""
    row = get(session, scope, action_id)
    district = row.district_code
    session.delete(row)
    session.flush()
    record_changes(
        session, [PendingChange("wijkactie", action_id, "delete", AUDIENCE_DISTRICT, district)]
    )


def list_actions(
    session: Session, scope: Scope, *, active_on: date | None = None
) -> list[WijkactieData]:
    query = select(Wijkactie).order_by(col(Wijkactie.starts_on), col(Wijkactie.title))
    if (where := scope.where(Wijkactie.district_code)) is not None:
        query = query.where(where)
    if active_on is not None:
        query = query.where(
            col(Wijkactie.starts_on) <= active_on, col(Wijkactie.ends_on) >= active_on
        )
    return [out(row) for row in session.exec(query).all()]
