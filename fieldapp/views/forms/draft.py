"""A form's values as typed, read from and written back to its controls, so a
form can be kept as a draft (AppState.keep_draft) and reopened as it was.

Generic on purpose: every form keeps its controls as attributes (text fields,
chip groups, the focus location, yes/no switches, steppers), so one walk over
them serves all six kinds and a new field needs nothing here."""

from __future__ import annotations

from typing import Any

import flet as ft

from fieldapp.components import ChoiceGroup, HotspotField, Stepper, YesNo

SKIP = {"status", "problems"}  # the form's own machinery, not input


def snapshot(form: Any) -> dict[str, Any]:
    """{attribute: value} of every input control that holds something."""
    values: dict[str, Any] = {}
    for name, control in vars(form).items():
        if name.startswith("_") or name in SKIP:
            continue
        if isinstance(control, ft.TextField):
            if control.value:
                values[name] = {"text": control.value}
        elif isinstance(control, ChoiceGroup):
            if control.values:
                values[name] = {"chips": control.values}
        elif isinstance(control, HotspotField):
            if control.value:
                values[name] = {"hotspot": control.value}
        elif isinstance(control, YesNo):
            values[name] = {"yes": control.value}
        elif isinstance(control, Stepper):
            values[name] = {"number": control.value}
    return values


def has_input(values: dict[str, Any], initial: dict[str, Any] | None = None) -> bool:
    """Whether the officer typed or chose anything: text or chips other than what
    the form started with (`initial`, e.g. the incident's preset "geen" for police)."""
    start = initial or {}
    return any(("text" in v or "chips" in v) and v != start.get(k) for k, v in values.items())


def restore(form: Any, values: dict[str, Any]) -> None:
    """Put kept values back into the form's controls (unknown names are ignored)."""
    for name, kept in values.items():
        control = getattr(form, name, None)
        if isinstance(control, ft.TextField) and "text" in kept:
            control.value = str(kept["text"])
        elif isinstance(control, ChoiceGroup) and "chips" in kept:
            chosen = set(kept["chips"])
            for code, chip in control.chips.items():
                chip.selected = code in chosen
        elif isinstance(control, HotspotField) and "hotspot" in kept:
            control.choose(str(kept["hotspot"]), "uit je concept")
        elif isinstance(control, YesNo) and "yes" in kept:
            control.choose(None if kept["yes"] is None else bool(kept["yes"]))
        elif isinstance(control, Stepper) and "number" in kept:
            control.set(int(kept["number"]))
