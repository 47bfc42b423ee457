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
                f"Registraties per weekdag en uur, {heat.period} (laatste 4 weken): "
                f"{heat.total} in totaal. Hoe donkerder, hoe meer."
            ),
            ft.Row([heat_grid(heat)], scroll=ft.ScrollMode.AUTO),
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


def heat_grid(heat: HeatMap) -> ft.Control:
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
