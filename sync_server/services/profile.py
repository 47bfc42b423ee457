"""A district's profile for its team leader: themes, hotspots, figures, hot times."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel
from sqlmodel import Session, col, select

from sync_protocol import ErrorCode
from sync_server.errors import ServiceError
from sync_server.models import District, Hotspot, Indicator, Theme
from sync_server.services.hotspots import Activity, activity
from sync_server.services.indicator_basis import SnapshotCounts
from sync_server.services.indicator_definitions import SOURCES
from sync_server.services.indicator_snapshots import district_year_counts
from sync_server.services.indicators import DefinitionVersion, programme_years
from sync_server.services.localtime import local_now
from sync_server.services.scope import Scope
from sync_server.services.small_counts import WITHHELD, Value, shown
from sync_server.services.wijkactie_result import WijkactieResult, district_results

YEARS_BACK = 3


class ProfileTheme(BaseModel):
    code: str
    name: str
    hotspots: int


class ProfileHotspot(BaseModel):
    code: str
    name: str
    themes: list[str]
    lat: float | None
    lon: float | None
    note: str


class ProfileIndicator(BaseModel):
    code: str
    name: str
    unit: str
    section: str | None
    data_source: str  # "handhavers" (officers' logs) or "meldingen" (residents' reports)
    suppress_small_counts: bool
    years: dict[str, Value]  # whole years for this district, from the registrations
    this_year_to_date: Value
    last_year_same_period: Value


class DistrictProfile(BaseModel):
    code: str
    name: str
    center_lat: float | None
    center_lon: float | None
    themes: list[ProfileTheme]
    hotspots: list[ProfileHotspot]
    definition: DefinitionVersion | None
    year: int
    through_month: int
    indicators: list[ProfileIndicator]
    hot_times: Activity
    # The district's actions with what each produced (issue 13).
    wijkacties: list[WijkactieResult] = []


def district_profile(
    session: Session, scope: Scope, code: str, *, now: datetime | None = None
) -> DistrictProfile:
    district = session.get(District, code)
    if district is None or district.retired:
        raise ServiceError(ErrorCode.NOT_FOUND, "Dit stadsdeel bestaat niet.")
    hotspots = session.exec(
        select(Hotspot)
        .where(Hotspot.district_code == code, col(Hotspot.retired).is_(False))
        .order_by(col(Hotspot.name))
    ).all()
    theme_names = dict(session.exec(select(Theme.code, Theme.name)).all())
    per_theme: dict[str, int] = {}
    for spot in hotspots:
        for theme in spot.themes:
            per_theme[theme] = per_theme.get(theme, 0) + 1
    current = local_now(now)
    published = programme_years(session)
    first = max(current.year - YEARS_BACK, (published[-1] + 1) if published else 0)
    run, definitions, counts, _ = district_year_counts(
        session, scope, years=(first, current.year), months=None
    )
    _, _, to_date, _ = district_year_counts(
        session, scope, years=(current.year - 1, current.year), months=(1, current.month)
    )
    indicators: list[ProfileIndicator] = []
    # Before the first year of a source: "–", as in the table (the app's logs and the
    # imported reports start in different years).
    snapshot = SnapshotCounts(session)
    first_logged = {source: snapshot.first_year(source) for source in SOURCES}

    def figure(code: str, source: str, year: int, hide: bool) -> Value:
        first = first_logged.get(source)
        if first is None or year < first:
            return None
        return shown(counts.get((code, year), 0), suppress=hide)

    if definitions is not None:
        rows = {
            i.code: i
            for i in session.exec(
                select(Indicator).where(
                    col(Indicator.code).in_([d.indicator for d in definitions.definitions])
                )
            ).all()
        }
        for definition in definitions.definitions:
            indicator = rows.get(definition.indicator)
            if indicator is None:
                continue
            hide = definition.suppress_small_counts and not scope.full_figures
            indicators.append(
                ProfileIndicator(
                    code=indicator.code,
                    name=indicator.name,
                    unit=indicator.unit,
                    section=indicator.sections[0] if indicator.sections else None,
                    data_source=definition.source,
                    suppress_small_counts=definition.suppress_small_counts,
                    years={
                        str(y): figure(indicator.code, definition.source, y, hide)
                        for y in range(first, current.year + 1)
                    },
                    this_year_to_date=shown(
                        to_date.get((indicator.code, current.year), 0), suppress=hide
                    ),
                    last_year_same_period=_same_period(
                        to_date.get((indicator.code, current.year - 1), 0),
                        counts.get((indicator.code, current.year - 1), 0),
                        hide,
                    ),
                )
            )
    version = (
        DefinitionVersion(
            version=definitions.version,
            hash=definitions.hash,
            label=definitions.label,
            computed_at=run.computed_at,
        )
        if run is not None and definitions is not None
        else None
    )
    return DistrictProfile(
        code=district.code,
        name=district.name,
        center_lat=district.center_lat,
        center_lon=district.center_lon,
        themes=sorted(
            (
                ProfileTheme(code=t, name=theme_names.get(t, t), hotspots=n)
                for t, n in per_theme.items()
            ),
            key=lambda t: (-t.hotspots, t.code),
        ),
        hotspots=[
            ProfileHotspot(
                code=h.code, name=h.name, themes=h.themes, lat=h.lat, lon=h.lon, note=h.note
            )
            for h in hotspots
        ],
        definition=version,
        year=current.year,
        through_month=current.month,
        indicators=indicators,
        hot_times=activity(session, scope, now=now),
        wijkacties=district_results(session, code, full_figures=scope.full_figures),
    )


def _same_period(part: int, whole: int, hide: bool) -> Value:
    """Last year's first months. Beside last year's whole figure they would give the
    remaining months away: withheld when those hold a hidden small count."""
    if hide and 0 < whole - part < 5:
        return WITHHELD
    return shown(part, suppress=hide)
