"""Kaart: the team leader's map of their district. Focus locations sized and
coloured by their logs over a chosen period and theme, the officers' logs and the
residents' reports as layers to switch on, and managing the focus locations
(create by tapping the map, move by dragging the selected one's marker or by
tapping its new spot, rename, retire, its
themes and the period it is a focus location) through the server
(docs/api-wijk.md). Phones get every change on their next pull.

The hot times (weekday × hour) are the neighbouring tab; this one is the where.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import flet as ft
import flet_map as fm

from fieldapp.components import style as s
from fieldapp.components.map import MapMarker, map_control, tile_url
from fieldapp.http_client import SyncError
from fieldapp.state.map_points import HAARLEM
from fieldapp.teamleader.dates import day_text
from fieldapp.teamleader.wijk import ManagedHotspot, Wijk, activity_style, parse_period
from fieldapp.views.teamleider.parts import dropdown, note, section, small_button

if TYPE_CHECKING:
    from collections.abc import Callable

    from fieldapp.views.teamleider.tab_host import TabHost

__all__ = ["KaartTab"]

PERIODS = {"7": "Laatste week", "28": "Laatste 4 weken", "91": "Laatste 3 maanden"}
ALL_THEMES = "alle"
LOG_COLOUR, MELDING_COLOUR = "#2E7D32", "#EF6C00"


class KaartTab:
    def __init__(self, screen: TabHost) -> None:
        self.screen, self.leader = screen, screen.leader
        self.days, self.theme = "28", ALL_THEMES
        self.show_logs = self.show_meldingen = False
        self.selected: str | None = None
        self.mode: str | None = None  # "create" or "move": the next tap on the map does it
        self.name = ft.TextField(label="Naam", dense=True, width=260)
        # The selected focus location's themes and period, as being edited: made
        # afresh when another one is selected, kept across reloads until saved.
        self.theme_boxes: dict[str, ft.Checkbox] = {}
        self.details = False  # the themes and period shown for editing
        self.valid_from = ft.TextField(
            label="Focuslocatie vanaf (dd-mm-jjjj)", dense=True, width=240
        )
        self.valid_to = ft.TextField(label="Tot en met (dd-mm-jjjj)", dense=True, width=240)
        self.hotspots: dict[str, ManagedHotspot] = {}
        self.tiles: str | None = None  # the server's base map, asked once per tab
        self.tiles_asked = False

    @property
    def wijk(self) -> Wijk:
        return Wijk(self.leader.client)

    def build(self) -> list[ft.Control]:
        district = self.screen.district
        theme = None if self.theme == ALL_THEMES else self.theme
        self.hotspots = {h.code: h for h in self.wijk.hotspots(district)}
        counts = self.wijk.activity(district, days=int(self.days), theme=theme)
        layers = [self._spot_markers(counts, theme)]
        if self.show_logs:
            layers.insert(
                0, self._points(self.wijk.logs(district, days=int(self.days)), LOG_COLOUR)
            )
        if self.show_meldingen:
            points = self.wijk.meldingen(district, days=int(self.days))
            layers.insert(0, self._points(points, MELDING_COLOUR))
        placed = [h for h in self.hotspots.values() if h.lat is not None and h.lon is not None]
        center = (
            (
                sum(h.lat or 0 for h in placed) / len(placed),
                sum(h.lon or 0 for h in placed) / len(placed),
            )
            if placed
            else HAARLEM
        )
        return [
            ft.Row(
                [
                    self.screen.district_filter(everything="Al mijn stadsdelen"),
                    dropdown("Periode", PERIODS, self.days, self._set("days")),
                    dropdown(
                        "Thema",
                        {ALL_THEMES: "Alle thema's", **self.screen.themes()},
                        self.theme,
                        self._set("theme"),
                    ),
                ],
                wrap=True,
            ),
            ft.Row(
                [
                    self._switch("Registraties handhavers", "show_logs"),
                    self._switch("Meldingen bewoners", "show_meldingen"),
                ],
                wrap=True,
            ),
            *self._panel(),
            note(
                "Hoe groter en donkerder, hoe meer registraties in de periode. "
                "Tik op een focuslocatie om haar te beheren; sleep de gekozen (rode) "
                "naar haar nieuwe plek. De hot times staan in het tabblad Hot times."
            ),
            map_control(
                layers,
                center=center,
                host=self.screen.app,
                tiles=tile_url(server=self._server_tiles()),
                zoom=13.5,
                height=440,
                on_tap=self._tapped,
            ),
        ]

    def _server_tiles(self) -> str | None:
        """The server's base map template; without one (or without an answer) the
        map is a plain field with the markers."""
        if not self.tiles_asked:
            self.tiles_asked = True
            try:
                self.tiles = self.wijk.tile_template()
            except SyncError:
                self.tiles = None
        return self.tiles

    # ------------------------------------------------------------ layers

    def _spot_markers(self, counts: dict[str, int], theme: str | None) -> list[MapMarker]:
        maximum = max(counts.values(), default=0)
        markers = []
        for spot in self.hotspots.values():
            if spot.lat is None or spot.lon is None or spot.retired:
                continue
            if theme and spot.themes and theme not in spot.themes:
                continue
            count = counts.get(spot.code, 0)
            size, colour = activity_style(count, maximum)
            chosen = spot.code == self.selected
            markers.append(
                MapMarker(
                    spot.lat,
                    spot.lon,
                    f"{spot.name}: {count} registraties",
                    colour=s.DANGER if chosen else colour,
                    size=size,
                    on_click=self._select(spot.code),
                    # Only the selected one drags: panning the map never moves a spot.
                    on_drag=self._dragged(spot.code) if chosen else None,
                )
            )
        return markers

    @staticmethod
    def _points(points: list[Any], colour: str) -> list[MapMarker]:
        return [
            MapMarker(p.lat, p.lon, p.label, colour=colour, size=18, icon=ft.Icons.CIRCLE)
            for p in points
        ]

    # ------------------------------------------------------------ managing

    def _panel(self) -> list[ft.Control]:
        spot = self.hotspots.get(self.selected or "")
        waiting = {
            "create": "Tik op de kaart waar de nieuwe focuslocatie komt.",
            "move": "Tik op de kaart op de nieuwe plek.",
        }.get(self.mode or "")
        controls: list[ft.Control] = [section("Focuslocaties beheren")]
        if waiting:
            controls.append(ft.Text(waiting, size=s.TEXT, color=s.DANGER))
        if spot is None:
            self.name.value = self.name.value if self.mode == "create" else ""
            controls += [
                ft.Row(
                    [
                        self.name,
                        small_button(
                            "Nieuwe focuslocatie op de kaart",
                            self.screen.app.act(self._start("create")),
                            icon=ft.Icons.ADD_LOCATION_ALT,
                        ),
                    ],
                    wrap=True,
                ),
            ]
            return controls
        self.name.value = spot.name
        if not self.theme_boxes:
            self._edit_fields(spot)
        controls += [
            ft.Text(
                f"{spot.name} · {spot.lat:.5f}, {spot.lon:.5f}"
                + (" (plek bij benadering)" if spot.approximate else ""),
                size=s.TEXT,
                color=s.INK,
            ),
            ft.Text(self._summary(spot), size=s.SMALL, color=s.MUTED),
            ft.Row(
                [
                    self.name,
                    small_button("Naam opslaan", self.screen.app.act(self._rename)),
                    small_button(
                        "Verplaatsen",
                        self.screen.app.act(self._start("move")),
                        icon=ft.Icons.OPEN_WITH,
                    ),
                    small_button("Buiten gebruik", self.screen.app.act(self._retire)),
                    small_button(
                        "Thema's en periode",
                        self.screen.app.act(self._toggle_details),
                        icon=ft.Icons.EXPAND_LESS if self.details else ft.Icons.EXPAND_MORE,
                    ),
                    small_button("Sluiten", self.screen.app.act(self._select(None))),
                ],
                wrap=True,
            ),
        ]
        if not self.details:
            return controls
        # Below the buttons and folded away by default: the map stays near the top.
        controls += [
            ft.Row(list(self.theme_boxes.values()), wrap=True),
            ft.Row(
                [
                    self.valid_from,
                    self.valid_to,
                    small_button(
                        "Thema's en periode opslaan",
                        self.screen.app.act(self._save_details),
                        icon=ft.Icons.SAVE,
                    ),
                ],
                wrap=True,
            ),
            note("Een lege datum: zonder begin of zonder einde."),
        ]
        return controls

    async def _toggle_details(self) -> None:
        self.details = not self.details
        await self.screen.load()

    def _summary(self, spot: ManagedHotspot) -> str:
        names = self.screen.themes()
        themes = ", ".join(names.get(t, t) for t in spot.themes) or "alle thema's"
        if spot.valid_from or spot.valid_to:
            period = f"{day_text(spot.valid_from)} t/m {day_text(spot.valid_to)}"
        else:
            period = "altijd"
        return f"Thema's: {themes} · periode: {period}"

    def _edit_fields(self, spot: ManagedHotspot) -> None:
        self.theme_boxes = {
            code: ft.Checkbox(label=name, value=code in spot.themes)
            for code, name in self.screen.themes().items()
        }
        self.valid_from.value = day_text(spot.valid_from) if spot.valid_from else ""
        self.valid_to.value = day_text(spot.valid_to) if spot.valid_to else ""

    async def _save_details(self) -> None:
        code = self.selected
        if not code:
            return
        try:
            start, end = parse_period(self.valid_from.value or "", self.valid_to.value or "")
        except ValueError as exc:
            self.screen.banner.show(str(exc), "error")
            return
        themes = [c for c, box in self.theme_boxes.items() if box.value]
        saved = await self.screen.attempt(
            lambda: self.wijk.update_hotspot(code, themes=themes, valid_from=start, valid_to=end)
        )
        if saved is not None:
            self.theme_boxes, self.details = {}, False
            self.screen.app.snack(
                "Opgeslagen; telefoons krijgen het bij de volgende synchronisatie."
            )
            await self.screen.load()

    def _select(self, code: str | None) -> Callable[[], Any]:
        async def handler() -> None:
            self.selected, self.mode = code, None
            self.theme_boxes, self.details = {}, False
            await self.screen.load()

        return handler

    def _start(self, mode: str) -> Callable[[], Any]:
        async def handler() -> None:
            if mode == "create" and not (self.name.value or "").strip():
                self.screen.banner.show("Typ eerst de naam van de nieuwe focuslocatie.", "error")
                return
            self.mode = mode
            await self.screen.load()

        return handler

    async def _tapped(self, e: fm.MapTapEvent) -> None:
        lat, lon = e.coordinates.latitude, e.coordinates.longitude
        done: ManagedHotspot | None
        if self.mode == "move" and self.selected:
            done = await self.screen.attempt(
                lambda: self.wijk.update_hotspot(str(self.selected), lat=lat, lon=lon)
            )
        elif self.mode == "create":
            district = self.screen.district or (self.leader.districts or [""])[0]
            name = (self.name.value or "").strip()
            done = await self.screen.attempt(
                lambda: self.wijk.create_hotspot(name, district, lat, lon)
            )
            if done is not None:
                self.selected = done.code
        else:
            return
        if done is not None:
            self.mode = None
            self.screen.app.snack(
                "Opgeslagen; telefoons krijgen het bij de volgende synchronisatie."
            )
            await self.screen.load()

    def _dragged(self, code: str) -> Callable[[float, float], Any]:
        async def handler(lat: float, lon: float) -> None:
            moved = await self.screen.attempt(
                lambda: self.wijk.update_hotspot(code, lat=round(lat, 6), lon=round(lon, 6))
            )
            if moved is not None:
                self.mode = None
                self.screen.app.snack(
                    "Verplaatst; telefoons krijgen het bij de volgende synchronisatie."
                )
            await self.screen.load()

        return handler

    async def _rename(self) -> None:
        code, name = self.selected, (self.name.value or "").strip()
        if not code or not name:
            return
        renamed = await self.screen.attempt(lambda: self.wijk.update_hotspot(code, name=name))
        if renamed is not None:
            await self.screen.load()

    async def _retire(self) -> None:
        code = self.selected
        if not code:
            return
        retired = await self.screen.attempt(lambda: self.wijk.retire_hotspot(code))
        if retired is not None:
            self.selected = None
            self.screen.app.snack("Buiten gebruik gesteld; de registraties blijven bewaard.")
            await self.screen.load()

    def _set(self, name: str) -> Callable[..., Any]:
        async def handler(e: ft.Event[ft.Dropdown]) -> None:
            setattr(self, name, e.control.value)
            await self.screen.load()

        return self.screen.app.act(handler)

    def _switch(self, label: str, name: str) -> ft.Control:
        async def handler(e: ft.Event[ft.Switch]) -> None:
            setattr(self, name, bool(e.control.value))
            await self.screen.load()

        return ft.Switch(
            label=label, value=getattr(self, name), on_change=self.screen.app.act(handler)
        )
