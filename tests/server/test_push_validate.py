"""The batch validation's fast path gives every record the verdict it gets alone.

The push validates a whole batch in one pydantic call and falls back to record
by record for whatever that call refuses; the verdicts (status, code, message,
id, version) and the stored content and its hash must be exactly those of
validating each record on its own.
"""

from __future__ import annotations

import json
from typing import Any

from factories import (
    TEST_KEY,
    adrescontrole,
    gele_kaart,
    incident,
    integrale_controle,
    signaal,
    waarneming,
)

from sync_protocol import PushItemResult, RecordKind
from sync_protocol.records import validate_payload
from sync_server.services.pseudonyms import keyed_content_hash
from sync_server.services.push_validate import Valid, validate_batch, validate_item

SPOT = "noord-testplek"


def _mixed_batch() -> list[Any]:
    good = [
        waarneming(SPOT, note="  spaties eromheen  "),
        gele_kaart(SPOT),
        incident(SPOT),
        adrescontrole(),
        signaal(SPOT),
        integrale_controle(SPOT),
    ]
    spaced_kind = waarneming(SPOT) | {"kind": " waarneming "}
    bad = [
        waarneming(SPOT, persons="veel"),
        {"id": "geen-uuid", "kind": "waarneming", "version": 1, "payload": {}},
        waarneming(SPOT) | {"kind": "vuurwerk"},
        "geen record",
        None,
        waarneming(SPOT) | {"version": True},
        waarneming(SPOT) | {"extra": 1},
        gele_kaart(SPOT, naam="1"),
        waarneming(SPOT) | {"payload": []},
    ]
    return [good[0], bad[0], good[1], bad[1], spaced_kind, bad[2], good[2], bad[3]] + (
        [good[3], bad[4], bad[5], good[4], bad[6], bad[7], good[5], bad[8]]
    )


def _as_tuple(verdict: Valid | PushItemResult) -> Any:
    if isinstance(verdict, PushItemResult):
        return ("rejected", verdict.model_dump())
    return (
        "valid",
        verdict.index,
        verdict.id,
        verdict.version,
        verdict.kind,
        verdict.stored,
        verdict.digest,
        verdict.payload,
    )


def test_every_verdict_is_the_one_the_record_gets_on_its_own():
    items = _mixed_batch()

    valid, rejections = validate_batch(items, TEST_KEY)

    alone = [validate_item(i, item, TEST_KEY) for i, item in enumerate(items)]
    batch = sorted([*valid, *rejections], key=lambda v: v.index)
    assert [_as_tuple(v) for v in batch] == [_as_tuple(v) for v in alone]
    assert len(valid) == 7  # the six kinds and the kind with spaces around it
    assert [v.index for v in valid] == sorted(v.index for v in valid)


def test_an_all_valid_batch_goes_through_in_one_call():
    items = [waarneming(SPOT, note=str(n)) for n in range(50)] + [gele_kaart(SPOT)]

    valid, rejections = validate_batch(items, TEST_KEY)

    assert rejections == []
    alone = [validate_item(i, item, TEST_KEY) for i, item in enumerate(items)]
    assert [_as_tuple(v) for v in valid] == [_as_tuple(v) for v in alone]
    assert "jongere" not in valid[-1].stored  # the youth's identity is never kept


def test_unstorable_text_is_found_by_the_batch_scan_and_judged_record_by_record():
    """The batch is scanned once for U+0000 and lone surrogates; where the scan finds
    (or only seems to find) one, every record gets the exact per-record verdict."""
    typed_escape = waarneming(SPOT, note="pad C:\\u0000\\map")  # a backslash typed, no NUL
    items = [
        waarneming(SPOT, note="goed"),
        waarneming(SPOT, note="nul\x00teken"),
        typed_escape,
        waarneming(SPOT, note="half \ud800 teken"),
        waarneming(SPOT) | {"payload": waarneming(SPOT)["payload"] | {"th\x00eme": "x"}},
    ]

    valid, rejections = validate_batch(items, TEST_KEY)

    assert [v.index for v in valid] == [0, 2]
    assert valid[1].stored["note"] == "pad C:\\u0000\\map"
    assert sorted(r.index for r in rejections) == [1, 3, 4]
    assert all(r.code == "invalid_record" for r in rejections)
    alone = [validate_item(i, item, TEST_KEY) for i, item in enumerate(items)]
    batch = sorted([*valid, *rejections], key=lambda v: v.index)
    assert [_as_tuple(v) for v in batch] == [_as_tuple(v) for v in alone]


def test_a_clean_batch_with_a_typed_backslash_escape_is_still_accepted_whole():
    items = [waarneming(SPOT, note="\\u0000 is geen nul"), waarneming(SPOT, note="é – ü")]

    valid, rejections = validate_batch(items, TEST_KEY)

    assert rejections == []
    assert [v.stored["note"] for v in valid] == ["\\u0000 is geen nul", "é – ü"]


def test_the_content_hash_keeps_its_canonical_text():
    """The content hash is of json.dumps({"kind", "payload"}) with sorted keys and
    no spaces: a re-send from an old phone must hash alike, so that text may not
    change however the batch is validated."""
    items = [waarneming(SPOT, note="één ü"), incident(SPOT), gele_kaart(SPOT)]

    valid, rejections = validate_batch(items, TEST_KEY)

    assert rejections == []
    for verdict in valid:
        full = validate_payload(verdict.kind, items[verdict.index]["payload"]).model_dump(
            mode="json"
        )
        canonical = json.dumps(
            {"kind": verdict.kind.value, "payload": full}, sort_keys=True, separators=(",", ":")
        )
        assert verdict.digest == keyed_content_hash(TEST_KEY, canonical)
    assert valid[2].kind is RecordKind.GELE_KAART and "jongere" not in valid[2].stored
