"""What a pull page carries: one change per entity, typed by its kind.

The server builds a page from these models and the phone reads it with them, so
the fields of a district, a theme, a hotspot or the server's verdict on an own
record are written down once. A change is an upsert of one kind with that
entity's current `data` (`DistrictChange`, `ThemeChange`, `HotspotChange`,
`RecordChange`), or a `Tombstone`: the entity was deleted, retired, or moved out
of the device's scope, and comes without data. The union is discriminated on
`op` and `entity` together, so "an upsert carries its data, a delete none" is
part of the types, not a check after them.

Reading is tolerant where tolerance keeps installed phones working against a
newer server, and strict everywhere else: a field a newer server adds is
ignored, and an upsert of an entity kind this app does not know yet is read as
`UnknownChange` (and skipped by the phone); but a known field of the wrong type,
a missing field, an upsert without data or a delete with data makes the whole
page invalid.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Discriminator, Field, Tag

__all__ = [
    "ENTITY_KINDS",
    "Change",
    "ChangeOp",
    "DistrictChange",
    "DistrictData",
    "HotspotChange",
    "HotspotData",
    "RecordChange",
    "RecordStateData",
    "ThemeChange",
    "ThemeData",
    "Tombstone",
    "UnknownChange",
    "WijkactieChange",
    "WijkactieData",
    "WijkactieHotTime",
]


class ChangeOp(StrEnum):
    UPSERT = "upsert"
    DELETE = "delete"


def _none_as_empty(value: Any) -> Any:
    return "" if value is None else value


def _none_as_no_items(value: Any) -> Any:
    return [] if value is None else value


# The server has always been allowed to send null for an empty text or list.
_Text = Annotated[str, BeforeValidator(_none_as_empty)]
_Codes = Annotated[list[str], BeforeValidator(_none_as_no_items)]


class _EntityData(BaseModel):
    # Fields a newer server adds are ignored, so that an additive change of the
    # wire format needs no new protocol version.
    model_config = ConfigDict(extra="ignore", frozen=True)


class DistrictData(_EntityData):
    code: str
    name: str
    center_lat: float | None = None
    center_lon: float | None = None
    version: int = 1


class ThemeData(_EntityData):
    code: str
    name: str
    kind: str  # "handhaving" or a theme of the programme's other kinds
    description: _Text = ""
    version: int = 1


class HotspotData(_EntityData):
    code: str
    name: str
    district: str
    themes: _Codes = Field(default_factory=list)
    lat: float | None = None
    lon: float | None = None
    approximate: bool = True
    note: _Text = ""
    version: int = 1
    # A retired hotspot still comes (records keep naming it): the phone hides it
    # from pickers and shows it in history. The period is the programme year(s)
    # it is a focus location in (ISO dates, both ends inclusive; None = open).
    retired: bool = False
    valid_from: str | None = None
    valid_to: str | None = None


class WijkactieHotTime(_EntityData):
    """When the action is on: a weekday (0 = maandag) and local hours [start, end)."""

    weekday: int = Field(ge=0, le=6)
    start_hour: int = Field(ge=0, le=23)
    end_hour: int = Field(ge=1, le=24)


class WijkactieData(_EntityData):
    """A district action (wijkactie) planned by a team leader, for the phones of
    its district. Dates are ISO (local), both ends inclusive."""

    id: str
    district: str
    title: str
    themes: _Codes = Field(default_factory=list)
    hotspots: _Codes = Field(default_factory=list)
    starts_on: str
    ends_on: str
    hot_times: list[WijkactieHotTime] = Field(default_factory=list)
    goal: _Text = ""
    target: int | None = None
    team: _Text = ""
    officers: list[int] = Field(default_factory=list)  # user ids
    version: int = 1


class RecordStateData(_EntityData):
    """Only what the phone does not already have of its own record: the server's
    verdict on it. The content itself never comes back by pull."""

    kind: str
    version: int
    review_state: str  # plain str until the review-state enum is shared (issue 10)
    review_remark: str | None = None
    card_number: int | None = None
    next_step: str | None = None
    received_at: str | None = None  # ISO 8601 as the server wrote it; not read by the phone


class _Change(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    seq: int
    entity: str
    op: ChangeOp
    id: str


class _Upsert(_Change):
    op: Literal[ChangeOp.UPSERT]


class DistrictChange(_Upsert):
    entity: Literal["district"]
    data: DistrictData


class ThemeChange(_Upsert):
    entity: Literal["theme"]
    data: ThemeData


class HotspotChange(_Upsert):
    entity: Literal["hotspot"]
    data: HotspotData


class WijkactieChange(_Upsert):
    entity: Literal["wijkactie"]
    data: WijkactieData


class RecordChange(_Upsert):
    """The review state (and yellow-card number) of one of the officer's own records."""

    entity: Literal["record"]
    data: RecordStateData


_UPSERTS: dict[str, type[_Upsert]] = {
    "district": DistrictChange,
    "theme": ThemeChange,
    "hotspot": HotspotChange,
    "record": RecordChange,
    "wijkactie": WijkactieChange,
}
ENTITY_KINDS: tuple[str, ...] = tuple(_UPSERTS)


class Tombstone(_Change):
    """The entity is gone for this device (deleted, retired, or out of its scope).
    A phone removes its copy; of its own records it keeps the entry."""

    op: Literal[ChangeOp.DELETE]
    data: None = None


class UnknownChange(_Upsert):
    """An upsert of an entity kind a newer server sends that this app does not
    know: skipped. Its schema excludes the known kinds, so that every change
    matches exactly one branch of the union."""

    entity: Annotated[str, Field(json_schema_extra={"not": {"enum": list(ENTITY_KINDS)}})]
    data: dict[str, Any] | None = None


def _tag(value: Any) -> str:
    if isinstance(value, dict):
        entity, op = value.get("entity"), value.get("op")
    else:
        entity, op = getattr(value, "entity", None), getattr(value, "op", None)
    if op == ChangeOp.DELETE:
        return "delete"
    return entity if entity in _UPSERTS else "unknown"


Change = Annotated[
    Annotated[DistrictChange, Tag("district")]
    | Annotated[ThemeChange, Tag("theme")]
    | Annotated[HotspotChange, Tag("hotspot")]
    | Annotated[RecordChange, Tag("record")]
    | Annotated[WijkactieChange, Tag("wijkactie")]
    | Annotated[Tombstone, Tag("delete")]
    | Annotated[UnknownChange, Tag("unknown")],
    Discriminator(_tag),
]
"""One pulled change, discriminated on its op and entity kind."""
