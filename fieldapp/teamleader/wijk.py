"""The team leader's district work (issue 13), flet-free: focus locations to
manage on a map (create, move, rename, retire, themes, period), activity per
focus location over a period and theme, the officers' logs and residents'
reports as map layers, and district actions (wijkacties) with their results.

Calls follow the contract in docs/api-wijk.md, through the team leader's
authenticated request (TeamLeader._call): one place for the token, the Dutch
error messages and the offline message.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from fieldapp.dates import parse_date
from fieldapp.http_client import SyncError
from fieldapp.map_tiles import template_from_reply
from fieldapp.teamleader.client import READ_REASON
from fieldapp.teamleader.dates import haarlem_today
from fieldapp.teamleader.hot_times import WEEKDAYS

if TYPE_CHECKING:
    from fieldapp.teamleader.client import TeamLeader

__all__ = [
    "ACTIVITY_COLOURS",
    "HotTime",
    "ManagedHotspot",
    "MapPoint",
    "Wijk",
    "Wijkactie",
    "WijkactieResult",
    "activity_style",
    "hot_times_text",
    "parse_hot_times",
    "parse_period",
]

API = "/api/v1"
# Quiet → busy: grey for none, then the heat map's blues.
ACTIVITY_COLOURS = ["#8A96A3", "#6E9FD3", "#2F6DB5", "#0B3A6E", "#B3261E"]


@dataclass(frozen=True)
class ManagedHotspot:
    code: str
    name: str
    district: str
    themes: list[str]
    lat: float | None
    lon: float | None
    retired: bool = False
    valid_from: str | None = None
    valid_to: str | None = None
    approximate: bool = False

    @classmethod
    def from_api(cls, data: dict[str, Any]) -> ManagedHotspot:
        return cls(
            code=str(data["code"]),
            name=str(data["name"]),
            district=str(data["district"]),
            themes=list(data.get("themes") or []),
            lat=data.get("lat"),
            lon=data.get("lon"),
            retired=bool(data.get("retired")),
            valid_from=data.get("valid_from"),
            valid_to=data.get("valid_to"),
            approximate=bool(data.get("approximate")),
        )


@dataclass(frozen=True)
class MapPoint:
    """One log or one resident's report on the map (no personal data)."""

    lat: float
    lon: float
    label: str


@dataclass(frozen=True)
class HotTime:
    weekday: int  # 0 = maandag
    start_hour: int
    end_hour: int


@dataclass(frozen=True)
class Wijkactie:
    id: str
    district: str
    title: str
    themes: list[str]
    hotspots: list[str]
    starts_on: str
    ends_on: str
    hot_times: list[HotTime]
    goal: str = ""
    target: int | None = None
    team: str = ""
    officers: list[str] = field(default_factory=list)

    @classmethod
    def from_api(cls, data: dict[str, Any]) -> Wijkactie:
        return cls(
            id=str(data["id"]),
            district=str(data["district"]),
            title=str(data["title"]),
            themes=list(data.get("themes") or []),
            hotspots=list(data.get("hotspots") or []),
            starts_on=str(data["starts_on"]),
            ends_on=str(data["ends_on"]),
            hot_times=[
                HotTime(int(t["weekday"]), int(t["start_hour"]), int(t["end_hour"]))
                for t in data.get("hot_times") or []
            ],
            goal=str(data.get("goal") or ""),
            target=data.get("target"),
            team=str(data.get("team") or ""),
            officers=[str(o) for o in data.get("officers") or []],
        )


@dataclass(frozen=True)
class WijkactieResult:
    actie: Wijkactie
    total: int
    by_kind: dict[str, int]
    by_actie: dict[str, int]
    meldingen: dict[str, int | None]  # before, during, after (None: not yet), days

    @classmethod
    def from_api(cls, data: dict[str, Any]) -> WijkactieResult:
        entries = data.get("entries") or {}
        return cls(
            actie=Wijkactie.from_api(data["wijkactie"]),
            total=int(entries.get("total") or 0),
            by_kind={str(k): int(v) for k, v in (entries.get("by_kind") or {}).items()},
            by_actie={str(k): int(v) for k, v in (entries.get("by_actie") or {}).items()},
            meldingen={
                str(k): None if v is None else int(v)
                for k, v in (data.get("meldingen") or {}).items()
            },
        )


def activity_style(count: int, maximum: int) -> tuple[float, str]:
    """A focus location's marker size and colour for its activity: the busiest
    largest and darkest, none small and grey."""
    if count <= 0 or maximum <= 0:
        return 28.0, ACTIVITY_COLOURS[0]
    share = count / maximum
    step = min(len(ACTIVITY_COLOURS) - 1, 1 + int(share * (len(ACTIVITY_COLOURS) - 1)))
    return 28.0 + 28.0 * share, ACTIVITY_COLOURS[step]


_DAY_INDEX = {name: i for i, name in enumerate(WEEKDAYS)}


def parse_hot_times(text: str) -> list[HotTime]:
    """Hot times as a team leader types them: "vr-za 20-23, zo 14-18" (days
    ma…zo, a range or one day, hours as from-to). A mistake raises ValueError
    with a Dutch message naming the part."""
    found: list[HotTime] = []
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        try:
            days, hours = part.split()
            first, _, last = days.partition("-")
            start, end = (int(h) for h in hours.split("-"))
            d1, d2 = _DAY_INDEX[first], _DAY_INDEX[last or first]
        except (ValueError, KeyError):
            raise ValueError(f"'{part}' is geen dag en uren, bijvoorbeeld 'vr-za 20-23'") from None
        if not (0 <= start < end <= 24) or d2 < d1:
            raise ValueError(f"'{part}': van-tot klopt niet (uren 0–24, dagen ma…zo)")
        found.extend(HotTime(day, start, end) for day in range(d1, d2 + 1))
    return found


def parse_period(start_text: str, end_text: str) -> tuple[str | None, str | None]:
    """A focus location's period as typed (dd-mm-jjjj, either end may stay empty:
    open-ended) as the API's ISO days. A mistake raises ValueError in Dutch."""
    days: list[str | None] = []
    for text, what in ((start_text, "De begindatum"), (end_text, "De einddatum")):
        text = text.strip()
        if not text:
            days.append(None)
            continue
        day = parse_date(text)
        if day is None:
            raise ValueError(f"{what} is geen bestaande datum; typ dd-mm-jjjj.")
        days.append(day.isoformat())
    start, end = days
    if start and end and start > end:
        raise ValueError("De begindatum ligt na de einddatum.")
    return start, end


def hot_times_text(times: list[HotTime]) -> str:
    return ", ".join(f"{WEEKDAYS[t.weekday]} {t.start_hour}–{t.end_hour} u" for t in times)


class Wijk:
    """The district calls of one team leader (see docs/api-wijk.md)."""

    def __init__(self, leader: TeamLeader) -> None:
        self.leader = leader

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        return self.leader._call(method, API + path, **kwargs)

    # ------------------------------------------------------------ focus locations

    def hotspots(
        self, district: str | None, *, include_retired: bool = False
    ) -> list[ManagedHotspot]:
        params: dict[str, Any] = {"include_retired": str(include_retired).lower()}
        if district:
            params["district"] = district
        rows = self._call("GET", "/hotspots", params=params)
        return [ManagedHotspot.from_api(row) for row in rows]

    def create_hotspot(
        self, name: str, district: str, lat: float, lon: float, themes: list[str] | None = None
    ) -> ManagedHotspot:
        if not name.strip():
            raise SyncError("invalid_request", "Geef de focuslocatie een naam.")
        body = {"name": name.strip(), "district": district, "lat": lat, "lon": lon}
        body["themes"] = themes or []
        return ManagedHotspot.from_api(self._call("POST", "/hotspots", json=body))

    def update_hotspot(self, code: str, **changes: Any) -> ManagedHotspot:
        """A move is `lat`/`lon`; also `name`, `themes`, `valid_from`, `valid_to`."""
        return ManagedHotspot.from_api(self._call("PATCH", f"/hotspots/{code}", json=changes))

    def retire_hotspot(self, code: str) -> ManagedHotspot:
        return ManagedHotspot.from_api(self._call("POST", f"/hotspots/{code}/retire"))

    def activity(
        self, district: str | None, *, days: int = 28, theme: str | None = None
    ) -> dict[str, int]:
        """Logs per focus location (code → count) over the last `days` days."""
        end = haarlem_today()
        params: dict[str, Any] = {
            "date_from": (end - timedelta(days=days - 1)).isoformat(),
            "date_to": end.isoformat(),
        }
        if district:
            params["district"] = district
        if theme:
            params["theme"] = theme
        data = self._call("GET", "/hotspots/activity", params=params)
        return {str(h["code"]): int(h["count"]) for h in data["by_hotspot"] if h.get("code")}

    # ------------------------------------------------------------ map layers

    def tile_template(self) -> str | None:
        """The base map as the server hands it out (its caching tile proxy),
        absolute; None when it has none or answers something else."""
        reply = self._call("GET", "/map/settings")
        try:
            return template_from_reply(self.leader._enrolment().server_url, reply)
        except (ValueError, KeyError, TypeError):
            return None

    def _period(self, district: str | None, days: int) -> dict[str, Any]:
        end = haarlem_today()
        params: dict[str, Any] = {
            "date_from": (end - timedelta(days=days - 1)).isoformat(),
            "date_to": end.isoformat(),
        }
        if district:
            params["district"] = district
        return params

    def meldingen(self, district: str | None, *, days: int = 28) -> list[MapPoint]:
        rows = self._call("GET", "/meldingen", params=self._period(district, days))
        return [
            MapPoint(float(r["lat"]), float(r["lon"]), f"Melding: {r.get('category') or ''}")
            for r in rows
            if r.get("lat") is not None and r.get("lon") is not None
        ]

    def logs(self, district: str | None, *, days: int = 28) -> list[MapPoint]:
        params = {**self._period(district, days), **READ_REASON}
        data = json.loads(self.leader._get_bytes(API + "/review/export.geojson", params=params))
        points = []
        for feature in data.get("features") or []:
            lon, lat = feature["geometry"]["coordinates"][:2]
            kind = (feature.get("properties") or {}).get("kind") or ""
            points.append(MapPoint(float(lat), float(lon), f"Registratie: {kind}"))
        return points

    # ------------------------------------------------------------ wijkacties

    def officers(self, district: str) -> dict[int, str]:
        """The handhavers of one district (id → name): who can be planned on its
        actions (the server refuses anyone else)."""
        rows = self._call("GET", "/review/officers", params={"district": district})
        return {int(r["id"]): str(r["name"]) for r in rows}

    def wijkacties(self, district: str | None, *, active_on: date | None = None) -> list[Wijkactie]:
        params: dict[str, Any] = {}
        if district:
            params["district"] = district
        if active_on:
            params["active_on"] = active_on.isoformat()
        return [Wijkactie.from_api(r) for r in self._call("GET", "/wijkacties", params=params)]

    def plan(self, body: dict[str, Any]) -> Wijkactie:
        return Wijkactie.from_api(self._call("POST", "/wijkacties", json=body))

    def result(self, actie_id: str) -> WijkactieResult:
        return WijkactieResult.from_api(self._call("GET", f"/wijkacties/{actie_id}/result"))
