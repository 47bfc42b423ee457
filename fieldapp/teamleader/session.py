"""One browser session's team-leader (or beheerder) login.

The token lives here, in memory, for as long as the browser session (one Flet
page) lasts: never in the phone's store or AppState, which every session of the
app process shares the data folder of. Many leaders in many browsers of one app
process therefore each see only their own districts, and logging out ends only
this session. What the leader was looking at (district, review filter) is kept
across a lapsed login, so logging in again brings them back to it.
"""

from __future__ import annotations

import threading

from fieldapp.http_client import ClientFactory, default_client
from fieldapp.teamleader.client import LeaderLogin, TeamLeader, login
from fieldapp.teamleader.review import ReviewQuery
from fieldapp.teamleader.sso import sso_exchange


class LeaderSession:
    """The login of one browser session and what it was looking at."""

    def __init__(self, client_factory: ClientFactory = default_client) -> None:
        self.client_factory = client_factory
        self.login: LeaderLogin | None = None
        self._lock = threading.Lock()
        # Why the login screen is shown again (an expired session), in Dutch.
        self.notice: str | None = None
        # Filled in on the login screen again after a lapse or a log-out.
        self.server_url = ""
        self.username = ""
        # What the screens showed: kept across a lapsed login (not a log-out).
        self.district: str | None = None
        self.review_query: ReviewQuery | None = None
        self.tab = "Beoordelen"
        self._fresh = True  # no login yet, or logged out: start from the defaults
        self.client = TeamLeader(lambda: self.login, client_factory)

    @property
    def logged_in(self) -> bool:
        return self.login is not None

    @property
    def districts(self) -> list[str]:
        return list(self.login.districts) if self.login else []

    @property
    def name(self) -> str:
        return self.login.display_name if self.login else ""

    @property
    def role(self) -> str:
        return self.login.role if self.login else ""

    @property
    def header(self) -> str:
        """Who is logged in and over which part of the city, for the screen's
        header: a beheerder has no districts, and sees the whole city."""
        if self.role == "beheerder" and not self.districts:
            where = "beheerder, heel Haarlem"
        else:
            where = ", ".join(d.capitalize() for d in self.districts) or "geen stadsdeel"
        return f"Ingelogd als {self.name} · {where} · werkt alleen online"

    def log_in(
        self,
        server_url: str,
        username: str,
        password: str,
        totp_code: str = "",
        device_name: str = "Veldapp (teamleider, browser)",
    ) -> LeaderLogin:
        """Log in (a refused login raises a SyncError with the server's Dutch text).
        A first login, one after a log-out, or another user starts from the
        default filter: one leader never inherits what another looked at."""
        new = login(self.client_factory, server_url, username, password, device_name, totp_code)
        self.accept(new)
        return new

    def sso(self, server_url: str, code: str) -> LeaderLogin:
        """Finish a single sign-on: trade the server's one-time code for a token."""
        new = sso_exchange(self.client_factory, server_url, code)
        self.accept(new)
        return new

    def accept(self, new: LeaderLogin) -> None:
        """Take a login made elsewhere (the single sign-on exchange)."""
        with self._lock:
            if self._fresh or self.username != new.username:
                first = new.districts[0] if new.districts else None
                self.district, self.review_query, self.tab = first, None, "Beoordelen"
            self._fresh = False
            self.login, self.notice = new, None
            self.server_url, self.username = new.server_url, new.username
            if self.district is not None and self.district not in new.districts:
                self.district = None

    def lapsed(self, message: str) -> None:
        """The server ended the login (idle or too long): ask to log in again,
        keeping what the screens were showing."""
        with self._lock:
            self.login, self.notice = None, message

    def log_out(self) -> None:
        """End this session only: revoke the token on the server when it can be
        reached and forget it here (the next login starts from the defaults)."""
        if self.login is not None:
            self.client.logout()
        with self._lock:
            self.login, self.notice, self._fresh = None, None, True
