"""SLA supervision: alerts not acknowledged or resolved in time go to the street.

One UPDATE picks and escalates overdue alerts atomically, so several hub
processes running this at once never escalate the same alert twice (the
second UPDATE re-checks ``level`` after the first commits and skips it).
Timers are deadlines stored in the rows, so they survive restarts.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

import psycopg

from hub.alerts import audit
from hub.push import PushConfig, alert_snapshot, enqueue_alert

logger = logging.getLogger(__name__)


def escalate_overdue(
    conn: psycopg.Connection[Any], now: datetime, push: PushConfig | None = None
) -> list[int]:
    """Escalate every overdue community-level alert; return their ids."""
    with conn.transaction():
        rows = conn.execute(
            "UPDATE alerts SET level = 'street', escalated_at = %(now)s"
            " WHERE level = 'community' AND status IN ('new', 'acknowledged', 'dispatched')"
            "   AND ((status = 'new' AND ack_due <= %(now)s) OR resolve_due <= %(now)s)"
            " RETURNING id, CASE WHEN status = 'new' THEN 'not acknowledged in time'"
            "                    ELSE 'not resolved in time' END",
            {"now": now},
        ).fetchall()
        for alert_id, reason in rows:
            if push is not None:
                snapshot = alert_snapshot(conn, int(alert_id)) or {}
                enqueue_alert(conn, snapshot, "street", push, action="escalated")
            audit.append(
                conn,
                actor="system",
                action="escalate",
                alert_id=int(alert_id),
                detail={"level": "street", "reason": reason, "automatic": True},
                at=now,
            )
    if rows:
        logger.warning("escalated %d overdue alerts to the street", len(rows))
    return [int(r[0]) for r in rows]
