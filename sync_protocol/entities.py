"""What a pull page carries: one change per entity, typed by the entity's kind.

The server builds a page from these models and the phone reads it with them, so
the fields of a district, a theme, a hotspot or the server's verdict on an own
record are written down once. A change is an `upsert` with the entity's current
`data`, or a `delete` (a tombstone: retired, removed, or moved out of the
device's scope) without data.

Reading is tolerant where tolerance keeps old phones working against a newer
server, and strict everywhere else: a field a newer server adds is ignored, an
entity kind this app does not know yet is read as `UnknownChange` (and skipped
by the phone), but a known field of the wrong type, a missing required field or
an upsert without data makes the whole page invalid.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    model_validator,
)


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
    "UnknownChange",
]


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


class _ChangeBase(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    seq: int
    entity: str
    op: ChangeOp
    id: str
    data: Any = None

    @model_validator(mode="after")
    def _data_follows_op(self) -> _ChangeBase:
        data = getattr(self, "data", None)
        if self.op is ChangeOp.UPSERT and data is None:
            raise ValueError("an upsert carries the entity's data")
        if self.op is ChangeOp.DELETE and data is not None:
            raise ValueError("a delete carries no data")
        return self


class DistrictChange(_ChangeBase):
    entity: Literal["district"]
    data: DistrictData | None = None


class ThemeChange(_ChangeBase):
    entity: Literal["theme"]
    data: ThemeData | None = None


class HotspotChange(_ChangeBase):
    entity: Literal["hotspot"]
    data: HotspotData | None = None


class RecordChange(_ChangeBase):
    """The review state (and yellow-card number) of one of the officer's own records."""

    entity: Literal["record"]
    data: RecordStateData | None = None


_KNOWN_KINDS = ("district", "theme", "hotspot", "record")


class UnknownChange(_ChangeBase):
    """An entity kind a newer server sends that this app does not know: skipped.
    Its schema excludes the known kinds, so every change matches one branch."""

    entity: Annotated[str, Field(json_schema_extra={"not": {"enum": list(_KNOWN_KINDS)}})]
    data: dict[str, Any] | None = None


_KNOWN: dict[str, type[_ChangeBase]] = {
    "district": DistrictChange,
    "theme": ThemeChange,
    "hotspot": HotspotChange,
    "record": RecordChange,
}
ENTITY_KINDS: tuple[str, ...] = tuple(_KNOWN)


def _entity_tag(value: Any) -> str:
    entity = value.get("entity") if isinstance(value, dict) else getattr(value, "entity", None)
    return entity if entity in _KNOWN else "unknown"


Change = Annotated[
    Annotated[DistrictChange, Tag("district")]
    | Annotated[ThemeChange, Tag("theme")]
    | Annotated[HotspotChange, Tag("hotspot")]
    | Annotated[RecordChange, Tag("record")]
    | Annotated[UnknownChange, Tag("unknown")],
    Discriminator(_entity_tag),
]
"""One pulled change, discriminated on `entity`."""
