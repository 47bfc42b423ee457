"""Colours and sizes: high contrast, large type and touch targets for use outside.

Every colour pair used for text passes WCAG AA (most pass AAA) so the screen
stays readable in sunlight; touch targets are at least 48 px, main actions 64 px.

Two palettes: light for the day, dark for night shifts (a bright screen in a dark
street blinds the officer and lights them up). Screens read the colours below
(`s.INK`) when they are built; `use_dark` swaps them and the shell rebuilds.
"""

from __future__ import annotations

import flet as ft

PRIMARY = "#0B3A6E"  # Haarlem blue: headers and main buttons (white text 11:1)
ACCENT = PRIMARY  # blue text and outlines on SURFACE (outlined buttons, links)
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

LIGHT: dict[str, object] = {
    "PRIMARY": PRIMARY,
    "ACCENT": ACCENT,
    "INK": INK,
    "MUTED": MUTED,
    "SURFACE": SURFACE,
    "PAGE_BG": PAGE_BG,
    "BORDER": BORDER,
    "DANGER_BG": DANGER_BG,
    "WARN_BG": WARN_BG,
    "OK_BG": OK_BG,
    "STATUS_COLOURS": STATUS_COLOURS,
}
DARK: dict[str, object] = {
    # Blue both behind white text (4.5:1) and as text on the dark surface (3.6:1,
    # enough for the large bold button text it is used for).
    "PRIMARY": "#3A78C2",
    # Outlined buttons' text and border: light blue on the dark surface (8:1);
    # the day's navy there was 1.6:1, unreadable.
    "ACCENT": "#9CC3F0",
    "INK": "#E8EBEF",  # on SURFACE 13:1
    "MUTED": "#B9C1CB",  # on SURFACE 8.6:1
    "SURFACE": "#1B2027",
    "PAGE_BG": "#101318",
    "BORDER": "#8B97A4",
    "DANGER_BG": "#3A1714",
    "WARN_BG": "#35260F",
    "OK_BG": "#13301A",
    "STATUS_COLOURS": {
        "wacht": ("#35260F", "#FFD699"),
        "verzonden": ("#10263F", "#A9CCF5"),
        "geaccepteerd": ("#13301A", "#A5D6A7"),
        "afgewezen": ("#3A1714", "#F4A9A3"),
        "conflict": ("#3A1714", "#F4A9A3"),
    },
}
dark = False


def use_dark(on: bool) -> None:
    """Switch the palette every screen reads; screens built after this use it."""
    global dark
    dark = on
    globals().update(DARK if on else LIGHT)


TEXT = 18  # body
SMALL = 16  # the smallest text in the app
LABEL = 18
TITLE = 22
BUTTON = 20
TOUCH = 48
BIG_BUTTON = 64


def theme(*, night: bool = False) -> ft.Theme:
    """The Material theme, sized for touch on every platform.

    Flutter shrinks tap targets on desktop platforms (a browser on a laptop or a
    tablet with a desktop user agent counts as one), and Flet 1.0.5 does not pass
    `materialTapTargetSize` through. So the targets are made 48 px in themselves:
    standard density everywhere, icon buttons padded to 48 × 48 (24 px icon + 2 × 12),
    switches padded to 48 px high. Chips get their height in choice_group.py.
    """
    none = ft.PageTransitionTheme.NONE
    palette = DARK if night else LIGHT
    ink = str(palette["INK"])
    return ft.Theme(
        color_scheme_seed=str(palette["PRIMARY"]),
        color_scheme=ft.ColorScheme(
            primary=str(palette["PRIMARY"]),
            on_surface=ink,
            surface=str(palette["SURFACE"]),
        ),
        page_transitions=ft.PageTransitionsTheme(
            android=none, ios=none, linux=none, macos=none, windows=none
        ),
        visual_density=ft.VisualDensity.STANDARD,
        icon_button_theme=ft.IconButtonTheme(style=ft.ButtonStyle(padding=12)),
        switch_theme=ft.SwitchTheme(padding=ft.Padding.symmetric(horizontal=4, vertical=4)),
        scaffold_bgcolor=str(palette["PAGE_BG"]),
    )
