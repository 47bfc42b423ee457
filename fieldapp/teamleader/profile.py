"""A district on one page (the Wijkprofiel tab)."""

from __future__ import annotations

from dataclasses import dataclass

from fieldapp.teamleader.hot_times import HeatMap


@dataclass(frozen=True)
class ProfileLine:
    name: str
    cells: list[str]  # whole years, then this year so far, then last year's same months
    source: str = ""  # "Registraties handhavers" or "Meldingen bewoners (gemeente)"


@dataclass(frozen=True)
class Profile:
    """A district on one page: what the Wijkprofiel tab shows."""

    code: str
    name: str
    themes: list[tuple[str, int]]  # theme name, number of hotspots
    columns: list[str]  # headings of the figures
    lines: list[ProfileLine]
    heat: HeatMap
    hotspots: list[tuple[str, str]]  # name, themes
    counted: str
