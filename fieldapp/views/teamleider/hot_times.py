"""Hot times: logs per weekday and hour as a heat map, and the busiest hotspots."""

from __future__ import annotations

from typing import TYPE_CHECKING

import flet as ft

from fieldapp.components import label_text
from fieldapp.components import style as s
from fieldapp.teamleader import HeatMap, heat_colour
from fieldapp.views.teamleider.parts import note

if TYPE_CHECKING:
    from fieldapp.views.teamleider.tab_host import TabHost


class HotTimesTab:
    def __init__(self, screen: TabHost) -> None:
        self.screen, self.leader = screen, screen.leader

    def build(self) -> list[ft.Control]:
        heat = self.leader.client.heat_map(self.screen.district)
        return [
            self.screen.district_filter(everything="Al mijn stadsdelen"),
            note(
                f"Registraties per weekdag en blok van 3 uur, {heat.period} (laatste 4 weken): "
                f"{heat.total} in totaal. Hoe donkerder, hoe meer."
            ),
            heat_grid(heat),
            label_text("Drukste focuslocaties"),
            *ranked_hotspots(heat),
        ]


def ranked_hotspots(heat: HeatMap, limit: int = 10) -> list[ft.Control]:
    ranked: list[ft.Control] = [
        ft.Row(
            [
                ft.Text(f"{n}.", size=s.TEXT, color=s.MUTED, width=32),
                ft.Text(name, size=s.TEXT, color=s.INK, expand=True),
                ft.Text(str(count), size=s.TEXT, weight=ft.FontWeight.BOLD),
            ]
        )
        for n, (name, count) in enumerate(heat.ranked[:limit], start=1)
    ]
    return ranked or [ft.Text("Nog geen registraties in deze periode.", size=s.TEXT, color=s.MUTED)]


BLOCK = 3  # hours per column: 8 columns fit a 360 px phone (24 did not)
BLOCKS = range(0, 24, BLOCK)


def blocks(counts: list[int]) -> list[int]:
    """A weekday's 24 hourly counts as 3-hour blocks (0–3, 3–6, … 21–24)."""
    return [sum(counts[start : start + BLOCK]) for start in BLOCKS]


def block_name(start: int) -> str:
    return f"{start:02d}–{start + BLOCK:02d} uur"


def heat_grid(heat: HeatMap) -> ft.Control:
    """Weekdays down, 3-hour blocks across; a tap on a block says its count.

    At 360 px the whole week and the whole day are in view (day labels never
    scroll away); the legend under it says what the shades mean."""
    cell_w, cell_h, day_w = 34, 40, 36
    summed = [blocks(counts) for counts in heat.matrix]
    maximum = max((max(row) for row in summed if row), default=0)
    detail = ft.Text("Tik op een vak voor het aantal.", size=s.SMALL, color=s.MUTED)

    def tapped(day: str, start: int, count: int) -> ft.ControlEventHandler[ft.Container]:
        def handler() -> None:
            detail.value = f"{day} {block_name(start)}: {count} registraties"
            detail.color = s.INK

        return handler

    header: list[ft.Control] = [ft.Container(width=day_w)]
    header += [
        ft.Container(
            ft.Text(f"{start:02d}", size=12, color=s.MUTED),
            width=cell_w,
            alignment=ft.Alignment.CENTER_LEFT,
        )
        for start in BLOCKS
    ]
    rows: list[ft.Control] = [ft.Row(header, spacing=2)]
    for weekday, counts in zip(heat.weekdays, summed, strict=False):
        day = weekday.capitalize()
        cells: list[ft.Control] = [
            # a node of its own (not merged into the grid's label): it can be found
            ft.Semantics(
                container=True,
                content=ft.Container(ft.Text(day, size=s.SMALL, color=s.INK), width=day_w),
            )
        ]
        cells += [
            ft.Container(
                width=cell_w,
                height=cell_h,
                bgcolor=heat_colour(count, maximum),
                border=ft.Border.all(0.5, "#C5CDD6"),
                border_radius=4,
                tooltip=f"{day} {block_name(start)}: {count}",
                on_click=tapped(day, start, count),
            )
            for start, count in zip(BLOCKS, counts, strict=False)
        ]
        rows.append(ft.Row(cells, spacing=2))
    return ft.Column(
        [
            ft.Semantics(
                label=f"Hot times: weekdag × blok van 3 uur, {heat.total} registraties",
                content=ft.Column(rows, spacing=2),
            ),
            legend(maximum),
            detail,
        ],
        spacing=8,
    )


def legend(maximum: int) -> ft.Control:
    """Five shades from none to the busiest block, with the counts they stand for."""
    steps = [0, *sorted({max(1, round(maximum * k / 4)) for k in range(1, 5)})] if maximum else [0]
    swatches: list[ft.Control] = []
    for value in steps:
        swatches.append(
            ft.Container(
                width=18,
                height=18,
                bgcolor=heat_colour(value, maximum),
                border=ft.Border.all(0.5, "#8B97A4"),
                border_radius=3,
            )
        )
        swatches.append(ft.Text(str(value), size=12, color=s.MUTED))
    return ft.Row(
        [ft.Text("Aantal per blok:", size=12, color=s.MUTED), *swatches],
        spacing=4,
        wrap=True,
    )
