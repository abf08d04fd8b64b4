"""Read access to sites, gateways, telemetry, events, alerts and dead letters."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Query, Response

from hub.alerts import audit
from hub.api.deps import AdminDep, DbDep, OverseerDep, UserDep
from hub.api.schemas import (
    DeadLetterPublic,
    EventPublic,
    GatewayPublic,
    SitePublic,
    Stats,
    TelemetryBucket,
)
from hub.auth.scope import path_condition
from hub.auth.users import User

router = APIRouter(prefix="/api/v1", tags=["data"])

BUCKETS = {"1m": "1 minute", "5m": "5 minutes", "15m": "15 minutes", "1h": "1 hour", "1d": "1 day"}
MAX_POINTS = 10_000
Limit = Annotated[int, Query(ge=1, le=1000, description="Most rows to return.")]


@router.get("/sites", response_model=list[SitePublic])
def list_sites(db: DbDep, user: UserDep) -> list[dict[str, Any]]:
    """The part of the site tree the user may see, parents first."""
    scope, params = path_condition(user, "path")
    return db.execute(
        f"SELECT id, kind, parent_id, name, path FROM sites WHERE {scope} ORDER BY path", params
    ).fetchall()


def _gateway_scope(user: User) -> tuple[str, dict[str, Any]]:
    """Condition on a ``gateway_id`` column: gateways whose site the user may see."""
    scope, params = path_condition(user, "s.path")
    return (
        f"gateway_id IN (SELECT g.id FROM gateways g JOIN sites s ON s.id = g.site_id"
        f" WHERE {scope})"
        if scope != "TRUE"
        else "TRUE",
        params,
    )


@router.get("/gateways", response_model=list[GatewayPublic])
def list_gateways(db: DbDep, user: UserDep, site: str | None = None) -> list[dict[str, Any]]:
    """Gateways with online/offline from their retained state; ``site`` limits to a subtree."""
    scope, params = path_condition(user, "s.path")
    columns = (
        "g.id, g.name, g.site_id, g.status, g.status_at, g.last_seen, g.agent_version,"
        " g.capabilities, g.health"
    )
    if site is None:
        return db.execute(
            f"SELECT {columns} FROM gateways g LEFT JOIN sites s ON s.id = g.site_id"
            f" WHERE {scope} ORDER BY g.id",
            params,
        ).fetchall()
    return db.execute(
        f"SELECT {columns} FROM gateways g JOIN sites s ON s.id = g.site_id"
        " JOIN sites root ON root.id = %(site)s"
        f" WHERE (s.path = root.path OR starts_with(s.path, root.path || '/')) AND {scope}"
        " ORDER BY g.id",
        params | {"site": site},
    ).fetchall()


@router.get("/telemetry", response_model=list[TelemetryBucket])
def query_telemetry(
    db: DbDep,
    user: UserDep,
    gateway_id: str,
    device_id: str | None = None,
    metric: str | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    bucket: Literal["1m", "5m", "15m", "1h", "1d"] = "5m",
) -> list[dict[str, Any]]:
    """Readings aggregated per time bucket (``date_bin``), newest last."""
    end = end or datetime.now(UTC)
    start = start or end - timedelta(hours=24)
    if start.tzinfo is None or end.tzinfo is None:
        raise HTTPException(422, "start and end need a time zone, e.g. 2026-11-23T08:00:00+08:00")
    if start >= end:
        raise HTTPException(
            422, f"start ({start.isoformat()}) must be before end ({end.isoformat()})"
        )
    scope, params = _gateway_scope(user)
    return db.execute(
        "SELECT date_bin(%(bucket)s::interval, time, TIMESTAMPTZ '2000-01-01') AS bucket,"
        " device_id, metric, avg(value) AS avg, min(value) AS min, max(value) AS max,"
        " count(*) AS n FROM telemetry"
        " WHERE gateway_id = %(gw)s AND time >= %(start)s AND time < %(end)s"
        "  AND (%(device)s::text IS NULL OR device_id = %(device)s)"
        "  AND (%(metric)s::text IS NULL OR metric = %(metric)s)"
        f" AND {scope} GROUP BY 1, 2, 3 ORDER BY 1, 2, 3 LIMIT %(limit)s",
        params
        | {
            "bucket": BUCKETS[bucket],
            "gw": gateway_id,
            "start": start,
            "end": end,
            "device": device_id,
            "metric": metric,
            "limit": MAX_POINTS,
        },
    ).fetchall()


@router.get("/events", response_model=list[EventPublic])
def list_events(
    db: DbDep,
    user: UserDep,
    limit: Limit = 100,
    type: str | None = None,
    gateway_id: str | None = None,
    since: datetime | None = None,
) -> list[dict[str, Any]]:
    """Events, newest first."""
    scope, params = _gateway_scope(user)
    return db.execute(
        "SELECT message_id::text, gateway_id, device_id, type, severity, alarm, channel,"
        " observed_at, received_at, historical, data, evidence FROM events"
        " WHERE (%(type)s::text IS NULL OR type = %(type)s)"
        "  AND (%(gw)s::text IS NULL OR gateway_id = %(gw)s)"
        "  AND (%(since)s::timestamptz IS NULL OR observed_at >= %(since)s)"
        f" AND {scope} ORDER BY observed_at DESC LIMIT %(limit)s",
        params | {"type": type, "gw": gateway_id, "since": since, "limit": limit},
    ).fetchall()


@router.get("/dead-letters", response_model=list[DeadLetterPublic])
def list_dead_letters(db: DbDep, _user: AdminDep, limit: Limit = 100) -> list[dict[str, Any]]:
    """Refused messages with the reason, newest first."""
    return db.execute(
        "SELECT id, received_at, topic, reason, detail, payload_size, payload_sha256"
        " FROM dead_letters ORDER BY id DESC LIMIT %s",
        (limit,),
    ).fetchall()


@router.get("/stats", response_model=Stats)
def stats(db: DbDep, _user: OverseerDep) -> dict[str, Any] | None:
    """Counts of what the hub holds."""
    return db.execute(
        "SELECT (SELECT count(*) FROM telemetry) AS telemetry_rows,"
        " (SELECT count(*) FROM events) AS events,"
        " (SELECT count(*) FROM alerts) AS alerts,"
        " (SELECT count(*) FROM alerts WHERE status NOT IN ('resolved', 'closed')) AS open_alerts,"
        " (SELECT count(*) FROM dead_letters) AS dead_letters,"
        " (SELECT count(*) FROM gateways WHERE status = 'online') AS gateways_online,"
        " (SELECT count(*) FROM gateways) AS gateways"
    ).fetchone()


@router.get("/evidence/{sha256}")
def get_evidence(sha256: str, db: DbDep, user: UserDep) -> Response:
    """An evidence object from a gateway the user may see.

    Desensitised objects are for everyone in scope. A raw object (released on
    an approved request) only for the asker and the approver, and each view
    is audited.
    """
    if not re.fullmatch(r"[0-9a-f]{64}", sha256):
        raise HTTPException(422, "expected a lower-case hex SHA-256 (64 characters)")
    scope, params = _gateway_scope(user)
    row = db.execute(
        "SELECT media_type, content, release_id, (SELECT array[requested_by, decided_by]"
        " FROM raw_releases r WHERE r.id = release_id) AS people"
        f" FROM evidence WHERE sha256 = %(h)s AND {scope}",
        params | {"h": sha256},
    ).fetchone()
    if row is None or (row["release_id"] is not None and user.username not in row["people"]):
        raise HTTPException(404, f"no evidence {sha256} that you may see")
    cache = "private, max-age=86400"
    if row["release_id"] is not None:
        cache = "no-store"
        audit.append(
            db.connection,
            actor=user.username,
            action="raw_release.viewed",
            alert_id=None,
            detail={"release_id": row["release_id"], "sha256": sha256},
            at=datetime.now(UTC),
        )
        db.connection.commit()  # no view without its audit row
    return Response(
        bytes(row["content"]),
        media_type=row["media_type"],
        headers={"Cache-Control": cache, "X-Content-Type-Options": "nosniff"},
    )
