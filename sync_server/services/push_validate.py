"""Validating a pushed batch: one pydantic call for the whole list, and a verdict
per record for those that fail.

Why one call: validating record by record (an envelope, then its payload, then a
dump) costs a Python round trip per record, which a 500-record push pays 1,500
times. A TypeAdapter over a list of envelopes tagged by kind validates and dumps
the batch in pydantic's core. It is only a fast path: a record it refuses, and
every record when the list as a whole is refused for a reason that names no
record, goes through the record-by-record path, so that every verdict (code and
message) is exactly what validating that record on its own says.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel, Field, TypeAdapter, ValidationError, create_model

from sync_protocol import ErrorCode, PushItemResult, PushStatus, RecordEnvelope, RecordKind
from sync_protocol.records import KIND_MODELS, Jongere, validate_payload
from sync_protocol.text import TEXT_CHECKED, surely_storable
from sync_server.services.pseudonyms import keyed_content_hash


@dataclass
class Valid:
    """A record that passed validation: what the writer needs of it."""

    index: int
    id: str
    version: int
    kind: RecordKind
    payload: Any  # the validated payload model
    stored: dict[str, Any]  # what is kept: the payload without the youth's identity
    digest: str


def rejected(index: int, item: Any, code: ErrorCode, message: str) -> PushItemResult:
    record_id = item.get("id") if isinstance(item, dict) else None
    version = item.get("version") if isinstance(item, dict) else None
    return PushItemResult(
        index=index,
        id=record_id if isinstance(record_id, str) and len(record_id) <= 36 else None,
        version=version if isinstance(version, int) and not isinstance(version, bool) else None,
        status=PushStatus.REJECTED,
        code=code,
        message=message,
    )


# A field name the client sent is only repeated back if it looks like one: an
# unknown key is client data too, and could be a youth's name put in the wrong place.
_FIELD_NAME = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
_JONGERE_FIELDS = frozenset(Jongere.model_fields)


def _where(loc: tuple[int | str, ...]) -> str:
    parts: list[str] = []
    for part in loc:
        if isinstance(part, int):
            parts.append(str(part))
        elif part in _JONGERE_FIELDS or (
            _FIELD_NAME.fullmatch(part) and not (parts and parts[0] == "jongere")
        ):
            parts.append(part)
        else:
            parts.append("(onbekend veld)")
    return ".".join(parts) or "record"


def describe(error: ValidationError) -> str:
    """A short, readable list of what is wrong, never echoing the submitted values
    (they may hold a youth's name)."""
    parts = []
    for problem in error.errors(include_input=False, include_url=False)[:5]:
        parts.append(f"{_where(problem['loc'])}: {problem['msg']}")
    return "; ".join(parts)


def _finish(
    index: int, record_id: str, version: int, kind: RecordKind, payload: Any, full: Any, key: bytes
) -> Valid:
    canonical = json.dumps(
        {"kind": kind.value, "payload": full}, sort_keys=True, separators=(",", ":")
    )
    stored = {k: v for k, v in full.items() if k != "jongere"}
    digest = keyed_content_hash(key, canonical)
    return Valid(index, record_id, version, kind, payload, stored, digest)


def validate_item(index: int, item: Any, key: bytes) -> Valid | PushItemResult:
    """One record on its own: the verdict the batch path falls back to."""
    try:
        envelope = RecordEnvelope.model_validate(item)
    except ValidationError as exc:
        return rejected(index, item, ErrorCode.INVALID_RECORD, describe(exc))
    try:
        kind = RecordKind(envelope.kind)
    except ValueError:
        # The unknown value itself is not repeated: it is whatever the client sent.
        return rejected(
            index,
            item,
            ErrorCode.UNKNOWN_KIND,
            "Onbekend soort record; bekend zijn: " + ", ".join(k.value for k in RecordKind) + ".",
        )
    try:
        payload = validate_payload(kind, envelope.payload)
    except ValidationError as exc:
        return rejected(index, item, ErrorCode.INVALID_RECORD, describe(exc))
    full = payload.model_dump(mode="json")
    return _finish(index, envelope.id, envelope.version, kind, payload, full, key)


def _tagged(kind: RecordKind) -> type[BaseModel]:
    """The envelope of one kind, with its payload typed: a member of the tagged union.
    Built from RecordEnvelope and KIND_MODELS, so it follows every rule they hold."""
    fields: Any = {"kind": (Literal[kind.value], ...), "payload": (KIND_MODELS[kind], ...)}
    return create_model(f"{KIND_MODELS[kind].__name__}Envelope", __base__=RecordEnvelope, **fields)


_TAGGED = tuple(_tagged(kind) for kind in RecordKind)
_ANY_KIND: Any = Annotated[Union[_TAGGED], Field(discriminator="kind")]  # noqa: UP007
_BATCH: TypeAdapter[list[Any]] = TypeAdapter(list[_ANY_KIND])


def validate_batch(
    items: list[Any], key: bytes, *, text_checked: bool = False
) -> tuple[list[Valid], list[PushItemResult]]:
    """Every item of a push, validated: the valid records and the rejections.
    `text_checked`: the caller knows the batch holds no unstorable text."""
    fast: list[int] = list(range(len(items)))
    slow: list[int] = []
    valid: list[Valid] = []
    rejections: list[PushItemResult] = []
    # One scan of the whole batch for text no database can store; only if it
    # finds some does every model look at its own strings (the exact verdict).
    context = {TEXT_CHECKED: True} if text_checked or surely_storable(items) else None
    while fast:
        try:
            models = _BATCH.validate_python([items[i] for i in fast], context=context)
        except ValidationError as exc:
            failed = {
                e["loc"][0] for e in exc.errors(include_input=False, include_url=False) if e["loc"]
            }
            failed_indices = {fast[p] for p in failed if isinstance(p, int) and p < len(fast)}
            if not failed_indices:  # an error naming no record: decide each on its own
                slow += fast
                break
            slow += sorted(failed_indices)
            fast = [i for i in fast if i not in failed_indices]
            continue
        dumped = _BATCH.dump_python(models, mode="json")
        for index, model, dump in zip(fast, models, dumped, strict=True):
            kind = RecordKind(model.kind)
            valid.append(
                _finish(index, model.id, model.version, kind, model.payload, dump["payload"], key)
            )
        break
    for index in slow:
        checked = validate_item(index, items[index], key)
        if isinstance(checked, PushItemResult):
            rejections.append(checked)
        else:
            valid.append(checked)
    valid.sort(key=lambda v: v.index)
    return valid, rejections
