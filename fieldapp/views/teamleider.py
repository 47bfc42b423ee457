"""The team leader's screens (online only): Beoordelen, Indicatoren and Hot times.

All data comes from fieldapp.teamleader (plain, tested in pytest); this module
only lays it out. Calls to the server run in a thread so the page stays live.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import flet as ft

from fieldapp.components import style as s
from fieldapp.components.widgets import Banner, big_button, label_text, text_field
from fieldapp.labels import KIND_LABELS, REVIEW_LABELS
from fieldapp.state import SyncError
from fieldapp.teamleader import PERIODS, HeatMap, IndicatorLine, detail_lines, heat_colour

if TYPE_CHECKING:
    from fieldapp.views.shell import App

TABS = ("Beoordelen", "Indicatoren", "Hot times")
WIDE = 700  # from this page width the indicators are a table, else a card each
BASELINE_YEAR = 2022  # the programme's printed figures run to 2022
ALL = "alle"
STATE_COLOURS = {
    "nieuw": ("#FFF4E5", "#6B3500"),
    "beoordeeld": ("#E8F5E9", "#1B5E20"),
    "terug_naar_handhaver": ("#FDECEA", "#B3261E"),
    "afgesloten": ("#E3F2FD", "#0B3A6E"),
}


def _dropdown(
    label: str, options: dict[str, str], value: str, on_select: Callable[..., Any]
) -> ft.Control:
    # Its own semantics node: else Flutter reads the text after it as its name.
    return ft.Semantics(container=True, content=_plain_dropdown(label, options, value, on_select))


def _plain_dropdown(
    label: str, options: dict[str, str], value: str, on_select: Callable[..., Any]
) -> ft.Dropdown:
    return ft.Dropdown(
        label=label,
        value=value,
        options=[ft.dropdown.Option(key=k, text=v) for k, v in options.items()],
        text_size=s.SMALL,
        width=175,
        border_color=s.BORDER,
        filled=True,
        fill_color=s.SURFACE,
        on_select=on_select,
    )


def _chip(text: str, state: str) -> ft.Control:
    bg, fg = STATE_COLOURS.get(state, ("#EEEEEE", s.INK))
    return ft.Container(
        ft.Text(text, size=s.SMALL, color=fg, weight=ft.FontWeight.BOLD),
        bgcolor=bg,
        border=ft.Border.all(1, fg),
        border_radius=8,
        padding=ft.Padding.symmetric(horizontal=8, vertical=2),
    )


class TeamLeaderScreen:
    def __init__(self, app: App) -> None:
        self.app, self.state = app, app.state
        self.route = "/"
        self.tab = TABS[0]
        self.banner = Banner()
        self.tab_row = ft.Row(spacing=6)
        self.body = ft.Column(spacing=12)
        self.period, self.kind, self.review_state, self.theme = "28", ALL, ALL, ALL
        self.themes: dict[str, str] = {}
        self.district = self.state.districts[0] if self.state.districts else None
        self.opened: str | None = None  # the record whose detail is shown
        self._view = ft.View(
            route=self.route,
            appbar=app.appbar(
                "Teamleider",
                back=False,
                actions=[
                    ft.TextButton(
                        content=ft.Text("Uitloggen", size=s.TEXT, color="#FFFFFF"),
                        on_click=app.act(self._logout),
                    )
                ],
            ),
            controls=[
                # The tabs stay in view while the content scrolls under them.
                ft.Container(
                    ft.Column(
                        [
                            ft.Text(
                                f"Ingelogd als {self.state.officer_name()} · "
                                f"{', '.join(d.capitalize() for d in self.state.districts)}"
                                " · werkt alleen online",
                                size=s.SMALL,
                                color=s.MUTED,
                            ),
                            self.tab_row,
                        ],
                        spacing=8,
                    ),
                    padding=ft.Padding.only(left=16, right=16, top=12, bottom=4),
                ),
                ft.ListView(
                    [self.banner.control, self.body],
                    expand=True,
                    spacing=12,
                    padding=ft.Padding.only(left=16, right=16, top=8, bottom=16),
                ),
            ],
            padding=0,
            horizontal_alignment=ft.CrossAxisAlignment.STRETCH,
            bgcolor=s.PAGE_BG,
        )
        self._tabs()
        self.body.controls = [ft.Text("Laden…", size=s.TEXT, color=s.MUTED)]
        app.page.run_task(self._load)

    def view(self) -> ft.View:
        return self._view

    def refresh(self) -> None:
        """Nothing here follows the sync state (the shell calls this on every screen)."""

    # ------------------------------------------------------------ navigation

    def _tabs(self) -> None:
        def pick(name: str) -> Callable[[], Any]:
            async def handler() -> None:
                self.tab, self.opened = name, None
                self._tabs()
                await self._load()

            return handler

        self.tab_row.controls = [
            ft.Button(
                content=ft.Text(name, size=s.SMALL, weight=ft.FontWeight.BOLD),
                on_click=self.app.act(pick(name)),
                height=s.TOUCH,
                expand=True,
                style=ft.ButtonStyle(
                    bgcolor=s.PRIMARY if name == self.tab else s.SURFACE,
                    color="#FFFFFF" if name == self.tab else s.PRIMARY,
                    side=ft.BorderSide(2, s.PRIMARY),
                    shape=ft.RoundedRectangleBorder(radius=10),
                    padding=ft.Padding.symmetric(horizontal=4),
                ),
            )
            for name in TABS
        ]

    async def _load(self) -> None:
        self.banner.hide()
        try:
            if self.opened is not None:
                controls = await asyncio.to_thread(self._detail, self.opened)
            elif self.tab == "Beoordelen":
                controls = await asyncio.to_thread(self._review_list)
            elif self.tab == "Indicatoren":
                controls = await asyncio.to_thread(self._indicators)
            else:
                controls = await asyncio.to_thread(self._hot_times)
        except SyncError as exc:
            self.banner.show(exc.message, "error")
            controls = []
            if exc.code == "token_invalid":
                self.state.logout_teamleader()
        self.body.controls = controls
        self.app.page.update()

    def _reload(self) -> Callable[..., Any]:
        async def handler() -> None:
            await self._load()

        return self.app.act(handler)

    def _logout(self) -> None:
        self.state.logout_teamleader()

    # ------------------------------------------------------------ Beoordelen

    def _filters(self) -> ft.Control:
        def setter(name: str) -> Callable[..., Any]:
            async def handler(e: ft.Event[ft.Dropdown]) -> None:
                setattr(self, name, e.control.value or ALL)
                await self._load()

            return self.app.act(handler)

        if not self.themes:
            self.themes = self.state.teamleader.themes(self.state.districts)
        return ft.Row(
            [
                _dropdown("Periode: laatste", PERIODS, self.period, setter("period")),
                _dropdown("Soort", {ALL: "Alle soorten", **KIND_LABELS}, self.kind, setter("kind")),
                _dropdown(
                    "Thema", {ALL: "Alle thema's", **self.themes}, self.theme, setter("theme")
                ),
                _dropdown(
                    "Beoordeling",
                    {ALL: "Alle", **REVIEW_LABELS},
                    self.review_state,
                    setter("review_state"),
                ),
            ],
            wrap=True,
            spacing=8,
            run_spacing=8,
        )

    def _review_list(self) -> list[ft.Control]:
        def chosen(value: str) -> str | None:
            return None if value == ALL else value

        filters = self._filters()
        rows = self.state.teamleader.review_rows(
            period_days=int(self.period),
            kind=chosen(self.kind),
            theme=chosen(self.theme),
            state=chosen(self.review_state),
        )
        controls: list[ft.Control] = [filters]
        if not rows:
            controls.append(
                ft.Text(
                    "Geen registraties met deze filters. Registraties verschijnen hier "
                    "zodra een handhaver synchroniseert.",
                    size=s.TEXT,
                    color=s.MUTED,
                )
            )
        controls.append(ft.Text(f"{len(rows)} registraties", size=s.SMALL, color=s.MUTED))
        for row in rows:
            controls.append(
                ft.Container(
                    ft.Row(
                        [
                            ft.Column(
                                [
                                    ft.Text(
                                        row.title,
                                        size=s.TEXT,
                                        weight=ft.FontWeight.BOLD,
                                        color=s.INK,
                                    ),
                                    ft.Text(row.subtitle, size=s.SMALL, color=s.MUTED),
                                ],
                                spacing=2,
                                expand=True,
                            ),
                            _chip(row.state_label, row.state),
                        ]
                    ),
                    bgcolor=s.SURFACE,
                    border=ft.Border.all(1, s.BORDER),
                    border_radius=10,
                    padding=12,
                    ink=True,
                    on_click=self.app.act(self._open(row.id)),
                )
            )
        return controls

    def _open(self, record_id: str | None) -> Callable[[], Any]:
        async def handler() -> None:
            self.opened = record_id
            await self._load()

        return handler

    def _detail(self, record_id: str) -> list[ft.Control]:
        detail = self.state.teamleader.detail(record_id)
        remark = text_field(
            "Opmerking voor de handhaver",
            multiline=True,
            min_lines=2,
            max_lines=5,
            max_length=2000,
            expand=True,
        )
        result = Banner()

        def decide(state: str) -> Callable[[], Any]:
            async def handler() -> None:
                try:
                    await asyncio.to_thread(
                        self.state.teamleader.review, record_id, state, remark.value or ""
                    )
                except SyncError as exc:
                    result.show(exc.message, "error")
                    return
                self.app.snack(f"Opgeslagen: {REVIEW_LABELS[state]}")
                self.opened = None
                await self._load()

            return self.app.act(handler)

        fields: list[ft.Control] = [
            ft.Row(
                [
                    ft.Text(label, size=s.SMALL, color=s.MUTED, width=130),
                    ft.Text(text, size=s.TEXT, color=s.INK, expand=True),
                ],
                vertical_alignment=ft.CrossAxisAlignment.START,
            )
            for label, text in detail_lines(detail, self.state.teamleader.names)
        ]
        return [
            ft.Row(
                [
                    ft.TextButton(
                        content=ft.Text("‹ Terug naar de lijst", size=s.TEXT, color=s.PRIMARY),
                        on_click=self.app.act(self._open(None)),
                    )
                ]
            ),
            ft.Semantics(
                container=True,
                content=ft.Container(
                    ft.Column(fields, spacing=8),
                    bgcolor=s.SURFACE,
                    border=ft.Border.all(1, s.BORDER),
                    border_radius=10,
                    padding=12,
                ),
            ),
            ft.Semantics(container=True, content=label_text("Jouw beoordeling")),
            ft.Semantics(container=True, content=ft.Row([remark])),
            ft.Semantics(
                container=True,
                content=ft.Text(
                    "Terug naar handhaver kan alleen met een opmerking; de handhaver ziet die "
                    "na de volgende synchronisatie in Mijn log.",
                    size=s.SMALL,
                    color=s.MUTED,
                ),
            ),
            result.control,
            ft.Row(
                [
                    big_button("Beoordeeld", decide("beoordeeld"), height=s.TOUCH + 8, center=True),
                    big_button(
                        "Terug naar handhaver",
                        decide("terug_naar_handhaver"),
                        height=s.TOUCH + 8,
                        bgcolor=s.DANGER,
                        center=True,
                    ),
                ],
                spacing=8,
            ),
            ft.Row(
                [
                    big_button(
                        "Afgesloten",
                        decide("afgesloten"),
                        height=s.TOUCH + 8,
                        outlined=True,
                        center=True,
                    )
                ]
            ),
        ]

    # ------------------------------------------------------------ Indicatoren

    def _district_filter(self, *, everything: str) -> ft.Control:
        async def handler(e: ft.Event[ft.Dropdown]) -> None:
            value = e.control.value or ALL
            self.district = None if value == ALL else value
            await self._load()

        options = {ALL: everything, **{d: d.capitalize() for d in self.state.districts}}
        return _dropdown("Stadsdeel", options, self.district or ALL, self.app.act(handler))

    def _indicators(self) -> list[ft.Control]:
        years, lines, counted = self.state.teamleader.indicator_lines(self.district)
        table = ft.DataTable(
            columns=[
                ft.DataColumn(label=label_text("Indicator", size=s.SMALL)),
                ft.DataColumn(label=label_text("Bron", size=s.SMALL)),
                *[
                    ft.DataColumn(label=label_text(str(y), size=s.SMALL), numeric=True)
                    for y in years
                ],
            ],
            rows=[
                ft.DataRow(
                    cells=[
                        ft.DataCell(ft.Text(line.name, size=s.SMALL, color=s.INK, width=260)),
                        ft.DataCell(ft.Text(line.source, size=s.SMALL, color=s.MUTED)),
                        *[
                            ft.DataCell(ft.Text(cell, size=s.SMALL, color=s.INK))
                            for cell in line.cells
                        ],
                    ]
                )
                for line in lines
            ],
            column_spacing=16,
            data_row_min_height=40,
            data_row_max_height=72,
            bgcolor=s.SURFACE,
            border=ft.Border.all(1, s.BORDER),
            border_radius=10,
        )
        wide = (self.app.page.width or 0) >= WIDE
        shown: ft.Control = (
            ft.Row([table], scroll=ft.ScrollMode.AUTO)
            if wide
            else ft.Column([_indicator_card(line, years) for line in lines], spacing=8)
        )
        return [
            self._district_filter(everything="Al mijn stadsdelen"),
            _note(
                f"{years[0]}–2022: cijfers uit het programma (heel Haarlem). Latere jaren: "
                "geteld uit de registraties van het gekozen stadsdeel. “<5”: minder dan 5 "
                f"(afgeschermd); “–”: geen cijfer. {counted}"
            ),
            shown,
        ]

    # ------------------------------------------------------------ Hot times

    def _hot_times(self) -> list[ft.Control]:
        heat = self.state.teamleader.heat_map(self.district)
        ranked: list[ft.Control] = [
            ft.Row(
                [
                    ft.Text(f"{n}.", size=s.TEXT, color=s.MUTED, width=32),
                    ft.Text(name, size=s.TEXT, color=s.INK, expand=True),
                    ft.Text(str(count), size=s.TEXT, weight=ft.FontWeight.BOLD),
                ]
            )
            for n, (name, count) in enumerate(heat.ranked[:10], start=1)
        ]
        if not ranked:
            ranked = [ft.Text("Nog geen registraties in deze periode.", size=s.TEXT, color=s.MUTED)]
        return [
            self._district_filter(everything="Al mijn stadsdelen"),
            _note(
                f"Registraties per weekdag en uur, {heat.period} (laatste 4 weken): "
                f"{heat.total} in totaal. Hoe donkerder, hoe meer."
            ),
            ft.Row([_heat_grid(heat)], scroll=ft.ScrollMode.AUTO),
            label_text("Drukste focuslocaties"),
            *ranked,
        ]


def _indicator_card(line: IndicatorLine, years: list[int]) -> ft.Control:
    """One indicator on a phone: its name and source, and a figure per year (read
    out as one line by a screen reader)."""
    figures: list[ft.Control] = [
        ft.Container(
            ft.Text(f"{year}: {cell}", size=s.SMALL, color=s.INK),
            bgcolor=s.PAGE_BG if year <= BASELINE_YEAR else s.OK_BG,
            border_radius=6,
            padding=ft.Padding.symmetric(horizontal=6, vertical=2),
        )
        for year, cell in zip(years, line.cells, strict=False)
    ]
    return ft.Semantics(
        container=True,
        content=ft.Container(
            ft.Column(
                [
                    ft.Text(line.name, size=s.TEXT, weight=ft.FontWeight.BOLD, color=s.INK),
                    ft.Text(f"Bron: {line.source}", size=s.SMALL, color=s.MUTED),
                    ft.Row(figures, wrap=True, spacing=6, run_spacing=6),
                ],
                spacing=4,
            ),
            bgcolor=s.SURFACE,
            border=ft.Border.all(1, s.BORDER),
            border_radius=10,
            padding=10,
        ),
    )


def _note(text: str) -> ft.Control:
    """An explanation in its own semantics node (not merged into a filter's name)."""
    return ft.Semantics(container=True, content=ft.Text(text, size=s.SMALL, color=s.MUTED))


def _heat_grid(heat: HeatMap) -> ft.Control:
    cell = 14
    top: list[ft.Control] = [ft.Container(width=28)]
    hours = ft.Row(
        top
        + [
            ft.Container(
                ft.Text(str(h) if h % 3 == 0 else "", size=11, color=s.MUTED),
                width=cell,
            )
            for h in range(24)
        ],
        spacing=1,
    )
    rows: list[ft.Control] = [hours]
    for day, counts in zip(heat.weekdays, heat.matrix, strict=False):
        first: list[ft.Control] = [ft.Container(ft.Text(day, size=12, color=s.INK), width=28)]
        rows.append(
            ft.Row(
                first
                + [
                    ft.Container(
                        width=cell,
                        height=cell + 6,
                        bgcolor=heat_colour(count, heat.maximum),
                        border=ft.Border.all(0.5, "#C5CDD6"),
                        tooltip=f"{day} {h}:00 – {count}",
                    )
                    for h, count in enumerate(counts)
                ],
                spacing=1,
            )
        )
    return ft.Semantics(
        label=f"Hot times: weekdag × uur, {heat.total} registraties",
        content=ft.Column(rows, spacing=1),
    )
