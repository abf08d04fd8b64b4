"""Visitors inside the estate past their registered window (访客超时).

Kept in memory: a gateway restart forgets who is inside, so a visitor who
came in before the restart is not flagged (the gate log at the hub still has
the pass).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass
class Visit:
    """A visitor's vehicle that entered and has not left."""

    pseudonym: str
    plate_masked: str
    entered_at: datetime
    until: datetime
    flagged: bool = False


class VisitTracker:
    """Remembers visitors' entries and reports those still inside after ``until``."""

    def __init__(self) -> None:
        self._inside: dict[str, Visit] = {}

    def entered(self, visit: Visit) -> None:
        """A visitor's vehicle came in."""
        self._inside[visit.pseudonym] = visit

    def left(self, pseudonym: str) -> None:
        """A vehicle went out; forget it if it was a visitor."""
        self._inside.pop(pseudonym, None)

    def overstaying(self, now: datetime) -> list[Visit]:
        """Visits past their window not reported before; each is reported once."""
        late = [v for v in self._inside.values() if not v.flagged and v.until < now]
        for visit in late:
            visit.flagged = True
        return late

    def __len__(self) -> int:
        return len(self._inside)
