"""Indicatoren: the programme's table (rows are indicators, columns are years) and
a trend chart of one indicator, with the programme's 2019–2022 baseline in grey
next to the years counted from the logs in blue."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import flet as ft
import flet_charts as fch

from fieldapp.components import label_text
from fieldapp.components import style as s
from fieldapp.state import SyncError
from fieldapp.teamleader import IndicatorLine, Trend
from fieldapp.views.teamleider.parts import ALL, card, dropdown, note, small_button

if TYPE_CHECKING:
    from fieldapp.views.teamleider.tab_host import TabHost

WIDE = 700  # from this page width the indicators are a table, else a card each
BASELINE_YEAR = 2022  # the programme's printed figures run to 2022
BASELINE_COLOUR = "#8C96A3"
COUNTED_COLOUR = s.PRIMARY
PREFERRED = "Uitgedeelde gele kaarten"


def nice_top(maximum: float) -> tuple[float, float]:
    """A round top for the y axis and a round step between grid lines."""
    if maximum <= 0:
        return 5.0, 1.0
    magnitude = 10 ** math.floor(math.log10(maximum))
    for factor in (1, 2, 2.5, 5, 10):
        step = factor * magnitude / 4
        top = step * math.ceil(maximum / step)
        if top / step <= 5:
            return top, step
    return maximum, maximum / 4


class IndicatorsTab:
    def __init__(self, screen: TabHost) -> None:
        self.screen, self.app, self.leader = screen, screen.app, screen.leader
        self.mode = "tabel"  # or "grafiek"
        self.chosen: str | None = None  # indicator code in the chart
        self.theme: str | None = None  # only logs of this theme (table and chart)

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
        years, lines, counted = self.leader.client.indicator_lines(self.screen.district, self.theme)
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
        wide = self.app.width >= WIDE
        shown: ft.Control = (
            ft.Row([table], scroll=ft.ScrollMode.AUTO)
            if wide
            else ft.Column([_indicator_card(line, years) for line in lines], spacing=8)
        )
        return [
            note(
                f"{years[0]}–2022: cijfers uit het programma (heel Haarlem). Latere jaren: "
                "geteld uit de registraties van het gekozen stadsdeel. “<5”: minder dan 5 "
                "(afgeschermd); “x”: afgeschermd omdat het samen met de andere cijfers een "
                f"klein aantal zou verraden; “–”: geen cijfer. {counted}"
            ),
            shown,
        ]

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
        counted = [p for p in trend.points if not p.baseline]
        by_month: list[ft.Control] = []
        if counted:
            try:
                months = self.leader.client.months(
                    trend.code, counted[-1].year, self.screen.district, self.theme
                )
                by_month = [trend_chart(months, height=200)]
            except SyncError as exc:
                if exc.code != "not_found":  # an indicator from another source: no months
                    raise
        return [
            dropdown("Indicator", options, trend.code, self.app.act(pick), width=340),
            trend_chart(trend),
            note(
                "Grijs: 2019–2022, de nulmeting uit het programma (heel Haarlem). "
                "Blauw: geteld uit de registraties van het gekozen stadsdeel. "
                "Geen staaf: geen cijfer, of afgeschermd (“<5” of “x”)."
            ),
            *by_month,
        ]


def trend_chart(trend: Trend, *, height: int = 260) -> ft.Control:
    """One bar per year; the figure is read out by a screen reader as one line."""
    top, step = nice_top(trend.maximum)
    groups = [
        fch.BarChartGroup(
            x=index,
            rods=[
                fch.BarChartRod(
                    from_y=0,
                    to_y=point.value if point.value is not None else 0,
                    width=22,
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
        left_axis=fch.ChartAxis(label_size=44, label_spacing=step),
        bottom_axis=fch.ChartAxis(
            label_size=40,
            labels=[
                fch.ChartAxisLabel(
                    value=index,
                    label=ft.Column(
                        [
                            ft.Text(point.caption, size=12, color=s.INK),
                            ft.Text(point.text, size=12, color=s.MUTED),
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
        label=f"Grafiek {trend.name}. {spoken}",
        content=card(
            ft.Column(
                [
                    ft.Text(trend.name, size=s.TEXT, weight=ft.FontWeight.BOLD, color=s.INK),
                    *(
                        [ft.Text(f"Bron: {trend.source}", size=s.SMALL, color=s.MUTED)]
                        if trend.source
                        else []
                    ),
                    ft.Row([chart]),
                ],
                spacing=6,
            )
        ),
    )


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
        content=card(
            ft.Column(
                [
                    ft.Text(line.name, size=s.TEXT, weight=ft.FontWeight.BOLD, color=s.INK),
                    ft.Text(f"Bron: {line.source}", size=s.SMALL, color=s.MUTED),
                    ft.Row(figures, wrap=True, spacing=6, run_spacing=6),
                ],
                spacing=4,
            ),
            padding=10,
        ),
    )
