"""Pseudonyms for youths who receive a yellow card.

Repeat cards must be counted (1st: registration, 2nd: letter to the parents, 3rd:
conversation or referral) without keeping who the youth is. The server derives a
keyed hash (HMAC-SHA256) of the normalised name and date of birth. The key comes
from configuration, never from the database and never reaches a phone, so a
copy of the database alone cannot be turned back into names by trying likely
name/birth-date combinations.
"""

from __future__ import annotations

import hmac
import unicodedata
from datetime import date

NEXT_STEPS = {
    1: "registratie",
    2: "brief aan ouders",
    3: "gesprek met ouders of doorverwijzing",
}


def _normalise_name(name: str) -> str:
    # "Jan-Willem", "jan willem" and "Jan  Willem" are one youth; accents are
    # dropped (combining marks), other punctuation separates words.
    decomposed = unicodedata.normalize("NFKD", name)
    kept = "".join(
        ch if ch.isalnum() else " " for ch in decomposed if not unicodedata.combining(ch)
    )
    return " ".join(kept.lower().split())


def youth_pseudonym(key: bytes, *, naam: str, geboortedatum: date) -> str:
    message = f"{_normalise_name(naam)}|{geboortedatum.isoformat()}".encode()
    return hmac.new(key, message, "sha256").hexdigest()


def next_step(card_number: int) -> str:
    return NEXT_STEPS.get(card_number, NEXT_STEPS[3])


def keyed_content_hash(key: bytes, canonical_json: str) -> str:
    """Hash of a record's content, keyed so it cannot confirm a guessed identity."""
    return hmac.new(key, canonical_json.encode(), "sha256").hexdigest()
