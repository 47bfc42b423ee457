"""The rows a push stores are the rows the ORM used to store.

The push writes with bulk Core statements and serialises each payload once for
the record row and its version row; the stored JSON text must be exactly what
SQLAlchemy's JSON type writes (json.dumps of the payload without the youth), on
both databases, so that nothing reading the rows can tell the difference.
"""

from __future__ import annotations

import json

from factories import enrol, gele_kaart, hotspot_in, make_user, waarneming
from sqlalchemy import text


def _raw(engine, sql: str, record_id: str) -> list[str]:
    with engine.connect() as conn:
        return [str(v) for v in conn.execute(text(sql), {"id": record_id}).scalars()]


def test_payload_text_is_what_the_json_type_writes(http, engine, settings):
    officer = make_user(engine, districts=["noord"], password=None)
    phone = enrol(http, engine, settings, officer)
    spot = hotspot_in(engine, "noord")
    first = waarneming(spot, note='Één café, "aanhalingstekens" en ü')
    card = gele_kaart(spot)
    correction = first | {"version": 2, "payload": first["payload"] | {"note": "tweede"}}
    phone.push_ok([first, card])
    phone.push_ok([correction])

    as_text = "CAST(payload AS TEXT)" if engine.dialect.name == "postgresql" else "payload"
    for pushed in (first, card, correction):
        [version_text] = _raw(
            engine,
            f"SELECT {as_text} FROM recordversion WHERE record_id = :id AND version = "
            f"{pushed['version']}",
            pushed["id"],
        )
        stored = json.loads(version_text)
        assert "jongere" not in stored
        assert version_text == json.dumps(stored)
    for current in (correction, card):
        [record_text] = _raw(engine, f"SELECT {as_text} FROM record WHERE id = :id", current["id"])
        assert record_text == json.dumps(json.loads(record_text))
    [latest] = _raw(engine, f"SELECT {as_text} FROM record WHERE id = :id", first["id"])
    assert json.loads(latest)["note"] == "tweede"
