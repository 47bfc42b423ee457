"""Photos of an entry: picked, stripped of metadata, shown as thumbnails."""

from __future__ import annotations

from collections.abc import Callable

import flet as ft

from fieldapp.components import style as s
from fieldapp.components.controls import (
    error_text,
    icon_button,
    label_text,
    show_error,
)
from fieldapp.components.host import WidgetHost
from fieldapp.photos import ProcessedPhoto
from fieldapp.state import PhotoError
from sync_protocol.records import MAX_PHOTOS


class PhotoField:
    """ "Foto toevoegen": pictures from the phone (camera roll or file), made safe
    by fieldapp.photos before they are kept (no location or camera data)."""

    def __init__(self, shell: WidgetHost, *, already: int = 0) -> None:
        self.shell = shell
        self.already = already
        self.photos: list[ProcessedPhoto] = []
        self.error = error_text()
        self.count = ft.Text("", size=s.SMALL, color=s.MUTED)
        self.thumbs = ft.Row(wrap=True, spacing=8, run_spacing=8)
        self.button = ft.Button(
            content=ft.Text("Foto toevoegen", size=s.TEXT, weight=ft.FontWeight.BOLD),
            icon=ft.Icons.ADD_A_PHOTO,
            height=s.TOUCH + 8,
            on_click=shell.act(self._pick),
            style=ft.ButtonStyle(
                color=s.PRIMARY,
                bgcolor=s.SURFACE,
                side=ft.BorderSide(2, s.PRIMARY),
                shape=ft.RoundedRectangleBorder(radius=10),
            ),
        )
        self.control = ft.Column(
            [label_text("Foto's"), self.button, self.count, self.thumbs, self.error], spacing=8
        )
        self._show()

    async def _pick(self) -> None:
        picker = self.shell.file_picker()
        if picker is None:
            self.set_error("Foto's toevoegen kan op dit apparaat niet.")
            return
        try:
            files = await picker.pick_files(
                dialog_title="Kies een foto",
                file_type=ft.FilePickerFileType.IMAGE,
                allow_multiple=True,
                with_data=True,
            )
        except Exception:  # the platform's picker failed or was unavailable
            self.set_error("De fotokiezer kon niet openen. Probeer het opnieuw.")
            return
        problems = []
        for file in files:
            if self.already + len(self.photos) >= MAX_PHOTOS:
                problems.append(f"Maximaal {MAX_PHOTOS} foto's per invoer.")
                break
            if not file.bytes:
                problems.append(f"{file.name}: het bestand kon niet worden gelezen.")
                continue
            try:
                photo = self.shell.state.process_photo(file.bytes)
            except PhotoError as exc:
                problems.append(f"{file.name}: {exc}")
                continue
            if all(p.sha256 != photo.sha256 for p in self.photos):
                self.photos.append(photo)
        self.set_error(" ".join(problems) or None)
        self._show()

    def _remove(self, photo: ProcessedPhoto) -> Callable[[], None]:
        def handler() -> None:
            self.photos = [p for p in self.photos if p.sha256 != photo.sha256]
            self._show()

        return handler

    def _show(self) -> None:
        total = self.already + len(self.photos)
        parts = []
        if self.already:
            parts.append(f"{self.already} al bewaard")
        if self.photos:
            parts.append(f"{len(self.photos)} nieuw")
        noun = "foto" if total == 1 else "foto's"
        detail = f" ({', '.join(parts)})" if self.already else ""
        self.count.value = (
            f"{total} {noun}{detail}"
            if total
            else "Nog geen foto's. Locatie en cameragegevens worden uit een foto verwijderd."
        )
        self.thumbs.controls = [
            ft.Stack(
                [
                    ft.Image(
                        src=photo.thumbnail,
                        width=96,
                        height=96,
                        fit=ft.BoxFit.COVER,
                        border_radius=8,
                        semantics_label=f"Foto {n}",
                    ),
                    ft.Container(
                        icon_button(
                            ft.Icons.CLOSE,
                            f"Foto {n} weghalen",
                            self.shell.act(self._remove(photo)),
                            icon_color="#FFFFFF",
                            bgcolor=s.DANGER,
                        ),
                        right=0,
                        top=0,
                    ),
                ],
                width=96,
                height=96,
            )
            for n, photo in enumerate(self.photos, start=1)
        ]
        self.button.disabled = total >= MAX_PHOTOS

    def set_error(self, message: str | None) -> None:
        show_error(self.error, message)
