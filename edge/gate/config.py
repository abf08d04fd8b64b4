"""Configuration of one gate lane (pydantic, no I/O)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator

from edge.camera.config import SourceConfig
from edge.camera.viewcheck import STREAM_CHECKS, ViewCheckConfig
from edge.gate.readwatch import ReadWatchConfig
from edge.gate.trigger import TriggerConfig
from edge.plates.reader import ReaderConfig
from edge.secret import Secret
from protocol.models import DeviceId


class GateConfig(BaseModel):
    """One lane of a vehicle gate: camera region, lists file, secret, thresholds."""

    model_config = ConfigDict(extra="forbid")

    type: Literal["vehicle_gate"] = Field(default="vehicle_gate", description="Capability type.")
    device_id: DeviceId = Field(description="Device id of the lane camera and barrier.")
    lane: str = Field(default="1", max_length=16, description="Lane name shown to the guard.")
    direction: Literal["in", "out"] = Field(default="in", description="Direction of traffic.")
    channel: str | None = Field(default=None, max_length=64, description="Camera channel id.")
    reader: ReaderConfig = Field(default_factory=ReaderConfig, description="Plate reading.")
    camera: SourceConfig | None = Field(
        default=None,
        description="The lane camera; without one, plates come from a camera that reads them.",
    )
    trigger: TriggerConfig = Field(
        default_factory=TriggerConfig, description="Virtual loop that cuts the video into passes."
    )
    lists_path: Path = Field(description="SQLite file of the access lists (keyed hashes).")
    secret: Secret = Field(
        description=(
            "Gateway secret for plate HMACs; at least 16 characters, never published"
            " (or {file:}, {credential:}, {env:})."
        )
    )
    min_open_confidence: float = Field(
        default=0.2,
        ge=0,
        le=1,
        description="Voted confidence below which even a listed plate waits for the guard.",
    )
    face_model: Path | None = Field(
        default=None, description="Operator-supplied YuNet ONNX file; faces are pixelated if set."
    )
    snapshot: bool = Field(default=True, description="Attach a desensitised snapshot to events.")
    view_check: ViewCheckConfig = Field(
        default_factory=lambda: ViewCheckConfig(checks=STREAM_CHECKS),
        description=(
            "Lost or frozen lane stream (no_signal, frozen); the lane's view is not"
            " compared with a reference."
        ),
    )
    read_watch: ReadWatchConfig = Field(
        default_factory=ReadWatchConfig,
        description="When unread passes count as a camera fault (plates_unread).",
    )

    @field_validator("view_check", mode="before")
    @classmethod
    def lane_checks_by_default(cls, value: object) -> object:
        # A lane's section that sets only, say, hold_s still judges only the stream.
        if isinstance(value, dict) and "checks" not in value:
            return {**value, "checks": sorted(STREAM_CHECKS)}
        return value

    @field_validator("view_check")
    @classmethod
    def verify_view_check(cls, value: ViewCheckConfig) -> ViewCheckConfig:
        # Not measured at lanes: the simulated lane draws a new scene for every pass.
        extra = sorted(value.checks - STREAM_CHECKS)
        if extra:
            raise ValueError(
                "a lane camera's view is not compared with a reference: view_check.checks"
                f" may hold only no_signal and frozen, not {', '.join(extra)}"
            )
        if value.reference is not None:
            raise ValueError("view_check.reference is for façade cameras; a lane has none")
        return value

    @field_validator("secret")
    @classmethod
    def verify_secret(cls, value: SecretStr) -> SecretStr:
        if len(value.get_secret_value()) < 16:
            raise ValueError("secret must be at least 16 characters; generate one per gateway")
        return value
