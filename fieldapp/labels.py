"""Dutch words the officer sees for the protocol's codes and fields.

Kept apart from the views so that the store and the sync client can explain a
problem in the officer's words without importing any UI code.
"""

from __future__ import annotations

from fieldapp.kinds import KINDS

# The kinds' names come from the one registry of entry kinds.
KIND_LABELS = {spec.kind.value: spec.label for spec in KINDS.values()}

ACTION_LABELS = {
    "aanspreken": "Aanspreken",
    "waarschuwing": "Waarschuwing",
    "bon_proces_verbaal": "Bon / proces-verbaal",
    "bestuursdwang": "Bestuursdwang",
    "sticker": "Sticker",
    "doorverwijzing": "Doorverwijzing",
    "geen_actie": "Geen actie",
}

FEIT_LABELS = {
    "alcohol_onder_18": "Alcohol onder 18",
    "wildplassen": "Wildplassen",
    "lachgas": "Lachgas",
    "geluidsoverlast": "Geluidsoverlast",
    "hondenpoep": "Hondenpoep",
    "loslopende_hond": "Loslopende hond",
    "bijplaatsing_afval": "Bijplaatsing afval",
    "bedrijfsafval": "Bedrijfsafval",
    "fout_parkeren": "Fout parkeren",
    "rijden_voetgangersgebied": "Rijden in voetgangersgebied",
    "weesfiets": "Weesfiets / fietswrak",
    "uitstalling": "Uitstalling",
    "overig": "Overig",
}

INCIDENT_TYPE_LABELS = {
    "verbaal": "Verbaal",
    "fysiek": "Fysiek",
    "bedreiging": "Bedreiging",
    "intimidatie": "Intimidatie",
    "discriminatie": "Discriminatie",
}

POLITIE_LABELS = {
    "geen": "Geen politie",
    "melding_gedaan": "Melding gedaan",
    "melding_gewenst": "Melding gewenst",
    "aangifte_gedaan": "Aangifte gedaan",
    "aangifte_gewenst": "Aangifte gewenst",
}

AANLEIDING_LABELS = {
    "hinderlijk_gedrag": "Hinderlijk gedrag",
    "alcohol_onder_18": "Alcohol onder 18",
    "vernieling": "Vernieling",
    "intimidatie": "Intimidatie",
    "overig": "Overig",
}

CATEGORIE_LABELS = {
    "drugs": "Drugs",
    "criminele_geldstromen": "Criminele geldstromen",
    "woon_adresfraude": "Woon- en adresfraude",
    "mensenhandel_prostitutie": "Mensenhandel / illegale prostitutie",
    "malafide_bedrijvigheid": "Malafide bedrijvigheid",
    "overig": "Overig",
}

UITKOMST_LABELS = {"hit": "Hit (klopt niet met BRP)", "geen_hit": "Geen hit"}

CONTROLE_UITKOMST_LABELS = {
    "geen_bevindingen": "Geen bevindingen",
    "waarschuwing": "Waarschuwing",
    "bestuurlijke_maatregel": "Bestuurlijke maatregel",
    "sluiting": "Sluiting",
    "signaal_doorgezet": "Signaal doorgezet",
}

PARTNER_LABELS = {
    "politie": "Politie",
    "belastingdienst": "Belastingdienst",
    "arbeidsinspectie": "Arbeidsinspectie",
    "brandweer": "Brandweer",
    "omgevingsdienst": "Omgevingsdienst",
    "overig": "Overig",
}

STATUS_LABELS = {
    "wacht": "Wacht op verzenden",
    "verzonden": "Verzonden",
    "geaccepteerd": "Geaccepteerd",
    "afgewezen": "Afgewezen",
    "conflict": "Conflict",
}

REVIEW_LABELS = {
    "nieuw": "Nieuw",
    "beoordeeld": "Beoordeeld",
    "terug_naar_handhaver": "Terug naar handhaver",
    "afgesloten": "Afgesloten",
}

FIELD_LABELS = {
    "observed_at": "Tijdstip",
    "theme": "Thema",
    "hotspot": "Focuslocatie",
    "location": "Locatie",
    "persons": "Aantal personen",
    "action": "Actie",
    "feit": "Feit",
    "note": "Notitie",
    "photos": "Foto's",
    "aanleiding": "Aanleiding",
    "jongere": "Jongere",
    "naam": "Naam",
    "geboortedatum": "Geboortedatum",
    "types": "Soort incident",
    "place": "Plaats",
    "injured": "Gewond",
    "bodycam_on": "Bodycam aan",
    "footage_secured": "Beelden veiliggesteld",
    "footage_reference": "Referentie beelden",
    "politie": "Politie",
    "bot_gewenst": "Nazorg (BOT)",
    "description": "Omschrijving",
    "uitkomst": "Uitkomst",
    "address": "Adres",
    "categorie": "Categorie",
    "branche": "Branche",
    "partners": "Partners",
}

# What the officer should do for each server error code.
ERROR_MESSAGES = {
    "offline": "Geen verbinding met de server. Alles blijft op de telefoon bewaard en gaat "
    "mee bij de volgende synchronisatie.",
    "server_error": "De server heeft een storing. Je invoer blijft bewaard; probeer het later "
    "opnieuw.",
    "bad_reply": "Het antwoord van de server kwam niet heel aan. Je invoer blijft bewaard; "
    "probeer het opnieuw.",
    "token_revoked": "De koppeling van deze telefoon is ingetrokken door je teamleider of de "
    "beheerder. Omdat een ingetrokken telefoon als kwijt of gestolen geldt, zijn alle gegevens "
    "van de app op deze telefoon gewist, ook invoer die nog niet verzonden was. Vraag je "
    "teamleider om een nieuwe koppelcode.",
    "token_invalid": "Deze telefoon is niet (meer) bekend bij de server. Vraag je teamleider om "
    "een nieuwe koppelcode.",
    "protocol_unsupported": "Deze versie van de app wordt niet meer ondersteund. Werk de app "
    "bij; je invoer blijft bewaard.",
    "enrolment_code_invalid": "Deze koppelcode is onbekend of al gebruikt. Vraag je teamleider "
    "om een nieuwe code.",
    "enrolment_code_expired": "Deze koppelcode is verlopen. Vraag je teamleider om een nieuwe "
    "code.",
    "too_many_attempts": "Te veel mislukte pogingen. Wacht een kwartier en probeer het opnieuw.",
    "not_enrolled": "Deze telefoon is nog niet gekoppeld.",
    "sync_busy": "Er loopt al een synchronisatie. Even geduld.",
}


def describe_error(code: str, fallback: str | None = None) -> str:
    return ERROR_MESSAGES.get(code) or fallback or f"Onbekende fout ({code})."
