"""What a district action produced: the entries logged against it (by kind and
by action taken) and the residents' reports at its hotspots before, during and
after it (periods of equal length), for the district profile and the API; and the
programme's indicators read for the action alone (`indicators`): the entries logged
against it for the officers' series, the residents' reports at its hotspots during
it for the reports' series, counted with the nightly run's definitions."""

from __future__ import annotations

from datetime import date, timedelta

from pydantic import BaseModel
from sqlalchemy import func
from sqlmodel import Session, col, select

from sync_protocol import WijkactieData
from sync_server.models import Indicator, Record, Wijkactie
from sync_server.services import meldingen, wijkacties
from sync_server.services.indicator_counting import count_sources
from sync_server.services.indicator_definitions import DefinitionSet, definitions_of
from sync_server.services.indicator_snapshots import latest_run
from sync_server.services.localtime import local_today
from sync_server.services.small_counts import Value, shown


class EntryCounts(BaseModel):
    total: int
    by_kind: dict[str, int]
    by_actie: dict[str, int]  # "geen" for entries without an action taken


class MeldingCounts(BaseModel):
    days: int  # the length of each period
    before: int
    during: int
    after: int | None  # None while the period after has not ended


class WijkactieIndicator(BaseModel):
    code: str
    name: str
    data_source: str  # "handhavers" (entries against the action) or "meldingen"
    value: Value  # "<5" for 1–4 of a sensitive indicator below the beheerder


class WijkactieResult(BaseModel):
    wijkactie: WijkactieData
    entries: EntryCounts
    meldingen: MeldingCounts
    indicators: list[WijkactieIndicator] = []


def _definitions(session: Session) -> DefinitionSet | None:
    run = latest_run(session)
    return definitions_of(run) if run is not None else None


def action_indicators(
    session: Session,
    row: Wijkactie,
    definitions: DefinitionSet | None,
    *,
    full_figures: bool = False,
) -> list[WijkactieIndicator]:
    """Every counted indicator for this action alone, in the definitions' order."""
    if definitions is None:
        return []
    totals: dict[str, int] = {}
    for key, (n, _demo) in count_sources(session, definitions, wijkactie=row).totals.items():
        totals[key[0]] = totals.get(key[0], 0) + n
    names = dict(session.exec(select(Indicator.code, Indicator.name)).all())
    return [
        WijkactieIndicator(
            code=d.indicator,
            name=names.get(d.indicator, d.indicator),
            data_source=d.source,
            value=shown(
                totals.get(d.indicator, 0),
                suppress=d.suppress_small_counts and not full_figures,
            ),
        )
        for d in definitions.definitions
    ]


def result(
    session: Session,
    row: Wijkactie,
    today: date | None = None,
    *,
    full_figures: bool = False,
    definitions: DefinitionSet | None = None,
) -> WijkactieResult:
    """What the action produced. `full_figures`: the beheerder sees counts of 1–4."""
    definitions = definitions or _definitions(session)
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
        indicators=action_indicators(session, row, definitions, full_figures=full_figures),
    )


def district_results(
    session: Session, district: str, *, full_figures: bool = False
) -> list[WijkactieResult]:
    rows = session.exec(
        select(Wijkactie)
        .where(col(Wijkactie.district_code) == district)
        .order_by(col(Wijkactie.starts_on), col(Wijkactie.title))
    ).all()
    today = local_today()
    definitions = _definitions(session)
    return [
        result(session, row, today, full_figures=full_figures, definitions=definitions)
        for row in rows
    ]
