"""The closed sets of words both sides exchange: roles, review states, and the
status of an entry on the phone.

One definition each, as `StrEnum`s: a member is its wire value (``Role.TEAMLEIDER
== "teamleider"``), so JSON, database columns and older code comparing with plain
strings keep working, while new code names the member and a typo fails at import.
The values are Dutch because they are the programme's words and the wire values
the deployed phones already send.
"""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    """Who an account belongs to; decides what the server lets it see."""

    HANDHAVER = "handhaver"  # an officer: one district, an enrolled phone
    TEAMLEIDER = "teamleider"  # a team leader: one or more districts, password login
    BEHEERDER = "beheerder"  # the administrator: everything, no district


MANAGER_ROLES = frozenset({Role.TEAMLEIDER, Role.BEHEERDER})
"""Roles that review logs and read the team's figures (the API's manager routes)."""


class ReviewState(StrEnum):
    """A team leader's decision on a log; it travels back to the officer's phone."""

    NIEUW = "nieuw"  # not reviewed yet (every log starts here)
    BEOORDEELD = "beoordeeld"
    TERUG_NAAR_HANDHAVER = "terug_naar_handhaver"  # needs a remark; a correction resets it
    AFGESLOTEN = "afgesloten"


DECISIONS = (ReviewState.BEOORDEELD, ReviewState.TERUG_NAAR_HANDHAVER, ReviewState.AFGESLOTEN)
"""The states a team leader can choose (NIEUW is only where a log starts)."""


class RecordStatus(StrEnum):
    """Where an entry on the phone stands in its journey to the server."""

    WACHT = "wacht"  # saved on the phone, in the outbox
    VERZONDEN = "verzonden"  # sent, no answer yet
    GEACCEPTEERD = "geaccepteerd"  # the server stored it
    AFGEWEZEN = "afgewezen"  # the server refused it, with a reason
