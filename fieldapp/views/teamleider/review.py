"""Beoordelen: the synced logs of the team leader's districts, page by page, with
filters, saved filters, a CSV export, and a detail with photos and the decision."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import flet as ft

from fieldapp.components import Banner, big_button, label_text, text_field
from fieldapp.components import style as s
from fieldapp.labels import KIND_LABELS, REVIEW_LABELS
from fieldapp.state import SyncError
from fieldapp.teamleader import PERIODS, ReviewPage, ReviewQuery, SavedFilter, detail_lines
from fieldapp.views.teamleider.parts import (
    ALL,
    back_link,
    card,
    chip,
    dropdown,
    note,
    section,
    small_button,
)

if TYPE_CHECKING:
    from fieldapp.views.teamleider.tab_host import TabHost

PAGE_SIZE = 20
WIDE = 700
PHOTO_WIDTH = 320


def _chosen(value: str | None) -> str | None:
    return None if not value or value == ALL else value


class ReviewTab:
    def __init__(self, screen: TabHost) -> None:
        self.screen, self.app, self.leader = screen, screen.app, screen.leader
        self.offset = 0
        self.opened: str | None = None  # the record whose detail is shown
        self.saved: list[SavedFilter] = []
        self.chosen_filter: str = ALL  # id of the saved filter in use
        self.naming = False  # the "save filter" field is open
        # On a tablet or desktop the filters are always in view; on a phone they fold away.
        self.filters_open = self.app.width >= WIDE

    @property
    def query(self) -> ReviewQuery:
        """The filter in use, kept in the browser session (it survives a re-login)."""
        return self.leader.review_query or ReviewQuery(last_days=28)

    @query.setter
    def query(self, value: ReviewQuery) -> None:
        self.leader.review_query = value

    def open(self, record_id: str | None) -> None:
        self.opened = record_id

    def build(self) -> list[ft.Control]:
        if self.opened is not None:
            return self._detail(self.opened)
        self.screen.themes()  # also the names of hotspots, for the rows
        self.saved = self.leader.client.saved_filters()
        page = self.leader.client.review_page(self.query, offset=self.offset, limit=PAGE_SIZE)
        return [*self._filters(), *self._rows(page), *self._pager(page)]

    # ------------------------------------------------------------ filters

    def _set(self, name: str) -> Callable[..., Any]:
        async def handler(e: ft.Event[ft.Dropdown]) -> None:
            value = _chosen(e.control.value)
            change: dict[str, Any] = {name: value}
            if name in ("last_days", "officer"):
                change = {name: int(value) if value else None}
            self.query = replace(self.query, **change)
            self.offset, self.chosen_filter = 0, ALL
            await self.screen.load()

        return self.app.act(handler)

    def _filters(self) -> list[ft.Control]:
        themes = self.screen.themes()
        q = self.query
        row = ft.Row(
            [
                dropdown(
                    "Periode: laatste",
                    {**PERIODS, ALL: "alles"},
                    str(q.last_days) if q.last_days else ALL,
                    self._set("last_days"),
                ),
                dropdown(
                    "Soort", {ALL: "Alle soorten", **KIND_LABELS}, q.kind or ALL, self._set("kind")
                ),
                dropdown(
                    "Thema", {ALL: "Alle thema's", **themes}, q.theme or ALL, self._set("theme")
                ),
                dropdown(
                    "Focuslocatie",
                    {ALL: "Alle focuslocaties", **self._hotspots()},
                    q.hotspot or ALL,
                    self._set("hotspot"),
                ),
                dropdown(
                    "Handhaver",
                    {ALL: "Alle handhavers", **self.screen.officers()},
                    str(q.officer) if q.officer else ALL,
                    self._set("officer"),
                ),
                dropdown(
                    "Beoordeling",
                    {ALL: "Alle", **REVIEW_LABELS},
                    q.state or ALL,
                    self._set("state"),
                ),
            ],
            wrap=True,
            spacing=8,
            run_spacing=8,
        )
        active = sum(
            v is not None for k, v in vars(q).items() if k not in ("last_days", "district")
        )

        async def toggle() -> None:
            self.filters_open = not self.filters_open
            await self.screen.load()

        return [
            ft.Row(
                [
                    small_button(
                        "Filters verbergen" if self.filters_open else f"Filters ({active} aan)",
                        self.app.act(toggle),
                        icon=ft.Icons.FILTER_LIST,
                        primary=self.filters_open,
                        tooltip="Filters tonen of verbergen",
                    ),
                    small_button(
                        "Exporteer CSV",
                        self.app.act(self._export),
                        icon=ft.Icons.DOWNLOAD,
                        tooltip="Wat dit filter toont, zonder persoonsgegevens",
                    ),
                ],
                wrap=True,
                spacing=8,
                run_spacing=8,
            ),
            *([row] if self.filters_open else []),
            self._saved_row(),
            *self._naming_row(),
        ]

    def _hotspots(self) -> dict[str, str]:
        names = self.leader.client.hotspot_names
        return dict(sorted(names.items(), key=lambda pair: pair[1]))

    def _saved_row(self) -> ft.Control:
        async def pick(e: ft.Event[ft.Dropdown]) -> None:
            value = e.control.value or ALL
            self.chosen_filter, self.offset = value, 0
            chosen = next((f for f in self.saved if str(f.id) == value), None)
            if chosen is not None:
                self.query = chosen.query
            await self.screen.load()

        async def start_naming() -> None:
            self.naming = True
            await self.screen.load()

        async def delete() -> None:
            chosen = next((f for f in self.saved if str(f.id) == self.chosen_filter), None)
            if chosen is None:
                return
            if await self.screen.attempt(self.leader.client.delete_filter, chosen.id) is None:
                return
            self.app.snack(f"Filter verwijderd: {chosen.name}")
            self.chosen_filter = ALL
            await self.screen.load()

        options = {ALL: "Geen"}
        options.update({str(f.id): f.name for f in self.saved})
        controls: list[ft.Control] = [
            dropdown(
                "Opgeslagen filter", options, self.chosen_filter, self.app.act(pick), width=240
            ),
            small_button("Filter opslaan", self.app.act(start_naming), icon=ft.Icons.BOOKMARK_ADD),
        ]
        if self.chosen_filter != ALL:
            controls.append(
                small_button(
                    "Verwijderen",
                    self.app.act(delete),
                    icon=ft.Icons.DELETE_OUTLINE,
                    tooltip="Dit opgeslagen filter verwijderen",
                )
            )
        return ft.Row(
            controls,
            wrap=True,
            spacing=8,
            run_spacing=8,
            vertical_alignment=ft.CrossAxisAlignment.CENTER,
        )

    def _naming_row(self) -> list[ft.Control]:
        if not self.naming:
            return []
        name = text_field("Naam van het filter", max_length=80, expand=True)

        async def save() -> None:
            try:
                saved = await asyncio.to_thread(
                    self.leader.client.save_filter, name.value or "", self.query
                )
            except SyncError as exc:
                self.screen.banner.show(exc.message, "error")
                return
            self.naming, self.chosen_filter = False, str(saved.id)
            self.app.snack(f"Filter opgeslagen: {saved.name}")
            await self.screen.load()

        async def cancel() -> None:
            self.naming = False
            await self.screen.load()

        return [
            ft.Semantics(container=True, content=ft.Row([name])),
            ft.Row(
                [
                    small_button("Opslaan", self.app.act(save), primary=True),
                    small_button("Annuleren", self.app.act(cancel)),
                ],
                spacing=8,
            ),
        ]

    async def _export(self) -> None:
        data = await self.screen.attempt(self.leader.client.export_csv, self.query)
        if data is None:
            return
        lines = max(0, len(data.decode("utf-8", "replace").strip().splitlines()) - 1)
        picker = self.app.file_picker()
        if picker is None:
            self.screen.banner.show("Downloaden kan hier niet.", "error")
            return
        await picker.save_file(file_name="registraties.csv", src_bytes=data)
        self.app.snack(f"Export: {lines} registraties, zonder persoonsgegevens")

    # ------------------------------------------------------------ list

    def _rows(self, page: ReviewPage) -> list[ft.Control]:
        controls: list[ft.Control] = [ft.Text(page.range_text(), size=s.SMALL, color=s.MUTED)]
        if not page.rows:
            controls.append(
                ft.Text(
                    "Geen registraties met deze filters. Registraties verschijnen hier "
                    "zodra een handhaver synchroniseert.",
                    size=s.TEXT,
                    color=s.MUTED,
                )
            )
        for row in page.rows:
            controls.append(
                card(
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
                            chip(row.state_label, row.state),
                        ]
                    ),
                    on_click=self.app.act(self._go(row.id)),
                )
            )
        return controls

    def _pager(self, page: ReviewPage) -> list[ft.Control]:
        if not (page.has_previous or page.has_next):
            return []

        def move(offset: int) -> Callable[..., Any]:
            async def handler() -> None:
                self.offset = max(0, offset)
                await self.screen.load()

            return self.app.act(handler)

        buttons: list[ft.Control] = []
        if page.has_previous:
            buttons.append(small_button("‹ Vorige", move(page.offset - PAGE_SIZE)))
        if page.has_next:
            buttons.append(small_button("Volgende ›", move(page.offset + PAGE_SIZE)))
        return [ft.Row(buttons, spacing=8, alignment=ft.MainAxisAlignment.CENTER)]

    def _go(self, record_id: str | None) -> Callable[[], Any]:
        async def handler() -> None:
            self.opened = record_id
            await self.screen.load()

        return handler

    # ------------------------------------------------------------ detail

    def _photos(self, detail: dict[str, Any]) -> list[ft.Control]:
        shown: list[ft.Control] = []
        for photo in detail.get("photo_files", []):
            if not photo.get("received"):
                shown.append(note("Foto nog niet ontvangen (komt bij de volgende synchronisatie)."))
                continue
            try:
                data = self.leader.client.photo(photo["sha256"])
            except SyncError as exc:
                shown.append(note(f"Foto niet te laden: {exc.message}"))
                continue
            shown.append(
                ft.Image(
                    src=data,
                    width=PHOTO_WIDTH,
                    fit=ft.BoxFit.CONTAIN,
                    border_radius=8,
                    semantics_label="Foto bij de registratie",
                )
            )
        return shown

    def _detail(self, record_id: str) -> list[ft.Control]:
        detail = self.leader.client.detail(record_id)
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
                        self.leader.client.review, record_id, state, remark.value or ""
                    )
                except SyncError as exc:
                    result.show(exc.message, "error")
                    return
                self.app.snack(f"Opgeslagen: {REVIEW_LABELS[state]}")
                self.opened = None
                await self.screen.load()

            return self.app.act(handler)

        fields: list[ft.Control] = [
            ft.Row(
                [
                    ft.Text(label, size=s.SMALL, color=s.MUTED, width=130),
                    ft.Text(text, size=s.TEXT, color=s.INK, expand=True),
                ],
                vertical_alignment=ft.CrossAxisAlignment.START,
            )
            for label, text in detail_lines(detail, self.leader.client.names)
        ]
        photos = self._photos(detail)
        return [
            back_link(self.app.act(self._go(None))),
            ft.Semantics(container=True, content=card(ft.Column(fields, spacing=8))),
            *([section("Foto's"), ft.Row(photos, wrap=True, spacing=8)] if photos else []),
            ft.Semantics(container=True, content=label_text("Jouw beoordeling")),
            ft.Semantics(container=True, content=ft.Row([remark])),
            note(
                "Terug naar handhaver kan alleen met een opmerking; de handhaver ziet die "
                "na de volgende synchronisatie in Mijn log."
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
