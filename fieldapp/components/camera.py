"""The phone's camera behind a small interface, so the photo field can take a
picture in the app where the platform has a camera (Android, iOS: flet-camera)
and a test can hand it a fake camera that returns JPEG bytes.

In a browser there is no camera here: the file picker ("Foto kiezen") stays the
way to add a photo there (a browser's own picker may offer the camera itself)."""

from __future__ import annotations

import logging
from typing import Protocol

import flet as ft
import flet_camera as fc

log = logging.getLogger(__name__)


class CameraUnavailable(Exception):
    """The camera could not be opened (no camera, no permission, busy)."""


class PhotoSource(Protocol):
    """A camera the photo field takes pictures with.

    `preview()` is shown while the officer aims (None: nothing to show); `open()`
    runs once it is on screen and raises CameraUnavailable when the camera cannot
    be used; `take()` returns the raw bytes of one picture (any format
    fieldapp.photos reads); `close()` lets the camera go."""

    def preview(self) -> ft.Control | None:
        """What to show while aiming (the live camera image), or None."""

    async def open(self) -> None:
        """Start the camera; CameraUnavailable when it cannot be used."""

    async def take(self) -> bytes:
        """One picture, as the camera encodes it."""

    async def close(self) -> None:
        """Stop the camera (it may be opened again later)."""


class FletCamera:
    """The back camera through flet-camera (Android and iOS builds)."""

    def __init__(self) -> None:
        self.control = fc.Camera(height=320, preview_enabled=True)
        self._opened = False

    def preview(self) -> ft.Control | None:
        return self.control

    async def open(self) -> None:
        try:
            cameras = await self.control.get_available_cameras()
            if not cameras:
                raise CameraUnavailable("geen camera")
            back = next(
                (c for c in cameras if c.lens_direction == fc.CameraLensDirection.BACK),
                cameras[0],
            )
            await self.control.initialize(back, fc.ResolutionPreset.HIGH, enable_audio=False)
        except CameraUnavailable:
            raise
        except Exception as exc:  # permission refused, camera busy, plugin missing
            log.info("camera could not be opened", exc_info=True)
            raise CameraUnavailable(str(exc)) from exc
        self._opened = True

    async def take(self) -> bytes:
        return bytes(await self.control.take_picture())

    async def close(self) -> None:
        if self._opened:
            self._opened = False
            try:
                await self.control.pause_preview()
            except Exception:  # already gone with the screen: nothing to release
                log.debug("camera preview not paused", exc_info=True)


def camera_for(page: ft.Page) -> PhotoSource | None:
    """The phone's camera on Android and iOS; None in a browser or on a desktop
    (then only "Foto kiezen" is offered)."""
    if page.web or page.platform not in (ft.PagePlatform.ANDROID, ft.PagePlatform.IOS):
        return None
    return FletCamera()
