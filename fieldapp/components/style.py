"""Colours and sizes: high contrast, large type and touch targets for use outside.

Every colour pair used for text passes WCAG AA (most pass AAA) so the screen
stays readable in sunlight; touch targets are at least 48 px, main actions 64 px.
"""

from __future__ import annotations

import flet as ft

PRIMARY = "#0B3A6E"  # Haarlem blue: headers and main buttons (white text 11:1)
INK = "#111418"  # body text on white
MUTED = "#3D4650"  # secondary text on white (9:1)
SURFACE = "#FFFFFF"
PAGE_BG = "#F1F4F8"
BORDER = "#5B6672"

ONLINE = "#1B5E20"  # white text 7.9:1
OFFLINE = "#8A3B00"  # white text 7.6:1
CHECKING = "#37474F"
DANGER = "#B3261E"  # incident and errors (white text 6.5:1)
DANGER_BG = "#FDECEA"
WARN_BG = "#FFF4E5"
OK_BG = "#E8F5E9"

STATUS_COLOURS = {
    "wacht": ("#FFF4E5", "#6B3500"),
    "verzonden": ("#E3F2FD", "#0B3A6E"),
    "geaccepteerd": ("#E8F5E9", "#1B5E20"),
    "afgewezen": ("#FDECEA", "#B3261E"),
    "conflict": ("#FDECEA", "#B3261E"),
}

TEXT = 18  # body
SMALL = 16  # the smallest text in the app
LABEL = 18
TITLE = 22
BUTTON = 20
TOUCH = 48
BIG_BUTTON = 64


def theme() -> ft.Theme:
    none = ft.PageTransitionTheme.NONE
    return ft.Theme(
        color_scheme_seed=PRIMARY,
        color_scheme=ft.ColorScheme(primary=PRIMARY, on_surface=INK),
        page_transitions=ft.PageTransitionsTheme(
            android=none, ios=none, linux=none, macos=none, windows=none
        ),
        visual_density=ft.VisualDensity.STANDARD,
    )
