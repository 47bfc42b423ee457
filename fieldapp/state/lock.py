"""The lock phase: enrolment, PIN, locking when idle.

A team leader's login is not here: it belongs to one browser session
(fieldapp.teamleader.session), never to the phone's store."""

from __future__ import annotations

from fieldapp.pin import (
    LOCK_AFTER_SECONDS,
    MAX_WRONG_PINS,
    check_new_pin,
    hash_pin,
    verify_pin,
)
from fieldapp.state.core import StateCore
from fieldapp.sync import SyncError
from fieldapp.teamleader import is_manager

ENROL, SET_PIN, LOCKED, READY = "koppelen", "pincode_instellen", "vergrendeld", "gereed"
TEAMLEADER = "teamleider"  # the team leader's screen at /teamleider (views.routes)


class LockPhase(StateCore):
    """Which phase the app is in (koppelen, pincode instellen, vergrendeld, gereed,
    teamleider) and the steps between them."""

    def phase(self) -> str:
        enrolment = self.enrolment
        if enrolment is None:
            return ENROL
        if is_manager(enrolment):
            # A leader's login an older version kept in the store: it is not a
            # phone's link, so the phone is not linked (see fieldapp.teamleader.session).
            return ENROL
        if enrolment.pin_hash is None:
            return SET_PIN
        if not self.unlocked or self.idle_expired():
            self.unlocked = False
            return LOCKED
        return READY

    def enroll(self, server_url: str, code: str, device_name: str = "telefoon") -> None:
        if not server_url.strip():
            raise SyncError("invalid", "Vul het adres van de server in.")
        if len(code.strip()) < 4:
            raise SyncError("invalid", "Vul de koppelcode in die je van je teamleider kreeg.")
        self.sync_client.enroll(server_url, code, device_name)
        self.wipe_notice = None
        self.online = True
        self.changed()

    def set_pin(self, pin: str, repeat: str) -> None:
        check_new_pin(pin, repeat)
        digest, salt = hash_pin(pin)
        self.store.update_enrolment(pin_hash=digest, pin_salt=salt, failed_pins=0)
        self.unlocked = True
        self.touch()
        self.changed()

    def unlock(self, pin: str) -> str | None:
        """None when unlocked; otherwise a Dutch message (and after too many
        wrong PINs the token is wiped, so the phone must be enrolled again)."""
        enrolment = self.enrolment
        if enrolment is None or enrolment.pin_hash is None or enrolment.pin_salt is None:
            return "Deze telefoon is niet gekoppeld."
        if verify_pin(pin, enrolment.pin_hash, enrolment.pin_salt):
            self.store.update_enrolment(failed_pins=0)
            self.unlocked = True
            self.touch()
            self.changed()
            return None
        failed = enrolment.failed_pins + 1
        if failed >= MAX_WRONG_PINS:
            self.store.forget_enrolment()
            self.changed()
            return (
                "Te vaak een verkeerde pincode. De koppeling is gewist; vraag je teamleider "
                "om een nieuwe koppelcode. Niet-verzonden invoer blijft bewaard."
            )
        self.store.update_enrolment(failed_pins=failed)
        left = MAX_WRONG_PINS - failed
        return f"Verkeerde pincode. Nog {left} {'poging' if left == 1 else 'pogingen'}."

    def idle_expired(self) -> bool:
        return self.clock() - self.last_activity > LOCK_AFTER_SECONDS

    def lock(self) -> None:
        self.unlocked = False
        self.changed()
