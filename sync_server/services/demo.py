"""Demo data: a realistic team per district and a few weeks of synthetic logs.

Everything made here is marked as demo (users.is_demo, records.is_demo) so it
can be told apart from, and removed before, real use. Records go through the
same push service as a phone's, so demo data is valid data.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from sync_protocol import Role
from sync_server.db import session_scope
from sync_server.models import Hotspot, Record, User
from sync_server.services import accounts
from sync_server.services.demo_meldingen import create_demo_meldingen
from sync_server.services.push import DEFAULT_NEAREST_HOTSPOT_M, push_records

DEMO_PASSWORD = "demo-wachtwoord"  # demo accounts only; printed by `serve --demo`

TEAMS: dict[str, list[tuple[str, str]]] = {
    "centrum": [
        ("sanne.demo", "Sanne de Vries"),
        ("mo.demo", "Mohamed Amrani"),
        ("lisa.demo", "Lisa Bakker"),
    ],
    "noord": [
        ("jeroen.demo", "Jeroen Visser"),
        ("fatima.demo", "Fatima El Idrissi"),
        ("tom.demo", "Tom Smit"),
    ],
    "oost": [
        ("anouk.demo", "Anouk Jansen"),
        ("kevin.demo", "Kevin de Boer"),
        ("yara.demo", "Yara Mulder"),
    ],
    "zuid-west": [
        ("daan.demo", "Daan Meijer"),
        ("esra.demo", "Esra Yilmaz"),
        ("bas.demo", "Bas de Graaf"),
    ],
    "schalkwijk": [
        ("noor.demo", "Noor Hendriks"),
        ("ricardo.demo", "Ricardo Pinas"),
        ("emma.demo", "Emma Koster"),
    ],
}
LEADERS = {district: f"tl.{district}" for district in TEAMS}

# (theme, typical hours, weight): hot times differ per theme, so the hot-time
# view has something real to show.
THEME_PATTERNS: list[tuple[str, list[int], int]] = [
    ("afval", [8, 9, 10, 11, 14], 5),
    ("jeugd", [15, 16, 19, 20, 21, 22], 6),
    ("parkeren", [8, 12, 13, 17], 4),
    ("dak-en-thuislozen", [7, 8, 21, 22, 23], 3),
    ("honden", [7, 8, 18, 19], 3),
    ("fietsen-rijdend-verkeer", [11, 12, 16, 17], 3),
    ("evenementen", [20, 21, 22, 23], 1),
]
# The offence, where an indicator counts it (boetes alcohol 18-, geluidsoverlast
# evenementen); the others leave it out, as officers mostly do.
THEME_FEITEN: dict[str, list[str]] = {
    "jeugd": ["alcohol_onder_18", "lachgas"],
    "evenementen": ["geluidsoverlast", "wildplassen"],
    "afval": ["bijplaatsing_afval", "bedrijfsafval"],
    "honden": ["hondenpoep", "loslopende_hond"],
}
ACTIONS = [
    "aanspreken",
    "aanspreken",
    "waarschuwing",
    "bon_proces_verbaal",
    "sticker",
    "doorverwijzing",
    "geen_actie",
]


@dataclass(frozen=True)
class DemoLogin:
    username: str
    display_name: str
    role: Role
    district: str | None


def demo_exists(session: Session) -> bool:
    return session.exec(select(User).where(User.is_demo == True)).first() is not None  # noqa: E712


def create_demo_users(session: Session) -> list[DemoLogin]:
    logins = [DemoLogin("beheerder.demo", "Demo Beheerder", Role.BEHEERDER, None)]
    for district, team in TEAMS.items():
        logins.append(
            DemoLogin(
                LEADERS[district], f"Teamleider {district.title()}", Role.TEAMLEIDER, district
            )
        )
        logins += [
            DemoLogin(username, display, Role.HANDHAVER, district) for username, display in team
        ]
    # The demo accounts share one published password, so one argon2 hash serves
    # them all; hashing it 21 times would add seconds to every `serve --demo`.
    shared_hash = accounts.hash_password(DEMO_PASSWORD)
    for login in logins:
        user = accounts.create_user(
            session,
            username=login.username,
            display_name=login.display_name,
            role=login.role.value,
            districts=[login.district] if login.district else [],
            is_demo=True,
        )
        if login.role != Role.HANDHAVER:  # officers enrol their phone with a code instead
            user.password_hash = shared_hash
            session.add(user)
    session.flush()
    return logins


def _uuid7(moment: datetime, rng: random.Random) -> str:
    """A UUIDv7 for a moment in the past, as a phone would have made it then."""
    millis = int(moment.timestamp() * 1000)
    rand = rng.getrandbits(74)
    value = (
        (millis << 80) | (0x7 << 76) | ((rand >> 62) << 64) | (0b10 << 62) | (rand & (2**62 - 1))
    )
    return str(uuid.UUID(int=value))


def _moment(day: date, hour: int, minute: int) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)


def _record(
    kind: str, observed: datetime, rng: random.Random, payload: dict[str, Any]
) -> dict[str, Any]:
    """A pushed record as a phone would have made it at `observed`."""
    return {
        "id": _uuid7(observed, rng),
        "kind": kind,
        "version": 1,
        "payload": {"observed_at": observed.isoformat(), **payload},
    }


def _place(hotspot: Hotspot, rng: random.Random) -> dict[str, Any]:
    return {"hotspot": hotspot.code}


def _records_for(
    officer: str, hotspots: list[Hotspot], days: int, today: date, rng: random.Random
) -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = []
    if not hotspots:
        return records
    for day in range(days):
        moment_day = today - timedelta(days=day)
        if moment_day.weekday() == 6 and rng.random() < 0.7:
            continue  # fewer Sunday shifts
        for _ in range(rng.randint(2, 6)):
            theme, hours, _w = rng.choices(THEME_PATTERNS, weights=[p[2] for p in THEME_PATTERNS])[
                0
            ]
            fitting = [h for h in hotspots if theme in h.themes] or hotspots
            hotspot = rng.choice(fitting)
            observed = _moment(moment_day, rng.choice(hours), rng.randint(0, 59))
            records.append(
                _record(
                    "waarneming",
                    observed,
                    rng,
                    {
                        "theme": theme,
                        **_place(hotspot, rng),
                        "persons": rng.randint(0, 6),
                        "action": rng.choice(ACTIONS),
                        "note": "demo",
                        **(
                            {"feit": rng.choice(THEME_FEITEN[theme])}
                            if theme in THEME_FEITEN and rng.random() < 0.5
                            else {}
                        ),
                    },
                )
            )
        if rng.random() < 0.12:
            youth_hotspots = [h for h in hotspots if "jeugd" in h.themes] or hotspots
            observed = _moment(moment_day, rng.choice([16, 20, 21, 22]), rng.randint(0, 59))
            youth = rng.randint(1, 12)
            born = f"{2008 + youth % 5}-0{1 + youth % 9}-15"
            records.append(
                _record(
                    "gele_kaart",
                    observed,
                    rng,
                    {
                        "hotspot": rng.choice(youth_hotspots).code,
                        "aanleiding": rng.choice(["hinderlijk_gedrag", "alcohol_onder_18"]),
                        "jongere": {
                            "naam": f"Demo Jongere {officer[:3]}{youth}",
                            "geboortedatum": born,
                        },
                    },
                )
            )
        if rng.random() < 0.03:
            observed = _moment(moment_day, rng.choice([21, 22, 23]), rng.randint(0, 59))
            records.append(
                _record(
                    "incident",
                    observed,
                    rng,
                    {
                        "hotspot": rng.choice(hotspots).code,
                        "types": rng.sample(
                            ["verbaal", "bedreiging", "intimidatie", "fysiek"], k=rng.randint(1, 2)
                        ),
                        "injured": False,
                        "bodycam_on": True,
                        "footage_secured": True,
                        "footage_reference": f"BC-{rng.randint(1000, 9999)}",
                        "politie": rng.choice(["geen", "melding_gedaan", "aangifte_gewenst"]),
                        "bot_gewenst": rng.random() < 0.5,
                        "description": "demo",
                    },
                )
            )
        if rng.random() < 0.08:
            observed = _moment(moment_day, rng.choice([10, 11, 14]), rng.randint(0, 59))
            records.append(
                _record(
                    "adrescontrole",
                    observed,
                    rng,
                    {
                        "uitkomst": "hit" if rng.random() < 0.45 else "geen_hit",
                        "address": "demo-adres",
                    },
                )
            )
        if rng.random() < 0.05:
            observed = _moment(moment_day, rng.choice([11, 15, 20]), rng.randint(0, 59))
            records.append(
                _record(
                    "signaal_ondermijning",
                    observed,
                    rng,
                    {
                        "hotspot": rng.choice(hotspots).code,
                        "categorie": rng.choice(
                            ["drugs", "woon_adresfraude", "malafide_bedrijvigheid"]
                        ),
                        "description": "demo-signaal",
                    },
                )
            )
        if rng.random() < 0.02:
            observed = _moment(moment_day, rng.choice([10, 20]), 0)
            records.append(
                _record(
                    "integrale_controle",
                    observed,
                    rng,
                    {
                        "hotspot": rng.choice(hotspots).code,
                        "branche": rng.choice(["horeca", "nagelstudio", "massagesalon"]),
                        "partners": ["politie", "belastingdienst"],
                        "uitkomst": rng.choice(["geen_bevindingen", "waarschuwing"]),
                    },
                )
            )
    return records


def create_demo_data(
    engine: Engine, *, key: bytes, days: int = 28, seed: int = 2023, today: date | None = None
) -> int:
    """Create the demo team and logs once; returns the number of records made."""
    with session_scope(engine) as session:
        if demo_exists(session):
            return 0
        create_demo_users(session)
    rng = random.Random(seed)
    today = today or datetime.now(UTC).date()
    made = 0
    for district, team in TEAMS.items():
        with Session(engine) as session:
            hotspots = list(
                session.exec(
                    select(Hotspot).where(
                        Hotspot.district_code == district, col(Hotspot.retired).is_(False)
                    )
                ).all()
            )
        for username, _display in team:
            with session_scope(engine) as session:
                user = accounts.find_user(session, username)
                assert user is not None
                issued = accounts.issue_device(session, user, name="demo-telefoon", kind="phone")
            records = _records_for(username, hotspots, days, today, rng)
            for start in range(0, len(records), 200):
                results = push_records(
                    engine,
                    user=user,
                    device=issued.device,
                    districts=[district],
                    items=records[start : start + 200],
                    key=key,
                    max_batch=500,
                )
                made += sum(1 for r in results if r.status == "accepted")
    with session_scope(engine) as session:
        demo_users = select(User.id).where(User.is_demo == True)  # noqa: E712
        session.execute(
            update(Record).where(col(Record.owner_user_id).in_(demo_users)).values(is_demo=True)
        )
    create_demo_meldingen(engine, days=days, today=today, max_m=DEFAULT_NEAREST_HOTSPOT_M)
    return made
