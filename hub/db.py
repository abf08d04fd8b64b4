"""Database access: connection pool, versioned migrations, partition upkeep.

Migrations are plain SQL files applied in order inside one transaction each
and recorded in ``schema_migrations``; we write SQL by hand (no ORM), so a
small runner is all we need. The telemetry table has two variants: a
TimescaleDB hypertable when that extension is available, native range
partitioning otherwise; the rest of the code queries both the same way.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from importlib import resources

import psycopg
from psycopg_pool import ConnectionPool

logger = logging.getLogger(__name__)

MIGRATIONS: list[tuple[int, str]] = [
    (1, "0001_core.sql"),
    (2, "telemetry"),
    (3, "0003_alerting.sql"),
    (4, "0004_push.sql"),
    (5, "0005_residents.sql"),
    (6, "0006_rules.sql"),
    (7, "0007_raw_release.sql"),
    (8, "0008_gate_answers.sql"),
    (9, "0009_alert_outcome.sql"),
]
PARTITION_DAYS_BEHIND = 7
PARTITION_DAYS_AHEAD = 3


@dataclass(frozen=True, slots=True)
class Features:
    """What the connected server offers."""

    timescaledb: bool


def detect_features(conn: psycopg.Connection[tuple[object, ...]]) -> Features:
    """Is the ``timescaledb`` extension installable on this server?"""
    row = conn.execute(
        "SELECT count(*) FROM pg_available_extensions WHERE name = 'timescaledb'"
    ).fetchone()
    return Features(timescaledb=bool(row and row[0]))


def _sql(name: str) -> str:
    return resources.files("hub.migrations").joinpath(name).read_text(encoding="utf-8")


def _telemetry_variant(features: Features) -> str:
    return "telemetry_timescale.sql" if features.timescaledb else "telemetry_native.sql"


def migrate(conninfo: str) -> Features:
    """Apply pending migrations; safe to call from several processes at once."""
    with psycopg.connect(conninfo, autocommit=True) as conn:
        # One migrator at a time across hub replicas.
        conn.execute("SELECT pg_advisory_lock(4242001)")
        try:
            features = detect_features(conn)
            conn.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations ("
                " version integer PRIMARY KEY, name text NOT NULL,"
                " applied_at timestamptz NOT NULL DEFAULT now())"
            )
            done = {r[0] for r in conn.execute("SELECT version FROM schema_migrations")}
            for version, step in MIGRATIONS:
                if version in done:
                    continue
                file = _telemetry_variant(features) if step == "telemetry" else step
                with conn.transaction():
                    conn.execute(_sql(file).encode())
                    conn.execute(
                        "INSERT INTO schema_migrations (version, name) VALUES (%s, %s)",
                        (version, file),
                    )
                logger.info("applied migration %d (%s)", version, file)
            if not features.timescaledb:
                ensure_partitions(conn, datetime.now(UTC).date())
        finally:
            conn.execute("SELECT pg_advisory_unlock(4242001)")
    return features


def ensure_partitions(conn: psycopg.Connection[tuple[object, ...]], today: date) -> int:
    """Create daily telemetry partitions around ``today``; return how many were made.

    Rows already in the default partition for a new day would block creating
    that day's partition, so days are made well ahead of time.
    """
    made = 0
    for offset in range(-PARTITION_DAYS_BEHIND, PARTITION_DAYS_AHEAD + 1):
        day = today + timedelta(days=offset)
        name = f"telemetry_{day:%Y%m%d}"
        exists = conn.execute("SELECT to_regclass(%s)", (name,)).fetchone()
        if exists and exists[0] is not None:
            continue
        try:
            conn.execute(
                f"CREATE TABLE {name} PARTITION OF telemetry "
                f"FOR VALUES FROM ('{day:%Y-%m-%d}') TO ('{day + timedelta(days=1):%Y-%m-%d}')"
            )
            made += 1
        except psycopg.errors.CheckViolation:
            logger.warning("default partition already holds rows of %s; left there", day)
    return made


def make_pool(conninfo: str, *, max_size: int = 8) -> ConnectionPool:
    """Open a connection pool and wait until it can serve."""
    pool = ConnectionPool(conninfo, min_size=1, max_size=max_size, open=False, name="hub")
    pool.open(wait=True, timeout=30)
    return pool
