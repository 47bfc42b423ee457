"""Throttling of guessing, per account and per address, kept apart.

A login failure counts against the account's name and against the client's
address, each with its own limit: five wrong passwords lock one account (from
any address), while an address is refused only after many more failures (a
password spray), so one office behind one NAT address, or every user behind a
load balancer, is not locked out by one person's mistakes or an attacker
guessing one name. The client's address is taken from X-Forwarded-For only
when the request comes from a configured trusted proxy; otherwise anyone could
send a new address with every guess.

Counts live in the database, so every server process throttles the same client.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import case, delete, literal, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select
from sqlmodel.sql.sqltypes import UTCDateTime

from sync_protocol import ErrorCode
from sync_server.db import utcnow
from sync_server.errors import ServiceError
from sync_server.models import AuthFailure

Network = ipaddress.IPv4Network | ipaddress.IPv6Network

LOGIN_USER = "login-user:"
LOGIN_ADDRESS = "login-ip:"
ENROL_ADDRESS = "enrol-ip:"
SSO_ADDRESS = "sso-ip:"


def login_user_key(username: str) -> str:
    return LOGIN_USER + username.strip().lower()


def _in(address: str, networks: Sequence[Network]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in networks)


def client_address(peer: str | None, forwarded_for: str | None, trusted: Sequence[Network]) -> str:
    """The address a request comes from, for throttling.

    Only a trusted proxy's X-Forwarded-For is believed: walking it from the
    right, each trusted hop is skipped and the first other address is the
    client. A value that is not an address ends the walk at the last good hop.
    """
    current = peer or "onbekend"
    if not forwarded_for or not _in(current, trusted):
        return current
    for hop in reversed([part.strip() for part in forwarded_for.split(",")]):
        try:
            ipaddress.ip_address(hop)
        except ValueError:
            return current
        current = hop
        if not _in(hop, trusted):
            return hop
    return current


def count_attempt(
    session: Session,
    keys: Iterable[str] | Mapping[str, int],
    *,
    limit: int,
    window: timedelta,
) -> None:
    """Count a login or enrolment attempt before it is judged; refuse it when one of
    its keys (account name, client address) has used up its attempts in this window.
    `keys` may map a key to its own limit; `limit` is the default.

    Counting first, in one atomic upsert per key, is what makes the limit hold for
    guesses sent in parallel: a check followed by counting the failure afterwards
    lets every parallel guess pass the check before any failure is counted, and a
    read-modify-write loses increments. A refused attempt is not counted (the
    caller's transaction rolls back); a successful one clears the account's key
    (`clear_failures`), so only failures accumulate. Commit before judging.
    """
    limits = dict(keys) if isinstance(keys, Mapping) else dict.fromkeys(keys, limit)
    now = utcnow()
    refused_until: datetime | None = None
    for key in sorted(limits):  # one lock order for every caller: no deadlocks
        failures, window_start = _count(session, key, now=now, window=window)
        if failures > limits[key]:
            until = window_start + window
            refused_until = until if refused_until is None else max(refused_until, until)
    if refused_until is not None:
        wait = int((refused_until - now).total_seconds()) + 1
        raise ServiceError(
            ErrorCode.TOO_MANY_ATTEMPTS,
            f"Te veel mislukte pogingen. Probeer het over {max(wait // 60, 1)} minuten opnieuw.",
            retry_after=wait,
        )


def _count(session: Session, key: str, *, now: datetime, window: timedelta) -> tuple[int, datetime]:
    """Add one to the key's count (starting a new window if the old one is over)."""
    started = col(AuthFailure.window_start)
    expired = started <= now - window
    upsert = (
        postgresql.insert(AuthFailure)
        if session.get_bind().dialect.name == "postgresql"
        else sqlite.insert(AuthFailure)
    )
    statement = (
        upsert.values(key=key, window_start=now, failures=1)
        .on_conflict_do_update(
            index_elements=[col(AuthFailure.key)],
            set_={
                "failures": case((expired, 1), else_=col(AuthFailure.failures) + 1),
                "window_start": case((expired, literal(now, UTCDateTime())), else_=started),
            },
        )
        .returning(col(AuthFailure.failures), col(AuthFailure.window_start))
    )
    failures, window_start = session.execute(statement).one()
    return int(failures), window_start


def clear_failures(session: Session, keys: Iterable[str]) -> None:
    session.execute(delete(AuthFailure).where(col(AuthFailure.key).in_(list(keys))))


def forgive(session: Session, key: str) -> None:
    """Take back this attempt's count on a key after it succeeded: the key keeps
    the failures of others (an address shared by an office) but not this success."""
    session.execute(
        update(AuthFailure)
        .where(col(AuthFailure.key) == key, col(AuthFailure.failures) > 0)
        .values(failures=col(AuthFailure.failures) - 1)
    )


@dataclass(frozen=True)
class Lock:
    key: str
    name: str  # the account's user name or the address, without the key's prefix
    failures: int
    until: datetime


def locks(session: Session, *, prefix: str, limit: int, window: timedelta) -> list[Lock]:
    """Keys with this prefix that refuse attempts now (their limit used up)."""
    now = utcnow()
    rows = session.exec(
        select(AuthFailure).where(
            col(AuthFailure.key).startswith(prefix, autoescape=True),
            col(AuthFailure.failures) >= limit,
            col(AuthFailure.window_start) > now - window,
        )
    ).all()
    return sorted(
        (
            Lock(
                key=row.key,
                name=row.key[len(prefix) :],
                failures=row.failures,
                until=row.window_start + window,
            )
            for row in rows
        ),
        key=lambda lock: lock.name,
    )
