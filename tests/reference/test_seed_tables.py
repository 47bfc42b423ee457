"""Checks the reference data in assets/reference/ against the source programme.

The indicator tables are parsed independently from the verbatim copy of the
"Actieprogramma Veiligheid en Handhaving 2023" (assets/reference/source/), so a
mistyped number or a forgotten row in indicators.json makes these tests fail.

Standard library + pytest only; no imports from the project's packages.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

REF = Path(__file__).resolve().parents[2] / "assets" / "reference"
SEED = REF / "source" / "actieprogramma-veiligheid-handhaving-2023.md"

YEARS = ["2019", "2020", "2021", "2022"]

# Bron cells as printed -> normalised source code used in indicators.json.
SOURCE_MAP = {
    "gemeente": "gemeente",
    "politie": "politie",
    "omnibus": "omnibus",
    "omnibusonderzoek": "omnibus",
    "laa": "laa",
    "zvh": "zvh",
}

# The only series printed under two different names: §2.6 "Aantal overvallen"
# and §2.9 "Overvallen" (same source, same numbers) are one indicator.
NAME_ALIASES = {("2.6", "Aantal overvallen"): "Overvallen"}

# Sections whose indicator tables exist in the seed.
INDICATOR_SECTIONS = {"2.1", "2.2", "2.3", "2.4", "2.6", "2.7", "2.9", "2.12"}
# Sections that have Focuslocaties tables.
FOCUS_SECTIONS = {"2.1", "2.2", "2.3", "2.4", "2.8", "2.9"}

MAX_KM_FROM_DISTRICT_CENTRE = 4.0

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
HEADING = re.compile(r"^#{1,6}\s*\**\s*(\d+\.\d+)\b")
SUP = re.compile(r"<sup>.*?</sup>", re.S)
TAG = re.compile(r"<[^>]+>")


# --------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------


def _load(name: str) -> dict:
    with open(REF / name, encoding="utf-8") as f:
        return json.load(f)


def _clean(cell: str) -> str:
    """Drop footnote markers and HTML tags, collapse whitespace."""
    cell = SUP.sub("", cell)
    cell = TAG.sub("", cell)
    return " ".join(cell.split())


def _norm(name: str) -> str:
    return " ".join(name.split()).casefold()


def _value(printed: str | None):
    """Numeric value of a printed cell: '39%' -> 39, '6,7' -> 6.7; empty/'volgt' -> None."""
    if printed is None or printed == "volgt":
        return None
    text = printed.rstrip("%").replace(",", ".")
    return float(text) if "." in text else int(text)


def _haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    r = 6371.0088
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp = p2 - p1
    dl = math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(math.sqrt(h))


@dataclass(frozen=True)
class SeedRow:
    section: str
    name: str
    source: str
    group: str | None
    printed: dict
    line: int


def parse_seed_indicator_tables(text: str) -> list[SeedRow]:
    """Every data row of every 'Indicator | Bron | 2019..2022' table in the seed.

    - the table starts at a line whose first two cells are 'Indicator' and 'Bron'
      (possibly wrapped in <b> tags);
    - the years are on that line or, for some tables, on the next line;
    - a row whose first cell is bold and whose other cells are empty is a group
      sub-heading (e.g. 'Fysieke kwaliteit');
    - an empty Bron cell inherits the source of the nearest row above;
    - the table ends at the first blank line.
    """
    lines = text.splitlines()
    rows: list[SeedRow] = []
    section = None
    i = 0
    while i < len(lines):
        heading = HEADING.match(lines[i])
        if heading:
            section = heading.group(1)
        head = [_clean(c) for c in lines[i].split("\t")]
        if len(head) >= 2 and head[0] == "Indicator" and head[1] == "Bron":
            assert section is not None, f"table before any section heading (line {i + 1})"
            years = [c for c in head[2:] if c]
            j = i + 1
            if not years:
                second = [_clean(c) for c in lines[j].split("\t")]
                assert second[0] == "" and second[1] == "", f"unexpected header at line {j + 1}"
                years = [c for c in second[2:] if c]
                j += 1
            assert years == YEARS, f"unexpected year header at line {i + 1}: {years}"
            source = None
            group = None
            while j < len(lines) and lines[j].strip():
                raw = lines[j].split("\t")
                cells = [_clean(c) for c in raw]
                assert len(cells) == 2 + len(YEARS), f"ragged row at line {j + 1}: {raw!r}"
                if raw[0].strip().startswith("<b>") and not any(cells[1:]):
                    group = cells[0]
                    j += 1
                    continue
                if cells[1]:
                    key = cells[1].casefold()
                    assert key in SOURCE_MAP, f"unknown Bron {cells[1]!r} at line {j + 1}"
                    source = SOURCE_MAP[key]
                assert source is not None, f"row without any Bron above it at line {j + 1}"
                printed = {y: (cells[2 + k] or None) for k, y in enumerate(YEARS)}
                rows.append(SeedRow(section, cells[0], source, group, printed, j + 1))
                j += 1
            i = j
            continue
        i += 1
    return rows


# --------------------------------------------------------------------------
# fixtures
# --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def seed_text() -> str:
    return SEED.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def seed_rows(seed_text) -> list[SeedRow]:
    return parse_seed_indicator_tables(seed_text)


@pytest.fixture(scope="module")
def indicators() -> list[dict]:
    return _load("indicators.json")["indicators"]


@pytest.fixture(scope="module")
def districts() -> list[dict]:
    return _load("districts.json")["districts"]


@pytest.fixture(scope="module")
def themes() -> list[dict]:
    return _load("themes.json")["themes"]


@pytest.fixture(scope="module")
def hotspots() -> list[dict]:
    return _load("hotspots.json")["hotspots"]


def _match(row: SeedRow, indicators: list[dict]) -> list[dict]:
    name = NAME_ALIASES.get((row.section, row.name), row.name)
    return [
        ind
        for ind in indicators
        if row.section in ind["sections"]
        and ind["source"] == row.source
        and _norm(ind["name"]) == _norm(name)
    ]


# --------------------------------------------------------------------------
# indicators
# --------------------------------------------------------------------------


def test_seed_parser_finds_all_indicator_tables(seed_rows):
    assert {r.section for r in seed_rows} == INDICATOR_SECTIONS
    # 7 + 6 + 13 + 10 + 4 + 1 + 4 + 1 printed rows
    assert len(seed_rows) == 46


def test_every_seed_row_is_in_indicators_json(seed_rows, indicators):
    problems = []
    for row in seed_rows:
        found = _match(row, indicators)
        if len(found) != 1:
            problems.append(
                f"§{row.section} line {row.line} {row.name!r} ({row.source}): {len(found)} matches"
            )
            continue
        ind = found[0]
        if ind["printed"] != row.printed:
            problems.append(
                f"{ind['code']} §{row.section}: printed {ind['printed']} != seed {row.printed}"
            )
        expected = {y: _value(p) for y, p in row.printed.items()}
        if ind["values"] != expected:
            problems.append(f"{ind['code']} §{row.section}: values {ind['values']} != {expected}")
        for y in YEARS:  # 62 and 62.0 compare equal; also insist on the JSON type
            v = ind["values"].get(y)
            if v is not None and isinstance(v, bool):
                problems.append(f"{ind['code']} {y}: boolean value")
            if v is not None and type(v) is not type(expected[y]):
                problems.append(f"{ind['code']} {y}: {v!r} should be {expected[y]!r}")
        if row.group is not None and ind["group"] != row.group:
            problems.append(f"{ind['code']}: group {ind['group']!r} != seed {row.group!r}")
    assert not problems, "\n".join(problems)


def test_no_indicator_without_a_seed_row(seed_rows, indicators):
    covered = set()
    for row in seed_rows:
        for ind in _match(row, indicators):
            covered.add((ind["code"], row.section))
    extra = [
        f"{ind['code']} §{s}"
        for ind in indicators
        for s in ind["sections"]
        if (ind["code"], s) not in covered
    ]
    assert not extra, "indicators/sections not printed in the seed: " + ", ".join(extra)


def test_indicator_shape_and_codes(indicators):
    keys = ["code", "name", "sections", "group", "source", "unit", "values", "printed"]
    codes = [ind["code"] for ind in indicators]
    assert len(codes) == len(set(codes)), "duplicate indicator codes"
    for ind in indicators:
        assert list(ind) == keys, ind["code"]
        assert SLUG.match(ind["code"]), ind["code"]
        assert ind["source"] in set(SOURCE_MAP.values()), ind["code"]
        assert ind["unit"] in {"aantal", "procent", "cijfer"}, ind["code"]
        assert ind["sections"] == sorted(
            set(ind["sections"]), key=lambda s: tuple(map(int, s.split(".")))
        ), ind["code"]
        assert set(ind["sections"]) <= INDICATOR_SECTIONS, ind["code"]
        printed = [p for p in ind["printed"].values() if p not in (None, "volgt")]
        if any(p.endswith("%") for p in printed):
            assert ind["unit"] == "procent", ind["code"]
        elif any("," in p for p in printed):
            assert ind["unit"] == "cijfer", ind["code"]
        else:
            assert ind["unit"] == "aantal", ind["code"]


def test_missing_or_volgt_is_null_never_zero(indicators):
    for ind in indicators:
        assert list(ind["values"]) == YEARS, ind["code"]
        assert list(ind["printed"]) == YEARS, ind["code"]
        for y in YEARS:
            if ind["printed"][y] in (None, "volgt"):
                assert ind["values"][y] is None, (
                    f"{ind['code']} {y} should be null, not {ind['values'][y]!r}"
                )


def test_same_name_different_source_are_separate(indicators):
    jeugd = {
        ind["source"]: ind["code"]
        for ind in indicators
        if _norm(ind["name"]) == "meldingen jeugdoverlast"
    }
    assert jeugd == {
        "politie": "meldingen-jeugdoverlast-politie",
        "gemeente": "meldingen-jeugdoverlast-gemeente",
    }


# --------------------------------------------------------------------------
# districts and themes
# --------------------------------------------------------------------------


def test_districts_are_the_five_stadsdelen(districts):
    assert [(d["code"], d["name"]) for d in districts] == [
        ("centrum", "Centrum"),
        ("noord", "Noord"),
        ("oost", "Oost"),
        ("zuid-west", "Zuid-West"),
        ("schalkwijk", "Schalkwijk"),
    ]
    for d in districts:
        assert 52.33 < d["center"]["lat"] < 52.43 and 4.58 < d["center"]["lon"] < 4.70, d["code"]


def test_themes_cover_the_handhavingsstrategie(seed_text, themes):
    codes = [t["code"] for t in themes]
    assert len(codes) == len(set(codes)), "duplicate theme codes"
    for t in themes:
        assert SLUG.match(t["code"]), t["code"]
        assert t["kind"] in {"handhaving", "programma"}, t["code"]
        assert t["description"].strip(), t["code"]
    # the bullet list under "Handhaving op overlast van:" in §1.3
    block = seed_text.split("Handhaving op overlast van:", 1)[1].split("# 2.", 1)[0]
    bullets = [ln[2:].strip() for ln in block.splitlines() if ln.startswith("- ")]
    assert len(bullets) == 11
    handhaving = {_norm(t["name"]) for t in themes if t["kind"] == "handhaving"}
    missing = [b for b in bullets if _norm(b) not in handhaving]
    assert not missing, f"§1.3 themes missing from themes.json: {missing}"
    assert {"uitstallingen", "woonoverlast"} <= set(codes)
    programma = {t["code"] for t in themes if t["kind"] == "programma"}
    assert programma == {
        "ondermijning",
        "zorg-en-veiligheid",
        "veilig-uitgaan",
        "veilig-ondernemen",
    }


# --------------------------------------------------------------------------
# hotspots
# --------------------------------------------------------------------------


def test_hotspots_reference_known_districts_and_themes(hotspots, districts, themes):
    district_codes = {d["code"] for d in districts}
    theme_codes = {t["code"] for t in themes}
    codes = [h["code"] for h in hotspots]
    dupes = sorted({c for c in codes if codes.count(c) > 1})
    assert not dupes, f"duplicate hotspot codes: {dupes}"
    keys = ["code", "name", "district", "themes", "sections", "location", "note"]
    for h in hotspots:
        assert list(h) == keys, h["code"]
        assert SLUG.match(h["code"]), h["code"]
        assert h["district"] in district_codes, h["code"]
        assert h["code"].startswith(h["district"] + "-"), h["code"]
        assert h["themes"], h["code"]
        assert set(h["themes"]) <= theme_codes, (
            f"{h['code']}: unknown themes {set(h['themes']) - theme_codes}"
        )
        assert h["sections"] and set(h["sections"]) <= FOCUS_SECTIONS, h["code"]
        assert h["note"].strip(), h["code"]


def test_hotspot_locations_lie_in_their_district(hotspots, districts):
    centre = {d["code"]: d["center"] for d in districts}
    far = []
    for h in hotspots:
        loc = h["location"]
        if loc is None:
            continue
        assert loc["approximate"] is True, h["code"]
        c = centre[h["district"]]
        km = _haversine_km(loc["lat"], loc["lon"], c["lat"], c["lon"])
        if km > MAX_KM_FROM_DISTRICT_CENTRE:
            far.append(f"{h['code']}: {km:.1f} km from centre of {h['district']}")
    assert not far, "\n".join(far)


# (name, district, sections that must at least be listed) - picked by hand from
# the Focuslocaties tables of §2.1-§2.9.
REQUIRED_HOTSPOTS = [
    # Centrum
    ("Parkeergarage Raaks", "centrum", {"2.2", "2.3", "2.4"}),
    ("Parkeergarage De Kamp", "centrum", {"2.2", "2.3", "2.4"}),
    ("Parkeergarage Appelaar", "centrum", {"2.3", "2.4"}),
    ("Wilsonsplein", "centrum", {"2.2", "2.3"}),
    ("Raaksgebied", "centrum", {"2.2", "2.3"}),
    ("Kenaupark", "centrum", {"2.3"}),
    ("Egelantiertuin", "centrum", {"2.3"}),
    ("Kennemerplein", "centrum", {"2.3"}),
    ("Burgwalbuurt", "centrum", {"2.3"}),
    ("24-uursopvang Wilhelmina", "centrum", {"2.4"}),
    ("Kernwinkelgebied", "centrum", {"2.3", "2.9"}),
    ("Uitgaansgebied centrum", "centrum", {"2.8"}),
    # Noord
    ("Transvaalbuurt", "noord", {"2.1"}),
    ("Marsmanplein", "noord", {"2.2", "2.3", "2.9"}),
    ("Planetenlaan (Dekamarkt)", "noord", {"2.2"}),
    ("Noorder Sportpark", "noord", {"2.2"}),
    ("Schoterbos", "noord", {"2.3"}),
    ("Parkeergarage Generaal Cronjéstraat", "noord", {"2.3", "2.4"}),
    ("Skaeve Huse Vergierdeweg", "noord", {"2.4"}),
    ("Delftwijk", "noord", {"2.3"}),
    # Oost
    ("Waarderpolder", "oost", {"2.1", "2.9"}),
    ("Teylerplein", "oost", {"2.2"}),
    ("Prinses Beatrixplein", "oost", {"2.2", "2.9"}),
    ("Godfried van Bouillonstraat", "oost", {"2.2", "2.3"}),
    ("Sportpark DSK", "oost", {"2.2"}),
    ("Stastokviaduct", "oost", {"2.3"}),
    ("Reinaldapark", "oost", {"2.3"}),
    ("Domus Plus Nieuweweg", "oost", {"2.4"}),
    # Zuid-West
    ("Rozenprieel", "zuid-west", {"2.1", "2.3"}),
    ("Voortingplantsoen", "zuid-west", {"2.2"}),
    ("Remiseplantsoen", "zuid-west", {"2.2", "2.3"}),
    ("Brouwersplein", "zuid-west", {"2.2", "2.3"}),
    ("Parkeergarage Houtplein", "zuid-west", {"2.3", "2.4"}),
    ("Parkeergarage Dreef", "zuid-west", {"2.4"}),
    ("Wooncomplex Zijlweg 245", "zuid-west", {"2.3"}),
    ("Plaza West", "zuid-west", {"2.9"}),
    ("Stephensonstraat", "zuid-west", {"2.3"}),
    # Schalkwijk
    ("Meerwijk", "schalkwijk", {"2.1"}),
    ("Casablancastraat", "schalkwijk", {"2.2", "2.3"}),
    ("Leonardo da Vinciplein", "schalkwijk", {"2.2"}),
    ("Engelandpark", "schalkwijk", {"2.3"}),
    ("Molenplaspark", "schalkwijk", {"2.3"}),
    ("Sandenburg", "schalkwijk", {"2.3"}),
    ("Boerhaavewijk", "schalkwijk", {"2.3"}),
    ("Winkelcentrum Schalkwijk", "schalkwijk", {"2.9"}),
    ("Winkelcentrum Italiëlaan", "schalkwijk", {"2.9"}),
]


def test_required_hotspots_present(hotspots):
    assert len(REQUIRED_HOTSPOTS) >= 25
    assert {d for _, d, _ in REQUIRED_HOTSPOTS} == {
        "centrum",
        "noord",
        "oost",
        "zuid-west",
        "schalkwijk",
    }
    assert set().union(*(s for _, _, s in REQUIRED_HOTSPOTS)) == FOCUS_SECTIONS
    by_name: dict[str, list[dict]] = {}
    for h in hotspots:
        by_name.setdefault(_norm(h["name"]), []).append(h)
    problems = []
    for name, district, sections in REQUIRED_HOTSPOTS:
        found = [h for h in by_name.get(_norm(name), []) if h["district"] == district]
        if len(found) != 1:
            problems.append(f"{name!r} in {district}: {len(found)} hotspots")
            continue
        missing = sections - set(found[0]["sections"])
        if missing:
            problems.append(f"{name!r}: sections {sorted(missing)} missing")
    assert not problems, "\n".join(problems)
