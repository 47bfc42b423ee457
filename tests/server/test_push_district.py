"""The district rule: an officer cannot write into another district's queue.

A log is filed in the district of its hotspot (or, with only coordinates, in the
officer's own district). A hotspot outside the officer's districts is refused
with `district_not_allowed`, so the record never reaches another team's review
queue or indicators; the rest of the batch lands.
"""

from __future__ import annotations

from factories import enrol, hotspot_in, make_user, waarneming
from sqlmodel import Session, col, select

from sync_server.models import Change, Record, RecordVersion


def _written(engine, record_id: str) -> tuple[int, int, int]:
    with Session(engine) as session:
        return (
            len(session.exec(select(Record.id).where(Record.id == record_id)).all()),
            len(
                session.exec(
                    select(RecordVersion.version).where(RecordVersion.record_id == record_id)
                ).all()
            ),
            len(session.exec(select(Change.seq).where(Change.entity_id == record_id)).all()),
        )


def test_a_hotspot_of_another_district_is_refused_and_the_rest_lands(http, engine, settings):
    officer = make_user(engine, districts=["noord"], password=None)
    phone = enrol(http, engine, settings, officer)
    own, other = hotspot_in(engine, "noord"), hotspot_in(engine, "schalkwijk")
    elsewhere = waarneming(other, note="in Schalkwijk")
    at_home = waarneming(own)
    by_location = waarneming(None, location={"lat": 52.39, "lon": 4.64})

    results = phone.push_ok([elsewhere, at_home, by_location])

    assert [(r["status"], r["code"]) for r in results] == [
        ("rejected", "district_not_allowed"),
        ("accepted", None),
        ("accepted", None),
    ]
    assert other not in results[0]["message"]  # no submitted value is repeated
    assert "stadsdeel" in results[0]["message"]
    assert _written(engine, elsewhere["id"]) == (0, 0, 0)
    with Session(engine) as session:
        districts = session.exec(
            select(Record.district_code).where(
                col(Record.id).in_([at_home["id"], by_location["id"]])
            )
        ).all()
    assert districts == ["noord", "noord"]


def test_a_correction_cannot_move_a_record_into_another_district(http, engine, settings):
    officer = make_user(engine, districts=["noord"], password=None)
    phone = enrol(http, engine, settings, officer)
    own, other = hotspot_in(engine, "noord"), hotspot_in(engine, "schalkwijk")
    original = waarneming(own, note="eerst")
    phone.push_ok([original])
    moved = original | {"version": 2, "payload": original["payload"] | {"hotspot": other}}

    [result] = phone.push_ok([moved])

    assert (result["status"], result["code"]) == ("rejected", "district_not_allowed")
    with Session(engine) as session:
        row = session.get(Record, original["id"])
        assert row is not None
        assert (row.version, row.district_code, row.hotspot_code) == (1, "noord", own)
    assert _written(engine, original["id"]) == (1, 1, 1)


def test_a_team_leader_of_two_districts_files_in_either(http, engine, settings):
    """Outside the officer's districts: a team leader may have several."""
    officer = make_user(engine, role="teamleider", districts=["noord", "schalkwijk"], password=None)
    phone = enrol(http, engine, settings, officer)
    records = [waarneming(hotspot_in(engine, d)) for d in ("noord", "schalkwijk")]

    results = phone.push_ok(records)

    assert [r["status"] for r in results] == ["accepted", "accepted"]
    with Session(engine) as session:
        stored = {
            r.id: r.district_code
            for r in session.exec(
                select(Record).where(col(Record.id).in_([x["id"] for x in records]))
            )
        }
    assert stored == {records[0]["id"]: "noord", records[1]["id"]: "schalkwijk"}
