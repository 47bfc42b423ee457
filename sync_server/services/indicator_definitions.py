"""Which logs or reports count for which indicator: the definitions file, validated.

The file (assets/reference/indicator_definitions.json, or HV_INDICATOR_DEFINITIONS)
names per indicator its `source` and holds `match` clauses; changing it needs no
code change. Each source counts only what it means (issue 13):

- `handhavers`: the officers' own logs, matched on kind, themes, actions, feiten;
- `meldingen`: residents' reports imported from the municipality's reports system
  (Signalen), matched on themes through `melding_themes`, the file's mapping from
  Signalen category slugs to themes. An officer's observation never counts here.

Indicators without a definition come from the CSV import of other sources
(politie, omnibus, LAA, ZVH, gemeente). A definition set is named by its `version` and a hash of
its content, and is stored with every snapshot it produced (`definitions_of`), so
every figure can say which definitions made it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import and_, or_
from sqlmodel import Session, col, select

from sync_protocol import RecordKind
from sync_protocol.records import KIND_THEMES, Actie, Feit
from sync_server.models import Indicator, Record, SnapshotRun, Theme

_CLAUSE_KEYS = frozenset({"kind", "themes", "actions", "feiten"})
_DEFINITION_KEYS = frozenset(
    {"indicator", "source", "match", "suppress_small_counts", "explanation"}
)
HANDHAVERS = "handhavers"
MELDINGEN = "meldingen"
SOURCES = (HANDHAVERS, MELDINGEN)
# A clause of a `meldingen` definition has no record kind; this stands in for it.
MELDING_KIND = "melding"


class DefinitionsError(ValueError):
    """The definitions file is wrong; the message names the file and the entry."""


@dataclass(frozen=True)
class Clause:
    kind: str
    themes: frozenset[str] | None = None
    actions: frozenset[str] | None = None
    feiten: frozenset[str] | None = None

    def can_match_theme(self, theme: str) -> bool:
        if self.themes is not None:
            return theme in self.themes
        if self.kind == MELDING_KIND:
            return False
        if self.kind == RecordKind.WAARNEMING.value:
            return True  # an observation can have any theme
        return KIND_THEMES[RecordKind(self.kind)] == theme

    def matches(self, kind: str, theme: str | None, action: str | None, feit: str | None) -> bool:
        """The same test as `condition()`, on one group's values (NULL is in no list)."""
        return (
            kind == self.kind
            and (self.themes is None or theme in self.themes)
            and (self.actions is None or action in self.actions)
            and (self.feiten is None or feit in self.feiten)
        )

    def condition(self) -> Any:
        parts = [col(Record.kind) == self.kind]
        if self.themes is not None:
            parts.append(col(Record.theme_code).in_(sorted(self.themes)))
        if self.actions is not None:
            parts.append(col(Record.action).in_(sorted(self.actions)))
        if self.feiten is not None:
            parts.append(col(Record.feit).in_(sorted(self.feiten)))
        return and_(*parts)


@dataclass(frozen=True)
class Definition:
    indicator: str
    clauses: tuple[Clause, ...]
    suppress_small_counts: bool = False
    explanation: str = ""
    source: str = HANDHAVERS

    def condition(self) -> Any:
        return or_(*(clause.condition() for clause in self.clauses))

    def can_match_theme(self, theme: str) -> bool:
        return any(clause.can_match_theme(theme) for clause in self.clauses)


@dataclass(frozen=True)
class DefinitionSet:
    version: int
    hash: str
    definitions: tuple[Definition, ...]
    raw: dict[str, Any] = field(repr=False, compare=False)
    # Signalen category slug (main or sub) -> theme, for residents' reports.
    melding_themes: dict[str, str] = field(default_factory=dict, compare=False)

    @property
    def label(self) -> str:
        return f"{self.version} ({self.hash[:8]})"

    def get(self, indicator: str) -> Definition | None:
        return next((d for d in self.definitions if d.indicator == indicator), None)

    def melding_theme(self, category: str, sub_category: str) -> str | None:
        """The theme of a resident's report: its sub category's, else its main one's."""
        return self.melding_themes.get(sub_category) or self.melding_themes.get(category)

    def of_source(self, source: str) -> tuple[Definition, ...]:
        return tuple(d for d in self.definitions if d.source == source)


def definitions_hash(data: Any) -> str:
    canonical = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def _codes(
    name: str, where: str, clause: dict[str, Any], key: str, known: Iterable[str], what: str
) -> frozenset[str] | None:
    if key not in clause:
        return None
    values = clause[key]
    if not isinstance(values, list) or not values or not all(isinstance(v, str) for v in values):
        raise DefinitionsError(f"{name}: {where}: '{key}' moet een niet-lege lijst van codes zijn")
    unknown = sorted(set(values) - set(known))
    if unknown:
        raise DefinitionsError(f"{name}: {where}: onbekende {what} {', '.join(unknown)}")
    return frozenset(values)


def parse_definitions(
    data: Any, *, indicators: Iterable[str], themes: Iterable[str], name: str
) -> DefinitionSet:
    """Validate the file's content against the loaded reference data.

    Every error names the file and the entry (its position and indicator code)."""
    indicator_codes, theme_codes = set(indicators), set(themes)
    if not isinstance(data, dict):
        raise DefinitionsError(f"{name}: verwacht een JSON-object")
    version = data.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise DefinitionsError(f"{name}: 'version' moet een geheel getal vanaf 1 zijn")
    entries = data.get("definitions")
    if not isinstance(entries, list):
        raise DefinitionsError(f"{name}: de lijst 'definitions' ontbreekt")
    melding_themes = _melding_themes(data, theme_codes, name)
    seen: set[str] = set()
    definitions: list[Definition] = []
    for index, entry in enumerate(entries, start=1):
        if not isinstance(entry, dict):
            raise DefinitionsError(f"{name}: definitie {index} is geen object")
        code = entry.get("indicator")
        where = f"definitie {index} ('{code}')"
        if not isinstance(code, str) or code not in indicator_codes:
            raise DefinitionsError(f"{name}: {where}: onbekende indicator")
        if code in seen:
            raise DefinitionsError(f"{name}: {where}: indicator komt meer dan eens voor")
        seen.add(code)
        extra = sorted(set(entry) - _DEFINITION_KEYS)
        if extra:
            raise DefinitionsError(f"{name}: {where}: onbekend veld {', '.join(extra)}")
        match = entry.get("match")
        if not isinstance(match, list) or not match:
            raise DefinitionsError(f"{name}: {where}: 'match' moet een niet-lege lijst zijn")
        source = entry.get("source", HANDHAVERS)
        if source not in SOURCES:
            raise DefinitionsError(
                f"{name}: {where}: 'source' is {' of '.join(SOURCES)}, niet '{source}'"
            )
        clauses: list[Clause] = []
        for number, clause in enumerate(match, start=1):
            at = f"{where}, match {number}"
            if not isinstance(clause, dict):
                raise DefinitionsError(f"{name}: {at}: geen object")
            extra = sorted(set(clause) - _CLAUSE_KEYS)
            if extra:
                raise DefinitionsError(f"{name}: {at}: onbekend veld {', '.join(extra)}")
            if source == MELDINGEN:
                clauses.append(_melding_clause(name, at, clause, theme_codes, melding_themes))
                continue
            kind = clause.get("kind")
            if kind not in {k.value for k in RecordKind}:
                raise DefinitionsError(f"{name}: {at}: onbekende soort (kind) '{kind}'")
            themes_ = _codes(name, at, clause, "themes", theme_codes, "thema's")
            actions = _codes(name, at, clause, "actions", (a.value for a in Actie), "acties")
            feiten = _codes(name, at, clause, "feiten", (f.value for f in Feit), "feiten")
            if kind != RecordKind.WAARNEMING.value and (actions or feiten):
                raise DefinitionsError(
                    f"{name}: {at}: acties en feiten bestaan alleen bij een waarneming"
                )
            clauses.append(Clause(str(kind), themes_, actions, feiten))
        suppress = entry.get("suppress_small_counts", False)
        explanation = entry.get("explanation", "")
        if not isinstance(suppress, bool):
            raise DefinitionsError(f"{name}: {where}: 'suppress_small_counts' is true of false")
        if not isinstance(explanation, str):
            raise DefinitionsError(f"{name}: {where}: 'explanation' moet tekst zijn")
        definitions.append(Definition(code, tuple(clauses), suppress, explanation, source))
    return DefinitionSet(version, definitions_hash(data), tuple(definitions), data, melding_themes)


def _melding_themes(data: dict[str, Any], themes: set[str], name: str) -> dict[str, str]:
    """`melding_themes`: theme -> the Signalen category slugs (main or sub) it takes."""
    raw = data.get("melding_themes", {})
    if not isinstance(raw, dict):
        raise DefinitionsError(f"{name}: 'melding_themes' moet een object zijn")
    mapping: dict[str, str] = {}
    for theme, slugs in raw.items():
        if theme not in themes:
            raise DefinitionsError(f"{name}: melding_themes: onbekend thema '{theme}'")
        if not isinstance(slugs, list) or not slugs or not all(isinstance(v, str) for v in slugs):
            raise DefinitionsError(
                f"{name}: melding_themes: '{theme}' moet een niet-lege lijst van categorieën zijn"
            )
        for slug in slugs:
            if slug in mapping:
                raise DefinitionsError(
                    f"{name}: melding_themes: categorie '{slug}' staat bij twee thema's"
                )
            mapping[slug] = theme
    return mapping


def _melding_clause(
    name: str, at: str, clause: dict[str, Any], themes: set[str], mapping: dict[str, str]
) -> Clause:
    """A residents' reports clause: only themes, each one melding_themes maps to."""
    if set(clause) != {"themes"}:
        raise DefinitionsError(f"{name}: {at}: bij bron meldingen telt alleen 'themes'")
    codes = _codes(name, at, clause, "themes", themes, "thema's")
    assert codes is not None
    unmapped = sorted(codes - set(mapping.values()))
    if unmapped:
        raise DefinitionsError(
            f"{name}: {at}: geen meldingcategorie in melding_themes voor {', '.join(unmapped)}"
        )
    return Clause(MELDING_KIND, codes)


def reference_codes(session: Session) -> tuple[set[str], set[str]]:
    indicators = set(session.exec(select(Indicator.code).where(col(Indicator.retired).is_(False))))
    themes = set(session.exec(select(Theme.code).where(col(Theme.retired).is_(False))))
    return indicators, themes


def load_definitions(session: Session, path: Path) -> DefinitionSet:
    """Read and validate the definitions file against the reference data in the database."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise DefinitionsError(f"{path}: bestand ontbreekt") from exc
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise DefinitionsError(f"{path}: geen geldige JSON in UTF-8 ({exc})") from exc
    indicators, themes = reference_codes(session)
    return parse_definitions(data, indicators=indicators, themes=themes, name=path.name)


def definitions_of(run: SnapshotRun) -> DefinitionSet:
    """The definitions a run was computed with (stored with it; already validated)."""
    data = run.definitions
    definitions = []
    for entry in data.get("definitions", []):
        clauses = tuple(
            Clause(
                c.get("kind", MELDING_KIND),
                frozenset(c["themes"]) if "themes" in c else None,
                frozenset(c["actions"]) if "actions" in c else None,
                frozenset(c["feiten"]) if "feiten" in c else None,
            )
            for c in entry["match"]
        )
        definitions.append(
            Definition(
                entry["indicator"],
                clauses,
                bool(entry.get("suppress_small_counts", False)),
                entry.get("explanation", ""),
                entry.get("source", HANDHAVERS),
            )
        )
    mapping = {
        slug: theme for theme, slugs in data.get("melding_themes", {}).items() for slug in slugs
    }
    return DefinitionSet(
        run.definition_version, run.definition_hash, tuple(definitions), data, mapping
    )
