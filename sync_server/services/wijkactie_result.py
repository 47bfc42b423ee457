"""What a district action produced: the entries logged against it (by kind and
by action taken) and the residents' reports at its hotspots before, during and
after it (periods of equal length), for the district profile and the API."""

from __future__ import annotations

from datetime import date, timedelta

from pydantic import BaseModel
from sqlalchemy import func
from sqlmodel import Session, col, select

from sync_protocol import WijkactieData
from sync_server.models import Record, Wijkactie
from sync_server.services import meldingen, wijkacties
from sync_server.services.localtime import local_today


class EntryCounts(BaseModel):
    total: int
    by_kind: dict[str, int]
    by_actie: dict[str, int]  # "geen" for entries without an action taken


class MeldingCounts(BaseModel):
    days: int  # the length of each period
    before: int
    during: int
    after: int | None  # None while the period after has not ended


class WijkactieResult(BaseModel):
    wijkactie: WijkactieData
    entries: EntryCounts
    meldingen: MeldingCounts


def result(session: Session, row: Wijkactie, today: date | None = None) -> WijkactieResult:
    by_kind: dict[str, int] = {}
    by_actie: dict[str, int] = {}
    for kind, actie, n in session.exec(
        select(col(Record.kind), col(Record.action), func.count())
        .where(col(Record.wijkactie_id) == row.id)
        .group_by(col(Record.kind), col(Record.action))
    ).all():
        by_kind[kind] = by_kind.get(kind, 0) + int(n)
        key = actie or "geen"
        by_actie[key] = by_actie.get(key, 0) + int(n)
    days = (row.ends_on - row.starts_on).days + 1
    span = timedelta(days=days)
    after_end = row.ends_on + span
    now = today or local_today()
    return WijkactieResult(
        wijkactie=wijkacties.out(row),
        entries=EntryCounts(total=sum(by_kind.values()), by_kind=by_kind, by_actie=by_actie),
        meldingen=MeldingCounts(
            days=days,
            before=meldingen.count_at(
                session, row.hotspots, row.starts_on - span, row.starts_on - timedelta(days=1)
            ),
            during=meldingen.count_at(session, row.hotspots, row.starts_on, row.ends_on),
            after=(
                meldingen.count_at(
                    session, row.hotspots, row.ends_on + timedelta(days=1), after_end
                )
                if after_end < now
                else None
            ),
        ),
    )


def district_results(session: Session, district: str) -> list[WijkactieResult]:
    rows = session.exec(
        select(Wijkactie)
        .where(col(Wijkactie.district_code) == district)
        .order_by(col(Wijkactie.starts_on), col(Wijkactie.title))
    ).all()
    today = local_today()
    return [result(session, row, today) for row in rows]
