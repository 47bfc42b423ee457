"""Photos of an entry: taken with the phone's camera or picked, stripped of
metadata, shown as thumbnails."""

from __future__ import annotations

import contextlib
from collections.abc import Callable

import flet as ft

from fieldapp.components import style as s
from fieldapp.components.camera import CameraUnavailable
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
    """Foto's: "Foto maken" with the phone's camera where the platform has one
    (Android, iOS), "Foto kiezen" from the camera roll or a file always (the only
    way in a browser). Every picture is made safe by fieldapp.photos before it is
    kept (no location or camera data, upright, JPEG; HEIC from an iPhone too)."""

    def __init__(self, shell: WidgetHost, *, already: int = 0) -> None:
        self.shell = shell
        self.already = already
        self.photos: list[ProcessedPhoto] = []
        self.error = error_text()
        self.count = ft.Text("", size=s.SMALL, color=s.MUTED)
        self.thumbs = ft.Row(wrap=True, spacing=8, run_spacing=8)
        self.source = shell.camera()
        self.button = _photo_button("Foto kiezen", ft.Icons.PHOTO_LIBRARY, shell.act(self._pick))
        self.camera_button = _photo_button(
            "Foto maken", ft.Icons.PHOTO_CAMERA, shell.act(self._open_camera)
        )
        self.camera_button.visible = self.source is not None
        # The live camera image with its two buttons, shown while aiming.
        self.shoot_button = _photo_button(
            "Maak foto", ft.Icons.CAMERA, shell.act(self._shoot), filled=True
        )
        preview = self.source.preview() if self.source is not None else None
        self.camera_panel = ft.Column(
            [
                *([preview] if preview is not None else []),
                ft.Row(
                    [
                        self.shoot_button,
                        _photo_button("Annuleren", ft.Icons.CLOSE, shell.act(self._close_camera)),
                    ],
                    wrap=True,
                    spacing=8,
                ),
            ],
            spacing=8,
            visible=False,
        )
        self.control = ft.Column(
            [
                label_text("Foto's"),
                ft.Row([self.camera_button, self.button], wrap=True, spacing=8, run_spacing=8),
                self.camera_panel,
                self.count,
                self.thumbs,
                self.error,
            ],
            spacing=8,
        )
        self._show()

    # ------------------------------------------------------------ camera

    async def _open_camera(self) -> None:
        if self.source is None:
            return
        self.set_error(None)
        self.camera_panel.visible = True
        self.camera_button.disabled = True
        self.shoot_button.disabled = True  # until the camera is ready
        self._draw()  # the preview must be on screen before the camera starts
        try:
            await self.source.open()
        except CameraUnavailable:
            self._hide_camera()
            self.set_error('De camera kon niet openen. Gebruik "Foto kiezen".')
            return
        self.shoot_button.disabled = False

    async def _shoot(self) -> None:
        if self.source is None or not self.camera_panel.visible:
            return
        self.shoot_button.disabled = True
        try:
            raw = await self.source.take()
        except Exception:  # the camera went away (permission, another app)
            raw = b""
        finally:
            await self.source.close()
            self._hide_camera()
        if not raw:
            self.set_error("De foto kon niet worden gemaakt. Probeer het opnieuw.")
            return
        problem = self._add(raw, "Foto")
        self.set_error(problem)
        self._show()

    async def _close_camera(self) -> None:
        if self.source is not None:
            await self.source.close()
        self._hide_camera()

    def _hide_camera(self) -> None:
        self.camera_panel.visible = False
        self.camera_button.disabled = self.already + len(self.photos) >= MAX_PHOTOS

    def _draw(self) -> None:
        """Send the field to the screen now, in the middle of a handler; outside a
        page (a test with a fake host) there is nothing to draw."""
        with contextlib.suppress(RuntimeError):
            self.control.update()

    # ------------------------------------------------------------ file picker

    async def _pick(self) -> None:
        picker = self.shell.file_picker()
        if picker is None:
            self.set_error("Foto's kiezen kan op dit apparaat niet.")
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
        for file in files or []:
            if self.already + len(self.photos) >= MAX_PHOTOS:
                problems.append(f"Maximaal {MAX_PHOTOS} foto's per invoer.")
                break
            if not file.bytes:
                problems.append(f"{file.name}: het bestand kon niet worden gelezen.")
                continue
            problem = self._add(file.bytes, file.name)
            if problem:
                problems.append(problem)
        self.set_error(" ".join(problems) or None)
        self._show()

    def _add(self, raw: bytes, name: str) -> str | None:
        """Make a picture safe and keep it; a Dutch problem when it cannot be used."""
        if self.already + len(self.photos) >= MAX_PHOTOS:
            return f"Maximaal {MAX_PHOTOS} foto's per invoer."
        try:
            photo = self.shell.state.process_photo(raw)
        except PhotoError as exc:
            return f"{name}: {exc}"
        if all(p.sha256 != photo.sha256 for p in self.photos):
            self.photos.append(photo)
        return None

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
        self.camera_button.disabled = total >= MAX_PHOTOS or self.camera_panel.visible

    def set_error(self, message: str | None) -> None:
        show_error(self.error, message)


def _photo_button(
    text: str, icon: ft.IconData, on_click: Callable[..., object], *, filled: bool = False
) -> ft.Button:
    return ft.Button(
        content=ft.Text(text, size=s.TEXT, weight=ft.FontWeight.BOLD),
        icon=icon,
        height=s.TOUCH + 8,
        on_click=on_click,
        style=ft.ButtonStyle(
            color="#FFFFFF" if filled else s.PRIMARY,
            bgcolor=s.PRIMARY if filled else s.SURFACE,
            side=ft.BorderSide(2, s.PRIMARY),
            shape=ft.RoundedRectangleBorder(radius=10),
        ),
    )
