"""Randomised fault injection between real phones and the real server, by seed.

Every seed is one scenario (tests/reliability/scenario.py): phones make, edit and
delete entries with photos, and sync through a network that drops replies after
the server committed, truncates replies, answers 5xx, sends batches twice or late
and out of order, cuts photo uploads at a random byte; the app is killed between
its local transactions, two syncs run at once, a token is revoked mid-sync, a
clock is years off, the app is upgraded with entries waiting. Then the network
heals and the contract is checked.

    FAULT_SEEDS=500 pytest tests/reliability          # how many (default 150; 100 on PostgreSQL)
    FAULT_SEED_BASE=10000 pytest tests/reliability    # where they start (default 0)
    SEED=1234 pytest tests/reliability                # just this one (or "1,2,3")
    FAULT_LOG=1 SEED=1234 pytest -s tests/reliability # and print its steps

A failure names its seed, the command that repeats it, and the step log.
`scripts/soak` runs thousands of seeds.
"""

from __future__ import annotations

import os
import shutil
from collections import Counter

import pytest
from scenario import Env, Scenario

# Per database leg of CI, to stay near 90 s on a small machine (PostgreSQL is slower).
# At least MIN_SEEDS_FOR_COVERAGE on both databases, so the coverage test runs in both.
DEFAULT_SEEDS = 100 if os.environ.get("TEST_DATABASE_URL") else 150
SEEDS: list[int] = []  # filled below
COVERED: Counter[str] = Counter()  # what the passing seeds exercised, summed

# Every fault of the contract's list (sync-protocol.md), as the scenarios name
# them when it happens; a run of at least MIN_SEEDS_FOR_COVERAGE seeds must hit all.
MUST_COVER = {
    "fault drop_reply on push",  # connection dropped after the server committed
    "fault drop_reply on pull",
    "app killed after_ack",  # between the server's ack and the outbox update
    "app killed mid_pull_page",  # between applying a pull page and saving the cursor
    "app killed after_pull_page",
    "app killed after_attempt",
    "app killed after_photo_put",
    "fault duplicate on push",  # the same batch twice
    "fault echo on push",  # ... and a stale copy of it later
    "manual and nightly sync at once",
    "fault hold on push",  # batches out of order (held back, delivered late)
    "fault late delivery",
    "fault error_before on push",  # server errors
    "fault error_after on push",
    "fault truncate on push",  # truncated replies
    "fault truncate on pull",
    "fault revoke on push",  # the token revoked mid-sync
    "token revoked: phone wiped and enrolled again",
    "clock years off",
    "schema upgrade with entries waiting",
    "fault cut_upload on blobs",  # a photo upload cut at a random offset
    "fault short_upload on blobs",
    "same photo attached twice",
    "edit after_read of a sync",  # the officer edits while the sync runs
    "edit in_flight of a sync",
    "delete after_read of a sync",
    "review pulled by the phone",
    "server: hotspot retire",
}
MIN_SEEDS_FOR_COVERAGE = 100


def _seeds() -> list[int]:
    chosen = os.environ.get("SEED", "").strip()
    if chosen:
        return [int(part) for part in chosen.replace(" ", "").split(",") if part]
    count = int(os.environ.get("FAULT_SEEDS", DEFAULT_SEEDS))
    base = int(os.environ.get("FAULT_SEED_BASE", 0))
    return list(range(base, base + count))


SEEDS = _seeds()


@pytest.mark.parametrize("seed", SEEDS, ids=lambda seed: f"seed={seed}")
def test_faults(seed: int, env: Env, monkeypatch: pytest.MonkeyPatch) -> None:
    scenario = Scenario(seed, env, monkeypatch)
    try:
        scenario.run()
        scenario.check()
        COVERED.update(scenario.coverage())
        if os.environ.get("FAULT_LOG"):  # FAULT_LOG=1 SEED=n pytest -s: the steps of a pass
            print("\n" + "\n".join(scenario.log))
    except BaseException as exc:
        log = "\n".join(scenario.log)
        pytest.fail(
            f"seed {seed} broke the sync contract: {type(exc).__name__}: {exc}\n"
            f"repeat with: SEED={seed} .venv/bin/python -m pytest -q tests/reliability\n"
            f"steps:\n{log}",
            pytrace=True,
        )
    finally:
        scenario.close()
        shutil.rmtree(scenario.folder, ignore_errors=True)


def test_the_seeds_exercised_every_fault() -> None:
    """Runs after the seeds (pytest keeps the file's order): a run of enough seeds
    must have hit every fault of the contract's list at least once, so that a
    change to the generator cannot quietly stop testing one."""
    if len(SEEDS) < MIN_SEEDS_FOR_COVERAGE or not COVERED:
        # Only when a developer repeats a few seeds by hand (SEED=n); CI runs enough.
        pytest.skip(f"needs a run of at least {MIN_SEEDS_FOR_COVERAGE} seeds")
    tally = "\n".join(f"{n:5d}  {what}" for what, n in sorted(COVERED.items()))
    missing = MUST_COVER - set(COVERED)
    assert not missing, f"never exercised: {sorted(missing)}\ntally:\n{tally}"
    print(f"\nfaults exercised by {len(SEEDS)} seeds:\n{tally}")
