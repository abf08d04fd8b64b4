"""Hourly upkeep: telemetry partitions ahead of time, and pruning old message ids.

Partitions are made days ahead so rows never pile up in the default
partition (which would then block creating that day's partition). Message
ids are kept for ``ingested_retention_days``: long enough for any
redelivery or outbox replay, short enough that the table stays small.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

import psycopg

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
