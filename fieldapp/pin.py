"""The officer's PIN: unlocks the app offline, on this phone only.

The PIN is stored as a salted scrypt hash. Five wrong PINs in a row and the
device token is wiped: whoever holds a lost phone cannot try all 10,000 PINs.
Entries that wait to be sent stay; they go out after a new enrolment.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

MAX_WRONG_PINS = 5
MIN_LENGTH = 5
LOCK_AFTER_SECONDS = 5 * 60


class PinProblem(ValueError):
    """A PIN the officer must choose again; the message says why, in Dutch."""


def check_new_pin(pin: str, repeat: str) -> None:
    if not pin.isdigit() or len(pin) < MIN_LENGTH:
        raise PinProblem(f"Kies een pincode van minstens {MIN_LENGTH} cijfers.")
    if len(set(pin)) == 1 or pin in "0123456789" or pin in "9876543210":
        raise PinProblem("Deze pincode is te makkelijk te raden. Kies een andere.")
    if pin != repeat:
        raise PinProblem("De twee pincodes zijn niet gelijk.")


def hash_pin(pin: str, salt: str | None = None) -> tuple[str, str]:
    salt = salt or secrets.token_hex(16)
    digest = hashlib.scrypt(pin.encode(), salt=bytes.fromhex(salt), n=2**14, r=8, p=1)
    return digest.hex(), salt


def verify_pin(pin: str, pin_hash: str, salt: str) -> bool:
    candidate, _ = hash_pin(pin, salt)
    return hmac.compare_digest(candidate, pin_hash)
