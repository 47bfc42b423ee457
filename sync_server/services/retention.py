"""Retention per record kind, as configuration (assets/reference/retention.json).

Each rule names a record kind, a period after the moment of the registration
(`observed_at`), and what goes after it: the youth's pseudonym, fields of the
payload (in the record and in every kept version), the team leader's remark,
or the photos. The registration itself stays, so the programme's indicators
keep counting it; only personal data goes.

Every removal is written to the retention log (rule, policy version, kind,
record, field, when) in the same transaction, never the removed value. A rule
that found nothing to remove in a record still leaves one entry (field "")
so the record is not looked at again: running the job twice removes nothing
more the second time.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import delete, exists, update
from sqlmodel import Session, and_, col, select

from sync_protocol import RecordKind
from sync_protocol.records import KIND_MODELS
from sync_server.models import (
    Blob,
    BlobUpload,
    Record,
    RecordPhoto,
    RecordVersion,
    RetentionEntry,
    ReviewEvent,
)

PSEUDONYM = "youth_pseudonym"
REMARK = "review_remark"
PHOTOS = "photos"
PAYLOAD = "payload."
BATCH = 500
RULE_NAME = re.compile(r"^[a-z][a-z0-9_]{1,59}$")
NOTHING = ""  # field_name of the entry left when a rule found nothing to remove


class RetentionConfigError(ValueError):
    """The retention file is wrong; the message says where, in Dutch."""


@dataclass(frozen=True)
class RetentionRule:
    rule: str
    kind: str
    after: timedelta
    remove: tuple[str, ...]
    why: str

    @property
    def pseudonym_only(self) -> bool:
        return self.remove == (PSEUDONYM,)


@dataclass(frozen=True)
class RetentionPolicy:
    version: int
    hash: str
    rules: tuple[RetentionRule, ...]


# Payload fields that may name or describe a person (free text, an address).
PERSONAL_PAYLOAD_FIELDS = ("note", "description", "place", "footage_reference", "address")


def _removable(kind: RecordKind) -> set[str]:
    model_fields = KIND_MODELS[kind].model_fields
    fields = {PAYLOAD + name for name in PERSONAL_PAYLOAD_FIELDS if name in model_fields}
    fields.add(REMARK)
    if "photos" in model_fields:
        fields.add(PHOTOS)
    if kind is RecordKind.GELE_KAART:
        fields.add(PSEUDONYM)
    return fields


def parse_policy(data: Any, *, source: str = "retention.json") -> RetentionPolicy:
    if not isinstance(data, dict):
        raise RetentionConfigError(f"{source}: verwacht een object met 'version' en 'rules'")
    version = data.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise RetentionConfigError(f"{source}: 'version' moet een geheel getal ≥ 1 zijn")
    rules_in = data.get("rules")
    if not isinstance(rules_in, list) or not rules_in:
        raise RetentionConfigError(f"{source}: 'rules' moet een niet-lege lijst zijn")
    rules: list[RetentionRule] = []
    for number, item in enumerate(rules_in, start=1):
        where = f"{source}, regel {number}"
        if not isinstance(item, dict):
            raise RetentionConfigError(f"{where}: verwacht een object")
        name = item.get("rule")
        if not isinstance(name, str) or not RULE_NAME.match(name):
            raise RetentionConfigError(f"{where}: 'rule' moet een naam als 'incident_tekst' zijn")
        if any(r.rule == name for r in rules):
            raise RetentionConfigError(f"{where}: de naam '{name}' komt twee keer voor")
        try:
            kind = RecordKind(str(item.get("kind")))
        except ValueError as exc:
            raise RetentionConfigError(f"{where}: onbekende soort '{item.get('kind')}'") from exc
        days = item.get("after_days")
        if not isinstance(days, int) or isinstance(days, bool) or days < 1:
            raise RetentionConfigError(f"{where}: 'after_days' moet een geheel getal ≥ 1 zijn")
        remove = item.get("remove")
        if not (isinstance(remove, list) and remove and all(isinstance(r, str) for r in remove)):
            raise RetentionConfigError(f"{where}: 'remove' moet een niet-lege lijst zijn")
        unknown = sorted(set(remove) - _removable(kind))
        if unknown:
            raise RetentionConfigError(
                f"{where}: kan {', '.join(unknown)} niet verwijderen bij soort {kind.value}"
            )
        why = item.get("why", "")
        if not isinstance(why, str):
            raise RetentionConfigError(f"{where}: 'why' moet tekst zijn")
        rules.append(
            RetentionRule(
                rule=name,
                kind=kind.value,
                after=timedelta(days=days),
                remove=tuple(dict.fromkeys(remove)),
                why=why,
            )
        )
    canonical = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    digest = hashlib.sha256(canonical.encode()).hexdigest()
    return RetentionPolicy(version=version, hash=digest, rules=tuple(rules))


def load_policy(path: Path) -> RetentionPolicy:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise RetentionConfigError(f"{path}: bestand niet gevonden") from exc
    except json.JSONDecodeError as exc:
        raise RetentionConfigError(f"{path.name}: geen geldige JSON (regel {exc.lineno})") from exc
    return parse_policy(data, source=path.name)


def with_pseudonym_period(policy: RetentionPolicy, period: timedelta | None) -> RetentionPolicy:
    """HV_YOUTH_PSEUDONYM_RETENTION_DAYS, when set, overrides the pseudonym rules' period."""
    if period is None:
        return policy
    rules = tuple(
        RetentionRule(r.rule, r.kind, period, r.remove, r.why) if r.pseudonym_only else r
        for r in policy.rules
    )
    return RetentionPolicy(policy.version, policy.hash, rules)


@dataclass
class RuleResult:
    rule: str
    kind: str
    records: int = 0  # records this rule removed something from
    removals: int = 0  # fields emptied (one retention-log entry each)
    # Photos no record shows any more: their rows are gone in this transaction,
    # their bytes are deleted from the photo store after it commits.
    photos_dropped: list[str] = field(default_factory=list)


def _candidates(session: Session, rule: RetentionRule, cutoff: datetime) -> list[str]:
    query = select(Record.id).where(
        Record.kind == rule.kind,
        col(Record.observed_at) < cutoff,
    )
    if rule.pseudonym_only:
        query = query.where(col(Record.youth_pseudonym).is_not(None))
    else:
        done = exists().where(
            and_(
                col(RetentionEntry.record_id) == col(Record.id),
                col(RetentionEntry.rule) == rule.rule,
            )
        )
        query = query.where(~done)
    return list(session.exec(query.order_by(col(Record.id)).limit(BATCH)).all())


def _strip_payload(payload: dict[str, Any], names: list[str]) -> tuple[dict[str, Any], set[str]]:
    stripped = {k: v for k, v in payload.items() if k not in names}
    removed = {k for k in names if payload.get(k) not in (None, "", [])}
    return stripped, removed


def _remove(session: Session, record: Record, rule: RetentionRule, dropped: list[str]) -> list[str]:
    """Empty what the rule names in one record; returns the fields that held data."""
    removed: list[str] = []
    names = [t[len(PAYLOAD) :] for t in rule.remove if t.startswith(PAYLOAD)]
    if names:
        record.payload, found = _strip_payload(record.payload, names)
        for version in session.exec(
            select(RecordVersion).where(RecordVersion.record_id == record.id)
        ).all():
            version.payload, in_version = _strip_payload(version.payload, names)
            found |= in_version
            session.add(version)
        removed += [PAYLOAD + name for name in names if name in found]
    if PSEUDONYM in rule.remove and record.youth_pseudonym is not None:
        record.youth_pseudonym = None
        removed.append(PSEUDONYM)
    if REMARK in rule.remove:
        had = record.review_remark not in (None, "")
        had |= bool(
            session.exec(
                select(ReviewEvent.id).where(
                    ReviewEvent.record_id == record.id, col(ReviewEvent.remark).is_not(None)
                )
            ).first()
        )
        if had:
            record.review_remark = None
            session.execute(
                update(ReviewEvent)
                .where(col(ReviewEvent.record_id) == record.id)
                .values(remark=None)
            )
            removed.append(REMARK)
    if PHOTOS in rule.remove:
        hashes = list(
            session.exec(select(RecordPhoto.sha256).where(RecordPhoto.record_id == record.id)).all()
        )
        if hashes:
            session.execute(delete(RecordPhoto).where(col(RecordPhoto.record_id) == record.id))
            session.flush()
            for sha in hashes:
                if _drop_unused_blob(session, sha):
                    dropped.append(sha)
            removed.append(PHOTOS)
    session.add(record)
    return removed


def _drop_unused_blob(session: Session, sha: str) -> bool:
    """Forget a photo no record shows any more; True if it was forgotten."""
    if session.exec(select(RecordPhoto.record_id).where(RecordPhoto.sha256 == sha)).first():
        return False  # another record still shows this photo
    session.execute(delete(BlobUpload).where(col(BlobUpload.sha256) == sha))
    session.execute(delete(Blob).where(col(Blob.sha256) == sha))
    return True


def apply_policy(
    session: Session,
    policy: RetentionPolicy,
    *,
    now: datetime,
) -> list[RuleResult]:
    """Apply every rule, in the caller's transaction. The caller deletes each
    result's `photos_dropped` from the photo store once that has committed."""
    results = []
    for rule in policy.rules:
        result = RuleResult(rule.rule, rule.kind)
        cutoff = now - rule.after
        while ids := _candidates(session, rule, cutoff):
            for record_id in ids:
                record = session.get(Record, record_id)
                if record is None:
                    continue
                removed = _remove(session, record, rule, result.photos_dropped)
                if removed:
                    result.records += 1
                    result.removals += len(removed)
                for field_name in removed or [NOTHING]:
                    session.add(
                        RetentionEntry(
                            at=now,
                            rule=rule.rule,
                            policy_version=policy.version,
                            kind=rule.kind,
                            record_id=record_id,
                            field_name=field_name,
                        )
                    )
            session.flush()
        results.append(result)
    return results
