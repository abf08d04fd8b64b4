"""The gate log (车辆道闸): desensitised vehicle passes and in/out counts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Query

from hub.api.deps import DbDep, UserDep
from hub.auth.scope import path_condition
from hub.auth.users import User

router = APIRouter(prefix="/api/v1/gate", tags=["gate"])
PASS_TYPES = ["vehicle_pass", "vehicle_blacklisted"]


# Passes in the user's scope within [start, end): shared by the log and the counts.
_PASSES = (
    " FROM events e JOIN gateways g ON g.id = e.gateway_id JOIN sites s ON s.id = g.site_id"
    " WHERE e.type = ANY(%(types)s) AND {scope}"
    " AND e.observed_at >= %(start)s AND e.observed_at < %(end)s"
)


def _passes(user: User, start: datetime | None, end: datetime | None) -> tuple[str, dict[str, Any]]:
    """FROM/WHERE clause and parameters for the passes the user may see in the window."""
    end = end or datetime.now(UTC)
    start = start or end - timedelta(hours=24)
    if start.tzinfo is None or end.tzinfo is None or start >= end:
        raise HTTPException(422, "start and end need a time zone, and start must be before end")
    scope, params = path_condition(user, "s.path")
    return _PASSES.format(scope=scope), params | {"types": PASS_TYPES, "start": start, "end": end}


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
    passes, params = _passes(user, start, end)
    return db.execute(
        "SELECT e.message_id::text, e.observed_at, e.gateway_id, e.device_id, e.type,"
        " split_part(s.path, '/', 2) AS community_id,"
        " e.data->>'lane' AS lane, e.data->>'direction' AS direction,"
        " e.data->>'decision' AS decision, e.data->>'reason' AS reason,"
        " e.data->>'plate_masked' AS plate_masked, e.data->>'plate_pseudonym' AS plate_pseudonym,"
        " e.data->>'plate_colour' AS plate_colour, (e.data->>'confidence')::float AS confidence,"
        " e.evidence"
        + passes
        + " AND (%(community)s::text IS NULL OR split_part(s.path, '/', 2) = %(community)s)"
        " AND (%(decision)s::text IS NULL OR e.data->>'decision' = %(decision)s)"
        " AND (%(pseudonym)s::text IS NULL OR e.data->>'plate_pseudonym' = %(pseudonym)s)"
        " ORDER BY e.observed_at DESC LIMIT %(limit)s",
        params
        | {
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
    passes, params = _passes(user, start, end)
    return db.execute(
        "SELECT split_part(s.path, '/', 2) AS community_id, e.data->>'direction' AS direction,"
        " count(*) AS passes,"
        " count(*) FILTER (WHERE e.data->>'decision' = 'hold') AS held,"
        " count(*) FILTER (WHERE e.type = 'vehicle_blacklisted') AS blacklisted"
        + passes
        + " GROUP BY 1, 2 ORDER BY 1, 2",
        params,
    ).fetchall()
