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
PERIODS = {"7": "7 dagen", "28": "4 weken", "365": "12 maanden"}


def is_manager(enrolment: m.Enrolment | None) -> bool:
    return enrolment is not None and enrolment.role in MANAGER_ROLES


def _request(client: httpx.Client, method: str, url: str, **kwargs: Any) -> Any:
    try:
        response = client.request(method, url, **kwargs)
    except httpx.TransportError as exc:
        raise SyncError("teamleider_offline", OFFLINE_MESSAGE) from exc
    if response.status_code >= 500:
        raise SyncError(
            "teamleider_server_error", "De server heeft een storing. Probeer het later opnieuw."
        )
    if response.status_code == 401 and error_code(response) != "login_failed":
        raise SyncError(
            "token_invalid", "Je bent niet meer ingelogd. Log opnieuw in als teamleider."
        )
    if response.status_code >= 400:
        # The server's messages are Dutch already (e.g. 403 for a handhaver).
        raise SyncError(error_code(response) or "server_error", error_message(response))
    try:
        return response.json()
    except ValueError as exc:
        raise SyncError("bad_reply") from exc


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
class IndicatorLine:
    name: str
    source: str
    cells: list[str]  # one per year: a number, "<5", or "–"


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


class TeamLeader:
    """The team leader's calls to the server, with the token of the Enrolment row."""

    def __init__(self, store: Store, client_factory: ClientFactory) -> None:
        self.store = store
        self.client_factory = client_factory
        self.names: dict[str, str] = {}  # theme and hotspot codes → names, for display

    def _call(self, method: str, url: str, **kwargs: Any) -> Any:
        enrolment = self.store.enrolment()
        if not is_manager(enrolment):
            raise SyncError("not_enrolled", "Log in als teamleider.")
        assert enrolment is not None
        with self.client_factory(enrolment.server_url) as client:
            client.headers["Authorization"] = f"Bearer {enrolment.token}"
            return _request(client, method, url, **kwargs)

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
                (today or date.today()) - timedelta(days=period_days)
            ).isoformat()
        for key, value in (("kind", kind), ("theme", theme), ("state", state)):
            if value:
                params[key] = value
        if district:
            params["district"] = district
        result: dict[str, Any] = self._call("GET", "/api/v1/review/records", params=params)
        return result

    def review_rows(self, **filters: Any) -> list[ReviewRow]:
        rows = []
        for item in self.records(**filters)["items"]:
            place = item.get("hotspot") or item.get("district") or ""
            place = self.names.get(place, place)
            state = item["review_state"]
            rows.append(
                ReviewRow(
                    id=item["id"],
                    title=f"{KIND_LABELS.get(item['kind'], item['kind'])} · {place}",
                    subtitle=f"{_local(item['observed_at'])} · {item['officer_name']}",
                    state=state,
                    state_label=REVIEW_LABELS.get(state, state),
                )
            )
        return rows

    def detail(self, record_id: str) -> dict[str, Any]:
        result: dict[str, Any] = self._call("GET", f"/api/v1/review/records/{record_id}")
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

    def incidents(self) -> dict[str, Any]:
        result: dict[str, Any] = self._call("GET", "/api/v1/review/incidents")
        return result

    def district_profile(self, district: str) -> dict[str, Any]:
        result: dict[str, Any] = self._call("GET", f"/api/v1/districts/{district}/profile")
        return result

    def themes(self, districts: list[str]) -> dict[str, str]:
        """The themes of the team leader's districts (code → name), for the filter."""
        found: dict[str, str] = {}
        for district in districts:
            profile = self.district_profile(district)
            for theme in profile.get("themes", []):
                found.setdefault(theme["code"], theme["name"])
            self.names.update({h["code"]: h["name"] for h in profile.get("hotspots", [])})
            self.names[district] = profile.get("name") or district
        self.names.update(found)
        return dict(sorted(found.items(), key=lambda pair: pair[1]))

    # ------------------------------------------------------------ indicators and hot times

    def indicators(self, district: str | None = None) -> dict[str, Any]:
        params = {"district": district} if district else {}
        result: dict[str, Any] = self._call("GET", "/api/v1/indicators", params=params)
        return result

    def indicator_lines(
        self, district: str | None = None
    ) -> tuple[list[int], list[IndicatorLine], str]:
        """Years, rows, and when the logs were last counted (the server counts nightly)."""
        table = self.indicators(district)
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
            )
            for row in table["rows"]
        ]
        return years, lines, counted

    def activity(
        self, district: str | None = None, *, weeks: int = 4, today: date | None = None
    ) -> dict[str, Any]:
        end = today or date.today()
        params: dict[str, Any] = {
            "date_from": (end - timedelta(weeks=weeks) + timedelta(days=1)).isoformat(),
            "date_to": end.isoformat(),
        }
        if district:
            params["district"] = district
        result: dict[str, Any] = self._call("GET", "/api/v1/hotspots/activity", params=params)
        return result

    def heat_map(self, district: str | None = None, *, today: date | None = None) -> HeatMap:
        data = self.activity(district, today=today)
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
