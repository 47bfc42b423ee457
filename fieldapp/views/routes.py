"""The route table: which screen shows for a phase of the app and for a route.

Data in one place, read by the shell (views/shell.py), instead of an if/elif
chain there: a phase (koppelen, pincode instellen, vergrendeld, teamleider) has a
screen of its own; once unlocked, a route stacks screens on home ("/log/<id>"
lies on "/log"). The entry kinds' forms come from the registry (fieldapp.kinds),
so a new kind needs no line here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from fieldapp.kinds import by_route
from fieldapp.state import ENROL, LOCKED, SET_PIN
from fieldapp.views import forms
from fieldapp.views.enrol import EnrolScreen
from fieldapp.views.home import HomeScreen
from fieldapp.views.kaart import KaartScreen
from fieldapp.views.log import LogScreen
from fieldapp.views.pin import SetPinScreen, UnlockScreen
from fieldapp.views.sync import SyncScreen
from fieldapp.views.teamleider import TeamLeaderScreen
from fieldapp.views.teamleider.login import LeaderLoginScreen

if TYPE_CHECKING:
    from fieldapp.views.host import Host, Screen

__all__ = [
    "ENTRY_PREFIX",
    "LEADER_ROUTE",
    "PHASE_SCREENS",
    "SCREENS",
    "leader_phase",
    "make_screen",
    "route_chain",
]

# The screen of each phase before the officer is in (READY shows the routes).
PHASE_SCREENS: dict[str, Callable[[Host], Screen]] = {
    ENROL: lambda host: EnrolScreen(host, message=host.flash or host.state.wipe_notice),
    SET_PIN: SetPinScreen,
    LOCKED: UnlockScreen,
    # /teamleider, whatever the phone part is doing: the login of this browser
    # session (fieldapp.teamleader.session), or the leader's screen once logged in.
    "teamleider_inloggen": LeaderLoginScreen,
    "teamleider": TeamLeaderScreen,
}
LEADER_ROUTE = "/teamleider"


def leader_phase(route: str, logged_in: bool) -> str | None:
    """The team leader's phase for a route ("/teamleider", also with the query the
    single sign-on comes back with), None for the phone's routes."""
    if urlsplit(route).path.rstrip("/") != LEADER_ROUTE:
        return None
    return "teamleider" if logged_in else "teamleider_inloggen"


# Screens by route once unlocked; every kind's route opens its (new, empty) form.
SCREENS: dict[str, Callable[[Host], Screen]] = {
    "/": HomeScreen,
    "/log": LogScreen,
    "/sync": SyncScreen,
    "/kaart": KaartScreen,
}
ENTRY_PREFIX = "/log/"  # "/log/<id>": an entry of Mijn log, in its kind's form


def make_screen(
    host: Host, route: str, *, hotspot: str | None = None, wijkactie: str | None = None
) -> Screen | None:
    """The screen for a route (None for a route that shows nothing, e.g. a
    deleted entry); `hotspot` presets a new form's focus location."""
    factory = SCREENS.get(route)
    if factory is not None:
        return factory(host)
    if route.startswith(ENTRY_PREFIX):
        entry = host.state.entry(route.removeprefix(ENTRY_PREFIX))
        return forms.edit_form(host, entry) if entry is not None else None
    spec = by_route(route)
    if spec is not None:
        return forms.new_form(host, spec.kind, hotspot=hotspot, wijkactie=wijkactie)
    return None


def route_chain(route: str) -> list[str]:
    """The screens stacked above home for a route: "/log/<id>" lies on "/log"."""
    if route in ("", "/"):
        return []
    if route.startswith(ENTRY_PREFIX):
        return ["/log", route]
    return [route]
