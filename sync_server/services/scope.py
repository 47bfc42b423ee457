"""Which districts a caller may see in the team leaders' views.

A teamleider sees their own districts (a district parameter outside them is
403 `forbidden`; without one, their districts together); a beheerder sees any
district or all; a handhaver sees none of these views (the phone gets its
patrol suggestion for its own district only). Small counts are hidden from
everyone but the beheerder.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, col

from sync_protocol import MANAGER_ROLES, ErrorCode, Role
from sync_server.errors import ServiceError
from sync_server.models import District, User


@dataclass(frozen=True)
class Scope:
    districts: tuple[str, ...] | None  # None: every district (beheerder, no filter)
    role: str

    @property
    def everything(self) -> bool:
        return self.districts is None

    @property
    def full_figures(self) -> bool:
        """Only the beheerder sees counts of 1–4 of sensitive indicators."""
        return self.role == Role.BEHEERDER

    def allows(self, district: str) -> bool:
        return self.districts is None or district in self.districts

    def where(self, column: Any) -> Any:
        """A condition on a district column, or None when everything is in scope."""
        if self.districts is None:
            return None
        return col(column).in_(self.districts)

    def describe(self) -> dict[str, Any]:
        return {"districts": list(self.districts) if self.districts is not None else None}


def known_district(session: Session, code: str) -> bool:
    return session.get(District, code) is not None


def manager_scope(
    session: Session, user: User, user_districts: Sequence[str], district: str | None
) -> Scope:
    """Scope of a teamleider or beheerder, optionally narrowed to one district."""
    if user.role not in MANAGER_ROLES:
        raise ServiceError(ErrorCode.FORBIDDEN, "Dit mag alleen een teamleider of beheerder.")
    if user.role == Role.TEAMLEIDER:
        if district is None:
            return Scope(tuple(sorted(user_districts)), user.role)
        if district not in user_districts:
            raise ServiceError(
                ErrorCode.FORBIDDEN, "Dit stadsdeel valt niet onder jou als teamleider."
            )
        return Scope((district,), user.role)
    if district is None:
        return Scope(None, user.role)
    if not known_district(session, district):
        raise ServiceError(ErrorCode.UNKNOWN_DISTRICT, "Onbekend stadsdeel.")
    return Scope((district,), user.role)


def field_scope(
    session: Session, user: User, user_districts: Sequence[str], district: str | None
) -> Scope:
    """Scope for the patrol suggestion: a handhaver their own district only; a
    teamleider or beheerder as for the review views."""
    if user.role == Role.HANDHAVER:
        if district is not None and district not in user_districts:
            raise ServiceError(ErrorCode.FORBIDDEN, "Dit stadsdeel is niet jouw stadsdeel.")
        return Scope(tuple(sorted(user_districts)), user.role)
    return manager_scope(session, user, user_districts, district)
