"""Pushing records: idempotent, per-record verdicts, corrections, yellow cards, strict checks.

The contract (sync-protocol.md): re-sending a batch is harmless, one bad record
does not block the others and is not half-written, the same id and version with
other content is a conflict, and a youth's identity never lands on the server.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from factories import (
    adrescontrole,
    change_seqs,
    dump_database,
    enrol,
    gele_kaart,
    hotspot_in,
    incident,
    integrale_controle,
    make_user,
    signaal,
    uuid7,
    waarneming,
)
from sqlmodel import Session, col, func, select

from sync_protocol import PROTOCOL_VERSION
from sync_server.models import Change, Record, RecordVersion

NEXT_STEPS = ["registratie", "brief aan ouders", "gesprek met ouders of doorverwijzing"]


def _count(engine, model, *where) -> int:
    with Session(engine) as session:
        return int(session.exec(select(func.count()).select_from(model).where(*where)).one())


def _record(engine, record_id: str) -> Record | None:
    with Session(engine) as session:
        return session.get(Record, record_id)


def _versions(engine, record_id: str) -> list[RecordVersion]:
    with Session(engine) as session:
        return list(
            session.exec(
                select(RecordVersion)
                .where(RecordVersion.record_id == record_id)
                .order_by(col(RecordVersion.version))
            ).all()
        )


def _nothing_written(engine, record_id: str) -> bool:
    return (
        _count(engine, Record, Record.id == record_id) == 0
        and _count(engine, RecordVersion, RecordVersion.record_id == record_id) == 0
        and _count(engine, Change, Change.entity_id == record_id) == 0
    )


@pytest.fixture
def noord(http, engine, settings):
    """An officer of Noord with an enrolled phone, and a hotspot of Noord."""
    officer = make_user(engine, districts=["noord"], password=None)
    return enrol(http, engine, settings, officer), hotspot_in(engine, "noord")


# ---------------------------------------------------------------- idempotence


def test_re_pushing_the_same_batch_is_harmless(noord, engine):
    """The reply to a batch may be lost; the phone then sends it again."""
    phone, spot = noord
    batch = [waarneming(spot), gele_kaart(spot), incident(spot), adrescontrole()]
    first = phone.push_ok(batch)
    log_after_first = change_seqs(engine)
    records_after_first = _count(engine, Record)
    versions_after_first = _count(engine, RecordVersion)

    second = phone.push_ok(batch)

    assert [r["status"] for r in first] == ["accepted"] * 4
    assert second == first  # same verdicts, same outcome, card number included
    assert second[1]["outcome"] == {"card_number": 1, "next_step": "registratie"}
    assert _count(engine, Record) == records_after_first == 4
    assert _count(engine, RecordVersion) == versions_after_first == 4
    assert change_seqs(engine) == log_after_first


def test_one_invalid_record_does_not_block_the_others(noord, engine):
    phone, spot = noord
    bad = waarneming(spot, persons="veel")
    batch = [waarneming(spot), bad, signaal(spot), incident(spot)]

    results = phone.push_ok(batch)

    assert [r["status"] for r in results] == ["accepted", "rejected", "accepted", "accepted"]
    assert results[1]["code"] == "invalid_record"
    assert results[1]["id"] == bad["id"]
    assert "persons" in results[1]["message"]
    assert _nothing_written(engine, bad["id"])
    for good in (batch[0], batch[2], batch[3]):
        assert _record(engine, good["id"]) is not None


def test_unknown_kind_is_rejected(noord, engine):
    phone, spot = noord
    record = waarneming(spot) | {"kind": "parkeerbon"}
    [result] = phone.push_ok([record])
    assert (result["status"], result["code"]) == ("rejected", "unknown_kind")
    assert "waarneming" in result["message"]  # tells which kinds exist
    assert _nothing_written(engine, record["id"])


def test_unknown_theme_and_hotspot_are_rejected(noord, engine):
    phone, spot = noord
    unknown_theme = waarneming(spot, theme="vuurwerk-op-de-maan")
    unknown_hotspot = waarneming("noord-bestaat-niet")
    results = phone.push_ok([unknown_theme, unknown_hotspot, waarneming(spot)])
    assert [(r["status"], r["code"]) for r in results] == [
        ("rejected", "unknown_theme"),
        ("rejected", "unknown_hotspot"),
        ("accepted", None),
    ]
    assert _nothing_written(engine, unknown_theme["id"])
    assert _nothing_written(engine, unknown_hotspot["id"])


# ---------------------------------------------------------------- versions


def test_same_id_and_version_with_other_content_is_a_conflict(noord, engine):
    phone, spot = noord
    original = waarneming(spot, note="eerste", persons=2)
    phone.push_ok([original])
    changed = original | {"payload": original["payload"] | {"note": "anders", "persons": 3}}

    [result] = phone.push_ok([changed])

    assert result["status"] == "conflict"
    assert result["code"] == "conflict"
    copy = result["server_copy"]
    assert (copy["id"], copy["kind"], copy["version"]) == (original["id"], "waarneming", 1)
    assert copy["payload"]["note"] == "eerste"
    assert copy["payload"]["persons"] == 2
    assert _record(engine, original["id"]).payload["note"] == "eerste"
    assert len(_versions(engine, original["id"])) == 1


def test_a_correction_is_a_new_version_and_both_are_kept(noord, engine):
    phone, spot = noord
    original = waarneming(spot, note="eerste", persons=2)
    phone.push_ok([original])
    correction = original | {
        "version": 2,
        "payload": original["payload"] | {"note": "verbeterd", "persons": 4},
    }

    [result] = phone.push_ok([correction])

    assert (result["status"], result["version"]) == ("accepted", 2)
    row = _record(engine, original["id"])
    assert (row.version, row.payload["note"], row.payload["persons"]) == (2, "verbeterd", 4)
    versions = _versions(engine, original["id"])
    assert [(v.version, v.payload["note"]) for v in versions] == [(1, "eerste"), (2, "verbeterd")]
    pulled = [c for c in phone.pull_all() if c["id"] == original["id"]]
    assert pulled[-1]["data"]["version"] == 2


def test_versions_out_of_order_end_with_the_highest_current(noord, engine):
    """Two syncs can deliver a correction before the record it corrects."""
    phone, spot = noord
    record_id = uuid7()
    v1 = waarneming(spot, record_id=record_id, note="eerste")
    v2 = waarneming(spot, record_id=record_id, version=2, note="tweede")

    assert phone.push_ok([v2])[0]["status"] == "accepted"
    assert phone.push_ok([v1])[0]["status"] == "accepted"

    row = _record(engine, record_id)
    assert (row.version, row.payload["note"]) == (2, "tweede")
    assert [v.version for v in _versions(engine, record_id)] == [1, 2]


def test_a_record_and_its_correction_in_one_batch(noord, engine):
    """Corrected before the phone was back online: the outbox holds both versions
    (and, after an interrupted sync, the first one twice)."""
    phone, spot = noord
    v1 = waarneming(spot, note="eerste")
    v2 = v1 | {"version": 2, "payload": v1["payload"] | {"note": "tweede"}}

    results = phone.push_ok([v1, v2, v1])

    assert [(r["status"], r["version"]) for r in results] == [
        ("accepted", 1),
        ("accepted", 2),
        ("accepted", 1),
    ]
    row = _record(engine, v1["id"])
    assert (row.version, row.payload["note"]) == (2, "tweede")
    assert [v.version for v in _versions(engine, v1["id"])] == [1, 2]
    assert _count(engine, Change, Change.entity_id == v1["id"]) == 2
    [pulled] = [c for c in phone.pull_all() if c["id"] == v1["id"]]
    assert pulled["data"]["version"] == 2


def test_another_officer_cannot_correct_my_record(http, engine, settings, noord):
    mine, spot = noord
    original = waarneming(spot, note="van mij")
    mine.push_ok([original])
    colleague = enrol(http, engine, settings, make_user(engine, districts=["noord"], password=None))
    takeover = original | {"version": 2, "payload": original["payload"] | {"note": "overgenomen"}}

    [result] = colleague.push_ok([takeover])

    assert (result["status"], result["code"]) == ("rejected", "not_owner")
    row = _record(engine, original["id"])
    assert (row.version, row.payload["note"], row.owner_user_id) == (1, "van mij", mine.user.id)
    assert [v.version for v in _versions(engine, original["id"])] == [1]


def test_incidents_are_processed_first_but_results_keep_request_order(noord, engine):
    """An incident against an enforcer gets the lowest change numbers of its batch."""
    phone, spot = noord
    batch = [
        waarneming(spot),
        adrescontrole(),
        incident(spot),
        gele_kaart(spot),
        incident(spot, types=["fysiek", "bedreiging"]),
    ]

    results = phone.push_ok(batch)

    assert [r["index"] for r in results] == [0, 1, 2, 3, 4]
    assert [r["id"] for r in results] == [r["id"] for r in batch]
    assert all(r["status"] == "accepted" for r in results)
    with Session(engine) as session:
        seq_of = dict(
            session.exec(
                select(Change.entity_id, Change.seq).where(Change.entity == "record")
            ).all()
        )
    incident_seqs = [seq_of[batch[i]["id"]] for i in (2, 4)]
    other_seqs = [seq_of[batch[i]["id"]] for i in (0, 1, 3)]
    assert max(incident_seqs) < min(other_seqs)
    assert incident_seqs == sorted(incident_seqs)  # request order among incidents


# ---------------------------------------------------------------- request-level refusals


def test_a_batch_over_the_limit_is_refused_whole(noord, engine, settings):
    phone, spot = noord
    too_many = [waarneming(spot) for _ in range(settings.limits.max_batch_records + 1)]
    response = phone.push(too_many)
    assert response.status_code == 413
    assert response.json()["code"] == "batch_too_large"
    assert _count(engine, Record) == 0


def test_device_id_must_match_the_token(http, engine, settings, noord):
    phone, spot = noord
    other = enrol(http, engine, settings, make_user(engine, districts=["noord"], password=None))
    response = phone.client.post(
        "/api/v1/sync/push",
        headers=phone.headers,
        json={
            "protocol": PROTOCOL_VERSION,
            "device_id": other.device_id,
            "records": [waarneming(spot)],
        },
    )
    assert response.status_code == 403
    assert response.json()["code"] == "device_mismatch"
    assert _count(engine, Record) == 0


# ---------------------------------------------------------------- yellow cards


def test_yellow_cards_are_counted_per_youth_whatever_the_spelling(noord, engine):
    """Case, accents and extra spaces must not reset a youth's count."""
    phone, spot = noord
    spellings = ["Kees Testjongere", "  KEES   testjongere ", "Kées Tëstjongere"]
    spellings += ["Kees-Testjongere"]
    outcomes = []
    for naam in spellings:
        [result] = phone.push_ok([gele_kaart(spot, naam=naam, geboortedatum="2010-04-01")])
        assert result["status"] == "accepted"
        outcomes.append(result["outcome"])
    [fourth] = phone.push_ok([gele_kaart(spot, naam="kees testjongere")])
    [other_youth] = phone.push_ok(
        [gele_kaart(spot, naam="Kees Testjongere", geboortedatum="2011-04-01")]
    )

    assert outcomes == [
        {"card_number": n, "next_step": step}
        for n, step in zip([1, 2, 3, 4], [*NEXT_STEPS, NEXT_STEPS[2]], strict=True)
    ]
    assert fourth["outcome"] == {"card_number": 5, "next_step": NEXT_STEPS[2]}
    assert other_youth["outcome"] == {"card_number": 1, "next_step": NEXT_STEPS[0]}
    with Session(engine) as session:
        pseudonyms = session.exec(
            select(Record.youth_pseudonym).order_by(col(Record.card_number))
        ).all()
    assert len(set(pseudonyms)) == 2


def test_cards_for_one_youth_in_one_batch_are_numbered_in_order(noord):
    phone, spot = noord
    results = phone.push_ok(
        [
            gele_kaart(spot, naam="Sanne de Vries"),
            waarneming(spot),
            gele_kaart(spot, naam="sanne de  vries"),
            gele_kaart(spot, naam="SANNE DE VRIES"),
        ]
    )
    assert [r["outcome"].get("card_number") for r in results] == [1, None, 2, 3]
    assert [r["outcome"].get("next_step") for r in results] == [
        NEXT_STEPS[0],
        None,
        NEXT_STEPS[1],
        NEXT_STEPS[2],
    ]


def test_the_youths_identity_is_stored_nowhere(noord, engine):
    """Only a keyed pseudonym is kept; a database copy must not reveal the youth."""
    phone, spot = noord
    naam, geboren = "Jorinde Zwanenburgtest", "2009-11-23"
    card = gele_kaart(spot, naam=naam, geboortedatum=geboren, note="bij de speeltuin")
    phone.push_ok([card])
    phone.push_ok([card])  # a re-send
    correction = card | {"version": 2, "payload": card["payload"] | {"note": "bij het plein"}}
    phone.push_ok([correction])
    [rejected] = phone.push_ok([gele_kaart("noord-bestaat-niet", naam=naam, geboortedatum=geboren)])
    assert rejected["status"] == "rejected"

    dump = dump_database(engine).lower()
    for needle in ("jorinde", "zwanenburgtest", geboren, "20091123", "23-11-2009"):
        assert needle not in dump
    row = _record(engine, card["id"])
    assert re.fullmatch(r"[0-9a-f]{64}", row.youth_pseudonym or "")
    assert "jongere" not in row.payload
    assert all("jongere" not in v.payload for v in _versions(engine, card["id"]))


def test_a_new_yellow_card_needs_the_youth(noord, engine):
    phone, spot = noord
    card = gele_kaart(spot)
    del card["payload"]["jongere"]
    [result] = phone.push_ok([card])
    assert (result["status"], result["code"]) == ("rejected", "invalid_record")
    assert "jongere" in result["message"]
    assert _nothing_written(engine, card["id"])


def test_a_yellow_card_correction_may_leave_out_the_youth(noord, engine):
    phone, spot = noord
    card = gele_kaart(spot, naam="Pim Correctie")
    phone.push_ok([card])
    payload = {k: v for k, v in card["payload"].items() if k != "jongere"} | {"note": "later"}
    [result] = phone.push_ok([card | {"version": 2, "payload": payload}])
    assert result["status"] == "accepted"
    assert result["outcome"] == {"card_number": 1, "next_step": NEXT_STEPS[0]}
    assert _record(engine, card["id"]).youth_pseudonym is not None


NAAM = "Kees Testjongere"
# Ways a client can get the youth's name into a refused record: as a value in the
# wrong field, as a field name, as the kind. None of them may come back in a reply.
NAME_IN_THE_WRONG_PLACE: dict[str, Callable[[str], dict[str, Any]]] = {
    "too old": lambda s: gele_kaart(s, naam=NAAM, geboortedatum="1970-01-01"),
    "name as date": lambda s: gele_kaart(s, naam=NAAM, geboortedatum=NAAM),
    "name too long": lambda s: gele_kaart(s, naam=NAAM * 20),
    "name as reason": lambda s: gele_kaart(s, naam=NAAM, aanleiding=NAAM),
    "youth as text": lambda s: gele_kaart(s, jongere=NAAM),
    "name as youth field": lambda s: gele_kaart(
        s, jongere={"naam": NAAM, "geboortedatum": "2010-01-01", NAAM: True}
    ),
    "lower-case name as youth field": lambda s: gele_kaart(
        s, jongere={"naam": NAAM, "geboortedatum": "2010-01-01", "kees": True}
    ),
    "name as payload field": lambda s: gele_kaart(s, **{NAAM: 1}),
    "name as kind": lambda s: gele_kaart(s, naam=NAAM) | {"kind": NAAM},
    "unknown hotspot": lambda s: gele_kaart("noord-bestaat-niet", naam=NAAM),
}


def test_a_rejected_yellow_card_never_echoes_the_youths_name(noord, engine):
    phone, spot = noord
    cards = [make(spot) for make in NAME_IN_THE_WRONG_PLACE.values()]

    results = phone.push_ok(cards)

    for case, card, result in zip(NAME_IN_THE_WRONG_PLACE, cards, results, strict=True):
        assert result["status"] == "rejected", case
        text = (result["message"] or "").lower()
        assert "kees" not in text and "testjongere" not in text, f"{case}: {text}"
        assert _nothing_written(engine, card["id"]), case


# ---------------------------------------------------------------- strict validation


def _photos(n: int) -> list[str]:
    return [f"{i:064x}" for i in range(1, n + 1)]


# Per kind: (what is wrong, a record with that fault, the field the message must name).
INVALID: dict[str, list[tuple[str, Callable[[str], dict[str, Any]], str]]] = {
    "envelope": [
        ("version as string", lambda s: waarneming(s) | {"version": "2"}, "version"),
        ("version 0", lambda s: waarneming(s, version=0), "version"),
        ("id not a uuid", lambda s: waarneming(s, record_id="record-1"), "id"),
        ("extra envelope field", lambda s: waarneming(s) | {"priority": 1}, "priority"),
        ("payload not an object", lambda s: waarneming(s) | {"payload": [1]}, "payload"),
    ],
    "waarneming": [
        # wrong types: no silent coercion of "3" to 3, True to 1 or 2.5 to 2
        ("persons as string", lambda s: waarneming(s, persons="3"), "persons"),
        ("persons as bool", lambda s: waarneming(s, persons=True), "persons"),
        ("persons as float", lambda s: waarneming(s, persons=2.5), "persons"),
        (
            "lat as string",
            lambda s: waarneming(s, location={"lat": "52.4", "lon": 4.6}),
            "location.lat",
        ),
        # out of range
        ("persons -1", lambda s: waarneming(s, persons=-1), "persons"),
        ("persons 5000", lambda s: waarneming(s, persons=5000), "persons"),
        ("lat 10", lambda s: waarneming(s, location={"lat": 10.0, "lon": 4.6}), "location.lat"),
        (
            "observed in 1990",
            lambda s: waarneming(s, observed_at="1990-06-01T12:00:00+02:00"),
            "observed_at",
        ),
        (
            "observed in 2150",
            lambda s: waarneming(s, observed_at="2150-06-01T12:00:00+00:00"),
            "observed_at",
        ),
        (
            "observed without timezone",
            lambda s: waarneming(s, observed_at="2024-06-01T12:00:00"),
            "observed_at",
        ),
        ("note too long", lambda s: waarneming(s, note="x" * 2001), "note"),
        # unknown fields and values
        ("extra field", lambda s: waarneming(s, kleur="rood"), "kleur"),
        (
            "extra location field",
            lambda s: waarneming(s, location={"lat": 52.4, "lon": 4.6, "alt": 3.0}),
            "alt",
        ),
        ("unknown action", lambda s: waarneming(s, action="arresteren"), "action"),
        # photos
        ("11 photos", lambda s: waarneming(s, photos=_photos(11)), "photos"),
        ("same photo twice", lambda s: waarneming(s, photos=_photos(1) * 2), "photos"),
        ("photo not a hash", lambda s: waarneming(s, photos=["foto1.jpg"]), "photos"),
        # place
        ("no hotspot nor location", lambda s: waarneming(None), "hotspot"),
    ],
    "gele_kaart": [
        ("born in 1980", lambda s: gele_kaart(s, geboortedatum="1980-01-01"), "geboortedatum"),
        ("name too short", lambda s: gele_kaart(s, naam="K"), "naam"),
        ("unknown reason", lambda s: gele_kaart(s, aanleiding="brutaal"), "aanleiding"),
        ("no place", lambda s: gele_kaart(None), "hotspot"),
    ],
    "incident": [
        ("injured as int", lambda s: incident(s, injured=1), "injured"),
        ("bodycam as string", lambda s: incident(s, bodycam_on="ja"), "bodycam_on"),
        ("no type", lambda s: incident(s, types=[]), "types"),
        ("same type twice", lambda s: incident(s, types=["verbaal", "verbaal"]), "types"),
        (
            "footage secured without bodycam",
            lambda s: incident(s, bodycam_on=False, footage_secured=True),
            "footage_secured",
        ),
        ("nowhere", lambda s: incident(None, place="  "), "place"),
        ("unknown police follow-up", lambda s: incident(s, politie="later"), "politie"),
    ],
    "adrescontrole": [
        ("unknown outcome", lambda s: adrescontrole(uitkomst="misschien"), "uitkomst"),
        ("address as number", lambda s: adrescontrole(address=12), "address"),
    ],
    "signaal_ondermijning": [
        ("empty description", lambda s: signaal(s, description=""), "description"),
        ("same photo twice", lambda s: signaal(s, photos=_photos(2) * 2), "photos"),
        ("unknown category", lambda s: signaal(s, categorie="fietsendiefstal"), "categorie"),
        ("nowhere", lambda s: signaal(None), "location"),
    ],
    "integrale_controle": [
        ("unknown partner", lambda s: integrale_controle(s, partners=["buren"]), "partners"),
        ("empty branche", lambda s: integrale_controle(s, branche=""), "branche"),
        ("nowhere", lambda s: integrale_controle(None), "hotspot"),
    ],
}


@pytest.mark.parametrize("kind", list(INVALID))
def test_invalid_records_are_rejected_naming_the_field(noord, engine, kind):
    """Every fault of a kind in one batch, with one valid record at the end: each
    fault gets its own verdict and the valid record still lands."""
    phone, spot = noord
    cases = INVALID[kind]
    batch = [make(spot) for _, make, _ in cases] + [waarneming(spot)]

    results = phone.push_ok(batch)

    assert len(results) == len(batch)
    for (fault, _, field), record, result in zip(cases, batch, results, strict=False):
        verdict = (result["status"], result["code"])
        assert verdict == ("rejected", "invalid_record"), f"{fault}: {result}"
        assert field in result["message"], f"{fault}: {result['message']}"
        assert _nothing_written(engine, record["id"]), fault
    assert results[-1]["status"] == "accepted"
    assert _count(engine, Record) == 1


def test_items_that_are_not_records_are_rejected_not_500(noord):
    phone, spot = noord
    results = phone.push_ok(
        ["niet-een-record", None, [1, 2], {"kind": "waarneming"}, waarneming(spot)]
    )
    assert [(r["status"], r["code"]) for r in results[:4]] == [("rejected", "invalid_record")] * 4
    assert results[4]["status"] == "accepted"
