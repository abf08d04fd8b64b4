"""The gate log (车辆道闸): desensitised vehicle passes and in/out counts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Query

from hub.api.deps import DbDep, UserDep
from hub.auth.scope import path_condition

router = APIRouter(prefix="/api/v1/gate", tags=["gate"])
PASS_TYPES = ["vehicle_pass", "vehicle_blacklisted"]


def _window(start: datetime | None, end: datetime | None) -> tuple[datetime, datetime]:
    end = end or datetime.now(UTC)
    start = start or end - timedelta(hours=24)
    if start.tzinfo is None or end.tzinfo is None or start >= end:
        raise HTTPException(422, "start and end need a time zone, and start must be before end")
    return start, end


@router.get("/log")
def gate_log(
    db: DbDep,
    user: UserDep,
    start: datetime | None = None,
    end: datetime | None = None,
    community_id: str | None = None,
    decision: Literal["open", "hold", "refuse"] | None = None,
    pseudonym: Annotated[str | None, Query(max_length=80)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> list[dict[str, Any]]:
    """Passes newest first, with masked plates and keyed pseudonyms only."""
    begin, finish = _window(start, end)
    scope, params = path_condition(user, "s.path")
    return db.execute(
        "SELECT e.message_id::text, e.observed_at, e.gateway_id, e.device_id, e.type,"
        " split_part(s.path, '/', 2) AS community_id,"
        " e.data->>'lane' AS lane, e.data->>'direction' AS direction,"
        " e.data->>'decision' AS decision, e.data->>'reason' AS reason,"
        " e.data->>'plate_masked' AS plate_masked, e.data->>'plate_pseudonym' AS plate_pseudonym,"
        " e.data->>'plate_colour' AS plate_colour, (e.data->>'confidence')::float AS confidence,"
        " e.evidence"
        " FROM events e JOIN gateways g ON g.id = e.gateway_id JOIN sites s ON s.id = g.site_id"
        f" WHERE e.type = ANY(%(types)s) AND {scope}"
        " AND e.observed_at >= %(start)s AND e.observed_at < %(end)s"
        " AND (%(community)s::text IS NULL OR split_part(s.path, '/', 2) = %(community)s)"
        " AND (%(decision)s::text IS NULL OR e.data->>'decision' = %(decision)s)"
        " AND (%(pseudonym)s::text IS NULL OR e.data->>'plate_pseudonym' = %(pseudonym)s)"
        " ORDER BY e.observed_at DESC LIMIT %(limit)s",
        params
        | {
            "types": PASS_TYPES,
            "start": begin,
            "end": finish,
            "community": community_id,
            "decision": decision,
            "pseudonym": pseudonym,
            "limit": limit,
        },
    ).fetchall()


@router.get("/counts")
def gate_counts(
    db: DbDep,
    user: UserDep,
    start: datetime | None = None,
    end: datetime | None = None,
) -> list[dict[str, Any]]:
    """Passes per community and direction, with how many were held or refused."""
    begin, finish = _window(start, end)
    scope, params = path_condition(user, "s.path")
    return db.execute(
        "SELECT split_part(s.path, '/', 2) AS community_id, e.data->>'direction' AS direction,"
        " count(*) AS passes,"
        " count(*) FILTER (WHERE e.data->>'decision' = 'hold') AS held,"
        " count(*) FILTER (WHERE e.type = 'vehicle_blacklisted') AS blacklisted"
        " FROM events e JOIN gateways g ON g.id = e.gateway_id JOIN sites s ON s.id = g.site_id"
        f" WHERE e.type = ANY(%(types)s) AND {scope}"
        " AND e.observed_at >= %(start)s AND e.observed_at < %(end)s"
        " GROUP BY 1, 2 ORDER BY 1, 2",
        params | {"types": PASS_TYPES, "start": begin, "end": finish},
    ).fetchall()
