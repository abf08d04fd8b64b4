"""Append-only, hash-chained audit log.

Every row's hash covers its content and the previous row's hash, so editing
or deleting any row breaks the chain from there on; ``verify_chain`` finds
the first broken row. A trigger refuses UPDATE and DELETE; the chain catches
what someone with the rights to drop that trigger does anyway.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

GENESIS = "0" * 64
_LOCK = 4242002  # serialises writers so ids commit in order and the chain has one head


def _digest(
    row_id: int,
    at: datetime,
    actor: str,
    action: str,
    alert_id: int | None,
    detail: dict[str, Any],
    prev_hash: str,
) -> str:
    canonical = json.dumps(
        [row_id, at.astimezone(UTC).isoformat(), actor, action, alert_id, detail, prev_hash],
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def append(
    conn: psycopg.Connection[Any],
    *,
    actor: str,
    action: str,
    alert_id: int | None,
    detail: dict[str, Any],
    at: datetime,
) -> int:
    """Add a row inside the caller's transaction; return its id."""
    conn.execute("SELECT pg_advisory_xact_lock(%s)", (_LOCK,))
    last = conn.execute("SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1").fetchone()
    prev = str(last[0]) if last else GENESIS
    row = conn.execute("SELECT nextval('audit_log_id_seq')").fetchone()
    assert row is not None
    row_id = int(row[0])
    # Round-trip through JSON so the hash sees exactly what jsonb will give back.
    detail = json.loads(json.dumps(detail, ensure_ascii=False, default=str))
    digest = _digest(row_id, at, actor, action, alert_id, detail, prev)
    conn.execute(
        "INSERT INTO audit_log (id, at, actor, action, alert_id, detail, prev_hash, hash)"
        " VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
        (row_id, at, actor, action, alert_id, Jsonb(detail), prev, digest),
    )
    return row_id


@dataclass(frozen=True, slots=True)
class ChainReport:
    """Outcome of a verification."""

    rows: int
    first_bad_id: int | None
    reason: str

    @property
    def ok(self) -> bool:
        """True when every row checks out."""
        return self.first_bad_id is None


def verify_chain(conn: psycopg.Connection[Any]) -> ChainReport:
    """Recompute every hash in order; report the first row that does not match."""
    prev = GENESIS
    rows = 0
    with conn.cursor(name="audit_verify") as cur:
        cur.execute(
            "SELECT id, at, actor, action, alert_id, detail, prev_hash, hash"
            " FROM audit_log ORDER BY id"
        )
        for row_id, at, actor, action, alert_id, detail, prev_hash, stored in cur:
            rows += 1
            if prev_hash != prev:
                return ChainReport(rows, row_id, "prev_hash does not match the row before")
            if _digest(row_id, at, actor, action, alert_id, detail, prev_hash) != stored:
                return ChainReport(rows, row_id, "content does not match its hash (edited)")
            prev = stored
    return ChainReport(rows, None, "ok")
