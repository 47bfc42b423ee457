"""Wijkprofiel: one district on one page (themes, this year's figures against
earlier years, hot times, hotspots), to download as a page to print or as CSV."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import flet as ft

from fieldapp.components import label_text
from fieldapp.components import style as s
from fieldapp.teamleader import Profile
from fieldapp.teamleader.wijk import Wijk
from fieldapp.views.teamleider.hot_times import heat_grid, ranked_hotspots
from fieldapp.views.teamleider.parts import card, dropdown, note, section, small_button
from fieldapp.views.teamleider.wijkacties import profile_actions

if TYPE_CHECKING:
    from fieldapp.views.teamleider.tab_host import TabHost


class ProfileTab:
    def __init__(self, screen: TabHost) -> None:
        self.screen, self.app, self.leader = screen, screen.app, screen.leader

    def _district(self) -> str:
        """A profile is of one district: the chosen one, else the first of the leader's."""
        return self.screen.district or self.leader.districts[0]

    def build(self) -> list[ft.Control]:
        if not self.leader.districts:
            return [note("Er is geen stadsdeel aan je account gekoppeld.")]
        profile = self.leader.client.profile(self._district())
        return [
            self._choice(),
            ft.Text(
                f"Wijkprofiel {profile.name}", size=s.TITLE, weight=ft.FontWeight.BOLD, color=s.INK
            ),
            ft.Row(
                [
                    small_button(
                        "Afdrukpagina",
                        self._download(profile, "html"),
                        icon=ft.Icons.PRINT,
                        tooltip="Download het wijkprofiel als pagina om af te drukken",
                    ),
                    small_button(
                        "Exporteer CSV",
                        self._download(profile, "csv"),
                        icon=ft.Icons.DOWNLOAD,
                        tooltip="Download de cijfers als CSV",
                    ),
                ],
                wrap=True,
                spacing=8,
                run_spacing=8,
            ),
            section("Thema's"),
            ft.Row(
                [
                    ft.Container(
                        ft.Text(f"{name} · {count}", size=s.SMALL, color=s.INK),
                        bgcolor=s.SURFACE,
                        border=ft.Border.all(1, s.BORDER),
                        border_radius=8,
                        padding=ft.Padding.symmetric(horizontal=8, vertical=4),
                        tooltip=f"{count} focuslocaties met dit thema",
                    )
                    for name, count in profile.themes
                ],
                wrap=True,
                spacing=6,
                run_spacing=6,
            ),
            section("Cijfers uit de registraties"),
            note(
                "“<5”: minder dan 5 (afgeschermd); “x”: afgeschermd omdat het een klein "
                f"aantal zou verraden; “–”: geen cijfer. {profile.counted}"
            ),
            *self._figures(profile),
            section("Hot times (laatste 8 weken)"),
            ft.Row([heat_grid(profile.heat)], scroll=ft.ScrollMode.AUTO),
            label_text("Drukste focuslocaties"),
            *ranked_hotspots(profile.heat, limit=5),
            section(f"Focuslocaties ({len(profile.hotspots)})"),
            *[
                ft.Semantics(
                    container=True,
                    content=ft.Column(
                        [
                            ft.Text(name, size=s.TEXT, color=s.INK),
                            ft.Text(themes, size=s.SMALL, color=s.MUTED),
                        ],
                        spacing=0,
                    ),
                )
                for name, themes in profile.hotspots
            ],
            *profile_actions(Wijk(self.leader.client), profile.code),
        ]

    def _choice(self) -> ft.Control:
        async def handler(e: ft.Event[ft.Dropdown]) -> None:
            self.screen.district = e.control.value
            await self.screen.load()

        options = {d: d.capitalize() for d in self.leader.districts}
        return dropdown("Stadsdeel", options, self._district(), self.app.act(handler))

    def _figures(self, profile: Profile) -> list[ft.Control]:
        if not profile.lines:
            return []
        return [
            ft.Semantics(
                container=True,
                content=card(
                    ft.Column(
                        [
                            ft.Text(line.name, size=s.TEXT, weight=ft.FontWeight.BOLD, color=s.INK),
                            *(
                                [ft.Text(f"Bron: {line.source}", size=s.SMALL, color=s.MUTED)]
                                if line.source
                                else []
                            ),
                            ft.Row(
                                [
                                    ft.Text(f"{column}: {cell}", size=s.SMALL, color=s.INK)
                                    for column, cell in zip(
                                        profile.columns, line.cells, strict=False
                                    )
                                ],
                                wrap=True,
                                spacing=12,
                            ),
                        ],
                        spacing=2,
                    ),
                    padding=10,
                ),
            )
            for line in profile.lines
        ]

    def _download(self, profile: Profile, form: str) -> Callable[..., Any]:
        async def handler() -> None:
            data = await self.screen.attempt(self.leader.client.profile_file, profile.code, form)
            if data is None:
                return
            picker = self.app.file_picker()
            if picker is None:
                self.screen.banner.show("Downloaden kan hier niet.", "error")
                return
            name = f"wijkprofiel-{profile.code}.{form}"
            await picker.save_file(file_name=name, src_bytes=data)
            self.app.snack(
                f"Gedownload: {name}. Open het bestand en druk af (Ctrl+P)."
                if form == "html"
                else f"Gedownload: {name}"
            )

        return self.app.act(handler)
