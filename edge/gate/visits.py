"""Visitors inside the estate past their registered window (访客超时).

Who is inside is kept in memory and, when a ``path`` is given, in SQLite
too, so a gateway restart still knows the visitor who came in before it.
Only the keyed pseudonym and the masked plate are stored.
"""

from __future__ import annotations

import sqlite3
import threading
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

_SCHEMA = """
CREATE TABLE IF NOT EXISTS visits (
    pseudonym    TEXT PRIMARY KEY,
    plate_masked TEXT NOT NULL,
    entered_at   TEXT NOT NULL,
    until        TEXT NOT NULL,
    flagged      INTEGER NOT NULL DEFAULT 0
)
"""


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

    def __init__(self, *, path: Path | str | None = None) -> None:
        self._inside: dict[str, Visit] = {}
        self._lock = threading.Lock()
        self._db: sqlite3.Connection | None = None
        if path is not None:
            self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
            self._db.execute(_SCHEMA)
            for row in self._db.execute(
                "SELECT pseudonym, plate_masked, entered_at, until, flagged FROM visits"
            ):
                visit = Visit(
                    row[0], row[1], datetime.fromisoformat(row[2]), datetime.fromisoformat(row[3])
                )
                visit.flagged = bool(row[4])
                self._inside[visit.pseudonym] = visit

    def entered(self, visit: Visit) -> None:
        """A visitor's vehicle came in."""
        with self._lock:
            self._inside[visit.pseudonym] = visit
            self._write(
                "INSERT OR REPLACE INTO visits VALUES (?, ?, ?, ?, 0)",
                (
                    visit.pseudonym,
                    visit.plate_masked,
                    visit.entered_at.isoformat(),
                    visit.until.isoformat(),
                ),
            )

    def left(self, pseudonym: str) -> None:
        """A vehicle went out; forget it if it was a visitor."""
        with self._lock:
            if self._inside.pop(pseudonym, None) is not None:
                self._write("DELETE FROM visits WHERE pseudonym = ?", (pseudonym,))

    def overstaying(self, now: datetime) -> list[Visit]:
        """Visits past their window not reported before; each is reported once."""
        with self._lock:
            late = [v for v in self._inside.values() if not v.flagged and v.until < now]
            for visit in late:
                visit.flagged = True
                self._write("UPDATE visits SET flagged = 1 WHERE pseudonym = ?", (visit.pseudonym,))
            return late

    def _write(self, sql: str, args: tuple[object, ...]) -> None:
        if self._db is not None:
            self._db.execute(sql, args)

    def __len__(self) -> int:
        return len(self._inside)
