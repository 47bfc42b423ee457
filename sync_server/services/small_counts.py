"""Small counts: what a team leader may not see, and what would give it away.

Counts of 1–4 of a sensitive indicator (yellow cards, incidents) could point to a
person, so below the beheerder they are shown as "<5"; a figure that beside the
others would let one work such a count out by subtraction is withheld as "x".
"""

from __future__ import annotations

SMALL_COUNT = "<5"
# Not shown because, with the figures beside it, it would give a hidden small count
# away (a total over districts, or a second month); CBS writes "x" for the same.
WITHHELD = "x"

Value = int | float | str | None


def shown(count: int, *, suppress: bool) -> Value:
    """A count as shown: 1–4 of a sensitive indicator becomes "<5"; 0 stays 0."""
    return SMALL_COUNT if suppress and 0 < count < 5 else count
