"""Import of indicator figures from other sources (politie, omnibus, LAA, ZVH).

A beheerder sends a CSV with the columns `indicator,year,value[,district]`
(comma or semicolon separated, UTF-8). Every bad row is reported with its line
number and a Dutch reason, and then nothing is imported: a file is taken whole
or not at all, so a half-imported year never shows up in the council's table.
`imported_figures` reads them back for a scope of districts.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, col, select

from sync_protocol import ErrorCode
from sync_server.db import utcnow
from sync_server.errors import ServiceError
from sync_server.models import (
    District,
    ImportedIndicatorValue,
    Indicator,
    IndicatorImport,
    IndicatorValue,
    User,
)
from sync_server.services.indicator_definitions import DefinitionSet
from sync_server.services.scope import Scope

REQUIRED = ("indicator", "year", "value")
MAX_ROWS = 10_000
_NUMBER = re.compile(r"^-?\d+(?:[.,]\d+)?$")
_RANGES = {"procent": (0.0, 100.0), "cijfer": (1.0, 10.0)}


@dataclass(frozen=True)
class ImportResult:
    imported: int
    replaced: int
    import_id: int


@dataclass(frozen=True)
class _Row:
    line: int
    indicator: str
    year: int
    district: str
    value: float


def _decode(body: bytes) -> str:
    try:
        return body.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ServiceError(
            ErrorCode.INVALID_REQUEST,
            "Het bestand is geen UTF-8-tekst. Sla de CSV op als UTF-8 en probeer het opnieuw.",
            details=[{"line": 1, "reason": "geen UTF-8-tekst"}],
        ) from exc


def _parse_value(text: str, unit: str) -> float | str:
    """The number, or the reason it is not acceptable for this unit."""
    cleaned = text.strip()
    if unit == "procent" and cleaned.endswith("%"):
        cleaned = cleaned[:-1].strip()
    if not _NUMBER.fullmatch(cleaned):
        return f"waarde '{text.strip()[:20]}' is geen getal"
    value = float(cleaned.replace(",", "."))
    if unit == "aantal":
        if value < 0 or not value.is_integer():
            return "een aantal is een geheel getal van 0 of meer"
    else:
        low, high = _RANGES[unit]
        if not low <= value <= high:
            return f"een {unit} ligt tussen {low:g} en {high:g}"
    return value


class _Reader:
    """csv.reader whose parse errors (a stray quote or carriage return) become a
    reason with a line number for the person, not a 500."""

    def __init__(self, reader: Any) -> None:
        self._reader = reader

    @property
    def line_num(self) -> int:
        return int(self._reader.line_num)

    def __iter__(self) -> _Reader:
        return self

    def __next__(self) -> list[str]:
        try:
            return list(next(self._reader))
        except csv.Error as exc:
            line = self.line_num or 1
            raise ServiceError(
                ErrorCode.INVALID_REQUEST,
                f"Regel {line} is geen geldige CSV.",
                details=[{"line": line, "reason": "geen geldige CSV"}],
            ) from exc


def import_csv(
    session: Session, *, body: bytes, user: User, definitions: DefinitionSet
) -> ImportResult:
    """Check every row, then store all of them (origin "import") or none."""
    assert user.id is not None
    text = _decode(body)
    lines = text.splitlines()
    if not lines or not lines[0].strip():
        raise ServiceError(
            ErrorCode.INVALID_REQUEST,
            "Het bestand is leeg; verwacht een kopregel indicator,year,value[,district].",
            details=[{"line": 1, "reason": "kopregel ontbreekt"}],
        )
    delimiter = ";" if lines[0].count(";") > lines[0].count(",") else ","
    reader = _Reader(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    header = [h.strip().lower() for h in next(reader)]
    if header[:3] != list(REQUIRED) or len(header) > 4 or header[3:] not in ([], ["district"]):
        raise ServiceError(
            ErrorCode.INVALID_REQUEST,
            "De kopregel moet indicator,year,value of indicator,year,value,district zijn.",
            details=[{"line": 1, "reason": "kopregel is niet indicator,year,value[,district]"}],
        )
    indicators = {
        row.code: row
        for row in session.exec(select(Indicator).where(col(Indicator.retired).is_(False))).all()
    }
    districts = set(session.exec(select(District.code).where(col(District.retired).is_(False))))
    published = {
        (v.indicator_code, v.year)
        for v in session.exec(select(IndicatorValue).where(IndicatorValue.origin == "programma"))
    }
    computed = {d.indicator for d in definitions.definitions}
    errors: list[dict[str, object]] = []
    rows: list[_Row] = []
    seen: dict[tuple[str, int, str], int] = {}
    for fields in reader:
        line = reader.line_num
        if not any(f.strip() for f in fields):
            continue  # an empty line, e.g. at the end
        if len(rows) + len(errors) >= MAX_ROWS:
            errors.append({"line": line, "reason": f"meer dan {MAX_ROWS} regels"})
            break
        if len(fields) not in (3, len(header)) or len(fields) > len(header):
            errors.append(
                {"line": line, "reason": f"verwacht {len(header)} kolommen, gevonden {len(fields)}"}
            )
            continue
        code = fields[0].strip()
        year_text = fields[1].strip()
        district = fields[3].strip().lower() if len(fields) > 3 else ""
        reasons: list[str] = []
        indicator = indicators.get(code)
        if indicator is None:
            reasons.append(f"onbekende indicator '{code[:80]}'")
        elif code in computed:
            reasons.append(
                "deze indicator wordt elke nacht uit de registraties berekend en kan niet "
                "geïmporteerd worden"
            )
        year = int(year_text) if year_text.isdigit() else None
        if year is None or not 2000 <= year <= 2100:
            reasons.append(f"jaar '{year_text[:10]}' is geen jaartal tussen 2000 en 2100")
        elif (code, year) in published:
            reasons.append(
                f"{year} staat al in het actieprogramma; die cijfers blijven zoals ze zijn"
            )
        if district and district not in districts:
            reasons.append(f"onbekend stadsdeel '{district[:40]}'")
        value: float | str = "?"
        if indicator is not None:
            value = _parse_value(fields[2], indicator.unit)
            if isinstance(value, str):
                reasons.append(value)
        if year is not None and not reasons:
            key = (code, year, district)
            if key in seen:
                reasons.append(
                    f"dubbel: dezelfde indicator, jaar en stadsdeel als regel {seen[key]}"
                )
            seen[key] = line
        if reasons:
            errors.append({"line": line, "reason": "; ".join(reasons)})
        else:
            assert year is not None and isinstance(value, float)
            rows.append(_Row(line, code, year, district, value))
    if errors:
        raise ServiceError(
            ErrorCode.INVALID_REQUEST,
            f"{len(errors)} regel(s) kloppen niet; er is niets geïmporteerd.",
            details=errors,
        )
    if not rows:
        raise ServiceError(
            ErrorCode.INVALID_REQUEST,
            "Het bestand bevat geen cijfers; er is niets geïmporteerd.",
            details=[{"line": 2, "reason": "geen regels met cijfers"}],
        )
    batch = IndicatorImport(imported_at=utcnow(), user_id=user.id, rows=len(rows))
    session.add(batch)
    session.flush()
    assert batch.id is not None
    replaced = 0
    for row in rows:
        existing = session.get(ImportedIndicatorValue, (row.indicator, row.year, row.district))
        if existing is not None:
            replaced += 1
            existing.value, existing.import_id = row.value, batch.id
            session.add(existing)
        else:
            session.add(
                ImportedIndicatorValue(
                    indicator_code=row.indicator,
                    year=row.year,
                    district_code=row.district,
                    value=row.value,
                    origin="import",
                    import_id=batch.id,
                )
            )
    session.flush()
    return ImportResult(imported=len(rows), replaced=replaced, import_id=batch.id)


def imported_figures(
    session: Session, scope: Scope, codes: list[str], years: tuple[int, int]
) -> dict[tuple[str, int], float]:
    """Imported figures for the scope: the whole city's for everything, a
    district's own for one district, and the sum of the districts' counts for a
    team leader of several districts (percentages do not add up: none then)."""
    rows = session.exec(
        select(ImportedIndicatorValue).where(
            col(ImportedIndicatorValue.indicator_code).in_(codes),
            col(ImportedIndicatorValue.year).between(*years),
        )
    ).all()
    units = dict(
        session.exec(
            select(Indicator.code, Indicator.unit).where(col(Indicator.code).in_(codes))
        ).all()
    )
    values: dict[tuple[str, int], float] = {}
    if scope.districts is None:
        for row in rows:
            if row.district_code == "":
                values[(row.indicator_code, row.year)] = row.value
        return values
    parts: dict[tuple[str, int], dict[str, float]] = {}
    for row in rows:
        if row.district_code in scope.districts:
            parts.setdefault((row.indicator_code, row.year), {})[row.district_code] = row.value
    for key, by_district in parts.items():
        if len(scope.districts) == 1:
            values[key] = by_district[scope.districts[0]]
        elif units.get(key[0]) == "aantal" and set(by_district) == set(scope.districts):
            values[key] = sum(by_district.values())
    return values
