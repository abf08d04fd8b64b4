"""Durable outbox: a message is on disk before it is published, and removed
only when the broker has acknowledged it (PUBACK).

SQLite in WAL mode: producers (camera, sensor threads) append through their
own connections while the link thread reads and deletes. A crash at any point
leaves every unacknowledged message in the file; a crash between PUBACK and
delete re-sends a message, which the hub discards by message id.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from edge.errors import EdgeError

_SCHEMA = """
CREATE TABLE IF NOT EXISTS outbox (
    id      INTEGER PRIMARY KEY AUTOINCREMENT,
    topic   TEXT    NOT NULL,
    payload BLOB    NOT NULL,
    retain  INTEGER NOT NULL DEFAULT 0,
    created REAL    NOT NULL
);
CREATE TABLE IF NOT EXISTS commands_seen (
    command_id TEXT PRIMARY KEY,
    seen_at    REAL NOT NULL
);
"""


class OutboxFull(EdgeError):
    """The backlog reached its configured limit; the caller must shed load."""

    def __init__(self, depth: int, limit: int) -> None:
        super().__init__(f"outbox holds {depth} messages, limit {limit}; refusing new ones")
        self.depth = depth
        self.limit = limit


@dataclass(frozen=True, slots=True)
class Pending:
    """A stored message waiting for its PUBACK."""

    id: int
    topic: str
    payload: bytes
    retain: bool
    created: float


class Outbox:
    """Append-before-publish store, safe to use from several threads."""

    def __init__(
        self,
        path: Path,
        *,
        fsync: Literal["full", "normal"] = "full",
        max_messages: int = 1_000_000,
    ) -> None:
        self.path = path
        self._fsync = fsync
        self._max_messages = max_messages
        self._local = threading.local()
        path.parent.mkdir(parents=True, exist_ok=True)
        with self._conn() as conn:
            conn.executescript(_SCHEMA)
        self._depth = self._count()
        self._depth_lock = threading.Lock()

    def _conn(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute(f"PRAGMA synchronous={self._fsync.upper()}")
            self._local.conn = conn
        return conn

    def _count(self) -> int:
        row = self._conn().execute("SELECT count(*) FROM outbox").fetchone()
        return int(row[0])

    def put_many(self, items: Iterable[tuple[str, bytes, bool]]) -> int:
        """Store (topic, payload, retain) items in one transaction; return how many."""
        rows = [(t, p, int(r), time.time()) for t, p, r in items]
        if self._depth + len(rows) > self._max_messages:
            raise OutboxFull(self._depth, self._max_messages)
        conn = self._conn()
        conn.execute("BEGIN IMMEDIATE")
        try:
            conn.executemany(
                "INSERT INTO outbox (topic, payload, retain, created) VALUES (?, ?, ?, ?)", rows
            )
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        with self._depth_lock:
            self._depth += len(rows)
        return len(rows)

    def put(self, topic: str, payload: bytes, *, retain: bool = False) -> None:
        """Store one message durably."""
        self.put_many([(topic, payload, retain)])

    def after(self, last_id: int, limit: int) -> list[Pending]:
        """Messages with id greater than ``last_id``, oldest first."""
        cur = self._conn().execute(
            "SELECT id, topic, payload, retain, created FROM outbox WHERE id > ? "
            "ORDER BY id LIMIT ?",
            (last_id, limit),
        )
        return [Pending(r[0], r[1], bytes(r[2]), bool(r[3]), r[4]) for r in cur]

    def delete(self, ids: list[int]) -> None:
        """Forget acknowledged messages."""
        if not ids:
            return
        conn = self._conn()
        conn.execute("BEGIN IMMEDIATE")
        try:
            cur = conn.executemany("DELETE FROM outbox WHERE id = ?", [(i,) for i in ids])
            deleted = cur.rowcount
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        with self._depth_lock:
            self._depth -= deleted

    def depth(self) -> int:
        """How many messages wait for a PUBACK."""
        return self._depth

    def oldest_age_s(self) -> float:
        """Age of the oldest waiting message, 0 when empty."""
        # Ids grow with time, so the first by id is the oldest: no scan of a long backlog.
        row = self._conn().execute("SELECT created FROM outbox ORDER BY id LIMIT 1").fetchone()
        return max(0.0, time.time() - row[0]) if row and row[0] is not None else 0.0

    def first_sight_of_command(self, command_id: str) -> bool:
        """Record a command id; False when it was already handled (redelivery)."""
        cur = self._conn().execute(
            "INSERT OR IGNORE INTO commands_seen (command_id, seen_at) VALUES (?, ?)",
            (command_id, time.time()),
        )
        return cur.rowcount == 1

    def close(self) -> None:
        """Close this thread's connection."""
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None
