"""The team leader's client: log in with a password, then call the server's
team-leader endpoints with the token. Online only; every problem is a SyncError
with a Dutch message, through the request helper the sync client uses too
(fieldapp.http_client). Nothing here imports flet; the screens are in
fieldapp/views/teamleider/.

The token is never stored: it lives in the browser session's LeaderSession
(fieldapp.teamleader.session), which hands TeamLeader a way to read it. Many
leaders in many browsers of one app process each have their own.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import httpx

from fieldapp.http_client import (
    ClientFactory,
    SyncError,
    json_reply,
)
from fieldapp.labels import KIND_LABELS, REVIEW_LABELS
from fieldapp.teamleader.dates import day_text, haarlem_today
from fieldapp.teamleader.hot_times import HeatMap, heat_map_from
from fieldapp.teamleader.incidents import FOLLOWUP_KINDS, POLITIE_TEXT, IncidentBoard, IncidentRow
from fieldapp.teamleader.indicators import (
    MONTHS,
    IndicatorLine,
    IndicatorTableView,
    Trend,
    TrendPoint,
    cell_text,
    counted_text,
    source_label,
    table_view,
    trends_from,
)
from fieldapp.teamleader.login import (
    EXPIRED_MESSAGE,
    LAPSED_CODES,
    MANAGER_ROLES,
    OFFLINE_MESSAGE,
    LeaderLogin,
    is_manager,
    login,
    login_from_reply,
    manager_request,
    manager_response,
)
from fieldapp.teamleader.profile import Profile, ProfileLine
from fieldapp.teamleader.review import (
    REVIEW_STATES,
    ReviewPage,
    ReviewQuery,
    ReviewRow,
    SavedFilter,
    local_time,
)

# Why the screens read personal data: the server audits every read with its
# reason (a beheerder must always give one; these screens are for review).
READ_REASON = {"reden": "beoordeling"}


class TeamLeader:
    """The team leader's calls to the server, with the token of the session's login."""

    def __init__(
        self, credentials: Callable[[], LeaderLogin | None], client_factory: ClientFactory
    ) -> None:
        self.credentials = credentials
        self.client_factory = client_factory
        self.names: dict[str, str] = {}  # theme and hotspot codes → names, for display
        self.hotspot_names: dict[str, str] = {}  # of the leader's districts, for the filter

    def _enrolment(self) -> LeaderLogin:
        login = self.credentials()
        if login is None:
            raise SyncError("token_invalid", "Log in als teamleider.")
        return login

    def _reply(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        """One call with the leader's token; a reply of 400 or more raises."""
        enrolment = self._enrolment()
        with self.client_factory(enrolment.server_url) as client:
            client.headers["Authorization"] = f"Bearer {enrolment.token}"
            return manager_response(client, method, url, **kwargs)

    def _call(self, method: str, url: str, **kwargs: Any) -> Any:
        return json_reply(self._reply(method, url, **kwargs))

    def call(self, method: str, url: str, **kwargs: Any) -> Any:
        """One call for another module of this package (accounts); None for a 204."""
        response = self._reply(method, url, **kwargs)
        return None if response.status_code == 204 else json_reply(response)

    def _get_bytes(self, url: str, **kwargs: Any) -> bytes:
        """A GET whose answer is a file (CSV, a page, a photo)."""
        return self._reply("GET", url, **kwargs).content

    def logout(self) -> None:
        """Revoke the token on the server when it can be reached (else it expires)."""
        try:
            self._call("POST", "/api/v1/auth/logout")
        except SyncError:
            return  # offline: the local session ends anyway; the token can be revoked later

    # ------------------------------------------------------------ review

    def records(
        self,
        *,
        period_days: int | None = None,
        kind: str | None = None,
        theme: str | None = None,
        state: str | None = None,
        district: str | None = None,
        today: date | None = None,
    ) -> dict[str, Any]:
        params: dict[str, Any] = {"limit": 100}
        if period_days:
            params["date_from"] = (
                (today or haarlem_today()) - timedelta(days=period_days)
            ).isoformat()
        for key, value in (("kind", kind), ("theme", theme), ("state", state)):
            if value:
                params[key] = value
        if district:
            params["district"] = district
        result: dict[str, Any] = self._call("GET", "/api/v1/review/records", params=params)
        return result

    def review_rows(self, **filters: Any) -> list[ReviewRow]:
        return [self._row(item) for item in self.records(**filters)["items"]]

    def review_page(self, query: ReviewQuery, *, offset: int = 0, limit: int = 25) -> ReviewPage:
        """One page of the review list, newest first."""
        params: dict[str, Any] = {**query.as_filter(), "limit": limit, "offset": offset}
        page = self._call("GET", "/api/v1/review/records", params=params)
        return ReviewPage(
            rows=[self._row(item) for item in page["items"]],
            total=int(page["total"]),
            offset=int(page["offset"]),
            limit=int(page["limit"]),
        )

    def _row(self, item: dict[str, Any]) -> ReviewRow:
        place = item.get("hotspot") or item.get("district") or ""
        place = self.names.get(place, place)
        state = item["review_state"]
        photos = f" · {item['photos']} foto('s)" if item.get("photos") else ""
        return ReviewRow(
            id=item["id"],
            title=f"{KIND_LABELS.get(item['kind'], item['kind'])} · {place}",
            subtitle=f"{local_time(item['observed_at'])} · {item['officer_name']}{photos}",
            state=state,
            state_label=REVIEW_LABELS.get(state, state),
        )

    def officers(self) -> dict[str, str]:
        """The handhavers of the leader's districts (id → name), for the filter."""
        return {str(o["id"]): o["name"] for o in self._call("GET", "/api/v1/review/officers")}

    def export_csv(self, query: ReviewQuery) -> bytes:
        """What the filter shows, as CSV without personal data (the server audits it)."""
        return self._get_bytes("/api/v1/review/export.csv", params=query.as_filter() | READ_REASON)

    def saved_filters(self) -> list[SavedFilter]:
        return [
            SavedFilter(id=int(f["id"]), name=f["name"], query=ReviewQuery.from_filter(f["filter"]))
            for f in self._call("GET", "/api/v1/review/filters")
        ]

    def save_filter(self, name: str, query: ReviewQuery) -> SavedFilter:
        name = name.strip()
        if not name:
            raise SyncError("invalid", "Geef het filter een naam.")
        if len(name) > 80:
            raise SyncError("invalid", "De naam is te lang (hoogstens 80 tekens).")
        saved = self._call(
            "POST", "/api/v1/review/filters", json={"name": name, "filter": query.as_filter()}
        )
        return SavedFilter(
            id=int(saved["id"]), name=saved["name"], query=ReviewQuery.from_filter(saved["filter"])
        )

    def delete_filter(self, filter_id: int) -> int:
        self._reply("DELETE", f"/api/v1/review/filters/{filter_id}")
        return filter_id

    def photo(self, sha256: str) -> bytes:
        """A photo of a log, for the detail view (the server audits the read)."""
        return self._get_bytes(f"/api/v1/blobs/{sha256}", params=READ_REASON)

    def detail(self, record_id: str) -> dict[str, Any]:
        result: dict[str, Any] = self._call(
            "GET", f"/api/v1/review/records/{record_id}", params=READ_REASON
        )
        return result

    def review(self, record_id: str, state: str, remark: str = "") -> dict[str, Any]:
        remark = remark.strip()
        if state not in REVIEW_STATES:
            raise SyncError("invalid", f"Onbekende beoordeling: {state}.")
        if state == "terug_naar_handhaver" and not remark:
            raise SyncError(
                "invalid", "Schrijf een opmerking: wat moet de handhaver aanvullen of verbeteren?"
            )
        body: dict[str, Any] = {"state": state, "remark": remark or None}
        result: dict[str, Any] = self._call(
            "POST", f"/api/v1/review/records/{record_id}", json=body
        )
        return result

    def incidents(self, district: str | None = None) -> dict[str, Any]:
        params = {"district": district} if district else {}
        result: dict[str, Any] = self._call("GET", "/api/v1/review/incidents", params=params)
        return result

    def incident_board(self, district: str | None = None) -> IncidentBoard:
        """Incidents with aftercare (BOT) and police follow-up; overdue ones first."""
        board = self.incidents(district)
        days = int(board["working_days"])
        return IncidentBoard(
            rows=[self._incident_row(item, days) for item in board["items"]],
            open=int(board["open"]),
            overdue=int(board["overdue"]),
            working_days=days,
        )

    def _incident_row(self, item: dict[str, Any], days: int) -> IncidentRow:
        from fieldapp.labels import INCIDENT_TYPE_LABELS

        place = item.get("hotspot") or item["district"]
        when = local_time(item["observed_at"])
        if not item["bot_gewenst"]:
            bot = "BOT-nazorg: niet gevraagd"
        elif item.get("bot_contact_on"):
            bot = f"BOT-contact op {day_text(item['bot_contact_on'])}"
        else:
            bot = f"BOT-contact nodig, uiterlijk {day_text(item['bot_due'])}"
        status = item["politie_status"]
        politie = POLITIE_TEXT.get(status, status.replace("_", " "))
        if item.get("politie_due"):
            politie += f", uiterlijk {day_text(item['politie_due'])}"
        late = []
        if item["bot_overdue"]:
            late.append("geen BOT-contact")
        if item["politie_overdue"]:
            late.append("aangifte/melding niet gedaan")
        return IncidentRow(
            id=item["id"],
            title=f"{when} · {self.names.get(place, place)}",
            types=", ".join(INCIDENT_TYPE_LABELS.get(t, t) for t in item["types"]) or "Incident",
            bot=bot,
            politie=politie,
            overdue=bool(item["overdue"]),
            overdue_text=(f"Te laat ({days} werkdagen): {' en '.join(late)}" if late else ""),
            bot_open=bool(item["bot_gewenst"]) and not item.get("bot_contact_on"),
            politie_open=status in ("aangifte_gewenst", "melding_gewenst"),
            politie_wanted=status.removesuffix("_gewenst") if status.endswith("_gewenst") else "",
        )

    def add_followup(self, record_id: str, kind: str, day: date | None = None) -> None:
        """Record aftercare or police follow-up of an incident; without a day the
        server takes today in Haarlem (this device's clock may be elsewhere)."""
        if kind not in FOLLOWUP_KINDS:
            raise SyncError("invalid", f"Onbekende opvolging: {kind}.")
        body: dict[str, Any] = {"kind": kind}
        if day is not None:
            body["date"] = day.isoformat()
        self._call("POST", f"/api/v1/review/incidents/{record_id}/followup", json=body)

    def district_profile(self, district: str) -> dict[str, Any]:
        result: dict[str, Any] = self._call("GET", f"/api/v1/districts/{district}/profile")
        return result

    def profile(self, district: str) -> Profile:
        data = self.district_profile(district)
        theme_names = {t["code"]: t["name"] for t in data["themes"]}
        years = sorted({y for i in data["indicators"] for y in i["years"]})
        month = MONTHS[int(data["through_month"]) - 1]
        year = int(data["year"])
        definition = data.get("definition")
        if definition and definition.get("computed_at"):
            counted = f"Geteld op {local_time(definition['computed_at'])} (elke nacht)."
        else:
            counted = "De registraties zijn nog niet geteld; dat gebeurt elke nacht."
        return Profile(
            code=data["code"],
            name=data["name"],
            themes=[(t["name"], int(t["hotspots"])) for t in data["themes"]],
            columns=[*years, f"{year} t/m {month}", f"{year - 1} t/m {month}"],
            lines=[
                ProfileLine(
                    name=i["name"],
                    source=source_label(i),
                    cells=[
                        *(cell_text({"value": i["years"].get(y)}) for y in years),
                        cell_text({"value": i["this_year_to_date"]}),
                        cell_text({"value": i["last_year_same_period"]}),
                    ],
                )
                for i in data["indicators"]
            ],
            heat=heat_map_from(data["hot_times"]),
            hotspots=[
                (h["name"], ", ".join(theme_names.get(t, t) for t in h["themes"]))
                for h in data["hotspots"]
            ],
            counted=counted,
        )

    def profile_file(self, district: str, form: str) -> bytes:
        """The district profile as a page to print ("html") or a spreadsheet ("csv")."""
        if form not in ("html", "csv"):
            raise SyncError("invalid", f"Onbekend formaat: {form}.")
        return self._get_bytes(f"/api/v1/districts/{district}/profile.{form}")

    def themes(self, districts: list[str]) -> dict[str, str]:
        """The themes of the team leader's districts (code → name), for the filter."""
        found: dict[str, str] = {}
        for district in districts:
            profile = self.district_profile(district)
            for theme in profile.get("themes", []):
                found.setdefault(theme["code"], theme["name"])
            spots = {h["code"]: h["name"] for h in profile.get("hotspots", [])}
            self.names.update(spots)
            self.hotspot_names.update(spots)
            self.names[district] = profile.get("name") or district
        self.names.update(found)
        return dict(sorted(found.items(), key=lambda pair: pair[1]))

    # ------------------------------------------------------------ indicators and hot times

    def indicators(
        self, district: str | None = None, theme: str | None = None, *, live: bool = False
    ) -> dict[str, Any]:
        params: dict[str, Any] = {k: v for k, v in (("district", district), ("theme", theme)) if v}
        if live:
            params["live"] = "true"
        result: dict[str, Any] = self._call("GET", "/api/v1/indicators", params=params)
        return result

    def indicator_lines(
        self, district: str | None = None, theme: str | None = None
    ) -> tuple[list[int], list[IndicatorLine], str]:
        """Years, rows, and when the logs were last counted (the server counts nightly)."""
        table = self.indicators(district, theme)
        view = table_view(table)
        return view.years, view.lines, counted_text(table)

    def indicator_table(
        self, district: str | None = None, theme: str | None = None, *, live: bool = False
    ) -> tuple[IndicatorTableView, str]:
        """The table of the nightly stand and, with `live`, today's count beside it."""
        table = self.indicators(district, theme)
        today = self.indicators(district, theme, live=True) if live else None
        return table_view(table, today), counted_text(table)

    def months(
        self, code: str, year: int, district: str | None = None, theme: str | None = None
    ) -> Trend:
        """One indicator per month of a year, counted from the logs (a month hidden
        as "<5" hides the year's total too: the server sees to that)."""
        params: dict[str, Any] = {"year": year}
        params.update({k: v for k, v in (("district", district), ("theme", theme)) if v})
        data = self._call("GET", f"/api/v1/indicators/{code}/months", params=params)
        points = [
            TrendPoint(
                year=int(cell["month"]),
                value=float(cell["value"]) if isinstance(cell["value"], int | float) else None,
                text=cell_text(cell),
                baseline=False,
                label=MONTHS[int(cell["month"]) - 1],
            )
            for cell in data["months"]
        ]
        return Trend(
            code=data["code"], name=f"{data['name']} per maand, {year}", source="", points=points
        )

    def trends(self, district: str | None = None, theme: str | None = None) -> list[Trend]:
        """Per indicator with at least one figure: the area's own years, and for a
        selection of districts the Haarlem-wide trend with its baseline beside it."""
        return trends_from(self.indicators(district, theme))

    def activity(
        self, district: str | None = None, *, weeks: int = 4, today: date | None = None
    ) -> dict[str, Any]:
        end = today or haarlem_today()
        params: dict[str, Any] = {
            "date_from": (end - timedelta(weeks=weeks) + timedelta(days=1)).isoformat(),
            "date_to": end.isoformat(),
        }
        if district:
            params["district"] = district
        result: dict[str, Any] = self._call("GET", "/api/v1/hotspots/activity", params=params)
        return result

    def heat_map(self, district: str | None = None, *, today: date | None = None) -> HeatMap:
        return heat_map_from(self.activity(district, today=today))


__all__ = [
    "EXPIRED_MESSAGE",
    "LAPSED_CODES",
    "MANAGER_ROLES",
    "OFFLINE_MESSAGE",
    "READ_REASON",
    "LeaderLogin",
    "TeamLeader",
    "is_manager",
    "login",
    "login_from_reply",
    "manager_request",
]
