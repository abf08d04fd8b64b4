"""Pydantic models of every protocol v1 message (one source of truth).

Edge, hub and simulators import these; the AsyncAPI document is generated
from them. ``Base`` models forbid unknown fields so a typo is an error, not a
silently dropped value.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

from protocol.ids import MESSAGE_ID_PATTERN, new_message_id
from protocol.topics import GATEWAY_ID_PATTERN, Kind

SCHEMA_VERSION = 1


def _utc(value: datetime) -> datetime:
    return value.astimezone(UTC)


GatewayId = Annotated[str, StringConstraints(pattern=GATEWAY_ID_PATTERN)]
MessageId = Annotated[str, StringConstraints(pattern=MESSAGE_ID_PATTERN)]
UtcTime = Annotated[AwareDatetime, AfterValidator(_utc)]
DeviceId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$")]
Name = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_.]{0,63}$")]
Severity = Literal["critical", "major", "minor", "info"]
AckStatus = Literal["accepted", "done", "rejected", "failed"]


def _now() -> datetime:
    return datetime.now(UTC)


class Strict(BaseModel):
    """Base of every wire model: unknown fields are refused."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Envelope(Strict):
    """Fields every message carries."""

    schema_version: Literal[1] = Field(default=1, description="Protocol schema version.")
    message_id: MessageId = Field(
        default_factory=new_message_id,
        description="UUIDv7: globally unique, time-ordered; the hub's idempotency key.",
    )
    gateway_id: GatewayId = Field(description="Gateway that sent (or receives) the message.")
    device_time: UtcTime = Field(
        default_factory=_now, description="Gateway clock when the message was made (UTC)."
    )
    historical: bool = Field(
        default=False, description="True when replayed from the outbox after an outage."
    )


class EvidenceRef(Strict):
    """Reference from an event to a desensitised evidence object."""

    sha256: Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]
    media_type: Literal["image/jpeg", "image/png", "video/mp4", "application/json"]
    role: Literal["snapshot", "clip", "composite", "track"] = "snapshot"


class Event(Envelope):
    """A detection or alarm observed at the edge (QoS 1)."""

    kind: Literal["event"] = "event"
    type: Name = Field(description="Event type, e.g. falling_object, gas_alarm, vehicle_pass.")
    severity: Severity = Field(default="info", description="How urgent the event is.")
    alarm: bool = Field(default=False, description="True when the hub should raise an alert.")
    device_id: DeviceId = Field(description="Device or camera that observed it.")
    channel: str | None = Field(
        default=None, max_length=64, description="Camera channel, for video platforms."
    )
    observed_at: UtcTime = Field(description="When it happened (device clock, UTC).")
    data: dict[str, Any] = Field(
        default_factory=dict, description="Type-specific, already desensitised, fields."
    )
    evidence: list[EvidenceRef] = Field(default_factory=list, max_length=16)


def _finite(value: float) -> float:
    if not math.isfinite(value):
        raise ValueError(f"expected a finite number, got {value}")
    return value


class Reading(Strict):
    """One sensor value."""

    device_id: DeviceId
    metric: Name = Field(description="What is measured, e.g. water.total_m3, gas.lel_pct.")
    # Plain validators (no Python callbacks): a telemetry batch holds thousands of readings.
    ts: AwareDatetime = Field(description="Measurement time (device clock, with its UTC offset).")
    value: float = Field(allow_inf_nan=False, description="Measured value; finite.")


MAX_READINGS = 5000


class Telemetry(Envelope):
    """A batch of readings (QoS 1)."""

    kind: Literal["telemetry"] = "telemetry"
    readings: list[Reading] = Field(min_length=1, max_length=MAX_READINGS)


class State(Envelope):
    """Retained birth/death of a gateway; death is the MQTT will."""

    kind: Literal["state"] = "state"
    status: Literal["online", "offline"]
    agent_version: str = Field(default="", max_length=40)
    capabilities: list[Name] = Field(default_factory=list, max_length=64)


class Health(Envelope):
    """Periodic statistics of a gateway and its sources."""

    kind: Literal["health"] = "health"
    uptime_s: float = Field(ge=0)
    outbox_depth: int = Field(ge=0, description="Messages waiting for a PUBACK.")
    outbox_oldest_s: float = Field(ge=0, description="Age of the oldest waiting message.")
    published: int = Field(ge=0, description="Messages acknowledged by the broker so far.")
    stats: dict[Name, float] = Field(
        default_factory=dict, description="Source statistics: fps, skipped, inference ms, drops."
    )

    @field_validator("stats")
    @classmethod
    def _finite_stats(cls, value: dict[str, float]) -> dict[str, float]:
        for key, number in value.items():
            if not math.isfinite(number):
                raise ValueError(f"stat {key!r} must be finite, got {number}")
        return value


class Evidence(Envelope):
    """An image or clip: desensitised and referenced from events by content hash, or
    raw and answering a release request approved at the hub by a second person."""

    kind: Literal["evidence"] = "evidence"
    sha256: Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]
    media_type: Literal["image/jpeg", "image/png", "video/mp4", "application/json"]
    desensitised: bool = Field(
        default=True,
        description="False only for raw evidence released on an approved request (release_id).",
    )
    release_id: int | None = Field(
        default=None, ge=1, description="The hub's approved raw-release request this answers."
    )
    content_b64: str = Field(max_length=2_800_000, description="Base64 of the object.")

    @model_validator(mode="after")
    def verify_release(self) -> Evidence:
        if not self.desensitised and self.release_id is None:
            raise ValueError("raw evidence (desensitised false) needs release_id")
        if self.desensitised and self.release_id is not None:
            raise ValueError("release_id is only for raw evidence (desensitised false)")
        return self


class Command(Envelope):
    """Hub to edge: valve, barrier, config, allow-lists."""

    kind: Literal["cmd"] = "cmd"
    name: Name = Field(description="Command, e.g. valve.close, barrier.open, allowlist.sync.")
    device_id: DeviceId | None = None
    args: dict[str, Any] = Field(default_factory=dict)
    issued_by: str = Field(default="hub", max_length=64)
    expires_at: UtcTime | None = None

    def ack(self, status: AckStatus, detail: str = "") -> CommandAck:
        """This command's acknowledgement from its gateway (``detail`` cut to 500 characters)."""
        return CommandAck(
            gateway_id=self.gateway_id,
            command_id=self.message_id,
            status=status,
            detail=detail[:500],
        )


class CommandAck(Envelope):
    """Edge to hub: the outcome of a command."""

    kind: Literal["cmd-ack"] = "cmd-ack"
    command_id: MessageId
    status: AckStatus
    detail: str = Field(default="", max_length=500)


Message = Event | Telemetry | State | Health | Evidence | Command | CommandAck

MODEL_BY_KIND: dict[Kind, type[Envelope]] = {
    Kind.EVENT: Event,
    Kind.TELEMETRY: Telemetry,
    Kind.STATE: State,
    Kind.HEALTH: Health,
    Kind.EVIDENCE: Evidence,
    Kind.CMD: Command,
    Kind.CMD_ACK: CommandAck,
}
