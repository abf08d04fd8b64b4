"""The gate log (车辆道闸): desensitised vehicle passes, in/out counts, and the guard's
answer to a held vehicle (门岗放行): open the barrier or keep it shut."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, HTTPException, Query
from pydantic import BaseModel, ConfigDict, Field

from hub.alerts import audit
from hub.api.deps import DbDep, RuntimeDep, UserDep, require
from hub.api.routes.commands import new_command, send
from hub.auth.scope import path_condition
from hub.auth.users import User

router = APIRouter(prefix="/api/v1/gate", tags=["gate"])
PASS_TYPES = ["vehicle_pass", "vehicle_blacklisted"]
GuardDep = Annotated[
    User, require("admin", "property_security", "community_officer", "street_officer")
]


class Answer(BaseModel):
    """The guard's answer to a held vehicle."""

    model_config = ConfigDict(extra="forbid")

    open: bool = Field(description="True opens the barrier; False keeps it shut.")
    note: str = Field(default="", max_length=200, description="e.g. 访客已登记, 外卖车辆.")


# Passes in the user's scope within [start, end): shared by the log and the counts.
_PASSES = (
    " FROM events e JOIN gateways g ON g.id = e.gateway_id JOIN sites s ON s.id = g.site_id"
    " LEFT JOIN gate_answers a ON a.pass_id = e.message_id"
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
    waiting: bool = False,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> list[dict[str, Any]]:
    """Passes newest first, with masked plates and keyed pseudonyms only.

    ``waiting`` keeps the held vehicles nobody has answered yet.
    """
    passes, params = _passes(user, start, end)
    return db.execute(
        "SELECT e.message_id::text, e.observed_at, e.gateway_id, e.device_id, e.type,"
        " split_part(s.path, '/', 2) AS community_id,"
        " e.data->>'lane' AS lane, e.data->>'direction' AS direction,"
        " e.data->>'decision' AS decision, e.data->>'reason' AS reason,"
        " e.data->>'plate_masked' AS plate_masked, e.data->>'plate_pseudonym' AS plate_pseudonym,"
        " e.data->>'plate_colour' AS plate_colour, (e.data->>'confidence')::float AS confidence,"
        " e.evidence, a.action AS answer, a.answered_by, a.answered_at"
        + passes
        + " AND (%(community)s::text IS NULL OR split_part(s.path, '/', 2) = %(community)s)"
        " AND (%(decision)s::text IS NULL OR e.data->>'decision' = %(decision)s)"
        " AND (%(pseudonym)s::text IS NULL OR e.data->>'plate_pseudonym' = %(pseudonym)s)"
        " AND (NOT %(waiting)s OR (e.data->>'decision' = 'hold' AND a.pass_id IS NULL))"
        " ORDER BY e.observed_at DESC LIMIT %(limit)s",
        params
        | {
            "community": community_id,
            "decision": decision,
            "pseudonym": pseudonym,
            "waiting": waiting,
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


@router.post("/passes/{pass_id}/answer")
def answer_held_pass(
    pass_id: UUID, body: Answer, db: DbDep, runtime: RuntimeDep, user: GuardDep
) -> dict[str, Any]:
    """Answer a held vehicle once: open sends barrier.open to its lane, refuse keeps it shut."""
    scope, params = path_condition(user, "s.path")
    held = db.execute(
        "SELECT e.gateway_id, e.device_id, e.data->>'lane' AS lane,"
        " e.data->>'decision' AS decision"
        " FROM events e JOIN gateways g ON g.id = e.gateway_id JOIN sites s ON s.id = g.site_id"
        f" WHERE e.message_id = %(id)s AND e.type = ANY(%(types)s) AND {scope}",
        params | {"id": pass_id, "types": PASS_TYPES},
    ).fetchone()
    if held is None:
        raise HTTPException(404, f"no vehicle pass {pass_id} that you may see")
    if held["decision"] != "hold":
        raise HTTPException(409, f"this pass was not held (decision {held['decision']})")
    action = "open" if body.open else "refuse"
    command = (
        new_command(
            gateway_id=held["gateway_id"],
            name="barrier.open",
            args={"lane": held["lane"]} if held["lane"] else {},
            issued_by=user.username,
            device_id=held["device_id"],
            ttl_s=60,
        )
        if body.open
        else None
    )
    answered = db.execute(
        "INSERT INTO gate_answers (pass_id, action, answered_by, note, command_id)"
        " VALUES (%s, %s, %s, %s, %s) ON CONFLICT (pass_id) DO NOTHING RETURNING answered_at",
        (pass_id, action, user.username, body.note, command and command.message_id),
    ).fetchone()
    if answered is None:
        raise HTTPException(409, "this held vehicle has been answered already")
    audit.append(
        db.connection,
        actor=user.username,
        action=f"gate.{action}",
        alert_id=None,
        detail={"pass_id": str(pass_id), "gateway_id": held["gateway_id"], "note": body.note},
        at=datetime.now(UTC),
    )
    # Committed before answering: the console reloads the waiting list at once.
    # send commits the answer together with its command, then publishes it.
    sent = None
    if command is None:
        db.connection.commit()
    else:
        sent = send(db, runtime, command)
    return {"pass_id": str(pass_id), "answer": action, "command": sent}
