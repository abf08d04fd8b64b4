"""Hourly upkeep: telemetry partitions ahead of time, and pruning old message ids.

Partitions are made days ahead so rows never pile up in the default
partition (which would then block creating that day's partition). Message
ids are kept for ``ingested_retention_days``: long enough for any
redelivery or outbox replay, short enough that the table stays small.
"""

from __future__ import annotations

import logging
import threading
from datetime import UTC, datetime, timedelta

import psycopg
from psycopg_pool import ConnectionPool

from hub.db import Features, ensure_partitions

logger = logging.getLogger(__name__)


def run_upkeep(
    conn: psycopg.Connection[tuple[object, ...]],
    features: Features,
    retention_days: int,
    now: datetime,
) -> int:
    """One pass; returns how many message ids were pruned."""
    if not features.timescaledb:  # TimescaleDB makes its chunks itself
        ensure_partitions(conn, now.date())
    cur = conn.execute(
        "DELETE FROM ingested WHERE received_at < %s", (now - timedelta(days=retention_days),)
    )
    conn.commit()
    return cur.rowcount


class MaintenanceWorker:
    """Runs ``run_upkeep`` every ``every_s`` seconds (and once at start)."""

    def __init__(
        self,
        pool: ConnectionPool,
        features: Features,
        *,
        retention_days: int,
        every_s: float = 3600.0,
    ) -> None:
        self._pool = pool
        self._features = features
        self._retention_days = retention_days
        self._every_s = every_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="hub-upkeep", daemon=True)

    def start(self) -> None:
        """Start the hourly pass."""
        self._thread.start()

    def stop(self) -> None:
        """Stop and join."""
        self._stop.set()
        self._thread.join(10)

    def _run(self) -> None:
        while True:
            try:
                with self._pool.connection() as conn:
                    pruned = run_upkeep(
                        conn, self._features, self._retention_days, datetime.now(UTC)
                    )
                if pruned:
                    logger.info("pruned %d message ids past retention", pruned)
            except psycopg.Error:
                logger.exception("upkeep failed; trying again next period")
            if self._stop.wait(self._every_s):
                return
