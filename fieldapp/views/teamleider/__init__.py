"""The team leader's screens: Beoordelen, Incidenten, Indicatoren, Hot times and
Wijkprofiel, one module each, under one screen with tabs (screen.py)."""

from fieldapp.views.teamleider.screen import TeamLeaderScreen

__all__ = ["TeamLeaderScreen"]
