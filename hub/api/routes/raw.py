"""Raw evidence release (原始证据调取): one person asks, a second approves, all audited.

Raw clips stay encrypted on the gateway (ARCHITECTURE guarantee 2). An
officer asks for the raw clip of one event, giving a reason; a street
officer or admin who is not the asker approves or rejects. Approval sends
``evidence.release_raw`` to the gateway, which publishes the clip once,
marked raw, with the request's id; the hub keeps it only for that approved,
undelivered request, and only the asker and the approver may view it. Every
step, and every view, is a row in the hash-chained audit log.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, HTTPException
from pydantic import BaseModel, ConfigDict, Field

from hub.alerts import audit
from hub.api.deps import DbDep, RuntimeDep, require
from hub.api.routes.commands import new_command, send
from hub.auth.scope import path_condition
from hub.auth.users import User
from protocol.models import Name

router = APIRouter(prefix="/api/v1/raw-releases", tags=["raw evidence"])
RequesterDep = Annotated[User, require("admin", "community_officer", "street_officer")]
ApproverDep = Annotated[User, require("admin", "street_officer")]
# The same name the gateway registers (edge.facade.RAW_RELEASE_COMMAND).
RELEASE_COMMAND: Name = "evidence.release_raw"
_COLUMNS = (
    "r.id, r.event_id::text AS event_id, r.gateway_id, r.reason, r.requested_by,"
    " r.requested_at, r.status, r.decided_by, r.decided_at, r.note, r.command_id::text AS"
    " command_id, c.status AS command_status, c.detail AS command_detail, r.sha256,"
    " r.delivered_at"
)
_FROM = (
    "FROM raw_releases r JOIN gateways g ON g.id = r.gateway_id"
    " LEFT JOIN sites s ON s.id = g.site_id LEFT JOIN commands c ON c.message_id = r.command_id"
)


class ReleaseCreate(BaseModel):
    """A request for the raw clip of one event."""

    model_config = ConfigDict(extra="forbid")

    event_id: UUID = Field(description="The event whose raw clip is wanted.")
    reason: str = Field(min_length=10, max_length=500, description="Why; kept in the audit log.")


class ReleaseDecision(BaseModel):
    """A second person's answer to a request."""

    model_config = ConfigDict(extra="forbid")

    approve: bool = Field(description="True sends the release to the gateway.")
    note: str = Field(default="", max_length=500, description="Kept with the decision.")


class ReleasePublic(BaseModel):
    """A request, its decision and delivery."""

    id: int
    event_id: str
    gateway_id: str
    reason: str
    requested_by: str
    requested_at: datetime
    status: str
    decided_by: str | None
    decided_at: datetime | None
    note: str
    command_id: str | None
    command_status: str | None
    command_detail: str | None
    sha256: str | None
    delivered_at: datetime | None


def _one(db: DbDep, user: User, release_id: int) -> dict[str, Any]:
    scope, params = path_condition(user, "s.path")
    row = db.execute(
        f"SELECT {_COLUMNS} {_FROM} WHERE r.id = %(id)s AND {scope}",
        params | {"id": release_id},
    ).fetchone()
    if row is None:
        raise HTTPException(404, f"no raw release request {release_id} that you may see")
    return row


@router.post("", response_model=ReleasePublic, status_code=201)
def request_release(body: ReleaseCreate, db: DbDep, user: RequesterDep) -> dict[str, Any]:
    """Ask for an event's raw clip; a second person must approve."""
    scope, params = path_condition(user, "s.path")
    event = db.execute(
        "SELECT e.gateway_id FROM events e JOIN gateways g ON g.id = e.gateway_id"
        f" LEFT JOIN sites s ON s.id = g.site_id WHERE e.message_id = %(e)s AND {scope}",
        params | {"e": body.event_id},
    ).fetchone()
    if event is None:
        raise HTTPException(404, f"no event {body.event_id} that you may see")
    created = db.execute(
        "INSERT INTO raw_releases (event_id, gateway_id, reason, requested_by)"
        " VALUES (%s, %s, %s, %s) RETURNING id",
        (body.event_id, event["gateway_id"], body.reason, user.username),
    ).fetchone()
    assert created is not None
    audit.append(
        db.connection,
        actor=user.username,
        action="raw_release.requested",
        alert_id=None,
        detail={"release_id": created["id"], "event_id": str(body.event_id), "reason": body.reason},
        at=datetime.now(UTC),
    )
    # Committed before answering: the asker's next read must see it.
    db.connection.commit()
    return _one(db, user, int(created["id"]))


@router.post("/{release_id}/decision", response_model=ReleasePublic)
def decide_release(
    release_id: int, body: ReleaseDecision, db: DbDep, runtime: RuntimeDep, user: ApproverDep
) -> dict[str, Any]:
    """Approve (sends the release to the gateway) or reject; never by the asker."""
    current = _one(db, user, release_id)
    if current["requested_by"] == user.username:
        raise HTTPException(403, "a second person must decide: you asked for this release")
    status = "approved" if body.approve else "rejected"
    command = (
        new_command(
            gateway_id=current["gateway_id"],
            name=RELEASE_COMMAND,
            args={"object": current["event_id"], "release_id": release_id},
            issued_by=user.username,
        )
        if body.approve
        else None
    )
    decided = db.execute(
        "UPDATE raw_releases SET status = %s, decided_by = %s, decided_at = now(), note = %s,"
        " command_id = %s WHERE id = %s AND status = 'pending' RETURNING id",
        (status, user.username, body.note, command and command.message_id, release_id),
    ).fetchone()
    if decided is None:
        raise HTTPException(409, f"request {release_id} is already {current['status']}")
    audit.append(
        db.connection,
        actor=user.username,
        action=f"raw_release.{status}",
        alert_id=None,
        detail={"release_id": release_id, "event_id": current["event_id"], "note": body.note},
        at=datetime.now(UTC),
    )
    # send commits the decision together with its command, then publishes it.
    if command is None:
        db.connection.commit()
    else:
        send(db, runtime, command)
    return _one(db, user, release_id)


@router.get("", response_model=list[ReleasePublic])
def list_releases(
    db: DbDep,
    user: RequesterDep,
    status: Literal["pending", "approved", "rejected"] | None = None,
    event_id: UUID | None = None,
) -> list[dict[str, Any]]:
    """Requests within the caller's sites (of one event, if given), newest first."""
    scope, params = path_condition(user, "s.path")
    return db.execute(
        f"SELECT {_COLUMNS} {_FROM} WHERE {scope}"
        " AND (%(status)s::text IS NULL OR r.status = %(status)s)"
        " AND (%(event)s::uuid IS NULL OR r.event_id = %(event)s)"
        " ORDER BY r.id DESC LIMIT 500",
        params | {"status": status, "event": event_id},
    ).fetchall()


@router.get("/{release_id}", response_model=ReleasePublic)
def get_release(release_id: int, db: DbDep, user: RequesterDep) -> dict[str, Any]:
    """One request and where it stands."""
    return _one(db, user, release_id)
