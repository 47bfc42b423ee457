"""The lock phase: enrolment, the team leader's login, PIN, locking when idle."""

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
from fieldapp.teamleader import login as teamleader_login

ENROL, SET_PIN, LOCKED, READY = "koppelen", "pincode_instellen", "vergrendeld", "gereed"
TEAMLEADER = "teamleider"  # a team leader logged in with a password (online only)


class LockPhase(StateCore):
    """Which phase the app is in (koppelen, pincode instellen, vergrendeld, gereed,
    teamleider) and the steps between them."""

    def phase(self) -> str:
        enrolment = self.enrolment
        if enrolment is None:
            return ENROL
        if is_manager(enrolment):
            # A team leader logs in with a password in every session (no PIN).
            return TEAMLEADER if self.unlocked else ENROL
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

    def login_teamleader(
        self, server_url: str, username: str, password: str, device_name: str = "browser"
    ) -> None:
        """Password login for a team leader (a handhaver gets the server's 403 text)."""
        enrolment = self.enrolment
        if enrolment is not None and not is_manager(enrolment):
            # Never overwrite an officer's link to the server.
            raise SyncError("invalid", "Dit apparaat is gekoppeld aan een handhaver.")
        teamleader_login(
            self.store, self.sync_client.client_factory, server_url, username, password, device_name
        )
        self.unlocked = True
        self.online = True
        self.touch()
        self.changed()

    def logout_teamleader(self) -> None:
        """Forget the team leader's token here (the server's token simply expires)."""
        if self.is_teamleader():
            self.teamleader.logout()
            self.store.forget_enrolment()
        self.unlocked = False
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
