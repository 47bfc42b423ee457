"""What a review list, a saved filter and an export select: the filter, checked
against the reference data, and turned into conditions on the logs."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from sqlmodel import Session, col

from sync_protocol import ErrorCode, ReviewState
from sync_protocol.text import IsoDate
from sync_server.errors import ServiceError
from sync_server.models import Hotspot, Record, Theme
from sync_server.services.excel_csv import safe_cell
from sync_server.services.localtime import local_today
from sync_server.services.scope import Scope

KindCode = Literal[
    "waarneming",
    "gele_kaart",
    "incident",
    "adrescontrole",
    "signaal_ondermijning",
    "integrale_controle",
]
Code = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{0,119}$")]


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


def check_filter(session: Session, scope: Scope, flt: ReviewFilter) -> None:
    if flt.theme is not None and session.get(Theme, flt.theme) is None:
        raise ServiceError(ErrorCode.INVALID_REQUEST, "Onbekend thema.")
    if flt.hotspot is not None and session.get(Hotspot, flt.hotspot) is None:
        raise ServiceError(ErrorCode.INVALID_REQUEST, "Onbekende focuslocatie.")
    if flt.date_from and flt.date_to and flt.date_from > flt.date_to:
        raise ServiceError(ErrorCode.INVALID_REQUEST, "date_from ligt na date_to.")


def filter_conditions(scope: Scope, flt: ReviewFilter) -> list[Any]:
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
        where.append(col(Record.review_state) == flt.state.value)
    if flt.date_from is not None:
        where.append(col(Record.local_date) >= flt.date_from)
    if flt.date_to is not None:
        where.append(col(Record.local_date) <= flt.date_to)
    if flt.last_days is not None:
        where.append(col(Record.local_date) > local_today() - timedelta(days=flt.last_days))
    return where


def describe_filter(flt: ReviewFilter) -> str:
    parts = [f"{k}={v}" for k, v in flt.model_dump(exclude_none=True, mode="json").items()]
    return safe_cell(", ".join(parts) or "geen filter")
