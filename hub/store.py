"""Write one batch of decoded messages in one transaction, idempotently.

Message ids go into ``ingested`` first; only ids that were not there yet get
their rows written, so a redelivered message (after a hub crash, a broker
restart or an edge replay) never duplicates telemetry, events or alerts.
"""

from __future__ import annotations

import hashlib
import json
from base64 import b64decode
from dataclasses import dataclass, field
from datetime import UTC, datetime

import psycopg
from psycopg.types.json import Jsonb

from hub.alerts import audit, rules
from hub.push import PushConfig, alert_snapshot, enqueue_alert
from protocol.models import CommandAck, Envelope, Event, Evidence, Health, State, Telemetry
from protocol.topics import Kind, topic

DEAD_LETTER_HEAD_BYTES = 8 * 1024


@dataclass(frozen=True, slots=True)
class DeadLetter:
    """A message that could not be accepted, and why."""

    topic: str
    reason: str
    detail: str
    payload: bytes


@dataclass(slots=True)
class BatchResult:
    """What a batch changed."""

    new_messages: int = 0
    duplicates: int = 0
    telemetry_rows: int = 0
    events: int = 0
    alerts_touched: int = 0
    dead_letters: int = 0
    kinds: dict[str, int] = field(default_factory=dict)


def write_batch(
    conn: psycopg.Connection[tuple[object, ...]],
    messages: list[Envelope],
    dead: list[DeadLetter],
    *,
    push: PushConfig | None = None,
) -> BatchResult:
    """Store a batch; the caller commits (and only then acknowledges the broker)."""
    result = BatchResult()
    unique = {m.message_id: m for m in messages}
    fresh = _claim_ids(conn, list(unique.values()))
    result.new_messages = len(fresh)
    result.duplicates = len(messages) - len(fresh)
    new = [unique[i] for i in fresh]
    for message in new:
        kind = str(message.kind)  # type: ignore[attr-defined]
        result.kinds[kind] = result.kinds.get(kind, 0) + 1
    telemetry = [m for m in new if isinstance(m, Telemetry)]
    result.telemetry_rows = _copy_telemetry(conn, telemetry)
    events = [m for m in new if isinstance(m, Event)]
    result.events = _insert_events(conn, events)
    alarms = [e for e in events if e.alarm]
    if telemetry:
        alarms += rules.evaluate(rules.load_rules(conn), telemetry)
    result.alerts_touched = _upsert_alerts(conn, alarms, push)
    _note_recoveries(conn, [e for e in events if not e.alarm])
    evidence = [m for m in new if isinstance(m, Evidence)]
    _store_evidence(conn, [e for e in evidence if e.desensitised])
    dead = dead + _store_raw(conn, [e for e in evidence if not e.desensitised])
    _apply_states(conn, [m for m in messages if isinstance(m, State)])
    _apply_health(conn, [m for m in new if isinstance(m, Health)])
    _apply_acks(conn, [m for m in new if isinstance(m, CommandAck)])
    _touch_gateways(conn, new)
    result.dead_letters = _insert_dead(conn, dead)
    return result


def _claim_ids(conn: psycopg.Connection[tuple[object, ...]], messages: list[Envelope]) -> list[str]:
    if not messages:
        return []
    conn.execute(
        "CREATE TEMP TABLE IF NOT EXISTS batch_ids "
        "(message_id uuid, gateway_id text, kind text) ON COMMIT DELETE ROWS"
    )
    with conn.cursor().copy("COPY batch_ids (message_id, gateway_id, kind) FROM STDIN") as copy:
        for m in messages:
            copy.write_row((m.message_id, m.gateway_id, m.kind))  # type: ignore[attr-defined]
    rows = conn.execute(
        "INSERT INTO ingested (message_id, gateway_id, kind) "
        "SELECT message_id, gateway_id, kind FROM batch_ids "
        "ON CONFLICT (message_id) DO NOTHING RETURNING message_id::text"
    ).fetchall()
    return [str(r[0]) for r in rows]


def _copy_telemetry(conn: psycopg.Connection[tuple[object, ...]], batches: list[Telemetry]) -> int:
    rows = 0
    if not batches:
        return 0
    with conn.cursor().copy(
        "COPY telemetry (time, gateway_id, device_id, metric, value, message_id) FROM STDIN"
    ) as copy:
        for t in batches:
            for r in t.readings:
                copy.write_row((r.ts, t.gateway_id, r.device_id, r.metric, r.value, t.message_id))
            rows += len(t.readings)
    return rows


def _insert_events(conn: psycopg.Connection[tuple[object, ...]], events: list[Event]) -> int:
    if not events:
        return 0
    with conn.cursor() as cur:
        cur.executemany(
            "INSERT INTO events (message_id, gateway_id, device_id, type, severity, alarm, channel,"
            " observed_at, historical, data, evidence)"
            " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
            [
                (
                    e.message_id,
                    e.gateway_id,
                    e.device_id,
                    e.type,
                    e.severity,
                    e.alarm,
                    e.channel,
                    e.observed_at,
                    e.historical,
                    Jsonb(e.data),
                    Jsonb([r.model_dump() for r in e.evidence]),
                )
                for e in events
            ],
        )
    return len(events)


_ALERT_UPSERT = """
WITH place AS (
    SELECT s.id AS site_id, s.path FROM gateways g
      LEFT JOIN devices d ON d.gateway_id = g.id AND d.id = %(device_id)s
      LEFT JOIN sites s ON s.id = coalesce(d.site_id, g.site_id)
     WHERE g.id = %(gateway_id)s
), sla AS (SELECT ack_within, resolve_within FROM alert_sla WHERE severity = %(severity)s)
INSERT INTO alerts (source, type, severity, gateway_id, device_id, site_id, site_path,
                    community_id, resident_id, channel, first_seen, last_seen, last_event,
                    data, evidence, ack_due, resolve_due)
SELECT %(source)s, %(type)s, %(severity)s, %(gateway_id)s, %(device_id)s,
       (SELECT site_id FROM place), (SELECT path FROM place),
       nullif(split_part((SELECT path FROM place), '/', 2), ''), %(resident_id)s,
       %(channel)s, %(observed_at)s, %(observed_at)s, %(message_id)s, %(data)s, %(evidence)s,
       now() + (SELECT ack_within FROM sla), now() + (SELECT resolve_within FROM sla)
ON CONFLICT (source, type) WHERE status NOT IN ('resolved', 'closed') DO UPDATE SET
    count = alerts.count + 1,
    last_seen = greatest(alerts.last_seen, excluded.last_seen),
    last_event = excluded.last_event,
    data = excluded.data,
    evidence = excluded.evidence
RETURNING id, (xmax = 0) AS inserted
"""


def _upsert_alerts(
    conn: psycopg.Connection[tuple[object, ...]], alarms: list[Event], push: PushConfig | None
) -> int:
    """One open alert per (source, type); a new one is audited as raised."""
    for e in sorted(alarms, key=lambda e: e.message_id):
        resident = e.data.get("resident_id")
        row = conn.execute(
            _ALERT_UPSERT,
            {
                "source": f"{e.gateway_id}/{e.device_id}",
                "type": e.type,
                "severity": e.severity,
                "gateway_id": e.gateway_id,
                "device_id": e.device_id,
                "channel": e.channel,
                "observed_at": e.observed_at,
                "message_id": e.message_id,
                "data": Jsonb(e.data),
                "evidence": Jsonb([r.model_dump() for r in e.evidence]),
                "resident_id": resident if isinstance(resident, str) else None,
            },
        ).fetchone()
        if row is not None and row[1]:
            alert_id = int(str(row[0]))
            if push is not None:
                enqueue_alert(conn, alert_snapshot(conn, alert_id) or {}, "community", push)
            audit.append(
                conn,
                actor="system",
                action="raised",
                alert_id=alert_id,
                detail={
                    "type": e.type,
                    "severity": e.severity,
                    "level": "community",
                    "source": f"{e.gateway_id}/{e.device_id}",
                    "event": e.message_id,
                },
                at=datetime.now(UTC),
            )
    return len(alarms)


def _note_recoveries(conn: psycopg.Connection[tuple[object, ...]], notices: list[Event]) -> None:
    """A device reporting its fault gone (``data.raised`` false) is noted on the open alert.

    The alert stays open: someone on duty still confirms and resolves it, but
    at 3 a.m. it matters whether the camera came back by itself.
    """
    for e in sorted(notices, key=lambda e: e.message_id):
        if e.data.get("raised") is not False:
            continue
        row = conn.execute(
            "SELECT id FROM alerts WHERE source = %s AND type = %s"
            " AND status NOT IN ('resolved', 'closed')",
            (f"{e.gateway_id}/{e.device_id}", e.type),
        ).fetchone()
        if row is None:
            continue
        fault = e.data.get("fault")
        audit.append(
            conn,
            actor="system",
            action="cleared",
            alert_id=int(str(row[0])),
            detail={
                "event": e.message_id,
                "fault": fault if isinstance(fault, str) else None,
                "observed_at": e.observed_at.isoformat(),
            },
            at=datetime.now(UTC),
        )


def _store_evidence(conn: psycopg.Connection[tuple[object, ...]], items: list[Evidence]) -> None:
    # Content and hash were checked when the message was decoded.
    rows = [(i.sha256, i.gateway_id, i.media_type, b64decode(i.content_b64)) for i in items]
    if rows:
        with conn.cursor() as cur:
            cur.executemany(
                "INSERT INTO evidence (sha256, gateway_id, media_type, content) "
                "VALUES (%s, %s, %s, %s) ON CONFLICT (sha256) DO NOTHING",
                rows,
            )


def _store_raw(
    conn: psycopg.Connection[tuple[object, ...]], items: list[Evidence]
) -> list[DeadLetter]:
    """Store raw objects that answer an approved, undelivered release of the same gateway."""
    refused = []
    for item in items:
        delivered = conn.execute(
            "UPDATE raw_releases SET sha256 = %s, delivered_at = now()"
            " WHERE id = %s AND gateway_id = %s AND status = 'approved' AND sha256 IS NULL"
            " RETURNING id",
            (item.sha256, item.release_id, item.gateway_id),
        ).fetchone()
        if delivered is None:
            # The content is not kept, not even its head: it is raw.
            refused.append(
                DeadLetter(
                    topic=topic(item.gateway_id, Kind.EVIDENCE),
                    reason="unapproved_raw",
                    detail=f"raw object {item.sha256} names release {item.release_id}, which is"
                    " not an approved, undelivered release for this gateway",
                    payload=b"",
                )
            )
            continue
        conn.execute(
            "INSERT INTO evidence (sha256, gateway_id, media_type, content, release_id)"
            " VALUES (%s, %s, %s, %s, %s) ON CONFLICT (sha256) DO NOTHING",
            (
                item.sha256,
                item.gateway_id,
                item.media_type,
                b64decode(item.content_b64),
                item.release_id,
            ),
        )
    return refused


def _apply_states(conn: psycopg.Connection[tuple[object, ...]], states: list[State]) -> None:
    # Newest device time wins, so a replayed or late will cannot mark a live gateway offline.
    for s in sorted(states, key=lambda s: s.device_time):
        conn.execute(
            "INSERT INTO gateways (id, status, status_at, agent_version, capabilities)"
            " VALUES (%s, %s, %s, %s, %s)"
            " ON CONFLICT (id) DO UPDATE SET status = excluded.status,"
            "  status_at = excluded.status_at, agent_version = excluded.agent_version,"
            "  capabilities = CASE WHEN excluded.status = 'online' THEN excluded.capabilities"
            "                      ELSE gateways.capabilities END"
            " WHERE gateways.status_at IS NULL OR gateways.status_at <= excluded.status_at",
            (s.gateway_id, s.status, s.device_time, s.agent_version, s.capabilities),
        )


def _apply_health(conn: psycopg.Connection[tuple[object, ...]], items: list[Health]) -> None:
    for h in items:
        conn.execute(
            "UPDATE gateways SET health = %s, health_at = %s WHERE id = %s"
            " AND (health_at IS NULL OR health_at <= %s)",
            (Jsonb(json.loads(h.model_dump_json())), h.device_time, h.gateway_id, h.device_time),
        )


def _apply_acks(conn: psycopg.Connection[tuple[object, ...]], acks: list[CommandAck]) -> None:
    for a in acks:
        conn.execute(
            "UPDATE commands SET status = %s, detail = %s, acked_at = now()"
            " WHERE message_id = %s AND gateway_id = %s",
            (a.status, a.detail, a.command_id, a.gateway_id),
        )


def _touch_gateways(conn: psycopg.Connection[tuple[object, ...]], new: list[Envelope]) -> None:
    latest: dict[str, datetime] = {}
    for m in new:
        latest[m.gateway_id] = max(latest.get(m.gateway_id, m.device_time), m.device_time)
    for gateway_id, seen in sorted(latest.items()):
        conn.execute(
            "INSERT INTO gateways (id, last_seen) VALUES (%s, %s) ON CONFLICT (id) DO UPDATE"
            " SET last_seen = greatest(gateways.last_seen, excluded.last_seen)",
            (gateway_id, min(seen, datetime.now(UTC))),
        )


def _insert_dead(conn: psycopg.Connection[tuple[object, ...]], dead: list[DeadLetter]) -> int:
    if not dead:
        return 0
    with conn.cursor() as cur:
        cur.executemany(
            "INSERT INTO dead_letters (topic, reason, detail, payload_size, payload_sha256,"
            " payload_head) VALUES (%s, %s, %s, %s, %s, %s)",
            [
                (
                    _text(d.topic, 512),
                    d.reason,
                    _text(d.detail, 2000),
                    len(d.payload),
                    hashlib.sha256(d.payload).hexdigest(),
                    d.payload[:DEAD_LETTER_HEAD_BYTES],
                )
                for d in dead
            ],
        )
    return len(dead)


def _text(value: str, limit: int) -> str:
    # PostgreSQL text cannot hold NUL; hostile payloads echoed in details may.
    return value.replace("\x00", "\\0")[:limit]
