"""A phone enrols, pushes each kind of record, and pulls back its district."""

from __future__ import annotations

from factories import (
    adrescontrole,
    enrol,
    gele_kaart,
    hotspot_in,
    incident,
    integrale_controle,
    make_user,
    signaal,
    waarneming,
)


def test_enrolled_phone_pushes_every_kind_and_pulls_its_district(http, engine, settings):
    officer = make_user(engine, districts=["noord"])
    phone = enrol(http, engine, settings, officer)
    spot = hotspot_in(engine, "noord")
    records = [
        waarneming(spot),
        gele_kaart(spot),
        incident(spot),
        adrescontrole(),
        signaal(spot),
        integrale_controle(spot),
    ]
    results = phone.push_ok(records)
    assert [r["status"] for r in results] == ["accepted"] * 6
    assert [r["id"] for r in results] == [r["id"] for r in records]
    assert results[1]["outcome"] == {"card_number": 1, "next_step": "registratie"}

    changes = phone.pull_all(limit=50)
    entities = {c["entity"] for c in changes}
    assert {"district", "theme", "hotspot", "record"} <= entities
    hotspot_districts = {c["data"]["district"] for c in changes if c["entity"] == "hotspot"}
    assert hotspot_districts == {"noord"}
    own = {c["id"] for c in changes if c["entity"] == "record"}
    assert own == {r["id"] for r in records}
