"""The entry forms, one module per kind (base.py holds what they share).

Every module here is imported once, so each form class registers itself by its
kind (EntryForm.__init_subclass__): a new kind's form is found without a list to
edit. Which kinds exist, and their routes, is fieldapp.kinds."""

from __future__ import annotations

import importlib
import pkgutil
from typing import TYPE_CHECKING

from fieldapp import models as m
from fieldapp.views.forms.base import SAVED, SAVED_ONLINE, EntryForm, saved_text
from sync_protocol import RecordKind

if TYPE_CHECKING:
    from fieldapp.views.host import Host

__all__ = [
    "SAVED",
    "SAVED_ONLINE",
    "EntryForm",
    "edit_form",
    "form_class",
    "new_form",
    "saved_text",
]

for _module in pkgutil.iter_modules(__path__):
    importlib.import_module(f"{__name__}.{_module.name}")


def form_class(kind: str | RecordKind) -> type[EntryForm] | None:
    """The form of a kind (None for a kind without one)."""
    return EntryForm.by_kind.get(RecordKind(kind))


def new_form(
    host: Host, kind: RecordKind, *, hotspot: str | None = None, wijkactie: str | None = None
) -> EntryForm | None:
    form = form_class(kind)
    return form(host, hotspot=hotspot, wijkactie=wijkactie) if form is not None else None


def edit_form(host: Host, entry: m.Entry) -> EntryForm | None:
    form = form_class(entry.kind)
    return form(host, entry=entry) if form is not None else None
