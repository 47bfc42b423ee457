"""What a team leader does in the app, online only: log in with a password, review
the synced logs of their districts, and read the indicator table and hot times.

A small client over the server's team-leader endpoints; problems are raised as
SyncError with a Dutch message. Nothing here imports flet; the screens are in
fieldapp/views/teamleider.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import httpx

from fieldapp import models as m
from fieldapp.labels import KIND_LABELS, REVIEW_LABELS
from fieldapp.store import Store
from fieldapp.sync import (
    ClientFactory,
    SyncError,
    enrolment_from_reply,
    error_code,
    error_message,
    normalise_server_url,
)

MANAGER_ROLES = ("teamleider", "beheerder")
OFFLINE_MESSAGE = (
    "Geen verbinding met de server. Beoordelen, indicatoren en hot times werken "
    "alleen online; probeer het opnieuw als er verbinding is."
)
WEEKDAYS = ["ma", "di", "wo", "do", "vr", "za", "zo"]
REVIEW_STATES = ("beoordeeld", "terug_naar_handhaver", "afgesloten")
FOLLOWUP_KINDS = ("bot_contact", "melding_gedaan", "aangifte_gedaan")
POLITIE_TEXT = {
    "geen": "Politie: geen melding of aangifte nodig",
    "melding_gewenst": "Politie: melding nodig",
    "melding_gedaan": "Politie: melding gedaan",
    "aangifte_gewenst": "Politie: aangifte nodig",
    "aangifte_gedaan": "Politie: aangifte gedaan",
}
MONTHS = [
    "jan",
    "feb",
    "mrt",
    "apr",
    "mei",
    "jun",
    "jul",
    "aug",
    "sep",
    "okt",
    "nov",
    "dec",
]
PERIODS = {"7": "7 dagen", "28": "4 weken", "365": "12 maanden"}

# Why the screens read personal data: the server audits every read with its
# reason (a beheerder must always give one; these screens are for review).
READ_REASON = {"reden": "beoordeling"}


def is_manager(enrolment: m.Enrolment | None) -> bool:
    return enrolment is not None and enrolment.role in MANAGER_ROLES


def _request(client: httpx.Client, method: str, url: str, **kwargs: Any) -> Any:
    try:
        response = client.request(method, url, **kwargs)
    except httpx.TransportError as exc:
        raise SyncError("teamleider_offline", OFFLINE_MESSAGE) from exc
    if response.status_code >= 400:
        _raise_for(response)
    try:
        return response.json()
    except ValueError as exc:
        raise SyncError("bad_reply") from exc


def _request_bytes(client: httpx.Client, url: str, **kwargs: Any) -> bytes:
    """A GET whose answer is a file (CSV, a page, a photo), with the same errors."""
    try:
        response = client.get(url, **kwargs)
    except httpx.TransportError as exc:
        raise SyncError("teamleider_offline", OFFLINE_MESSAGE) from exc
    if response.status_code >= 400:
        _raise_for(response)
    return response.content


def _raise_for(response: httpx.Response) -> None:
    if response.status_code >= 500:
        raise SyncError(
            "teamleider_server_error", "De server heeft een storing. Probeer het later opnieuw."
        )
    if response.status_code == 401 and error_code(response) != "login_failed":
        raise SyncError(
            "token_invalid", "Je bent niet meer ingelogd. Log opnieuw in als teamleider."
        )
    # The server's messages are Dutch already (e.g. 403 for a handhaver).
    raise SyncError(error_code(response) or "server_error", error_message(response))


def login(
    store: Store,
    client_factory: ClientFactory,
    server_url: str,
    username: str,
    password: str,
    device_name: str = "browser",
) -> m.Enrolment:
    """Password login; the token is kept in the Enrolment row (role teamleider)."""
    if not server_url.strip():
        raise SyncError("invalid", "Vul het adres van de server in.")
    if not username.strip() or not password:
        raise SyncError("invalid", "Vul je gebruikersnaam en wachtwoord in.")
    url = normalise_server_url(server_url)
    with client_factory(url) as client:
        body = _request(
            client,
            "POST",
            "/api/v1/auth/login",
            json={"username": username.strip(), "password": password, "device_name": device_name},
        )
    user = body["user"]
    if user["role"] not in MANAGER_ROLES:
        raise SyncError("forbidden", "Dit account is geen teamleider.")
    enrolment = enrolment_from_reply(url, body)
    store.save_enrolment(enrolment)
    return enrolment


# ---------------------------------------------------------------- what the screens show


@dataclass(frozen=True)
class ReviewRow:
    id: str
    title: str  # kind and hotspot
    subtitle: str  # when, officer, state
    state: str
    state_label: str


@dataclass(frozen=True)
class ReviewQuery:
    """What the review list shows: the filters of the screen, and of a saved filter."""

    last_days: int | None = 28
    kind: str | None = None
    theme: str | None = None
    state: str | None = None
    district: str | None = None
    hotspot: str | None = None
    officer: int | None = None

    def as_filter(self) -> dict[str, Any]:
        """The server's ReviewFilter (also what a saved filter keeps)."""
        fields = {
            "last_days": self.last_days,
            "kind": self.kind,
            "theme": self.theme,
            "state": self.state,
            "district": self.district,
            "hotspot": self.hotspot,
            "officer": self.officer,
        }
        return {k: v for k, v in fields.items() if v is not None}

    @classmethod
    def from_filter(cls, data: dict[str, Any]) -> ReviewQuery:
        return cls(
            last_days=data.get("last_days"),
            kind=data.get("kind"),
            theme=data.get("theme"),
            state=data.get("state"),
            district=data.get("district"),
            hotspot=data.get("hotspot"),
            officer=data.get("officer"),
        )


@dataclass(frozen=True)
class ReviewPage:
    rows: list[ReviewRow]
    total: int
    offset: int
    limit: int

    @property
    def has_previous(self) -> bool:
        return self.offset > 0

    @property
    def has_next(self) -> bool:
        return self.offset + len(self.rows) < self.total

    def range_text(self) -> str:
        if not self.rows:
            return f"0 van {self.total} registraties"
        return f"{self.offset + 1}–{self.offset + len(self.rows)} van {self.total} registraties"


@dataclass(frozen=True)
class SavedFilter:
    id: int
    name: str
    query: ReviewQuery


@dataclass(frozen=True)
class IncidentRow:
    id: str
    title: str  # date and place
    types: str
    bot: str  # aftercare: wanted? contact on?
    politie: str
    overdue: bool
    overdue_text: str  # what is late, for the flag
    bot_open: bool  # BOT wanted and no contact yet
    politie_open: bool  # a report or notification wanted and not made yet
    politie_wanted: str  # "melding" | "aangifte" | ""


@dataclass(frozen=True)
class IncidentBoard:
    rows: list[IncidentRow]
    open: int
    overdue: int
    working_days: int


@dataclass(frozen=True)
class TrendPoint:
    year: int
    value: float | None  # None: no figure, or suppressed
    text: str  # as the table shows it: a number, "<5" or "–"
    baseline: bool  # from the programme (2019–2022), not from the logs
    label: str = ""  # under the bar, if not the year ("jan" for a month)

    @property
    def caption(self) -> str:
        return self.label or str(self.year)


@dataclass(frozen=True)
class Trend:
    code: str
    name: str
    source: str
    points: list[TrendPoint]

    @property
    def maximum(self) -> float:
        return max((p.value for p in self.points if p.value is not None), default=0.0)


@dataclass(frozen=True)
class ProfileLine:
    name: str
    cells: list[str]  # whole years, then this year so far, then last year's same months


@dataclass(frozen=True)
class Profile:
    """A district on one page: what the Wijkprofiel tab shows."""

    code: str
    name: str
    themes: list[tuple[str, int]]  # theme name, number of hotspots
    columns: list[str]  # headings of the figures
    lines: list[ProfileLine]
    heat: HeatMap
    hotspots: list[tuple[str, str]]  # name, themes
    counted: str


@dataclass(frozen=True)
class IndicatorLine:
    name: str
    source: str
    cells: list[str]  # one per year: a number, "<5", or "–"
    code: str = ""


@dataclass(frozen=True)
class HeatMap:
    weekdays: list[str]
    matrix: list[list[int]]  # [weekday][hour]
    maximum: int
    total: int
    ranked: list[tuple[str, int]]  # hotspot name, count
    period: str


def cell_text(cell: dict[str, Any] | None) -> str:
    if not cell or cell.get("value") is None:
        return "–"
    value = cell["value"]
    if isinstance(value, str):
        return value  # "<5" as the server gives it
    if isinstance(value, float) and not value.is_integer():
        return f"{value:.1f}".replace(".", ",")
    return str(int(value))


def _local(moment: str) -> str:
    when = datetime.fromisoformat(moment).astimezone()
    return f"{when:%d-%m-%Y %H:%M}"


def haarlem_today() -> date:
    """Today where the logs are made: the server counts days in Haarlem time, and a
    team leader's laptop set to UTC would otherwise lose the last day after 23:00."""
    try:
        return datetime.now(ZoneInfo("Europe/Amsterdam")).date()
    except ZoneInfoNotFoundError:  # a platform without a time-zone database
        return date.today()


def _day(value: str | None) -> str:
    return f"{date.fromisoformat(value):%d-%m-%Y}" if value else "–"


class TeamLeader:
    """The team leader's calls to the server, with the token of the Enrolment row."""

    def __init__(self, store: Store, client_factory: ClientFactory) -> None:
        self.store = store
        self.client_factory = client_factory
        self.names: dict[str, str] = {}  # theme and hotspot codes → names, for display
        self.hotspot_names: dict[str, str] = {}  # of the leader's districts, for the filter

    def _enrolment(self) -> m.Enrolment:
        enrolment = self.store.enrolment()
        if enrolment is None or not is_manager(enrolment):
            raise SyncError("not_enrolled", "Log in als teamleider.")
        return enrolment

    def _call(self, method: str, url: str, **kwargs: Any) -> Any:
        enrolment = self._enrolment()
        with self.client_factory(enrolment.server_url) as client:
            client.headers["Authorization"] = f"Bearer {enrolment.token}"
            return _request(client, method, url, **kwargs)

    def _get_bytes(self, url: str, **kwargs: Any) -> bytes:
        enrolment = self._enrolment()
        with self.client_factory(enrolment.server_url) as client:
            client.headers["Authorization"] = f"Bearer {enrolment.token}"
            return _request_bytes(client, url, **kwargs)

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
            subtitle=f"{_local(item['observed_at'])} · {item['officer_name']}{photos}",
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
        enrolment = self._enrolment()
        with self.client_factory(enrolment.server_url) as client:
            client.headers["Authorization"] = f"Bearer {enrolment.token}"
            try:
                response = client.delete(f"/api/v1/review/filters/{filter_id}")
            except httpx.TransportError as exc:
                raise SyncError("teamleider_offline", OFFLINE_MESSAGE) from exc
            if response.status_code >= 400:
                _raise_for(response)
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
        when = _local(item["observed_at"])
        if not item["bot_gewenst"]:
            bot = "BOT-nazorg: niet gevraagd"
        elif item.get("bot_contact_on"):
            bot = f"BOT-contact op {_day(item['bot_contact_on'])}"
        else:
            bot = f"BOT-contact nodig, uiterlijk {_day(item['bot_due'])}"
        status = item["politie_status"]
        politie = POLITIE_TEXT.get(status, status.replace("_", " "))
        if item.get("politie_due"):
            politie += f", uiterlijk {_day(item['politie_due'])}"
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
            counted = f"Geteld op {_local(definition['computed_at'])} (elke nacht)."
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

    def indicators(self, district: str | None = None, theme: str | None = None) -> dict[str, Any]:
        params = {k: v for k, v in (("district", district), ("theme", theme)) if v}
        result: dict[str, Any] = self._call("GET", "/api/v1/indicators", params=params)
        return result

    def indicator_lines(
        self, district: str | None = None, theme: str | None = None
    ) -> tuple[list[int], list[IndicatorLine], str]:
        """Years, rows, and when the logs were last counted (the server counts nightly)."""
        table = self.indicators(district, theme)
        definition = table.get("definition")
        if definition and definition.get("computed_at"):
            counted = f"Registraties geteld op {_local(definition['computed_at'])} (elke nacht)."
        else:
            counted = "De registraties zijn nog niet geteld; dat gebeurt elke nacht."
        years = list(table["years"])
        lines = [
            IndicatorLine(
                name=row["name"],
                source=row.get("source_name") or row["source"],
                cells=[cell_text(row["values"].get(str(year))) for year in years],
                code=row["code"],
            )
            for row in table["rows"]
        ]
        return years, lines, counted

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
        """Per indicator with at least one figure: its years, the programme's
        2019–2022 baseline apart from the years counted from the logs."""
        table = self.indicators(district, theme)
        years = list(table["years"])
        trends: list[Trend] = []
        for row in table["rows"]:
            points = []
            for year in years:
                cell = row["values"].get(str(year)) or {}
                value = cell.get("value")
                points.append(
                    TrendPoint(
                        year=year,
                        value=float(value) if isinstance(value, int | float) else None,
                        text=cell_text(cell),
                        baseline=cell.get("origin") == "programma",
                    )
                )
            if any(p.value is not None for p in points):
                trends.append(
                    Trend(
                        code=row["code"],
                        name=row["name"],
                        source=row.get("source_name") or row["source"],
                        points=points,
                    )
                )
        return trends

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


def heat_map_from(data: dict[str, Any]) -> HeatMap:
    """The server's activity (hot spots and hot times) as the heat map shows it."""
    matrix = [list(row) for row in data["matrix"]]
    ranked = [
        (str(h.get("name") or h.get("code") or "Zonder focuslocatie"), int(h["count"]))
        for h in data["by_hotspot"]
    ]
    ranked.sort(key=lambda pair: -pair[1])
    start = date.fromisoformat(data["date_from"])
    end = date.fromisoformat(data["date_to"])
    return HeatMap(
        weekdays=WEEKDAYS,
        matrix=matrix,
        maximum=max((max(row) for row in matrix if row), default=0),
        total=int(data["total"]),
        ranked=ranked,
        period=f"{start:%d-%m-%Y} t/m {end:%d-%m-%Y}",
    )


def heat_colour(count: int, maximum: int) -> str:
    """White for none, then lighter to darker blue (five steps)."""
    if count <= 0 or maximum <= 0:
        return "#FFFFFF"
    steps = ["#DCE8F5", "#A9C7E8", "#6E9FD3", "#2F6DB5", "#0B3A6E"]
    index = min(len(steps) - 1, (count * len(steps) - 1) // maximum)
    return steps[index]


def detail_lines(
    detail: dict[str, Any], names: dict[str, str] | None = None
) -> list[tuple[str, str]]:
    """The fields of a log as label and text (never a youth's identity); codes of
    themes, hotspots and choices are shown by their names."""
    from fieldapp import labels

    names = names or {}
    choice_labels = {
        "action": labels.ACTION_LABELS,
        "feit": labels.FEIT_LABELS,
        "aanleiding": labels.AANLEIDING_LABELS,
        "categorie": labels.CATEGORIE_LABELS,
        "types": labels.INCIDENT_TYPE_LABELS,
        "partners": labels.PARTNER_LABELS,
    }

    lines = [
        ("Soort", KIND_LABELS.get(detail["kind"], detail["kind"])),
        ("Handhaver", detail["officer_name"]),
        ("Tijdstip", _local(detail["observed_at"])),
        ("Stadsdeel", names.get(detail["district"], detail["district"])),
        ("Beoordeling", REVIEW_LABELS.get(detail["review_state"], detail["review_state"])),
    ]
    if detail.get("review_remark"):
        lines.append(("Opmerking", detail["review_remark"]))
    for key, value in detail.get("payload", {}).items():
        if key in ("observed_at", "location", "photos") or value in (None, "", []):
            continue
        mapping = choice_labels.get(key, names)
        values = value if isinstance(value, list) else [value]
        text = ", ".join(mapping.get(str(v), str(v).replace("_", " ").capitalize()) for v in values)
        if isinstance(value, bool):
            text = "Ja" if value else "Nee"
        lines.append((labels.FIELD_LABELS.get(key, key.replace("_", " ").capitalize()), text))
    if detail.get("photos"):
        lines.append(("Foto's", str(detail["photos"])))
    return lines
