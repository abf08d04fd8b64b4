"""The access decision for one plate: pure, local, sub-millisecond.

Order matters: a blacklisted plate is refused even if it is also a resident
(a stolen resident car), and a visitor outside their window is held for the
guard rather than refused, because the guard can see who is at the gate.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime

from edge.gate.lists import AccessStore


class Action(enum.StrEnum):
    """What the barrier does."""

    OPEN = "open"
    HOLD = "hold"  # stay closed and ask the guard console for manual release
    REFUSE = "refuse"  # stay closed and raise an alarm


class Reason(enum.StrEnum):
    """Why."""

    RESIDENT = "resident"
    VISITOR = "visitor"
    VISITOR_OUTSIDE_WINDOW = "visitor_outside_window"
    BLACKLISTED = "blacklisted"
    UNKNOWN = "unknown"
    UNREADABLE = "unreadable"
    LOW_CONFIDENCE = "low_confidence"


@dataclass(frozen=True, slots=True)
class Decision:
    """An action and its reason."""

    action: Action
    reason: Reason


def decide(store: AccessStore, plate: str, now: datetime) -> Decision:
    """Decide for a canonical plate at ``now`` from the local lists only.

    A visitor window is inclusive at both ends: a visitor registered until
    18:00 who arrives at 18:00 is let in.
    """
    entries = store.entries(plate)
    lists = {entry.list for entry in entries}
    if "blacklist" in lists:
        return Decision(Action.REFUSE, Reason.BLACKLISTED)
    if "resident" in lists:
        return Decision(Action.OPEN, Reason.RESIDENT)
    visits = [entry for entry in entries if entry.list == "visitor"]
    for visit in visits:
        if (
            visit.valid_from is not None
            and visit.valid_until is not None
            and visit.valid_from <= now <= visit.valid_until
        ):
            return Decision(Action.OPEN, Reason.VISITOR)
    if visits:
        return Decision(Action.HOLD, Reason.VISITOR_OUTSIDE_WINDOW)
    return Decision(Action.HOLD, Reason.UNKNOWN)
