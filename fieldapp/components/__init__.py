"""Shared Flet widgets for the field app's screens (only views/ and components/ import flet)."""
