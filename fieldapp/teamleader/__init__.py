"""What a team leader does in the app, online only: log in with a password, review
the synced logs of their districts, follow up incidents, read the indicators, hot
times and a district's profile. `client` talks to the server; the other modules
are the plain values the screens (fieldapp/views/teamleider/) show."""

from fieldapp.teamleader.client import (
    MANAGER_ROLES,
    OFFLINE_MESSAGE,
    READ_REASON,
    TeamLeader,
    is_manager,
    login,
)
from fieldapp.teamleader.dates import day_text, haarlem_today
from fieldapp.teamleader.hot_times import WEEKDAYS, HeatMap, heat_colour, heat_map_from
from fieldapp.teamleader.incidents import (
    FOLLOWUP_KINDS,
    POLITIE_TEXT,
    IncidentBoard,
    IncidentRow,
)
from fieldapp.teamleader.indicators import (
    MONTHS,
    IndicatorLine,
    Trend,
    TrendPoint,
    cell_text,
)
from fieldapp.teamleader.profile import Profile, ProfileLine
from fieldapp.teamleader.review import (
    PERIODS,
    REVIEW_STATES,
    ReviewPage,
    ReviewQuery,
    ReviewRow,
    SavedFilter,
    detail_lines,
    local_time,
)

__all__ = [
    "FOLLOWUP_KINDS",
    "MANAGER_ROLES",
    "MONTHS",
    "OFFLINE_MESSAGE",
    "PERIODS",
    "POLITIE_TEXT",
    "READ_REASON",
    "REVIEW_STATES",
    "WEEKDAYS",
    "HeatMap",
    "IncidentBoard",
    "IncidentRow",
    "IndicatorLine",
    "Profile",
    "ProfileLine",
    "ReviewPage",
    "ReviewQuery",
    "ReviewRow",
    "SavedFilter",
    "TeamLeader",
    "Trend",
    "TrendPoint",
    "cell_text",
    "day_text",
    "haarlem_today",
    "heat_colour",
    "heat_map_from",
    "detail_lines",
    "is_manager",
    "local_time",
    "login",
]
