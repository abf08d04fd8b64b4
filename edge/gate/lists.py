"""Access lists on the gateway: residents, visitors with time windows, blacklist.

Lists arrive from the hub in ``allowlist.sync`` commands and are kept in a
SQLite file as HMAC-SHA256 keys of the canonical plate under the gateway
secret, never as plate strings: a stolen gateway disk does not list who
lives in the community. Lookups are one indexed query, so a decision takes
well under a millisecond and needs no network.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from edge.gate.errors import BadListSync
from edge.gate.privacy import plate_key
from edge.plates.errors import InvalidPlate
from edge.plates.grammar import parse

logger = logging.getLogger(__name__)

ListName = Literal["resident", "visitor", "blacklist"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS access (
    key TEXT NOT NULL,
    list TEXT NOT NULL CHECK (list IN ('resident', 'visitor', 'blacklist')),
    valid_from REAL,
    valid_until REAL,
    note TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS access_key ON access (key);
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


@dataclass(frozen=True, slots=True)
class Entry:
    """One list entry for a plate key; the window applies to visitors."""

    list: ListName
    valid_from: datetime | None
    valid_until: datetime | None
    note: str


def _time(value: Any, field: str) -> float:
    if not isinstance(value, str):
        raise BadListSync(f"{field} must be an ISO 8601 time with zone, got {type(value).__name__}")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError as exc:
        raise BadListSync(f"{field} must be an ISO 8601 time, got {value!r}") from exc
    if moment.tzinfo is None:
        raise BadListSync(f"{field} needs a time zone (e.g. +08:00), got {value!r}")
    return moment.timestamp()


class AccessStore:
    """The gateway's access lists in one SQLite file, keyed by plate HMAC."""

    def __init__(self, *, path: Path | str, secret: bytes) -> None:
        if len(secret) < 16:
            raise ValueError(f"gateway secret must be at least 16 bytes, got {len(secret)}")
        self._secret = secret
        # Decisions run on the capture thread; sync runs on the command thread.
        self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self._db.executescript(_SCHEMA)

    def close(self) -> None:
        """Close the database file."""
        self._db.close()

    def key(self, plate: str) -> str:
        """The stored key of a canonical plate."""
        return plate_key(plate, self._secret)

    def _row(
        self, item: Any, list_name: ListName, index: int
    ) -> tuple[str, str, float | None, float | None, str]:
        where = f"{list_name}[{index}]"
        entry = {"plate": item} if isinstance(item, str) else item
        if not isinstance(entry, Mapping) or not isinstance(entry.get("plate"), str):
            raise BadListSync(f"{where} must be a plate string or an object with 'plate'")
        try:
            plate = parse(entry["plate"]).text
        except InvalidPlate as exc:
            raise BadListSync(f"{where} is not a plate ({exc.reason})") from exc
        visitor = list_name == "visitor"
        start = _time(entry.get("from"), f"{where}.from") if visitor else None
        until = _time(entry.get("until"), f"{where}.until") if visitor else None
        if start is not None and until is not None and until <= start:
            raise BadListSync(f"{where}: 'until' must be after 'from'")
        note = str(entry.get("note", ""))[:64]
        return (self.key(plate), list_name, start, until, note)

    def sync(self, args: Mapping[str, Any]) -> dict[str, int]:
        """Apply an ``allowlist.sync`` payload atomically; return entries per list.

        ``mode`` "replace" (default) swaps every list given; "merge" adds to
        them. Visitors need ``from`` and ``until`` (ISO 8601 with zone).
        """
        mode = args.get("mode", "replace")
        if mode not in ("replace", "merge"):
            raise BadListSync(f"mode must be 'replace' or 'merge', got {mode!r}")
        names: tuple[ListName, ...] = ("resident", "visitor", "blacklist")
        given = {name: args[name] for name in names if name in args}
        if not given:
            raise BadListSync("expected at least one of 'resident', 'visitor', 'blacklist'")
        rows: list[tuple[str, str, float | None, float | None, str]] = []
        for name, items in given.items():
            if not isinstance(items, list):
                raise BadListSync(f"{name} must be a list, got {type(items).__name__}")
            rows.extend(self._row(item, name, i) for i, item in enumerate(items))
        with self._transaction():
            if mode == "replace":
                self._db.executemany("DELETE FROM access WHERE list = ?", [(n,) for n in given])
            self._db.executemany("INSERT INTO access VALUES (?, ?, ?, ?, ?)", rows)
            self._db.execute(
                "INSERT OR REPLACE INTO meta VALUES ('synced_at', ?)",
                (datetime.now(UTC).isoformat(),),
            )
        counts = self.counts()
        logger.info("access lists synced (%s): %s", mode, counts)
        return counts

    def _transaction(self) -> _Commit:
        self._db.execute("BEGIN IMMEDIATE")
        return _Commit(self._db)

    def counts(self) -> dict[str, int]:
        """Number of entries per list."""
        found = dict(self._db.execute("SELECT list, COUNT(*) FROM access GROUP BY list").fetchall())
        return {name: int(found.get(name, 0)) for name in ("resident", "visitor", "blacklist")}

    def entries(self, plate: str) -> list[Entry]:
        """Every entry of a canonical plate."""
        rows = self._db.execute(
            "SELECT list, valid_from, valid_until, note FROM access WHERE key = ?",
            (self.key(plate),),
        ).fetchall()
        return [
            Entry(list=row[0], valid_from=_dt(row[1]), valid_until=_dt(row[2]), note=row[3])
            for row in rows
        ]

    def stored_keys(self) -> Iterable[str]:
        """All stored keys (for audits and tests: no plate strings are stored)."""
        return [row[0] for row in self._db.execute("SELECT key FROM access")]


def _dt(value: float | None) -> datetime | None:
    return None if value is None else datetime.fromtimestamp(value, tz=UTC)


class _Commit:
    """Context manager committing a transaction begun by the caller, or rolling back."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    def __enter__(self) -> sqlite3.Connection:
        return self._db

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        self._db.execute("COMMIT" if exc_type is None else "ROLLBACK")
