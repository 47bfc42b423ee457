"""Indicator figures: from logs pushed by real phones, through the nightly job, to
the programme's tables.

The expected counts are written out by hand per kind of log (which indicators it
must count for), not derived from the definitions file, so a wrong definition or
a wrong query shows up as a wrong number.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from factories import (
    adrescontrole,
    assert_error,
    bearer,
    browser_token,
    enrol,
    gele_kaart,
    hotspot_in,
    incident,
    integrale_controle,
    make_user,
    signaal,
    waarneming,
)
from sqlmodel import Session, col, select

from sync_server.config import DEFAULT_ASSETS, DEFAULT_DEFINITIONS
from sync_server.models import Hotspot, ImportedIndicatorValue, IndicatorSnapshot, SnapshotRun
from sync_server.services import nightly
from sync_server.services.indicator_definitions import DefinitionsError, load_definitions
from sync_server.services.localtime import local_now

INDICATORS = "/api/v1/indicators"
DEFINITIONS = json.loads(DEFAULT_DEFINITIONS.read_text())
SEED = {
    i["code"]: i for i in json.loads((DEFAULT_ASSETS / "indicators.json").read_text())["indicators"]
}
# The app's own series (officers' logs under their own names): no baseline.
OWN = {
    i["code"]: i | {"values": {}, "printed": {}}
    for i in json.loads((DEFAULT_ASSETS / "own_series.json").read_text())["indicators"]
}
SEED |= OWN

# How many of each kind of log per district and year. Oost 2024 has none: a
# zero must stay 0, not become null or "<5".
TIMES: dict[tuple[str, int], int] = {
    ("noord", 2023): 1,
    ("noord", 2024): 2,
    ("oost", 2023): 3,
    ("oost", 2024): 0,
    ("centrum", 2023): 1,
}
# Officers' own logs (source "handhavers") and residents' reports (source
# "meldingen"): an officer's observation never counts under a resident's report.
JEUGD = "registraties-handhavers-jeugd"
KAARTEN = "uitgedeelde-gele-kaarten"
INCIDENTS = "geregistreerde-incidenten-tegen-handhavers"
AFVAL = "registraties-handhavers-afval"
HONDEN = "registraties-handhavers-honden"
ALCOHOL = "boetes-alcohol-onder-18"
M_JEUGD = "meldingen-jeugdoverlast-gemeente"
M_AFVAL = "meldingen-overlast-afval"
M_HONDEN = "meldingen-overlast-hondenpoep"
M_PARKEREN = "meldingen-parkeeroverlast"
M_DAK = "overlast-dak-en-thuislozen"

# (how to make it, which indicators it counts for)
KINDS: list[tuple[Any, set[str]]] = [
    (lambda h, t: waarneming(h, observed_at=t, theme="jeugd"), {JEUGD}),
    (
        lambda h, t: waarneming(
            h, observed_at=t, theme="jeugd", action="bon_proces_verbaal", feit="alcohol_onder_18"
        ),
        {JEUGD, ALCOHOL},
    ),
    (
        lambda h, t: waarneming(
            h, observed_at=t, theme="horeca", action="bon_proces_verbaal", feit="alcohol_onder_18"
        ),
        {ALCOHOL},
    ),
    (  # the right feit but only a warning: not a fine
        lambda h, t: waarneming(
            h, observed_at=t, theme="jeugd", action="waarschuwing", feit="alcohol_onder_18"
        ),
        {JEUGD},
    ),
    (lambda h, t: waarneming(h, observed_at=t, theme="afval", feit="bijplaatsing_afval"), {AFVAL}),
    (lambda h, t: waarneming(h, observed_at=t, theme="honden"), {HONDEN}),
    (
        lambda h, t: waarneming(h, observed_at=t, theme="parkeren"),
        {"registraties-handhavers-parkeren"},
    ),
    (
        lambda h, t: waarneming(h, observed_at=t, theme="dak-en-thuislozen"),
        {"registraties-handhavers-dak-en-thuislozen"},
    ),
    (
        lambda h, t: waarneming(h, observed_at=t, theme="evenementen", feit="geluidsoverlast"),
        {"registraties-handhavers-geluidsoverlast-evenementen"},
    ),
    (lambda h, t: waarneming(h, observed_at=t, theme="evenementen", feit="wildplassen"), set()),
    (lambda h, t: waarneming(h, observed_at=t, theme="milieuzone"), set()),
    (lambda h, t: gele_kaart(h, observed_at=t, naam=f"Jongere {t}"), {KAARTEN}),
    (lambda h, t: incident(h, observed_at=t), {INCIDENTS}),
    (lambda h, t: adrescontrole(observed_at=t), {"aantal-adrescontroles-vh"}),
    (lambda h, t: signaal(h, observed_at=t), {"aantal-signalen-ondermijning"}),
    (lambda h, t: integrale_controle(h, observed_at=t), {"aantal-integrale-controles"}),
]


# Residents' reports in Signalen's categories (main slug, sub slug), and which
# indicators each must count for. One of each per log made above, in the same
# districts and years: the reports' figures must equal exactly these.
MELDING_KINDS: list[tuple[str, str, set[str]]] = [
    ("afval", "grofvuil", {M_AFVAL}),
    ("afval", "", {M_AFVAL}),  # only the main category: afval by its main slug
    ("overlast-in-de-openbare-ruimte", "hondenpoep", {M_HONDEN}),
    ("overlast-in-de-openbare-ruimte", "parkeeroverlast", {M_PARKEREN}),
    ("overlast-van-en-door-personen-of-groepen", "jongerenoverlast", {M_JEUGD}),
    ("overlast-van-en-door-personen-of-groepen", "daklozen-bedelen", {M_DAK}),
    ("wegen-verkeer-straatmeubilair", "lantaarnpaal", set()),  # no theme: counts nowhere
]


def _when(year: int, index: int, n: int) -> str:
    """Mid-month, mid-day (no time-zone edge), spread over the months."""
    return f"{year}-{(index + n) % 12 + 1:02d}-{10 + n:02d}T10:{index:02d}:00+00:00"


def _year_index(expected: Counter[tuple[str, str, int]], indicator: str, year: int) -> int:
    return sum(v for (code, _d, y), v in expected.items() if code == indicator and y == year)


@pytest.fixture
def logged(http, engine, settings) -> dict[str, Any]:
    """Logs of known content, pushed by phones of three districts, and the nightly
    job run; returns the expected counts per (indicator, district, year)."""
    expected: Counter[tuple[str, str, int]] = Counter()
    phones = {}
    for district in ("noord", "oost", "centrum"):
        officer = make_user(engine, districts=[district], password=None)
        phones[district] = enrol(http, engine, settings, officer)
    for (district, year), times in TIMES.items():
        spot = hotspot_in(engine, district)
        batch = []
        for index, (make, counts_for) in enumerate(KINDS):
            for n in range(times):
                batch.append(make(spot, _when(year, index, n)))
                for code in counts_for:
                    expected[(code, district, year)] += 1
        if batch:
            results = phones[district].push_ok(batch)
            assert {r["status"] for r in results} == {"accepted"}, results
    noord = phones["noord"]
    spot = hotspot_in(engine, "noord")
    # 23:30 UTC on New Year's Eve is 00:30 on 1 January in Haarlem: counts for 2024.
    [edge] = noord.push_ok(
        [waarneming(spot, observed_at="2023-12-31T23:30:00+00:00", theme="jeugd")]
    )
    assert edge["status"] == "accepted"
    expected[(JEUGD, "noord", 2024)] += 1
    # A corrected yellow card counts once; an observation corrected from afval to
    # honden counts only under its current theme.
    card = gele_kaart(spot, observed_at="2024-03-03T12:00:00+00:00", naam="Corrie Correctie")
    seen = waarneming(spot, observed_at="2024-03-04T12:00:00+00:00", theme="afval")
    noord.push_ok([card, seen])
    card2 = {**card, "version": 2, "payload": {**card["payload"], "note": "aangevuld"}}
    del card2["payload"]["jongere"]
    seen2 = {**seen, "version": 2, "payload": {**seen["payload"], "theme": "honden"}}
    assert {r["status"] for r in noord.push_ok([card2, seen2])} == {"accepted"}
    expected[(KAARTEN, "noord", 2024)] += 1
    expected[(HONDEN, "noord", 2024)] += 1

    admin = make_user(engine, role="beheerder", password=None)
    _import_meldingen(http, engine, browser_token(engine, admin), expected)
    nightly.run_nightly(engine, settings)
    leader = make_user(engine, role="teamleider", districts=["noord", "oost"], password=None)
    return {
        "expected": expected,
        "admin": browser_token(engine, admin),
        "leader": browser_token(engine, leader),
        "noord": noord,
    }


def _located_spot(engine, district: str) -> tuple[str, float, float]:
    with Session(engine) as session:
        spot = session.exec(
            select(Hotspot)
            .where(Hotspot.district_code == district, col(Hotspot.lat).is_not(None))
            .order_by(col(Hotspot.code))
        ).first()
    assert spot is not None and spot.lat is not None and spot.lon is not None
    return spot.code, spot.lat, spot.lon


def _import_meldingen(
    http, engine, token: str, expected: Counter[tuple[str, str, int]], *, prefix: str = "SIG"
) -> None:
    """Residents' reports at a hotspot of each district, as many per kind and year as
    the logs above; imported through the API as a Signalen CSV export."""
    lines = ["id;created_at;main_slug;sub_slug;status;lat;lon"]
    for (district, year), times in TIMES.items():
        _code, lat, lon = _located_spot(engine, district)
        for index, (main, sub, counts_for) in enumerate(MELDING_KINDS):
            for n in range(times):
                ident = f"{prefix}-{district}-{year}-{index}-{n}"
                lines.append(f"{ident};{_when(year, index, n)};{main};{sub};m;{lat};{lon}")
                for code in counts_for:
                    expected[(code, district, year)] += 1
    response = http.post(
        "/api/v1/meldingen/import",
        headers=bearer(token),
        params={"format": "csv"},
        content=("\n".join(lines) + "\n").encode(),
    )
    assert response.status_code == 200, response.text


def _table(http, token: str, **params: Any) -> dict[str, Any]:
    response = http.get(INDICATORS, headers=bearer(token), params=params)
    assert response.status_code == 200, response.text
    return dict(response.json())


def _values(table: dict[str, Any], year: int) -> dict[str, Any]:
    return {row["code"]: row["values"][str(year)]["value"] for row in table["rows"]}


def test_every_indicator_of_the_definitions_file_is_covered_by_the_known_logs():
    by_source: dict[str, set[str]] = {}
    for d in DEFINITIONS["definitions"]:
        by_source.setdefault(d["source"], set()).add(d["indicator"])
    assert set(by_source) == {"handhavers", "meldingen"}
    assert set().union(*(counts for _make, counts in KINDS)) == by_source["handhavers"]
    assert set().union(*(c for _m, _s, c in MELDING_KINDS)) == by_source["meldingen"]
    # The programme's "Meldingen ... (gemeente)" are residents' reports, never logs.
    for code in (M_JEUGD, M_AFVAL, M_HONDEN, M_PARKEREN):
        assert code in by_source["meldingen"]
    assert set(OWN) <= by_source["handhavers"]
    assert all(OWN[c]["name"].startswith("Registraties handhavers: ") for c in OWN)


@pytest.mark.parametrize("district", ["noord", "oost", "centrum", None])
def test_figures_per_district_and_year_equal_the_known_logs(http, logged, district):
    expected = logged["expected"]
    table = _table(
        http,
        logged["admin"],
        year_from=2023,
        year_to=2024,
        **({"district": district} if district else {}),
    )
    assert table["years"] == [2023, 2024]
    assert table["definition"]["version"] == DEFINITIONS["version"]
    for year in (2023, 2024):
        shown = _values(table, year)
        for definition in DEFINITIONS["definitions"]:
            code = definition["indicator"]
            want = sum(
                n
                for (c, d, y), n in expected.items()
                if c == code and y == year and (district is None or d == district)
            )
            assert shown[code] == want, (code, district, year)
    computed = {row["code"] for row in table["rows"] if row["computed"]}
    assert computed == {d["indicator"] for d in DEFINITIONS["definitions"]}
    for row in table["rows"]:
        cell = row["values"]["2023"]
        if row["computed"]:
            assert cell["origin"] == "registraties"
            assert cell["area"] == ("haarlem" if district is None else "selectie")
        else:  # other sources: nothing imported, so no figure (never zero)
            assert cell == {
                "value": None,
                "printed": None,
                "origin": None,
                "area": None,
                "suppressed": False,
            }


def test_a_teamleider_without_district_sees_their_districts_summed(http, logged):
    expected = logged["expected"]
    table = _table(http, logged["leader"], year_from=2023, year_to=2024)
    assert table["scope"] == {"districts": ["noord", "oost"]}
    shown = _values(table, 2023)
    for definition in DEFINITIONS["definitions"]:
        code = definition["indicator"]
        want = sum(
            n for (c, d, y), n in expected.items() if c == code and y == 2023 and d != "centrum"
        )
        if definition.get("suppress_small_counts") and 0 < want < 5:
            assert shown[code] == "<5"
        else:
            assert shown[code] == want, code


def test_programme_years_equal_the_seed_exactly(http, logged):
    table = _table(http, logged["admin"])
    assert table["years"][:4] == [2019, 2020, 2021, 2022]
    assert {row["code"] for row in table["rows"]} == set(SEED)
    for row in table["rows"]:
        seed = SEED[row["code"]]
        assert (row["name"], row["source"], row["unit"], row["sections"]) == (
            seed["name"],
            seed["source"],
            seed["unit"],
            seed["sections"],
        )
        assert row["section"] == seed["sections"][0]
        for year in ("2019", "2020", "2021", "2022"):
            cell = row["values"][year]
            if year not in seed["values"]:  # the officers' own series: no baseline
                assert row["data_source"] == "handhavers" and cell["value"] is None
                continue
            assert cell["value"] == seed["values"][year], (row["code"], year)
            assert type(cell["value"]) is type(seed["values"][year])
            assert cell["printed"] == seed["printed"][year]
            assert cell["origin"] == "programma"
    evenementen = next(
        r for r in table["rows"] if r["code"] == "meldingen-geluidsoverlast-evenementen"
    )
    assert evenementen["values"]["2022"] == {
        "value": None,
        "printed": "volgt",
        "origin": "programma",
        "area": "haarlem",
        "suppressed": False,
    }


def test_the_haarlem_wide_baseline_is_only_beside_haarlem_wide_figures(http, logged):
    """A team leader's districts are compared with their own history; the
    programme's 2019–2022 figures (all of Haarlem) are in the separate Haarlem row,
    whose later years are all districts together."""
    table = _table(http, logged["leader"], year_from=2019, year_to=2024)
    assert table["area"] == "selectie" and table["area_name"] == "stadsdelen Noord, Oost"
    expected = logged["expected"]
    for row in table["rows"]:
        own = {y: c["value"] for y, c in row["values"].items()}
        assert all(own[str(y)] is None for y in range(2019, 2023)), row["code"]
        assert all(c["origin"] != "programma" for c in row["values"].values())
        city = row["haarlem"]
        seed = SEED[row["code"]]["values"]
        assert {y: city[y]["value"] for y in seed} == seed, row["code"]
        if row["computed"]:
            for year in (2023, 2024):
                want = sum(
                    n for (c, _d, y), n in expected.items() if c == row["code"] and y == year
                )
                cell = city[str(year)]
                assert cell["area"] == "haarlem" and cell["origin"] == "registraties"
                if row["suppress_small_counts"] and 0 < want < 5:
                    assert cell["value"] == "<5"
                elif cell["value"] != "x":
                    assert cell["value"] == want, (row["code"], year)
    # For all of Haarlem the row itself holds the baseline; no separate row.
    admin = _table(http, logged["admin"], year_from=2019, year_to=2022)
    assert admin["area"] == "haarlem" and admin["area_name"] == "heel Haarlem"
    for row in admin["rows"]:
        assert row["haarlem"] is None
        seed = SEED[row["code"]]["values"]
        assert {y: c["value"] for y, c in row["values"].items()} == {
            y: seed.get(y) for y in row["values"]
        }


def test_months_follow_local_time(http, logged):
    response = http.get(
        f"{INDICATORS}/{JEUGD}/months",
        headers=bearer(logged["admin"]),
        params={"year": 2024, "district": "noord"},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    months = {m["month"]: m["value"] for m in body["months"]}
    # The New Year's Eve log is in January 2024; the others are spread by kind.
    january = sum(
        1
        for index, (_make, counts) in enumerate(KINDS)
        for n in range(TIMES[("noord", 2024)])
        if JEUGD in counts and (index + n) % 12 == 0
    )
    assert months[1] == january + 1
    assert body["total"] == logged["expected"][(JEUGD, "noord", 2024)]
    assert sum(months.values()) == body["total"]
    assert body["definition"]["label"].startswith(f"{DEFINITIONS['version']} (")


def test_small_counts_are_hidden_from_a_teamleider_but_not_the_beheerder(http, engine, logged):
    noord_only = make_user(engine, role="teamleider", districts=["noord"], password=None)
    token = browser_token(engine, noord_only)
    leader = _values(_table(http, token, year_from=2023, year_to=2024), 2023)
    admin = _values(
        _table(http, logged["admin"], district="noord", year_from=2023, year_to=2024), 2023
    )
    # Noord 2023 has one yellow card and one incident.
    assert admin[KAARTEN] == admin[INCIDENTS] == 1
    assert leader[KAARTEN] == leader[INCIDENTS] == "<5"
    assert leader[AFVAL] == admin[AFVAL] == 1  # not a sensitive indicator
    oost = make_user(engine, role="teamleider", districts=["oost"], password=None)
    oost_2024 = _values(
        _table(http, browser_token(engine, oost), year_from=2024, year_to=2024), 2024
    )
    assert oost_2024[KAARTEN] == 0 and oost_2024[INCIDENTS] == 0  # zero stays zero

    months = http.get(
        f"{INDICATORS}/{KAARTEN}/months", headers=bearer(token), params={"year": 2024}
    ).json()
    shown = [m["value"] for m in months["months"]]
    assert "<5" in shown and all(v in (0, "<5", "x") for v in shown)
    # One hidden month beside the year's total would be the total minus the rest.
    assert shown.count("x") == (1 if shown.count("<5") == 1 else 0)
    assert months["total"] == "<5" and months["total_suppressed"] is True
    full = http.get(
        f"{INDICATORS}/{KAARTEN}/months",
        headers=bearer(logged["admin"]),
        params={"year": 2024, "district": "noord"},
    ).json()
    assert full["total"] == logged["expected"][(KAARTEN, "noord", 2024)]
    assert full["total_suppressed"] is False


def test_a_total_over_districts_never_gives_a_hidden_district_away(http, engine, settings):
    """Noord has 2 yellow cards this year, Oost 6: the leader of both sees Noord as
    "<5", Oost as 6, and their total withheld ("x"), since 8 − 6 would be Noord."""
    year = local_now().year
    for district, n in (("noord", 2), ("oost", 6)):
        phone = enrol(
            http, engine, settings, make_user(engine, districts=[district], password=None)
        )
        spot = hotspot_in(engine, district)
        phone.push_ok([gele_kaart(spot, naam=f"Jongere {district} {i}") for i in range(n)])
    nightly.run_nightly(engine, settings)
    both = browser_token(
        engine, make_user(engine, role="teamleider", districts=["noord", "oost"], password=None)
    )
    total = _table(http, both, year_from=year, year_to=year)
    cell = next(r for r in total["rows"] if r["code"] == KAARTEN)["values"][str(year)]
    assert cell["value"] == "x" and cell["suppressed"] is True
    assert _values(_table(http, both, district="oost", year_from=year), year)[KAARTEN] == 6
    assert _values(_table(http, both, district="noord", year_from=year), year)[KAARTEN] == "<5"
    admin = browser_token(engine, make_user(engine, role="beheerder", password=None))
    assert _values(_table(http, admin, year_from=year), year)[KAARTEN] == 8


def test_a_theme_filter_keeps_the_indicators_that_can_count_it(http, logged):
    table = _table(http, logged["admin"], theme="honden", year_from=2024, year_to=2024)
    codes = {row["code"] for row in table["rows"]}
    # waarneming clauses without a theme (boetes alcohol 18-) could count honden logs;
    # the residents' reports about dog mess are mapped to the theme honden
    assert codes == {HONDEN, ALCOHOL, M_HONDEN}
    assert _values(table, 2024)[M_HONDEN] == _year_index(logged["expected"], M_HONDEN, 2024)
    assert _values(table, 2024)[HONDEN] == _year_index(logged["expected"], HONDEN, 2024)
    assert _values(table, 2024)[ALCOHOL] == 0
    assert_error(
        http.get(INDICATORS, headers=bearer(logged["admin"]), params={"theme": "onzin"}),
        422,
        "invalid_request",
    )


def test_running_the_nightly_job_twice_gives_the_same_snapshot(engine, settings, logged):
    def snapshot() -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
        with Session(engine) as session:
            rows = session.exec(select(IndicatorSnapshot)).all()
            runs = session.exec(select(SnapshotRun)).all()
            return (
                sorted(
                    (
                        r.run_id,
                        r.indicator_code,
                        r.year,
                        r.month,
                        r.district_code,
                        r.theme_code,
                        r.count,
                        r.demo_count,
                    )
                    for r in rows
                ),
                sorted(
                    (r.id, r.definition_version, r.definition_hash, r.records_counted) for r in runs
                ),
            )

    first = snapshot()
    report = nightly.run_nightly(engine, settings)
    assert report.snapshot.replaced is True
    assert snapshot() == first
    assert len(first[1]) == 1 and first[0]


def test_a_changed_definition_shows_up_after_the_next_nightly_run(
    http, engine, settings, logged, tmp_path
):
    changed = json.loads(DEFAULT_DEFINITIONS.read_text())
    changed["version"] = DEFINITIONS["version"] + 1
    for definition in changed["definitions"]:
        if definition["indicator"] == AFVAL:
            definition["match"] = [{"kind": "waarneming", "themes": ["afval", "honden"]}]
            definition["explanation"] = "Afval en honden samen (proef)."
    path = tmp_path / "definities.json"
    path.write_text(json.dumps(changed))
    before = _table(http, logged["admin"], year_from=2024, year_to=2024)

    nightly.run_nightly(engine, replace(settings, indicator_definitions=path))

    after = _table(http, logged["admin"], year_from=2024, year_to=2024)
    expected = logged["expected"]
    assert _values(after, 2024)[AFVAL] == _year_index(expected, AFVAL, 2024) + _year_index(
        expected, HONDEN, 2024
    )
    assert _values(after, 2024)[HONDEN] == _values(before, 2024)[HONDEN]
    assert after["definition"]["version"] == DEFINITIONS["version"] + 1
    assert after["definition"]["hash"] != before["definition"]["hash"]
    row = next(r for r in after["rows"] if r["code"] == AFVAL)
    assert row["explanation"] == "Afval en honden samen (proef)."
    # The figures of the first definitions are kept, each with its own version.
    with Session(engine) as session:
        versions = session.exec(
            select(SnapshotRun.definition_version).order_by(col(SnapshotRun.id))
        ).all()
    assert versions == [DEFINITIONS["version"], DEFINITIONS["version"] + 1]


def _broken(change) -> dict[str, Any]:
    data = json.loads(DEFAULT_DEFINITIONS.read_text())
    change(data["definitions"])
    return data


@pytest.mark.parametrize(
    ("change", "mentions"),
    [
        (
            lambda d: d[0].update(indicator="bestaat-niet"),
            ["definitie 1", "'bestaat-niet'", "onbekende indicator"],
        ),
        (
            lambda d: d[3]["match"][0].update(kind="praatje"),
            ["definitie 4", "boetes-alcohol-onder-18", "'praatje'"],
        ),
        (
            lambda d: d[5]["match"][0].update(themes=["vuurwerk"]),
            ["definitie 6", "registraties-handhavers-afval", "vuurwerk"],
        ),
        (lambda d: d[3]["match"][0].update(actions=["boete"]), ["definitie 4", "acties boete"]),
        (lambda d: d[3]["match"][0].update(feiten=["te-hard"]), ["definitie 4", "feiten te-hard"]),
        (
            lambda d: d[0]["match"][0].update(actions=["aanspreken"]),
            ["definitie 1", "alleen bij een waarneming"],
        ),
        (
            lambda d: d[1]["match"][0].update(themas=["jeugd"]),
            ["definitie 2", "onbekend veld themas"],
        ),
        (lambda d: d.append(dict(d[0])), ["definitie 18", "meer dan eens"]),
        (lambda d: d[1].update(source="politie"), ["definitie 2", "'source' is", "politie"]),
        (
            lambda d: d[1]["match"][0].update(kind="waarneming"),
            ["definitie 2", "bij bron meldingen telt alleen 'themes'"],
        ),
        (
            lambda d: d[1]["match"][0].update(themes=["horeca"]),
            ["definitie 2", "geen meldingcategorie", "horeca"],
        ),
    ],
    ids=[
        "indicator",
        "kind",
        "theme",
        "action",
        "feit",
        "action-on-card",
        "field",
        "twice",
        "source",
        "kind-on-melding",
        "unmapped-theme",
    ],
)
def test_a_wrong_definitions_file_is_refused_naming_the_entry(engine, tmp_path, change, mentions):
    path = tmp_path / "indicator_definitions.json"
    path.write_text(json.dumps(_broken(change)))
    with Session(engine) as session, pytest.raises(DefinitionsError) as caught:
        load_definitions(session, path)
    message = str(caught.value)
    assert message.startswith("indicator_definitions.json: ")
    for part in mentions:
        assert part in message, message


def test_the_shipped_definitions_file_is_valid(engine):
    with Session(engine) as session:
        definitions = load_definitions(session, DEFAULT_DEFINITIONS)
    assert definitions.version == DEFINITIONS["version"]
    assert len(definitions.definitions) == len(DEFINITIONS["definitions"])


def test_before_any_nightly_run_there_are_no_computed_figures(http, engine):
    token = browser_token(engine, make_user(engine, role="beheerder", password=None))
    table = _table(http, token, year_from=2022, year_to=2023)
    assert table["definition"] is None
    row = next(r for r in table["rows"] if r["code"] == M_AFVAL)
    assert row["values"]["2022"]["value"] == SEED[M_AFVAL]["values"]["2022"]
    assert row["values"]["2023"]["value"] is None


def test_who_may_read_indicators(http, engine, settings, logged):
    officer = enrol(http, engine, settings, make_user(engine, districts=["noord"], password=None))
    assert_error(http.get(INDICATORS, headers=officer.headers), 403, "forbidden")
    assert_error(
        http.get(f"{INDICATORS}/{KAARTEN}/months", headers=officer.headers, params={"year": 2024}),
        403,
        "forbidden",
    )
    noord = browser_token(
        engine, make_user(engine, role="teamleider", districts=["noord"], password=None)
    )
    assert_error(
        http.get(INDICATORS, headers=bearer(noord), params={"district": "oost"}), 403, "forbidden"
    )
    assert_error(http.get(INDICATORS), 401, "token_missing")
    assert_error(
        http.get(INDICATORS, headers=bearer(logged["admin"]), params={"district": "atlantis"}),
        422,
        "unknown_district",
    )
    assert_error(
        http.get(
            f"{INDICATORS}/winkeldiefstal/months",
            headers=bearer(logged["admin"]),
            params={"year": 2024},
        ),
        404,
        "not_found",
    )


# ---------------------------------------------------------------- CSV import


def _import(http, token: str, text: str):
    return http.post(
        f"{INDICATORS}/import",
        headers={**bearer(token), "Content-Type": "text/csv"},
        content=text.encode(),
    )


def _imported(engine) -> list[tuple[str, int, str, float]]:
    with Session(engine) as session:
        return sorted(
            (r.indicator_code, r.year, r.district_code, r.value)
            for r in session.exec(select(ImportedIndicatorValue)).all()
        )


def test_a_csv_import_shows_up_in_the_table(http, engine, logged):
    csv_text = (
        "indicator,year,value,district\n"
        "winkeldiefstal,2023,512,\n"
        "winkeldiefstal,2023,40,noord\n"
        "winkeldiefstal,2023,60,oost\n"
        'pct-haarlem-veilige-stad,2023,"77,5",\n'
    )
    response = _import(http, logged["admin"], csv_text)
    assert response.status_code == 200, response.text
    assert response.json()["imported"] == 4
    table = _table(http, logged["admin"], year_from=2023, year_to=2023)
    cells = {r["code"]: r["values"]["2023"] for r in table["rows"]}
    assert cells["winkeldiefstal"]["value"] == 512 and cells["winkeldiefstal"]["origin"] == "import"
    assert cells["pct-haarlem-veilige-stad"]["value"] == 77.5
    assert cells["pct-haarlem-veilige-stad"]["printed"] == "77,5%"
    leader = _table(http, logged["leader"], year_from=2023, year_to=2023)  # noord + oost
    leader_cells = {r["code"]: r["values"]["2023"]["value"] for r in leader["rows"]}
    assert leader_cells["winkeldiefstal"] == 100
    assert leader_cells["pct-haarlem-veilige-stad"] is None  # percentages do not add up

    again = _import(http, logged["admin"], "indicator;year;value\nwinkeldiefstal;2023;515\n")
    assert again.status_code == 200 and again.json()["replaced"] == 1
    assert ("winkeldiefstal", 2023, "", 515.0) in _imported(engine)


def test_a_bad_csv_reports_every_bad_row_and_imports_nothing(http, engine, logged):
    csv_text = "\n".join(
        [
            "indicator,year,value,district",
            "winkeldiefstal,2023,512,",  # 2: fine
            "bestaat-niet,2023,1,",  # 3: unknown indicator
            "winkeldiefstal,twintig,5,",  # 4: not a year
            "winkeldiefstal,2023,veel,",  # 5: not a number
            "winkeldiefstal,2023,12,atlantis",  # 6: unknown district
            f"{AFVAL},2023,12,",  # 7: computed from the logs
            "winkeldiefstal,2022,600,",  # 8: printed in the programme
            "pct-haarlem-veilige-stad,2023,140,",  # 9: not a percentage
            "winkeldiefstal,2023,3.5,",  # 10: not a whole number
            "winkeldiefstal,2023",  # 11: too few columns
            "winkeldiefstal,2023,513,",  # 12: the same as line 2
        ]
    )
    response = _import(http, logged["admin"], csv_text)
    body = assert_error(response, 422, "invalid_request")
    lines = {d["line"]: d["reason"] for d in body["details"]}
    assert sorted(lines) == [3, 4, 5, 6, 7, 8, 9, 10, 11, 12]
    assert "onbekende indicator" in lines[3]
    assert "geen jaartal" in lines[4]
    assert "geen getal" in lines[5]
    assert "onbekend stadsdeel" in lines[6]
    assert "uit de registraties berekend" in lines[7]
    assert "actieprogramma" in lines[8]
    assert "tussen 0 en 100" in lines[9]
    assert "geheel getal" in lines[10]
    assert "kolommen" in lines[11]
    assert "regel 2" in lines[12]
    assert "niets geïmporteerd" in body["message"]
    assert _imported(engine) == []


@pytest.mark.parametrize(
    "text",
    [
        "",
        "jaar,waarde\n2023,5\n",
        "indicator,year,value,district,extra\nwinkeldiefstal,2023,5,,x\n",
    ],
    ids=["empty", "wrong-header", "extra-column"],
)
def test_a_csv_without_the_right_header_is_refused_at_line_1(http, engine, logged, text):
    body = assert_error(_import(http, logged["admin"], text), 422, "invalid_request")
    assert body["details"][0]["line"] == 1
    assert _imported(engine) == []


def test_only_the_beheerder_imports(http, engine, logged):
    assert_error(
        _import(http, logged["leader"], "indicator,year,value\nwinkeldiefstal,2023,5\n"),
        403,
        "forbidden",
    )
    assert _imported(engine) == []


def test_figures_come_from_snapshots_not_from_the_logs(http, engine, settings, logged):
    """A log pushed after the nightly run is not in the table until the next run."""
    noord = logged["noord"]
    before = _values(
        _table(http, logged["admin"], district="noord", year_from=2024, year_to=2024), 2024
    )
    noord.push_ok(
        [
            waarneming(
                hotspot_in(engine, "noord"), observed_at="2024-05-05T10:00:00+00:00", theme="afval"
            )
        ]
    )
    assert (
        _values(_table(http, logged["admin"], district="noord", year_from=2024, year_to=2024), 2024)
        == before
    )
    nightly.run_nightly(engine, settings)
    after = _values(
        _table(http, logged["admin"], district="noord", year_from=2024, year_to=2024), 2024
    )
    assert after[AFVAL] == before[AFVAL] + 1


def test_definitions_path_setting_defaults_to_the_shipped_file(settings):
    assert settings.indicator_definitions == DEFAULT_DEFINITIONS
    assert isinstance(settings.indicator_definitions, Path)


def test_years_before_the_first_synced_log_are_empty_not_zero(http, engine, settings):
    """The app did not exist in 2023: a 0 there would claim that nothing happened."""
    officer = make_user(engine, districts=["noord"], password=None)
    phone = enrol(http, engine, settings, officer)
    spot = hotspot_in(engine, "noord")
    phone.push_ok([waarneming(spot, observed_at="2025-06-01T10:00:00+00:00", theme="afval")])
    nightly.run_nightly(engine, settings)
    admin = browser_token(engine, make_user(engine, role="beheerder", password=None))
    table = _table(http, admin, year_from=2023, year_to=2025)
    assert _values(table, 2023)[AFVAL] is None
    assert _values(table, 2024)[AFVAL] is None
    assert _values(table, 2025)[AFVAL] == 1
    assert _values(table, 2025)[HONDEN] == 0
    # No residents' report was imported: their indicators have no figure, not 0,
    # and the officer's afval observation is not one of them.
    assert _values(table, 2025)[M_AFVAL] is None
