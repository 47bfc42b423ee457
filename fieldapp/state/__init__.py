"""What the screens show and do, without any UI code.

Views call AppState's methods and re-render when `changed` fires; all behaviour
is here or below (store, sync), so it is tested in plain pytest and the views stay
thin. Nothing here imports flet. AppState is made of one class per concept:
the lock phase (lock.py), entries of every kind (entries.py), focus locations
(places.py), sync orchestration (syncing.py) and the screens' sentences (texts.py),
on the parts they share (core.py).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fieldapp import models as m
from fieldapp.dates import haarlem, parse_birth_date, parse_date, parse_moment
from fieldapp.photos import PhotoError
from fieldapp.pin import PinProblem
from fieldapp.state.entries import Entries, LogItem
from fieldapp.state.lock import ENROL, LOCKED, READY, SET_PIN, TEAMLEADER, LockPhase
from fieldapp.state.places import Places, distance_text
from fieldapp.state.syncing import Syncing
from fieldapp.state.texts import ScreenTexts, moment_texts, remark_text
from fieldapp.store import EntryInvalid, EntryLocked
from fieldapp.sync import SyncError
from sync_protocol import RecordKind

__all__ = [
    "ENROL",
    "LOCKED",
    "READY",
    "SET_PIN",
    "TEAMLEADER",
    "AppState",
    "EntryInvalid",
    "EntryLocked",
    "LogItem",
    "PhotoError",
    "PinProblem",
    "SyncError",
    "distance_text",
    "haarlem",
    "moment_texts",
    "remark_text",
    "parse_birth_date",
    "parse_date",
    "parse_moment",
]


def _saver(kind: RecordKind) -> Callable[..., m.Entry]:
    def save_kind(self: AppState, *, entry_id: str | None = None, **fields: Any) -> m.Entry:
        return self.save(kind, fields, entry_id=entry_id)

    save_kind.__doc__ = f"save({kind.value!r}, fields): kept for callers outside fieldapp."
    return save_kind


class AppState(LockPhase, Entries, Places, Syncing, ScreenTexts):
    """The app's state and behaviour for one session (a phone, or a browser tab)."""

    # One save path for every kind is `save(kind, fields)`. These names remain for
    # the reliability scenario, the benchmarks and the server's privacy test, which
    # live outside fieldapp; they add no behaviour.
    save_waarneming = _saver(RecordKind.WAARNEMING)
    save_gele_kaart = _saver(RecordKind.GELE_KAART)
    save_incident = _saver(RecordKind.INCIDENT)
    save_adrescontrole = _saver(RecordKind.ADRESCONTROLE)
    save_signaal = _saver(RecordKind.SIGNAAL_ONDERMIJNING)
    save_integrale_controle = _saver(RecordKind.INTEGRALE_CONTROLE)
