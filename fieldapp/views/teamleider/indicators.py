"""Indicatoren: the programme's table (rows are indicators, columns are years) and
a trend chart of one indicator.

Every row names its source (officers' logs or residents' reports, or an import).
The programme's 2019–2022 baseline is Haarlem-wide: it is shown (grey) only
beside Haarlem-wide figures; a district's chart shows the district's own years
only, with the Haarlem-wide chart as a separate one under it. The table can show
today's figures counted live beside the nightly stand, each labelled."""

from __future__ import annotations

import math
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import flet as ft
import flet_charts as fch

from fieldapp.components import label_text
from fieldapp.components import style as s
from fieldapp.state import SyncError
from fieldapp.teamleader import IndicatorLine, Trend
from fieldapp.teamleader.indicators import IndicatorTableView
from fieldapp.views.teamleider.parts import ALL, card, dropdown, note, small_button

if TYPE_CHECKING:
    from fieldapp.views.teamleider.tab_host import TabHost

WIDE = 700  # from this page width the indicators are a table, else a card each
BASELINE_YEAR = 2022  # the programme's printed figures run to 2022
BASELINE_COLOUR = "#8C96A3"
COUNTED_COLOUR = s.PRIMARY
PREFERRED = "Uitgedeelde gele kaarten"
LABEL_SIZE = 12  # the smallest text on a chart (px)
NARROW = 480  # below this page width a chart with many bars shows years as ’19


def nice_top(maximum: float) -> tuple[float, float]:
    """A round top for the y axis and a whole, round step between grid lines
    (counts are whole numbers: no tick at 2,5)."""
    if maximum <= 0:
        return 5.0, 1.0
    magnitude = 10 ** max(0, math.floor(math.log10(maximum)) - 1)
    while True:
        for factor in (1, 2, 2.5, 5):
            step = factor * magnitude
            if not float(step).is_integer():
                continue
            top = step * math.ceil(maximum / step)
            if top / step <= 5:
                return float(top), float(step)
        magnitude *= 10


def year_caption(caption: str, *, narrow: bool) -> str:
    """On a narrow screen "2019" becomes "’19", so eight years fit at 360 px."""
    if narrow and len(caption) == 4 and caption.isdigit():
        return f"’{caption[2:]}"
    return caption


class IndicatorsTab:
    def __init__(self, screen: TabHost) -> None:
        self.screen, self.app, self.leader = screen, screen.app, screen.leader
        self.mode = "tabel"  # or "grafiek"
        self.chosen: str | None = None  # indicator code in the chart
        self.theme: str | None = None  # only logs of this theme (table and chart)
        self.live = False  # the table shows today's count beside the nightly stand

    def build(self) -> list[ft.Control]:
        controls = [
            ft.Row(
                [self.screen.district_filter(everything="Al mijn stadsdelen"), self._theme()],
                wrap=True,
                spacing=8,
                run_spacing=8,
            ),
            self._modes(),
        ]
        if self.mode == "grafiek":
            return controls + self._chart()
        return controls + self._table()

    def _theme(self) -> ft.Control:
        async def handler(e: ft.Event[ft.Dropdown]) -> None:
            value = e.control.value or ALL
            self.theme = None if value == ALL else value
            await self.screen.load()

        options = {ALL: "Alle thema's", **self.screen.themes()}
        return dropdown("Thema", options, self.theme or ALL, self.app.act(handler))

    def _modes(self) -> ft.Control:
        def pick(mode: str) -> Any:
            async def handler() -> None:
                self.mode = mode
                await self.screen.load()

            return self.app.act(handler)

        return ft.Row(
            [
                small_button(
                    "Tabel", pick("tabel"), icon=ft.Icons.TABLE_CHART, primary=self.mode == "tabel"
                ),
                small_button(
                    "Grafiek",
                    pick("grafiek"),
                    icon=ft.Icons.BAR_CHART,
                    primary=self.mode == "grafiek",
                ),
            ],
            spacing=8,
        )

    # ------------------------------------------------------------ table

    def _table(self) -> list[ft.Control]:
        view, counted = self.leader.client.indicator_table(
            self.screen.district, self.theme, live=self.live
        )
        years = view.years
        table = ft.DataTable(
            columns=[
                ft.DataColumn(label=label_text("Indicator", size=s.SMALL)),
                ft.DataColumn(label=label_text("Bron", size=s.SMALL)),
                ft.DataColumn(label=label_text("Gebied", size=s.SMALL)),
                *[
                    ft.DataColumn(label=label_text(str(y), size=s.SMALL), numeric=True)
                    for y in years
                ],
                *(
                    [ft.DataColumn(label=label_text(view.live_header, size=s.SMALL), numeric=True)]
                    if view.live_header
                    else []
                ),
            ],
            rows=[
                ft.DataRow(
                    cells=[
                        ft.DataCell(
                            ft.Text(
                                line.name,
                                size=s.SMALL,
                                color=s.MUTED if line.haarlem else s.INK,
                                width=260,
                            )
                        ),
                        ft.DataCell(ft.Text(line.source, size=s.SMALL, color=s.MUTED)),
                        ft.DataCell(ft.Text(line.area, size=s.SMALL, color=s.MUTED)),
                        *[
                            ft.DataCell(ft.Text(cell, size=s.SMALL, color=s.INK))
                            for cell in line.cells
                        ],
                        *(
                            [ft.DataCell(ft.Text(line.live or "–", size=s.SMALL, color=s.INK))]
                            if view.live_header
                            else []
                        ),
                    ]
                )
                for line in view.lines
            ],
            column_spacing=16,
            data_row_min_height=40,
            data_row_max_height=72,
            bgcolor=s.SURFACE,
            border=ft.Border.all(1, s.BORDER),
            border_radius=10,
        )
        wide = self.app.width >= WIDE
        shown: ft.Control = (
            ft.Row([table], scroll=ft.ScrollMode.AUTO)
            if wide
            else ft.Column([_indicator_card(line, view) for line in view.lines], spacing=8)
        )
        return [self._live_switch(), note(_table_note(view, counted)), shown]

    def _live_switch(self) -> ft.Control:
        async def toggle() -> None:
            self.live = not self.live
            await self.screen.load()

        return small_button(
            "Zonder vandaag (live)" if self.live else "Vandaag (live) erbij",
            self.app.act(toggle),
            icon=ft.Icons.UPDATE,
            primary=self.live,
        )

    # ------------------------------------------------------------ chart

    def _chart(self) -> list[ft.Control]:
        trends = self.leader.client.trends(self.screen.district, self.theme)
        if not trends:
            return [note("Nog geen cijfers om te tonen.")]
        codes = [t.code for t in trends]
        if self.chosen not in codes:
            self.chosen = next((t.code for t in trends if t.name == PREFERRED), codes[0])
        trend = next(t for t in trends if t.code == self.chosen)

        async def pick(e: ft.Event[ft.Dropdown]) -> None:
            self.chosen = e.control.value
            await self.screen.load()

        options = {t.code: t.name for t in trends}
        narrow = self.app.width < NARROW
        counted = [p for p in trend.points if not p.baseline]
        by_month: list[ft.Control] = []
        if counted:
            try:
                months = self.leader.client.months(
                    trend.code, counted[-1].year, self.screen.district, self.theme
                )
                months = replace(months, area=trend.area)
                by_month = [trend_chart(months, height=200, narrow=narrow)]
            except SyncError as exc:
                if exc.code != "not_found":  # an indicator from another source: no months
                    raise
        haarlem = [trend_chart(trend.haarlem, narrow=narrow)] if trend.haarlem else []
        if trend.haarlem is not None or trend.area == "heel Haarlem":
            explained = (
                "Grijs: 2019–2022, de nulmeting uit het programma; die geldt voor heel "
                "Haarlem en staat daarom alleen bij de cijfers van heel Haarlem. "
            )
        else:
            explained = ""
        return [
            dropdown("Indicator", options, trend.code, self.app.act(pick), width=340),
            trend_chart(trend, narrow=narrow),
            *by_month,
            *haarlem,
            note(
                f"Bovenste grafieken: {trend.area or 'het gekozen gebied'}, alleen vergeleken "
                f"met de eigen eerdere jaren. {explained}Blauw: geteld ({trend.source}). "
                "Geen staaf: geen cijfer, of afgeschermd (“<5” of “x”)."
            ),
        ]


def trend_chart(trend: Trend, *, height: int = 260, narrow: bool = False) -> ft.Control:
    """One bar per year; the figure is read out by a screen reader as one line.
    Ticks are whole numbers, every label is at least 12 px, and on a narrow
    screen years are shortened so they do not run into each other."""
    top, step = nice_top(trend.maximum)
    short = narrow and len(trend.points) > 6
    ticks = [step * i for i in range(int(round(top / step)) + 1)]
    groups = [
        fch.BarChartGroup(
            x=index,
            rods=[
                fch.BarChartRod(
                    from_y=0,
                    to_y=point.value if point.value is not None else 0,
                    width=14 if short else 22,
                    color=BASELINE_COLOUR if point.baseline else COUNTED_COLOUR,
                    border_radius=3,
                    tooltip=f"{point.caption}: {point.text}",
                )
            ],
        )
        for index, point in enumerate(trend.points)
    ]
    chart = fch.BarChart(
        groups=groups,
        min_y=0,
        max_y=top,
        height=height,
        expand=True,
        interactive=True,
        horizontal_grid_lines=fch.ChartGridLines(interval=step, color="#D5DBE2", width=1),
        left_axis=fch.ChartAxis(
            label_size=44,
            labels=[
                fch.ChartAxisLabel(
                    value=tick, label=ft.Text(f"{int(tick)}", size=LABEL_SIZE, color=s.MUTED)
                )
                for tick in ticks
            ],
        ),
        bottom_axis=fch.ChartAxis(
            label_size=40,
            labels=[
                fch.ChartAxisLabel(
                    value=index,
                    label=ft.Column(
                        [
                            ft.Text(
                                year_caption(point.caption, narrow=short),
                                size=LABEL_SIZE,
                                color=s.INK,
                                no_wrap=True,
                            ),
                            ft.Text(point.text, size=LABEL_SIZE, color=s.MUTED, no_wrap=True),
                        ],
                        spacing=0,
                        horizontal_alignment=ft.CrossAxisAlignment.CENTER,
                    ),
                )
                for index, point in enumerate(trend.points)
            ],
        ),
    )
    spoken = "; ".join(f"{p.caption}: {p.text}" for p in trend.points)
    return ft.Semantics(
        container=True,
        label=f"Grafiek {trend.name} ({trend.area or 'gekozen gebied'}). {spoken}",
        content=card(
            ft.Column(
                [
                    ft.Text(trend.name, size=s.TEXT, weight=ft.FontWeight.BOLD, color=s.INK),
                    *(
                        [
                            ft.Text(
                                f"Bron: {trend.source}"
                                + (f" · {trend.area}" if trend.area else ""),
                                size=s.SMALL,
                                color=s.MUTED,
                            )
                        ]
                        if trend.source
                        else []
                    ),
                    ft.Row([chart]),
                ],
                spacing=6,
            )
        ),
    )


def _table_note(view: IndicatorTableView, counted: str) -> str:
    if view.haarlem_wide:
        area = (
            "Gebied: heel Haarlem. 2019–2022: de nulmeting uit het programma (heel "
            "Haarlem); latere jaren: alle stadsdelen samen."
        )
    else:
        area = (
            f"Gebied: {view.area_name}, vergeleken met de eigen eerdere jaren. De nulmeting "
            "2019–2022 geldt voor heel Haarlem en staat daarom alleen in de regel "
            "“heel Haarlem” (met de latere jaren van alle stadsdelen samen)."
        )
    live = (
        f" Kolom “{view.live_header}”: nu geteld; de andere kolommen: {view.basis}."
        if view.live_header
        else f" Cijfers: {view.basis}."
    )
    return (
        f"{area}{live} Bron: “Registraties handhavers” telt wat handhavers vastlegden; "
        "“Meldingen bewoners (gemeente)” telt de geïmporteerde meldingen van bewoners. "
        "“<5”: minder dan 5 (afgeschermd); “x”: afgeschermd omdat het samen met de andere "
        f"cijfers een klein aantal zou verraden; “–”: geen cijfer. {counted}"
    )


def _indicator_card(line: IndicatorLine, view: IndicatorTableView) -> ft.Control:
    """One indicator on a phone: its name, source and area, and a figure per year
    (read out as one line by a screen reader)."""
    figures: list[ft.Control] = [
        ft.Container(
            ft.Text(f"{year}: {cell}", size=s.SMALL, color=s.INK),
            bgcolor=s.PAGE_BG if year <= BASELINE_YEAR else s.OK_BG,
            border_radius=6,
            padding=ft.Padding.symmetric(horizontal=6, vertical=2),
        )
        for year, cell in zip(view.years, line.cells, strict=False)
    ]
    if view.live_header and line.live is not None:
        figures.append(
            ft.Container(
                ft.Text(f"{view.live_header}: {line.live}", size=s.SMALL, color=s.INK),
                bgcolor=s.SURFACE,
                border=ft.Border.all(1, s.BORDER),
                border_radius=6,
                padding=ft.Padding.symmetric(horizontal=6, vertical=2),
            )
        )
    return ft.Semantics(
        container=True,
        content=card(
            ft.Column(
                [
                    ft.Text(line.name, size=s.TEXT, weight=ft.FontWeight.BOLD, color=s.INK),
                    ft.Text(f"Bron: {line.source} · {line.area}", size=s.SMALL, color=s.MUTED),
                    ft.Row(figures, wrap=True, spacing=6, run_spacing=6),
                ],
                spacing=4,
            ),
            padding=10,
        ),
    )
