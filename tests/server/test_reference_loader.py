"""The reference-data loader: idempotent, versioned, and all-or-nothing.

Phones learn about a renamed, removed or moved hotspot only through the change
log, so every edit of the reviewed files must become exactly one change for the
right districts, and a broken file must leave the database as it was.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from factories import change_seqs, dump_database, enrol, make_user
from sqlmodel import Session, col, func, select

from sync_server.config import DEFAULT_ASSETS
from sync_server.db import session_scope
from sync_server.models import (
    District,
    Hotspot,
    Indicator,
    IndicatorValue,
    ReferenceLoad,
    Theme,
)
from sync_server.services.reference_data import (
    FILES,
    LoadReport,
    ReferenceDataError,
    load_reference_data,
)

NOORD_SPOT = "noord-marsmanplein"


@pytest.fixture
def assets(tmp_path: Path) -> Path:
    """An editable copy of the reviewed reference files."""
    target = tmp_path / "reference"
    target.mkdir()
    for name in FILES:
        shutil.copy(DEFAULT_ASSETS / name, target / name)
    return target


def edit(assets: Path, name: str, change: Callable[[dict[str, Any]], None]) -> None:
    path = assets / name
    data = json.loads(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")


def hotspot_entry(data: dict[str, Any], code: str) -> dict[str, Any]:
    return next(h for h in data["hotspots"] if h["code"] == code)


def load(engine, assets: Path = DEFAULT_ASSETS) -> LoadReport:
    with session_scope(engine) as session:
        return load_reference_data(session, assets)


def versions(engine) -> dict[tuple[str, str], tuple[int, bool]]:
    with Session(engine) as session:
        return {
            (model.__name__, row.code): (row.version, row.retired)
            for model in (District, Theme, Hotspot, Indicator)
            for row in session.exec(select(model)).all()
        }


def phone_for(http, engine, settings, district: str):
    phone = enrol(http, engine, settings, make_user(engine, districts=[district], password=None))
    phone.pull_all(limit=500)
    return phone


def test_loading_the_same_files_twice_changes_nothing(engine):
    before_versions, before_log = versions(engine), change_seqs(engine)
    with Session(engine) as session:
        loads = session.exec(select(func.count()).select_from(ReferenceLoad)).one()

    report = load(engine)

    assert report.total == 0
    assert (report.added, report.changed, report.retired) == ({}, {}, {})
    assert versions(engine) == before_versions
    assert change_seqs(engine) == before_log
    with Session(engine) as session:
        assert session.exec(select(func.count()).select_from(ReferenceLoad)).one() == loads


def test_a_first_load_adds_everything_once(bare_engine):
    report = load(bare_engine)
    hotspots = json.loads((DEFAULT_ASSETS / "hotspots.json").read_text())["hotspots"]
    assert report.added["hotspot"] == len(hotspots)
    assert report.added["district"] == 5
    # one change per district, theme and hotspot; indicators are not pulled
    assert change_seqs(bare_engine) == list(
        range(1, 1 + report.added["district"] + report.added["theme"] + len(hotspots))
    )
    assert all(v == (1, False) for v in versions(bare_engine).values())


def test_an_edited_hotspot_reaches_the_phones_of_its_district(http, engine, settings, assets):
    noord = phone_for(http, engine, settings, "noord")
    schalkwijk = phone_for(http, engine, settings, "schalkwijk")
    edit(
        assets,
        "hotspots.json",
        lambda d: hotspot_entry(d, NOORD_SPOT).update(name="Marsmanplein (nieuw)"),
    )

    report = load(engine, assets)

    assert (report.changed, report.added, report.retired) == ({"hotspot": 1}, {}, {})
    assert versions(engine)[("Hotspot", NOORD_SPOT)] == (2, False)
    changes = noord.pull_all()
    assert [(c["entity"], c["id"], c["op"]) for c in changes] == [("hotspot", NOORD_SPOT, "upsert")]
    assert changes[0]["data"]["name"] == "Marsmanplein (nieuw)"
    assert changes[0]["data"]["version"] == 2
    assert schalkwijk.pull_all() == []
    assert load(engine, assets).total == 0  # and loading the edited files again is a no-op


def test_a_removed_hotspot_is_retired_and_phones_get_a_tombstone(http, engine, settings, assets):
    noord = phone_for(http, engine, settings, "noord")
    schalkwijk = phone_for(http, engine, settings, "schalkwijk")
    edit(
        assets,
        "hotspots.json",
        lambda d: d.update(hotspots=[h for h in d["hotspots"] if h["code"] != NOORD_SPOT]),
    )

    report = load(engine, assets)

    assert (report.retired, report.changed, report.added) == ({"hotspot": 1}, {}, {})
    assert versions(engine)[("Hotspot", NOORD_SPOT)] == (2, True)
    changes = noord.pull_all()
    assert [(c["entity"], c["id"], c["op"], c["data"]) for c in changes] == [
        ("hotspot", NOORD_SPOT, "delete", None)
    ]
    assert schalkwijk.pull_all() == []
    # a phone enrolled later never sees it as a live hotspot
    late = phone_for(http, engine, settings, "noord")
    assert late.seen[("hotspot", NOORD_SPOT)] is None
    assert load(engine, assets).total == 0


def test_a_retired_hotspot_that_returns_is_live_again(http, engine, settings, assets):
    noord = phone_for(http, engine, settings, "noord")
    original = (assets / "hotspots.json").read_text(encoding="utf-8")
    edit(
        assets,
        "hotspots.json",
        lambda d: d.update(hotspots=[h for h in d["hotspots"] if h["code"] != NOORD_SPOT]),
    )
    load(engine, assets)
    (assets / "hotspots.json").write_text(original, encoding="utf-8")

    report = load(engine, assets)

    assert report.changed == {"hotspot": 1}
    assert versions(engine)[("Hotspot", NOORD_SPOT)] == (3, False)
    noord.pull_all()
    assert noord.seen[("hotspot", NOORD_SPOT)]["version"] == 3


def test_a_moved_hotspot_leaves_the_old_district_and_reaches_the_new(
    http, engine, settings, assets
):
    noord = phone_for(http, engine, settings, "noord")
    schalkwijk = phone_for(http, engine, settings, "schalkwijk")
    centrum = phone_for(http, engine, settings, "centrum")
    edit(
        assets,
        "hotspots.json",
        lambda d: hotspot_entry(d, NOORD_SPOT).update(district="schalkwijk"),
    )

    load(engine, assets)

    assert [(c["id"], c["op"], c["data"]) for c in noord.pull_all()] == [
        (NOORD_SPOT, "delete", None)
    ]
    [arrived] = schalkwijk.pull_all()
    assert (arrived["id"], arrived["op"]) == (NOORD_SPOT, "upsert")
    assert arrived["data"]["district"] == "schalkwijk"
    assert centrum.pull_all() == []
    # a Noord phone starting from scratch must not end up with it either
    fresh = phone_for(http, engine, settings, "noord")
    assert fresh.seen[("hotspot", NOORD_SPOT)] is None


def _unknown_district(d: dict[str, Any]) -> None:
    hotspot_entry(d, NOORD_SPOT)["district"] = "spaarndam"


def _duplicate_code(d: dict[str, Any]) -> None:
    d["hotspots"].append(dict(hotspot_entry(d, NOORD_SPOT), name="Tweede Marsmanplein"))


def _unknown_theme(d: dict[str, Any]) -> None:
    hotspot_entry(d, NOORD_SPOT)["themes"].append("vuurwerk")


def _lat_as_text(d: dict[str, Any]) -> None:
    hotspot_entry(d, NOORD_SPOT)["location"]["lat"] = "52,39"


def _value_as_bool(d: dict[str, Any]) -> None:
    d["indicators"][0]["values"]["2022"] = True


def _value_as_text(d: dict[str, Any]) -> None:
    d["indicators"][0]["values"]["2022"] = "183"


def _first_indicator() -> str:
    return json.loads((DEFAULT_ASSETS / "indicators.json").read_text())["indicators"][0]["code"]


BROKEN = [
    ("unknown-district", "hotspots.json", _unknown_district, [NOORD_SPOT, "spaarndam"]),
    ("duplicate-code", "hotspots.json", _duplicate_code, [NOORD_SPOT]),
    ("unknown-theme", "hotspots.json", _unknown_theme, [NOORD_SPOT, "vuurwerk"]),
    ("lat-as-text", "hotspots.json", _lat_as_text, [NOORD_SPOT, "lat"]),
    ("value-as-bool", "indicators.json", _value_as_bool, ["2022"]),
    ("value-as-text", "indicators.json", _value_as_text, ["2022"]),
]


@pytest.mark.parametrize(
    ("name", "change", "mentions"), [pytest.param(n, c, m, id=i) for i, n, c, m in BROKEN]
)
def test_a_broken_file_is_refused_naming_file_and_entry(engine, assets, name, change, mentions):
    before = dump_database(engine)
    edit(assets, name, change)
    # an edit that would be valid, in another file, must not land either
    edit(assets, "districts.json", lambda d: d["districts"][0].update(name="Centrum (nieuw)"))

    with pytest.raises(ReferenceDataError) as refused:
        load(engine, assets)

    message = str(refused.value)
    assert name in message
    for mention in mentions:
        assert mention in message
    if name == "indicators.json":
        assert _first_indicator() in message
    assert dump_database(engine) == before


def test_invalid_json_is_refused_naming_the_file(engine, assets):
    before = dump_database(engine)
    path = assets / "themes.json"
    path.write_text(path.read_text(encoding="utf-8")[:-20], encoding="utf-8")
    with pytest.raises(ReferenceDataError, match="themes.json"):
        load(engine, assets)
    assert dump_database(engine) == before


def test_a_missing_file_is_refused_naming_it(engine, assets):
    before = dump_database(engine)
    (assets / "districts.json").unlink()
    with pytest.raises(ReferenceDataError, match="districts.json"):
        load(engine, assets)
    assert dump_database(engine) == before


def test_indicator_values_equal_the_file_exactly(engine):
    """A figure the programme does not print is None, never 0: a council table that
    shows 0 for 'volgt' would be a wrong figure."""
    indicators = json.loads((DEFAULT_ASSETS / "indicators.json").read_text())["indicators"]
    with Session(engine) as session:
        rows = session.exec(select(IndicatorValue)).all()
        names = dict(session.exec(select(Indicator.code, Indicator.name)).all())
    stored = {(r.indicator_code, str(r.year)): (r.value, r.printed) for r in rows}
    expected = {
        (i["code"], year): (value, (i.get("printed") or {}).get(year))
        for i in indicators
        for year, value in (i.get("values") or {}).items()
    }

    assert stored.keys() == expected.keys()
    for key, (value, printed) in expected.items():
        got_value, got_printed = stored[key]
        if value is None:
            assert got_value is None, key
        else:
            assert got_value == value and isinstance(got_value, float | int), key
        assert got_printed == printed, key
    own = json.loads((DEFAULT_ASSETS / "own_series.json").read_text())["indicators"]
    assert names == {i["code"]: i["name"] for i in indicators + own}

    by_name = {i["name"]: i["code"] for i in indicators}
    evenementen = by_name["Meldingen geluidsoverlast evenementen"]
    assert stored[(evenementen, "2022")] == (None, "volgt")
    controles = by_name["Aantal integrale controles"]
    assert [stored[(controles, y)][0] for y in ("2019", "2020", "2021", "2022")] == [
        None,
        None,
        None,
        183,
    ]
    with Session(engine) as session:
        nulls = session.exec(
            select(func.count())
            .select_from(IndicatorValue)
            .where(col(IndicatorValue.value).is_(None))
        ).one()
    assert nulls == sum(1 for v, _ in expected.values() if v is None) > 0


def test_edited_and_removed_figures_follow_the_file(engine, assets):
    """A corrected figure replaces the old one; a figure taken out of the file (or
    turned into 'volgt') must not linger in the database as if still published."""
    controles = "aantal-integrale-controles"
    evenementen = "meldingen-geluidsoverlast-evenementen"

    def change(d: dict[str, Any]) -> None:
        by_code = {i["code"]: i for i in d["indicators"]}
        by_code[controles]["values"]["2022"] = 190
        by_code[controles]["printed"]["2022"] = "190"
        del by_code[evenementen]["values"]["2019"]
        del by_code[evenementen]["printed"]["2019"]
        by_code[evenementen]["values"]["2021"] = None
        by_code[evenementen]["printed"]["2021"] = "volgt"

    edit(assets, "indicators.json", change)
    report = load(engine, assets)

    with Session(engine) as session:
        stored = {
            (r.indicator_code, r.year): (r.value, r.printed)
            for r in session.exec(select(IndicatorValue)).all()
        }
    assert stored[(controles, 2022)] == (190, "190")
    assert (evenementen, 2019) not in stored
    assert stored[(evenementen, 2021)] == (None, "volgt")
    assert report.changed == {"indicator_value": 3}
    assert load(engine, assets).total == 0
