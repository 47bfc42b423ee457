"""The six record kinds an officer logs, validated strictly.

These are what the programme's indicators count (see assets/reference), so a
wrong type or an out-of-range value is refused here rather than turning into a
wrong figure in the council's tables later. Models forbid unknown fields, so a
typo in a field name is an error and not silently dropped data.

Dutch field names are the programme's own terms; where an English word is the
common technical term (location, note, photos) it is used.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    Strict,
    StringConstraints,
    ValidationInfo,
    field_validator,
    model_validator,
)

from sync_protocol.text import TEXT_CHECKED, UNSTORABLE_MESSAGE, IsoDateTime, all_storable

Code = Annotated[str, Strict(), StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{0,79}$")]
Sha256 = Annotated[str, Strict(), StringConstraints(pattern=r"^[0-9a-f]{64}$")]
ShortText = Annotated[str, Strict(), StringConstraints(max_length=500)]
LongText = Annotated[str, Strict(), StringConstraints(max_length=2000)]
RecordId = Annotated[
    str,
    Strict(),
    StringConstraints(pattern=r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"),
]

MAX_PHOTOS = 10
# Observations before the programme period or far in the future are typing or
# clock errors; a phone's clock that is off by a few years still passes, because
# refusing it would strand a real entry on the phone (observed_at is data only).
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
LATEST = datetime(2100, 1, 1, tzinfo=UTC)


class RecordKind(StrEnum):
    WAARNEMING = "waarneming"
    GELE_KAART = "gele_kaart"
    INCIDENT = "incident"
    ADRESCONTROLE = "adrescontrole"
    SIGNAAL_ONDERMIJNING = "signaal_ondermijning"
    INTEGRALE_CONTROLE = "integrale_controle"


class Actie(StrEnum):
    """Action taken, as listed in the handhavingsstrategie."""

    AANSPREKEN = "aanspreken"
    WAARSCHUWING = "waarschuwing"
    BON_PROCES_VERBAAL = "bon_proces_verbaal"
    BESTUURSDWANG = "bestuursdwang"
    STICKER = "sticker"
    DOORVERWIJZING = "doorverwijzing"
    GEEN_ACTIE = "geen_actie"


class Feit(StrEnum):
    """The offence or nuisance observed, where an indicator needs more than the theme
    (e.g. "boetes alcohol 18-", "geluidsoverlast evenementen"). Optional."""

    ALCOHOL_ONDER_18 = "alcohol_onder_18"
    WILDPLASSEN = "wildplassen"
    LACHGAS = "lachgas"
    GELUIDSOVERLAST = "geluidsoverlast"
    HONDENPOEP = "hondenpoep"
    LOSLOPENDE_HOND = "loslopende_hond"
    BIJPLAATSING_AFVAL = "bijplaatsing_afval"
    BEDRIJFSAFVAL = "bedrijfsafval"
    FOUT_PARKEREN = "fout_parkeren"
    RIJDEN_VOETGANGERSGEBIED = "rijden_voetgangersgebied"
    WEESFIETS = "weesfiets"
    UITSTALLING = "uitstalling"
    OVERIG = "overig"


class IncidentType(StrEnum):
    VERBAAL = "verbaal"
    FYSIEK = "fysiek"
    BEDREIGING = "bedreiging"
    INTIMIDATIE = "intimidatie"
    DISCRIMINATIE = "discriminatie"


class PolitieOpvolging(StrEnum):
    """Police follow-up of an incident: a notification or a report, made or wanted."""

    GEEN = "geen"
    MELDING_GEDAAN = "melding_gedaan"
    MELDING_GEWENST = "melding_gewenst"
    AANGIFTE_GEDAAN = "aangifte_gedaan"
    AANGIFTE_GEWENST = "aangifte_gewenst"


class AdrescontroleUitkomst(StrEnum):
    """A hit: the actual living situation does not match the BRP registration."""

    HIT = "hit"
    GEEN_HIT = "geen_hit"


class OndermijningCategorie(StrEnum):
    """The focus themes of the programme's approach to organised crime (§2.1)."""

    DRUGS = "drugs"
    CRIMINELE_GELDSTROMEN = "criminele_geldstromen"
    WOON_ADRESFRAUDE = "woon_adresfraude"
    MENSENHANDEL_PROSTITUTIE = "mensenhandel_prostitutie"
    MALAFIDE_BEDRIJVIGHEID = "malafide_bedrijvigheid"
    OVERIG = "overig"


class GeleKaartAanleiding(StrEnum):
    HINDERLIJK_GEDRAG = "hinderlijk_gedrag"
    ALCOHOL_ONDER_18 = "alcohol_onder_18"
    VERNIELING = "vernieling"
    INTIMIDATIE = "intimidatie"
    OVERIG = "overig"


class ControleUitkomst(StrEnum):
    GEEN_BEVINDINGEN = "geen_bevindingen"
    WAARSCHUWING = "waarschuwing"
    BESTUURLIJKE_MAATREGEL = "bestuurlijke_maatregel"
    SLUITING = "sluiting"
    SIGNAAL_DOORGEZET = "signaal_doorgezet"


class ControlePartner(StrEnum):
    POLITIE = "politie"
    BELASTINGDIENST = "belastingdienst"
    ARBEIDSINSPECTIE = "arbeidsinspectie"
    BRANDWEER = "brandweer"
    OMGEVINGSDIENST = "omgevingsdienst"
    OVERIG = "overig"


def _no_duplicates(what: str) -> Any:
    """A field validator refusing a list that names the same item twice; as a field
    validator (not a model one) the error names the field it is about."""

    def check(cls: type[BaseModel], value: list[Any]) -> list[Any]:
        if len(set(value)) != len(value):
            raise ValueError(f"{what} staat twee keer in de lijst")
        return value

    return classmethod(check)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    @model_validator(mode="before")
    @classmethod
    def _storable_text(cls, data: Any, info: ValidationInfo) -> Any:
        """Refuse text no database can store (U+0000, lone surrogates) before any
        field is read: the record is rejected on its own, the batch lands. A
        caller that checked its whole input at once says so in the context."""
        if info.context and info.context.get(TEXT_CHECKED):
            return data
        if not all_storable(data):
            raise ValueError(UNSTORABLE_MESSAGE)
        return data


class Location(_Strict):
    """A point in WGS84; the bounds are the Netherlands, wide enough for any patrol."""

    lat: Annotated[float, Strict()] = Field(ge=50.7, le=53.7)
    lon: Annotated[float, Strict()] = Field(ge=3.2, le=7.3)
    accuracy_m: Annotated[float, Strict()] | None = Field(default=None, ge=0, le=10_000)


class _Payload(_Strict):
    observed_at: IsoDateTime
    hotspot: Code | None = None
    location: Location | None = None
    note: LongText = ""
    # The district action (wijkactie) this entry is logged against, if any: the
    # server checks it exists and is of the entry's district.
    wijkactie: RecordId | None = None

    @field_validator("observed_at")
    @classmethod
    def _plausible_time(cls, value: datetime) -> datetime:
        if not EARLIEST <= value < LATEST:
            raise ValueError("observed_at ligt buiten 2000–2100")
        return value

    def _require_place(self) -> None:
        if self.hotspot is None and self.location is None:
            raise ValueError("hotspot of location is verplicht")


class Waarneming(_Payload):
    theme: Code
    persons: Annotated[int, Strict()] = Field(default=0, ge=0, le=1000)
    action: Actie
    feit: Feit | None = None
    photos: list[Sha256] = Field(default_factory=list, max_length=MAX_PHOTOS)

    _unique_photos = field_validator("photos")(_no_duplicates("dezelfde foto"))

    @model_validator(mode="after")
    def _checks(self) -> Waarneming:
        self._require_place()
        return self


class Jongere(_Strict):
    """The youth's identity: only to count repeat cards; pseudonymised on arrival."""

    naam: Annotated[str, Strict(), StringConstraints(min_length=2, max_length=200)]
    geboortedatum: date

    @field_validator("naam")
    @classmethod
    def _has_letters(cls, value: str) -> str:
        if sum(ch.isalpha() for ch in value) < 2:
            raise ValueError("naam moet letters bevatten")
        return value

    @field_validator("geboortedatum")
    @classmethod
    def _minor_age_range(cls, value: date) -> date:
        if not date(1990, 1, 1) <= value <= date(2100, 1, 1):
            raise ValueError("geboortedatum is niet aannemelijk")
        return value


class GeleKaart(_Payload):
    """A yellow card. `jongere` is required for a first version; a correction may omit it."""

    aanleiding: GeleKaartAanleiding
    jongere: Jongere | None = None

    @model_validator(mode="after")
    def _checks(self) -> GeleKaart:
        self._require_place()
        return self


class Incident(_Payload):
    """Aggression against an enforcer (§2.12). Footage is referenced, never sent."""

    types: list[IncidentType] = Field(min_length=1, max_length=5)
    place: ShortText = ""
    injured: Annotated[bool, Strict()]
    bodycam_on: Annotated[bool, Strict()]
    footage_secured: Annotated[bool, Strict()] = False
    footage_reference: Annotated[str, Strict(), StringConstraints(max_length=100)] = ""
    politie: PolitieOpvolging
    bot_gewenst: Annotated[bool, Strict()]
    description: ShortText = ""

    _unique_types = field_validator("types")(_no_duplicates("een incidenttype"))

    @model_validator(mode="after")
    def _checks(self) -> Incident:
        if self.hotspot is None and self.location is None and not self.place.strip():
            raise ValueError("waar: hotspot, location of place is verplicht")
        if self.footage_secured and not self.bodycam_on:
            raise ValueError(
                "footage_secured (beelden veiliggesteld) kan alleen als de bodycam aan stond "
                "(bodycam_on)"
            )
        return self


class Adrescontrole(_Payload):
    uitkomst: AdrescontroleUitkomst
    address: ShortText = ""


class SignaalOndermijning(_Payload):
    categorie: OndermijningCategorie
    description: Annotated[str, Strict(), StringConstraints(min_length=1, max_length=2000)]
    photos: list[Sha256] = Field(default_factory=list, max_length=MAX_PHOTOS)

    _unique_photos = field_validator("photos")(_no_duplicates("dezelfde foto"))

    @model_validator(mode="after")
    def _checks(self) -> SignaalOndermijning:
        self._require_place()
        return self


class IntegraleControle(_Payload):
    branche: Annotated[str, Strict(), StringConstraints(min_length=1, max_length=100)]
    partners: list[ControlePartner] = Field(default_factory=list, max_length=6)
    uitkomst: ControleUitkomst

    @model_validator(mode="after")
    def _checks(self) -> IntegraleControle:
        self._require_place()
        return self


KIND_MODELS: dict[RecordKind, type[_Payload]] = {
    RecordKind.WAARNEMING: Waarneming,
    RecordKind.GELE_KAART: GeleKaart,
    RecordKind.INCIDENT: Incident,
    RecordKind.ADRESCONTROLE: Adrescontrole,
    RecordKind.SIGNAAL_ONDERMIJNING: SignaalOndermijning,
    RecordKind.INTEGRALE_CONTROLE: IntegraleControle,
}

# Themes implied by a kind when the payload has none of its own.
KIND_THEMES: dict[RecordKind, str | None] = {
    RecordKind.WAARNEMING: None,
    RecordKind.GELE_KAART: "jeugd",
    RecordKind.INCIDENT: None,
    RecordKind.ADRESCONTROLE: "ondermijning",
    RecordKind.SIGNAAL_ONDERMIJNING: "ondermijning",
    RecordKind.INTEGRALE_CONTROLE: "ondermijning",
}

# Incidents against enforcers are sent before anything else.
PUSH_PRIORITY: dict[RecordKind, int] = {kind: 1 for kind in RecordKind} | {RecordKind.INCIDENT: 0}


class RecordEnvelope(_Strict):
    """What crosses the wire for one record: a client-made id, a version, a payload.

    `id` is a UUID (v7 on our phones: sortable without coordination). A correction
    after sync is the same id with a higher `version`; a re-send is the same id
    and version with the same payload.
    """

    id: RecordId
    kind: Annotated[str, Strict(), StringConstraints(max_length=40)]
    version: Annotated[int, Strict()] = Field(default=1, ge=1, le=10_000)
    payload: dict[str, Any]


def validate_payload(kind: RecordKind, payload: dict[str, Any]) -> _Payload:
    """Validate a payload for its kind; raises pydantic.ValidationError."""
    return KIND_MODELS[kind].model_validate(payload)
