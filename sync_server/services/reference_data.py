"""Load the reviewed reference files from assets/reference into the database.

Idempotent by content: every entity's canonical JSON is hashed; an unchanged
entity is left alone, a changed one gets version+1 and a change-log entry (so
phones receive it on their next pull), and one that disappeared from the files
is retired with a tombstone. Running the loader twice changes nothing.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlmodel import Session, select

from sync_server.db import utcnow
from sync_server.models import District, Hotspot, Indicator, IndicatorValue, ReferenceLoad, Theme
from sync_server.services.changes import (
    AUDIENCE_ALL,
    AUDIENCE_DISTRICT,
    PendingChange,
    record_changes,
)

# own_series.json: the app's own series (the officers' logs under their own names),
# loaded as indicators beside the programme's, without a 2019–2022 baseline.
FILES = ("districts.json", "themes.json", "hotspots.json", "indicators.json", "own_series.json")
SOURCES = frozenset({"gemeente", "politie", "omnibus", "laa", "zvh", "handhavers"})
UNITS = frozenset({"aantal", "procent", "cijfer"})


class ReferenceDataError(ValueError):
    """A reference file is wrong; the message names the file and the entry."""


@dataclass
class LoadReport:
    added: dict[str, int] = field(default_factory=dict)
    changed: dict[str, int] = field(default_factory=dict)
    retired: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.added.values()) + sum(self.changed.values()) + sum(self.retired.values())

    def count(self, bucket: dict[str, int], entity: str) -> None:
        bucket[entity] = bucket.get(entity, 0) + 1


# The content hash of a row changed through the app instead of the files.
MANAGED_IN_APP = "app"


def content_hash(data: Any) -> str:
    canonical = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def read_reference_files(assets_dir: Path) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for name in FILES:
        path = assets_dir / name
        try:
            data[name] = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError as exc:
            raise ReferenceDataError(f"{path}: bestand ontbreekt") from exc
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise ReferenceDataError(f"{path}: geen geldige JSON in UTF-8 ({exc})") from exc
    return data


def _entries(data: dict[str, Any], name: str, key: str) -> list[dict[str, Any]]:
    entries = data[name].get(key) if isinstance(data[name], dict) else None
    if not isinstance(entries, list):
        raise ReferenceDataError(f"{name}: de lijst '{key}' ontbreekt")
    codes = [entry.get("code") if isinstance(entry, dict) else None for entry in entries]
    for index, (entry, code) in enumerate(zip(entries, codes, strict=True)):
        if not isinstance(code, str) or not code:
            raise ReferenceDataError(f"{name}: item {index} heeft geen code")
        if codes.count(code) > 1:
            raise ReferenceDataError(f"{name}: code '{code}' komt meer dan eens voor")
        if not isinstance(entry.get("name"), str) or not entry["name"].strip():
            raise ReferenceDataError(f"{name}: '{code}' heeft geen naam")
    return entries


def _is_number(value: Any) -> bool:
    """A JSON number; not a bool (in Python True is an int, and would load as 1)."""
    return isinstance(value, int | float) and not isinstance(value, bool)


def _check_point(name: str, code: str, point: Any, what: str) -> None:
    if point is None:
        return
    if not isinstance(point, dict):
        raise ReferenceDataError(f"{name}: '{code}' heeft een ongeldige {what}")
    for axis in ("lat", "lon"):
        if point.get(axis) is not None and not _is_number(point[axis]):
            raise ReferenceDataError(f"{name}: '{code}' heeft een ongeldige {what}.{axis}")


def _validate(data: dict[str, Any]) -> tuple[list[dict[str, Any]], ...]:
    districts = _entries(data, "districts.json", "districts")
    themes = _entries(data, "themes.json", "themes")
    hotspots = _entries(data, "hotspots.json", "hotspots")
    indicators = _entries(data, "indicators.json", "indicators")
    own = _entries(data, "own_series.json", "indicators")
    programme_codes = {i["code"] for i in indicators}
    for series in own:
        if series["code"] in programme_codes:
            raise ReferenceDataError(
                f"own_series.json: '{series['code']}' staat ook in indicators.json"
            )
        if series.get("values"):
            raise ReferenceDataError(
                f"own_series.json: '{series['code']}' heeft cijfers; die horen bij het programma"
            )
    indicators = indicators + own
    for district in districts:
        _check_point("districts.json", district["code"], district.get("center"), "center")
    district_codes = {d["code"] for d in districts}
    theme_codes = {t["code"] for t in themes}
    for hotspot in hotspots:
        code = hotspot["code"]
        if hotspot.get("district") not in district_codes:
            raise ReferenceDataError(
                f"hotspots.json: '{code}' noemt onbekend stadsdeel '{hotspot.get('district')}'"
            )
        _check_point("hotspots.json", code, hotspot.get("location"), "location")
        unknown = set(hotspot.get("themes", [])) - theme_codes
        if unknown:
            raise ReferenceDataError(
                f"hotspots.json: '{code}' noemt onbekende thema's {sorted(unknown)}"
            )
    for indicator in indicators:
        code = indicator["code"]
        if indicator.get("source") not in SOURCES:
            raise ReferenceDataError(
                f"indicators.json: '{code}' heeft onbekende bron '{indicator.get('source')}'"
            )
        if indicator.get("unit") not in UNITS:
            raise ReferenceDataError(
                f"indicators.json: '{code}' heeft onbekende eenheid '{indicator.get('unit')}'"
            )
        for year, value in (indicator.get("values") or {}).items():
            if not year.isdigit() or not (value is None or _is_number(value)):
                raise ReferenceDataError(
                    f"indicators.json: '{code}' heeft een ongeldige waarde voor {year}"
                )
    return districts, themes, hotspots, indicators


def _sync_table(
    session: Session,
    model: Any,
    entity: str,
    entries: list[dict[str, Any]],
    to_fields: Any,
    audience_of: Any,
    report: LoadReport,
    changes: list[PendingChange],
) -> None:
    rows = session.exec(select(model)).all()
    # Rows the team leaders manage in the app (hotspot management, issue 13) are
    # the app's from then on: the files neither change nor retire them.
    managed = {row.code for row in rows if row.content_hash == MANAGED_IN_APP}
    existing = {row.code: row for row in rows if row.code not in managed}
    now = utcnow()
    for entry in entries:
        if entry["code"] in managed:
            continue
        fields = to_fields(entry)
        digest = content_hash(fields)
        row = existing.pop(entry["code"], None)
        audience, district = audience_of(fields)
        if row is None:
            session.add(model(**fields, content_hash=digest, version=1, updated_at=now))
            report.count(report.added, entity)
        elif row.content_hash != digest or row.retired:
            old_district = getattr(row, "district_code", None)
            if old_district and old_district != district:
                # Moved to another district: the old district's phones drop it.
                changes.append(
                    PendingChange(entity, row.code, "delete", AUDIENCE_DISTRICT, old_district)
                )
            for key, value in fields.items():
                setattr(row, key, value)
            row.content_hash, row.version, row.retired = digest, row.version + 1, False
            row.updated_at = now
            session.add(row)
            report.count(report.changed, entity)
        else:
            continue
        changes.append(PendingChange(entity, entry["code"], "upsert", audience, district))
    for row in existing.values():
        if row.retired:
            continue
        row.retired, row.version, row.updated_at = True, row.version + 1, now
        session.add(row)
        report.count(report.retired, entity)
        audience, district = audience_of({"district_code": getattr(row, "district_code", None)})
        changes.append(PendingChange(entity, row.code, "delete", audience, district))
    session.flush()


def _district_fields(entry: dict[str, Any]) -> dict[str, Any]:
    center = entry.get("center") or {}
    return {
        "code": entry["code"],
        "name": entry["name"],
        "center_lat": center.get("lat"),
        "center_lon": center.get("lon"),
    }


def _theme_fields(entry: dict[str, Any]) -> dict[str, Any]:
    return {
        "code": entry["code"],
        "name": entry["name"],
        "kind": entry.get("kind", "handhaving"),
        "description": entry.get("description", ""),
        "sections": list(entry.get("sections", [])),
    }


def _hotspot_fields(entry: dict[str, Any]) -> dict[str, Any]:
    location = entry.get("location") or {}
    return {
        "code": entry["code"],
        "name": entry["name"],
        "district_code": entry["district"],
        "themes": list(entry.get("themes", [])),
        "sections": list(entry.get("sections", [])),
        "lat": location.get("lat"),
        "lon": location.get("lon"),
        "approximate": bool(location.get("approximate", True)),
        "note": entry.get("note", ""),
    }


def _indicator_fields(entry: dict[str, Any]) -> dict[str, Any]:
    return {
        "code": entry["code"],
        "name": entry["name"],
        "source": entry["source"],
        "unit": entry["unit"],
        "group_name": entry.get("group"),
        "sections": list(entry.get("sections", [])),
    }


def _everyone(_fields: dict[str, Any]) -> tuple[str, None]:
    return AUDIENCE_ALL, None


def _district_of(fields: dict[str, Any]) -> tuple[str, str | None]:
    return AUDIENCE_DISTRICT, fields.get("district_code")


def _sync_indicator_values(session: Session, indicators: list[dict[str, Any]]) -> int:
    existing = {
        (row.indicator_code, row.year): row
        for row in session.exec(
            select(IndicatorValue).where(IndicatorValue.origin == "programma")
        ).all()
    }
    changed = 0
    for indicator in indicators:
        printed = indicator.get("printed") or {}
        for year_text, value in (indicator.get("values") or {}).items():
            key = (indicator["code"], int(year_text))
            row = existing.get(key)
            text = printed.get(year_text)
            if row is None or row.value != value or row.printed != text:
                changed += 1
            if row is None:
                session.add(
                    IndicatorValue(
                        indicator_code=key[0],
                        year=key[1],
                        value=value,
                        printed=text,
                        origin="programma",
                    )
                )
            elif row.value != value or row.printed != text:
                row.value, row.printed = value, text
                session.add(row)
            existing.pop(key, None)
    # Figures no longer in the file are no longer published: keeping them would
    # show a withdrawn number as if it were the programme's.
    for row in existing.values():
        session.delete(row)
        changed += 1
    session.flush()
    return changed


def load_reference_data(session: Session, assets_dir: Path) -> LoadReport:
    """Bring the database in line with the files; returns what changed."""
    data = read_reference_files(assets_dir)
    districts, themes, hotspots, indicators = _validate(data)
    report = LoadReport()
    changes: list[PendingChange] = []
    _sync_table(
        session, District, "district", districts, _district_fields, _everyone, report, changes
    )
    _sync_table(session, Theme, "theme", themes, _theme_fields, _everyone, report, changes)
    _sync_table(
        session, Hotspot, "hotspot", hotspots, _hotspot_fields, _district_of, report, changes
    )
    # Indicators are read on the server, not pulled by phones: no change-log entries.
    _sync_table(
        session, Indicator, "indicator", indicators, _indicator_fields, _everyone, report, []
    )
    if changed_values := _sync_indicator_values(session, indicators):
        report.changed["indicator_value"] = changed_values
    if report.total:
        session.add(
            ReferenceLoad(loaded_at=utcnow(), dataset_hash=content_hash(data), changed=report.total)
        )
    record_changes(session, changes)
    return report
