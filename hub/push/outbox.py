"""The push outbox: queue deliveries with an alert, claim due ones, record outcomes.

Claims are short transactions (``FOR UPDATE SKIP LOCKED`` then commit) that
stamp a lease token and push ``next_attempt_at`` past the lease, so dispatchers
in several hub processes never send the same row at the same time, and a
dispatcher that dies mid-send only delays its rows until the lease ends.
Outcomes are written only while the writer still holds the lease.
"""

from __future__ import annotations

import logging
import random
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import psycopg
from psycopg.rows import dict_row
from psycopg.types.json import Jsonb

from hub.push.config import Gb28181Target, Level, PushConfig
from hub.push.gb28181 import gb_device_id

logger = logging.getLogger(__name__)

PAYLOAD_SCHEMA = "sc.alert.push/v1"
LAST_ERROR_MAX_CHARS = 2000
_ALERT_FIELDS = (
    "id",
    "type",
    "severity",
    "status",
    "level",
    "site_id",
    "site_path",
    "community_id",
    "gateway_id",
    "device_id",
    "channel",
    "count",
    "first_seen",
    "last_seen",
)


@dataclass(frozen=True, slots=True)
class Delivery:
    """One claimed outbox row."""

    id: int
    target: str
    alert_id: int
    payload: dict[str, Any]
    attempts: int
    created_at: datetime
    lease_token: uuid.UUID


def alert_snapshot(conn: psycopg.Connection[Any], alert_id: int) -> dict[str, Any] | None:
    """The alert row as ``enqueue_alert`` expects it, or None if there is no such alert."""
    with conn.cursor(row_factory=dict_row) as cur:
        return cur.execute(
            f"SELECT {', '.join(_ALERT_FIELDS)}, evidence FROM alerts WHERE id = %s", (alert_id,)
        ).fetchone()


def alert_payload(
    alert: Mapping[str, Any], level: Level, config: PushConfig, action: str
) -> dict[str, Any]:
    """The JSON document every target is sent (webhook body; source of the GB message)."""
    body: dict[str, Any] = {name: alert.get(name) for name in _ALERT_FIELDS}
    body["level"] = level
    body["camera_id"] = alert.get("device_id")
    for name in ("first_seen", "last_seen"):
        if isinstance(body[name], datetime):
            body[name] = body[name].isoformat()
    body["evidence"] = [
        {
            "sha256": ref["sha256"],
            "media_type": ref.get("media_type"),
            "role": ref.get("role"),
            "url": config.evidence_url(ref["sha256"]),
        }
        for ref in alert.get("evidence") or []
    ]
    return {"schema": PAYLOAD_SCHEMA, "action": action, "alert": body}


def enqueue_alert(
    conn: psycopg.Connection[Any],
    alert: Mapping[str, Any],
    level: Level,
    config: PushConfig,
    *,
    action: str = "raised",
) -> int:
    """Queue one delivery per target of ``level``, in the caller's transaction; return how many.

    GB/T 28181 targets only get alerts of devices they map to a 20-digit id.
    """
    payload = alert_payload(alert, level, config, action)
    rows = []
    for target in config.targets:
        if level not in target.levels:
            continue
        if isinstance(target, Gb28181Target) and gb_device_id(target, payload["alert"]) is None:
            logger.info(
                "alert %s: device %s/%s has no GB/T 28181 id for target %s; not queued",
                alert.get("id"),
                alert.get("gateway_id"),
                alert.get("device_id"),
                target.name,
            )
            continue
        rows.append((target.name, alert["id"], level, Jsonb(payload)))
    if rows:
        with conn.cursor() as cur:
            cur.executemany(
                "INSERT INTO push_deliveries (target, alert_id, level, payload)"
                " VALUES (%s, %s, %s, %s)",
                rows,
            )
    return len(rows)


def claim_due(
    conn: psycopg.Connection[Any], now: datetime, *, limit: int, lease_s: float
) -> list[Delivery]:
    """Reserve up to ``limit`` due deliveries for this caller and commit the claim."""
    token = uuid.uuid4()
    with conn.transaction(), conn.cursor(row_factory=dict_row) as cur:
        rows = cur.execute(
            "WITH due AS ("
            "  SELECT id FROM push_deliveries"
            "   WHERE status = 'pending' AND next_attempt_at <= %(now)s"
            "   ORDER BY next_attempt_at, id LIMIT %(limit)s FOR UPDATE SKIP LOCKED)"
            " UPDATE push_deliveries d SET attempts = d.attempts + 1, lease_token = %(token)s,"
            "        next_attempt_at = %(now)s + make_interval(secs => %(lease_s)s)"
            "   FROM due WHERE d.id = due.id"
            " RETURNING d.id, d.target, d.alert_id, d.payload, d.attempts, d.created_at",
            {"now": now, "limit": limit, "token": token, "lease_s": lease_s},
        ).fetchall()
    return [Delivery(**row, lease_token=token) for row in sorted(rows, key=lambda r: r["id"])]


def mark_delivered(conn: psycopg.Connection[Any], delivery: Delivery, now: datetime) -> bool:
    """Record success; False if our lease had already passed to another dispatcher."""
    with conn.transaction():
        cur = conn.execute(
            "UPDATE push_deliveries SET status = 'delivered', delivered_at = %s,"
            " last_error = NULL, lease_token = NULL"
            " WHERE id = %s AND lease_token = %s AND status = 'pending'",
            (now, delivery.id, delivery.lease_token),
        )
    return cur.rowcount == 1


def backoff_s(attempts: int, *, base_s: float, cap_s: float) -> float:
    """Delay before the next try after ``attempts`` failed tries.

    Capped exponential with "equal jitter": half the step is fixed, so a target
    that is down is never retried at once, and half is random, so many rows that
    failed together (one outage) spread out instead of returning as a herd.
    tenacity's ``wait_random_exponential`` is the same idea but works on an
    in-process retry state; ours must come from the attempt count stored in the row.
    """
    step = min(cap_s, base_s * 2.0 ** max(0, attempts - 1))
    return step / 2 + random.uniform(0, step / 2)


def mark_failed(
    conn: psycopg.Connection[Any],
    delivery: Delivery,
    now: datetime,
    error: str,
    config: PushConfig,
) -> str:
    """Record a failed try; return the row's status ('pending', or 'dead' once too old)."""
    dead = now - delivery.created_at >= timedelta(days=config.give_up_after_days)
    delay = backoff_s(delivery.attempts, base_s=config.backoff_base_s, cap_s=config.backoff_cap_s)
    status = "dead" if dead else "pending"
    with conn.transaction():
        conn.execute(
            "UPDATE push_deliveries SET status = %s, last_error = %s, lease_token = NULL,"
            " next_attempt_at = %s WHERE id = %s AND lease_token = %s AND status = 'pending'",
            (
                status,
                error[:LAST_ERROR_MAX_CHARS],
                now + timedelta(seconds=delay),
                delivery.id,
                delivery.lease_token,
            ),
        )
    return status


def release(conn: psycopg.Connection[Any], deliveries: list[Delivery], now: datetime) -> int:
    """Give claimed but unsent deliveries back, due at once; the claim does not count as a try."""
    with conn.transaction():
        cur = conn.execute(
            "UPDATE push_deliveries SET next_attempt_at = %s, lease_token = NULL,"
            " attempts = attempts - 1"
            " WHERE id = ANY(%s) AND lease_token = %s AND status = 'pending'",
            (now, [d.id for d in deliveries], deliveries[0].lease_token if deliveries else None),
        )
    return cur.rowcount
