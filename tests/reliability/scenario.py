"""A randomised sync scenario: real phones, a real server, a seeded bad network.

One seed drives `random.Random(seed)`, which decides everything: how many
officers and phones, which entries they make (through AppState, the same calls
the screens make), which photos they attach, which faults the network has during
each sync, where the app gets killed, when a token is revoked, when the phone's
clock is years off, when the app is upgraded. After the steps the network heals,
held-back requests arrive late and out of order, every phone syncs until nothing
waits, and `check` proves the contract (sync-protocol.md):

- every entry made on any phone is on the server exactly once, in the phone's
  latest version and content, and nothing the officer deleted before sending is;
- every photo a record names is stored, and its bytes match its hash;
- every phone's reference data (districts, themes, hotspots) equals what the
  server would send it now, and each entry's verdict (card number, review) is
  the server's;
- the change log is gap-free.

Each phone is its own folder with its own SQLite file; the server is shared by
all seeds of a test module, and every seed makes its own officers, phones and
hotspots, so seeds cannot see each other's data.
"""

from collections.abc import Callable

from scenario_checks import Checks
from scenario_phones import DISTRICTS, Env, Officer, Rig, patched_phone_runtime
from scenario_steps import Steps

__all__ = ["DISTRICTS", "Env", "Officer", "Rig", "Scenario", "patched_phone_runtime"]


class Scenario(Steps, Checks):
    """One seed from start to end: `run()` sets up and takes the steps, then heals;
    `check()` proves the contract; `close()` lets go of the phones' files.

    The parts: scenario_phones (the seams and a phone), scenario_base (people,
    phones, one sync), scenario_entries (what officers do), scenario_steps (the
    faults), scenario_checks (heal and check)."""

    def run(self) -> None:
        self.setup()
        actions: list[tuple[Callable[[], None], int]] = [
            (self.step_entries, 6),
            (self.step_edit, 3),
            (self.step_delete, 1),
            (self.step_sync_with_faults, 5),
            (self.step_kill, 3),
            (self.step_change_during_sync, 2),
            (self.step_two_syncs_at_once, 1),
            (self.step_server_changes_reference, 2),
            (self.step_review, 1),
            (self.step_revoke_mid_sync, 1),
            (self.step_clock, 1),
            (self.step_upgrade, 1),
            (self.step_late_delivery, 1),
        ]
        steps, weights = zip(*actions, strict=True)
        for number in range(self.steps):
            step = self.rng.choices(steps, weights)[0]
            self.say(f"step {number}: {step.__name__.removeprefix('step_')}")
            step()
        self.heal()
