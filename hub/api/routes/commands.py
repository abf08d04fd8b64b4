"""Commands from the hub to a gateway (valve, barrier, config, allow-lists)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException
from psycopg.types.json import Jsonb
from pydantic import BaseModel, ConfigDict, Field

from hub.api.deps import DbDep, DictCursor, RuntimeDep, require
from hub.auth.scope import path_condition
from hub.auth.users import User
from hub.runtime import HubRuntime
from protocol.codec import encode
from protocol.errors import ProtocolError
from protocol.models import Command, DeviceId, Name
from protocol.topics import Kind, topic

router = APIRouter(prefix="/api/v1", tags=["commands"])
# Commands only a workflow may send, and where that workflow lives.
GUARDED = {"evidence.release_raw": "POST /api/v1/raw-releases, then a second person approves"}
CommanderDep = Annotated[
    User, require("admin", "property_security", "community_officer", "street_officer")
]


class CommandCreate(BaseModel):
    """A command to send."""

    model_config = ConfigDict(extra="forbid")

    name: Name = Field(description="e.g. valve.close, barrier.open, allowlist.sync, ping.")
    device_id: DeviceId | None = None
    args: dict[str, Any] = Field(default_factory=dict)
    ttl_s: int = Field(default=300, ge=1, le=86_400, description="Refused by the edge after this.")


class CommandPublic(BaseModel):
    """A command and its acknowledgement."""

    message_id: str
    gateway_id: str
    name: str
    device_id: str | None
    status: str
    detail: str
    issued_at: datetime
    acked_at: datetime | None


@router.post("/gateways/{gateway_id}/commands", response_model=CommandPublic, status_code=202)
def send_command(
    gateway_id: str, body: CommandCreate, db: DbDep, runtime: RuntimeDep, user: CommanderDep
) -> dict[str, Any]:
    """Record and publish a command; its status follows the gateway's cmd-ack."""
    if body.name in GUARDED:
        raise HTTPException(
            403, f"{body.name} is sent only on an approved request: {GUARDED[body.name]}"
        )
    scope, params = path_condition(user, "s.path")
    found = db.execute(
        "SELECT 1 FROM gateways g LEFT JOIN sites s ON s.id = g.site_id"
        f" WHERE g.id = %(gw)s AND {scope}",
        params | {"gw": gateway_id},
    ).fetchone()
    if found is None:
        raise HTTPException(404, f"no gateway {gateway_id!r} that you may command")
    command = new_command(
        gateway_id=gateway_id,
        name=body.name,
        args=body.args,
        issued_by=user.username,
        device_id=body.device_id,
        ttl_s=body.ttl_s,
    )
    return send(db, runtime, command)


def new_command(
    *,
    gateway_id: str,
    name: str,
    args: dict[str, Any],
    issued_by: str,
    device_id: str | None = None,
    ttl_s: int = 300,
) -> Command:
    """A command with its id, so a workflow can record it beside its own decision first."""
    return Command(
        gateway_id=gateway_id,
        name=name,
        device_id=device_id,
        args=args,
        expires_at=datetime.now(UTC) + timedelta(seconds=ttl_s),
        issued_by=issued_by,
    )


def send(db: DictCursor, runtime: HubRuntime, command: Command) -> dict[str, Any]:
    """Record ``command``, committing the caller's transaction with it, then publish it."""
    if runtime.ingestor is None:
        raise HTTPException(503, "this hub process does not talk to the broker")
    try:
        payload = encode(command)
    except ProtocolError as exc:
        raise HTTPException(413, exc.detail) from exc
    row = db.execute(
        "INSERT INTO commands (message_id, gateway_id, name, device_id, args, issued_by)"
        " VALUES (%s, %s, %s, %s, %s, %s) RETURNING message_id::text, gateway_id, name,"
        " device_id, status, detail, issued_at, acked_at",
        (
            command.message_id,
            command.gateway_id,
            command.name,
            command.device_id,
            Jsonb(command.args),
            command.issued_by,
        ),
    ).fetchone()
    db.connection.commit()  # recorded before it can be acknowledged
    runtime.ingestor.publish(topic(command.gateway_id, Kind.CMD), payload)
    assert row is not None
    return row


@router.get("/commands/{message_id}", response_model=CommandPublic)
def get_command(message_id: str, db: DbDep, _user: CommanderDep) -> dict[str, Any]:
    """A command's current status."""
    row = db.execute(
        "SELECT message_id::text, gateway_id, name, device_id, status, detail, issued_at,"
        " acked_at FROM commands WHERE message_id::text = %s",
        (message_id,),
    ).fetchone()
    if row is None:
        raise HTTPException(404, f"no command {message_id!r}")
    return row
