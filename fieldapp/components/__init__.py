"""Widgets shared by the screens, one per module, and the small controls they are
built from. Each widget keeps its Flet control in `.control` and exposes plain
values; `set_error` shows a Dutch problem next to the field."""

from fieldapp.components.banner import Banner
from fieldapp.components.choice_group import ChoiceGroup
from fieldapp.components.controls import (
    Handler,
    big_button,
    capitalize,
    error_text,
    icon_button,
    label_text,
    labelled,
    problems_text,
    screen,
    set_field_error,
    show_error,
    text_field,
)
from fieldapp.components.host import WidgetHost
from fieldapp.components.hotspot_field import HotspotField
from fieldapp.components.moment_field import MomentField
from fieldapp.components.photo_field import PhotoField
from fieldapp.components.status_bar import StatusBar
from fieldapp.components.stepper import Stepper
from fieldapp.components.yes_no import YesNo

__all__ = [
    "Banner",
    "ChoiceGroup",
    "Handler",
    "HotspotField",
    "MomentField",
    "PhotoField",
    "StatusBar",
    "Stepper",
    "WidgetHost",
    "YesNo",
    "big_button",
    "capitalize",
    "error_text",
    "icon_button",
    "label_text",
    "labelled",
    "problems_text",
    "screen",
    "set_field_error",
    "show_error",
    "text_field",
]
