"""The officer's map (issue 13): the district's focus locations and the officer's position."""

from fieldapp.views.kaart.screen import KaartScreen

__all__ = ["KaartScreen"]
